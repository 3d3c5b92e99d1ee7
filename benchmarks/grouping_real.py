#!/usr/bin/env python3
"""Wire-story grouping on real archives: `python benchmarks/grouping_real.py`, report in
results/grouping-real.txt.

1. Real data: FreSaDa then MasakhaNEWS (../shared/data), each article given to Grouper in
   file order, as `newssearch index` does. Every group of 2+ articles the current code forms
   is judged member by member against its first article with the labels of
   labels/grouping-real.tsv; pairs not labelled yet are listed (label them, then run again).
   Recall: the labelled pairs that are one story and are grouped.
2. Synthetic: the edited-articles set of features.py (same seed), precision/recall.
3. Cost per article in the main process: time of Grouper.assign and candidates compared, on
   the real data and on a scale_corpus.py archive (`--scale N`, 0 skips), by slices, to show
   whether it grows with the archive.

Labelling rule (labels/grouping-real.tsv, one line per pair: first, other, label, reason):
- same: the two articles report the same event from the same text: one is the other
  republished, possibly with a few words changed, a paragraph added or dropped, a
  truncation, a byline or a new headline; most of the body's own sentences are shared.
- related: much of the body is shared but the article reports another event or occasion
  (a follow-up or an explainer reused with a new lede). Counted as not the same story.
- different: anything else, in particular pages whose shared text is page furniture (share
  boxes, keyword and related-drawing lists, scripts, stylesheets, widgets), the same caption
  or chapeau under different cartoons or articles, a promotion or a signature, and satirical
  or service templates reused for another person, day or film.
Labels come from reading both articles; ids only are kept here (the texts are licensed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shlex
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from statistics import mean
from typing import Any

from common import log, publish  # noqa: E402 (this folder is on sys.path when run as a script)

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
SHARED = Path(__file__).resolve().parents[2] / "shared"
DATA, GENERATOR = SHARED / "data", SHARED / "tools" / "scale_corpus.py"
LABELS = BENCH / "labels" / "grouping-real.tsv"
OUT = BENCH / "results" / "grouping-real.txt"
FILES = ("fresada.jsonl.gz", "masakhanews_fra.jsonl.gz")
SLICE = 10_000
SWEEP = (0.3, 0.4, 0.5, 0.6)
POOL_SEED, POOL_SAMPLE = 20250101, 60  # the seeded sample of pairs labelled beside the groups


# ---------------------------------------------------------------- labels


class Labels:
    """Pair labels, closed under 'same': two articles are one story when a chain of 'same'
    pairs links them; two stories are judged by any labelled pair between them."""

    def __init__(self, rows: Iterable[tuple[str, str, str]]) -> None:
        self.parent: dict[str, str] = {}
        self.rows = list(rows)
        for a, b, label in self.rows:
            if label == "same":
                self.parent[self.find(a)] = self.find(b)
        self.between: dict[frozenset[str], str] = {}
        for a, b, label in self.rows:
            if label != "same":
                self.between[frozenset((self.find(a), self.find(b)))] = label

    def find(self, x: str) -> str:
        while self.parent.get(x, x) != x:
            x = self.parent[x]
        return x

    def judge(self, a: str, b: str) -> str | None:
        ra, rb = self.find(a), self.find(b)
        return "same" if ra == rb else self.between.get(frozenset((ra, rb)))

    def same_pairs(self) -> list[tuple[str, str]]:
        return [(a, b) for a, b, label in self.rows if label == "same"]


def read_labels(path: Path) -> Labels:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or line.startswith("first\t") or not line.strip():
            continue
        first, other, label, _reason = line.split("\t")
        rows.append((first, other, label))
    return Labels(rows)


# ---------------------------------------------------------------- running Grouper


def real_articles() -> list[Any]:
    from newssearch.documents import read_file

    articles: list[Any] = []
    for name in FILES:
        articles += read_file(DATA / name, max_bytes=1 << 30).articles
    return articles


def run_grouper(articles: Iterable[Any], folder: Path,
                threshold: float | None = None) -> tuple[dict[str, int], list[float], list[int]]:
    """Each article's group, the CPU seconds of each assign (this process's: the machine is
    shared) and the candidates it compared; ``threshold``: Grouper's, else its default."""
    from newssearch import grouping

    compared: list[int] = []
    original = grouping.Grouper._candidates

    def counting(self: Any, *args: Any) -> Any:
        found = original(self, *args)
        compared[-1] = len(found)
        return found

    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "groups.sqlite"
    grouper = grouping.Grouper(db) if threshold is None else grouping.Grouper(db, threshold)
    groups: dict[str, int] = {}
    seconds: list[float] = []
    grouping.Grouper._candidates = counting  # type: ignore[method-assign]
    try:
        for article in articles:
            compared.append(0)
            start = time.process_time()
            groups[article.id] = grouper.assign(article)
            seconds.append(time.process_time() - start)
            if len(seconds) % SLICE == 0:
                grouper.commit()
        grouper.commit()
    finally:
        grouping.Grouper._candidates = original  # type: ignore[method-assign]
        grouper.close()
    return groups, seconds, compared


def multi_groups(groups: dict[str, int], order: Sequence[str]) -> list[list[str]]:
    """Groups of 2+ articles, each in indexing order, largest first."""
    members: dict[int, list[str]] = defaultdict(list)
    for article_id in order:
        members[groups[article_id]].append(article_id)
    return sorted((m for m in members.values() if len(m) > 1), key=lambda m: (-len(m), m[0]))


# ---------------------------------------------------------------- pairs to label


def candidate_pool(articles: Sequence[Any]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The pairs labelled beside the groups, as they were drawn (--pool lists them): pairs of
    articles sharing word 4-grams of the whole text that 50 articles or fewer hold, with a
    Jaccard similarity of 0.2 or more or half the smaller one contained in the other. Those
    whose own text (fingerprints.shingles, without the 4-grams 10 articles or more hold) has a
    Jaccard similarity of 0.25 or more are all kept; of the others POOL_SAMPLE are drawn."""
    import re
    import zlib
    from itertools import combinations

    from newssearch.fingerprints import shingles

    word = re.compile(r"[^\W_]+")
    whole: dict[str, set[int]] = {}
    for a in articles:
        words = word.findall((a.body or a.title).lower())
        whole[a.id] = {zlib.crc32(" ".join(words[i:i + 4]).encode()) for i in range(len(words) - 3)}
    held = Counter(h for found in whole.values() for h in found)
    holders: dict[int, list[str]] = defaultdict(list)
    for a in articles:
        for h in whole[a.id]:
            if held[h] <= 50:
                holders[h].append(a.id)
    common = Counter(pair for ids in holders.values() for pair in combinations(ids, 2))
    pairs = [(a, b) for (a, b), n in common.items()
             if n >= 0.2 * len(whole[a] | whole[b]) or n >= 0.5 * min(len(whole[a]), len(whole[b]))]
    own = {a.id: set(shingles(a.body or a.title)) for a in articles}
    frequent = Counter(h for found in own.values() for h in found)
    rare = {i: {h for h in found if frequent[h] < 10} for i, found in own.items()}
    alike = [(a, b) for a, b in pairs if rare[a] and rare[b]
             and round(len(rare[a] & rare[b]) / len(rare[a] | rare[b]), 3) >= 0.25]
    rest = sorted(set(pairs) - set(alike))
    return alike, random.Random(POOL_SEED).sample(rest, POOL_SAMPLE)


def pool_lines(labels: Labels) -> list[str]:
    log("pool: pairs sharing text in the real archives")
    articles = real_articles()
    alike, sample = candidate_pool(articles)
    lines = [f"{len(alike)} pairs with alike own text, {len(sample)} drawn from the others (seed {POOL_SEED}); "
             "first, other, label (- not labelled yet):"]
    return lines + [f"{a}\t{b}\t{labels.judge(a, b) or '-'}" for a, b in [*alike, *sample]]


# ---------------------------------------------------------------- reports


@dataclass
class Judged:
    """The groups of one run judged with the labels."""

    multi: list[list[str]]
    verdicts: Counter[str]  # member verdicts: same, related, different, unlabelled
    unlabelled: list[tuple[str, str]]
    all_same: int  # groups whose members are all the same story
    missed: list[tuple[str, str]]  # labelled same-story pairs not grouped
    same_pairs: int

    @property
    def labelled(self) -> int:
        return self.verdicts["same"] + self.verdicts["related"] + self.verdicts["different"]

    def precision(self, related: bool = False) -> float:
        same = self.verdicts["same"] + (self.verdicts["related"] if related else 0)
        return same / self.labelled if self.labelled else float("nan")

    @property
    def recall(self) -> float:
        return 1 - len(self.missed) / self.same_pairs if self.same_pairs else float("nan")


def judge(labels: Labels, groups: dict[str, int], order: Sequence[str]) -> Judged:
    multi = multi_groups(groups, order)
    verdicts: Counter[str] = Counter()
    unlabelled: list[tuple[str, str]] = []
    all_same = 0
    for members in multi:
        found = [labels.judge(members[0], other) for other in members[1:]]
        for other, verdict in zip(members[1:], found):
            verdicts[verdict or "unlabelled"] += 1
            if verdict is None:
                unlabelled.append((members[0], other))
        all_same += all(v == "same" for v in found)
    same_pairs = labels.same_pairs()
    missed = [(a, b) for a, b in same_pairs if groups.get(a) is None or groups.get(a) != groups.get(b)]
    return Judged(multi, verdicts, unlabelled, all_same, missed, len(same_pairs))


def real_lines(labels: Labels, work: Path) -> list[str]:
    from newssearch import grouping

    log("real data: grouping FreSaDa then MasakhaNEWS")
    articles = real_articles()
    order = [a.id for a in articles]
    groups, seconds, compared = run_grouper(articles, work / "real")
    j = judge(labels, groups, order)
    sizes = Counter(len(m) for m in j.multi)
    v = j.verdicts
    lines = [f"articles: {len(articles):,} ({', '.join(FILES)}, in file order); labels: {len(labels.rows)} pairs "
             f"in {LABELS.relative_to(REPO)}",
             f"groups of 2+ articles: {len(j.multi)} holding {sum(map(len, j.multi))} articles; largest "
             f"{', '.join(str(len(m)) for m in j.multi[:5]) or '-'}; sizes {dict(sorted(sizes.items()))}",
             f"members judged against their group's first article: {j.labelled} labelled of "
             f"{sum(len(m) - 1 for m in j.multi)} ({v['same']} same, {v['related']} related, "
             f"{v['different']} different, {v['unlabelled']} not labelled yet)",
             f"precision (members that are the same story): {j.precision():.3f}"
             f"  (related counted as same: {j.precision(related=True):.3f})",
             f"groups whose members are all the same story: {j.all_same} of {len(j.multi)}",
             f"recall (labelled same-story pairs grouped): {j.same_pairs - len(j.missed)} of {j.same_pairs}"
             f" = {j.recall:.3f}"]
    lines += [f"  not grouped: {a} {b}" for a, b in j.missed]
    lines += [f"  NOT LABELLED: {a}\t{b}" for a, b in j.unlabelled]
    lines += ["", cost_line("cost on the real data", seconds, compared), "",
              f"threshold sweep (THRESHOLD; titles that differ need max({getattr(grouping, 'RETITLED_THRESHOLD', '-')}, "
              "THRESHOLD)):", "  threshold  groups  members  labelled  precision  recall"]
    for threshold in SWEEP:
        log(f"real data: threshold {threshold}")
        swept = judge(labels, run_grouper(articles, work / f"real-{threshold}", threshold)[0], order)
        lines.append(f"  {threshold:<9}  {len(swept.multi):>6}  {sum(len(m) - 1 for m in swept.multi):>7}  "
                     f"{swept.labelled:>8}  {swept.precision():>9.3f}  {swept.recall:>6.3f}"
                     + (" *" if threshold == grouping.THRESHOLD else ""))
        lines += [f"    NOT LABELLED: {a}\t{b}" for a, b in swept.unlabelled]
    return lines


def cost_line(what: str, seconds: Sequence[float], compared: Sequence[int]) -> str:
    ordered = sorted(seconds)
    p95 = ordered[int(0.95 * (len(ordered) - 1))] if ordered else 0.0
    return (f"{what}: {mean(seconds) * 1e6:.0f} us of CPU an article (p95 {p95 * 1e6:.0f} us), "
            f"candidates compared {mean(compared):.1f} an article (max {max(compared, default=0)})")


def synthetic_lines(work: Path) -> list[str]:
    import features
    from newssearch import grouping
    from newssearch.documents import Article

    records = features.labelled_set(random.Random(features.SEED))
    lines = [f"labelled set of features.py: {len(records)} articles (seed {features.SEED}), "
             f"Grouper given them in order, THRESHOLD={grouping.THRESHOLD}"]
    for label, ordered in (("shuffled (as features.py)", records),
                           ("chronological", sorted(records, key=lambda r: r.date))):
        log(f"synthetic: {label}")
        groups, seconds, compared = run_grouper(
            (Article(id=r.id, title=r.title, body=r.body, path="labelled.jsonl") for r in ordered),
            work / f"synthetic-{label.split()[0]}")
        q = features.quality(records, {k: str(v) for k, v in groups.items()})
        kinds = ", ".join(f"{kind} {found}/{total}" for kind, (found, total) in sorted(q.by_kind.items()))
        lines += [f"  {label:<26} precision {q.precision:.3f}  recall {q.recall:.3f}  false pairs "
                  f"{q.false_pairs}  distractor merges {len(q.distractor_merges)}",
                  f"    versions grouped with their original, by edit: {kinds}"]
    return lines


def scale_articles(n: int, work: Path) -> Iterator[Any]:
    from newssearch.documents import Article

    path = work / f"scale-{n}.jsonl.gz"
    log(f"scale: generating {n:,} articles")
    subprocess.run([sys.executable, str(GENERATOR), "--n", str(n), "--jsonl", str(path.with_suffix(""))],
                   check=True, stdout=subprocess.DEVNULL)
    with open(path.with_suffix(""), encoding="utf-8") as lines:
        for line in lines:
            d = json.loads(line)
            yield Article(id=d["id"], title=d["title"], body=d["body"], path=str(path))


def scale_lines(n: int, work: Path) -> list[str]:
    groups, seconds, compared = run_grouper(scale_articles(n, work), work / "scale")
    log("scale: done")
    lines = [f"scale_corpus.py --n {n:,} (real paragraphs recombined at random: every paragraph recurs, so "
             f"shared text grows with the archive), Grouper alone, by slices of {SLICE:,}:"]
    for start in range(0, len(seconds), SLICE):
        part = slice(start, start + SLICE)
        lines.append("  " + cost_line(f"articles {start + 1:,}-{min(start + SLICE, len(seconds)):,}",
                                      seconds[part], compared[part]))
    sizes = Counter(Counter(groups.values()).values())
    lines.append(f"  groups of 2+ articles: {sum(v for k, v in sizes.items() if k > 1):,} (the archive has no "
                 f"versions: each article draws its own paragraphs); groups.sqlite "
                 f"{(work / 'scale' / 'groups.sqlite').stat().st_size / 1e6:.1f} MB")
    return lines


def commit() -> str:
    git = ["git", "--no-optional-locks"]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    dirty = subprocess.run([*git, "status", "--porcelain", "--", "newssearch"], cwd=REPO,
                           capture_output=True, text=True)
    return (head.stdout.strip() or "?") + (" + uncommitted changes under newssearch/" if dirty.stdout.strip() else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scale", type=int, default=100_000, help="articles of the scale archive (0: skip)")
    parser.add_argument("--out", type=Path, default=OUT, help="where the report is written")
    parser.add_argument("--pool", action="store_true", help="only list the sampled pairs to label, and their labels")
    args = parser.parse_args()
    missing = [p for p in (DATA / FILES[0], DATA / FILES[1], GENERATOR) if not p.exists()]
    if missing:
        print(f"skipped: {', '.join(map(str, missing))} not found")
        return 0
    if args.pool:
        print("\n".join(pool_lines(read_labels(LABELS))))
        return 0
    started = time.perf_counter()
    argv = " ".join(shlex.quote(a) for a in [Path(sys.executable).name, *sys.argv])
    lines = [f"command: {argv}", f"date: {datetime.now(timezone.utc).isoformat(timespec='seconds')}",
             f"machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}",
             f"newssearch: {commit()}", f"load average at start: {os.getloadavg()[0]:.2f} (1 min)"]
    with tempfile.TemporaryDirectory(prefix="grouping-real-") as tmp:
        work = Path(tmp)
        lines += ["", "=== 1. real archives, judged with the labels ==="] + real_lines(read_labels(LABELS), work)
        lines += ["", "=== 2. synthetic edits (features.py's labelled set) ==="] + synthetic_lines(work)
        if args.scale:
            lines += ["", "=== 3. cost per article as the archive grows ==="] + scale_lines(args.scale, work)
    lines += ["", f"total time: {(time.perf_counter() - started) / 60:.1f} min; load average at end: "
              f"{os.getloadavg()[0]:.2f} (the machine is shared: compare ratios, not absolute times)"]
    publish(lines, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
