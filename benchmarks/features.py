#!/usr/bin/env python3
"""Archive features benchmark: `python benchmarks/features.py`, report in results/features.txt.

1. Wire-story grouping precision/recall on a labelled set made by editing real articles
   (../shared/data): originals with 1-4 edited versions each, and unrelated distractors.
2. On a 20,000-article archive (../shared/tools/scale_corpus.py, speed.py's copy reused):
   CLI indexing with and without grouping, then warm API latencies of the features.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import platform
import random
import shlex
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from itertools import combinations
from pathlib import Path
from statistics import median
from typing import Any

from common import log  # noqa: E402 (this folder is on sys.path when run as a script)

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
SHARED = Path(__file__).resolve().parents[2] / "shared"
DATA, GENERATOR = SHARED / "data", SHARED / "tools" / "scale_corpus.py"
OUT = BENCH / "results" / "features.txt"
SEED, N_FRESADA, N_MASAKHANE, N_ORIGINALS, MIN_WORDS = 20240601, 400, 100, 250, 120
THRESHOLDS = (0.3, 0.4, 0.5, 0.6)
OUTLETS = ("AFP", "Le Courrier du Nord", "La Gazette de Lyon", "L'Écho du Midi", "Ouest-Matin")
BYLINES = ("Par Marie Dupont, avec AFP", "Par Jean-Marc Leroy (avec Reuters)", "La rédaction, avec AFP")
DATELINES = ("PARIS (AFP) - ", "LYON, 12 mars (Reuters) - ", "BRUXELLES (AFP) – ")
KINDS = ("words", "paragraph", "byline", "headline", "truncate")
MISSPELT = 100
Paras = list[str]


# ---------------------------------------------------------------- labelled set


@dataclass(frozen=True)
class Record:
    id: str
    title: str
    body: str
    date: str
    source: str
    story: str  # the original it derives from (its own id for originals and distractors)
    kind: str  # "original", "distractor", or the edit of a version


def sample_articles(name: str, n: int, rng: random.Random) -> list[dict[str, Any]]:
    with gzip.open(DATA / name, "rt", encoding="utf-8") as lines:
        docs = [json.loads(line) for line in lines]
    return rng.sample([d for d in docs if len(d["body"].split()) >= MIN_WORDS], n)


def droppable(paras: Paras) -> list[int]:
    """Paragraphs but the first holding at most a third of the words (3+ paragraphs only)."""
    total = sum(len(p.split()) for p in paras)
    return [i for i in range(1, len(paras)) if len(paras) >= 3 and len(paras[i].split()) * 3 <= total]


def edit(kind: str, title: str, paras: Paras, rng: random.Random, vocab: Sequence[str]) -> tuple[str, Paras]:
    """One newsroom edit of an article: ``kind`` is one of KINDS."""
    if kind == "words":  # 3-8 single-word substitutions, insertions or deletions
        split = [p.split() for p in paras]
        for _ in range(rng.randint(3, 8)):
            words = rng.choices(split, weights=[len(p) for p in split])[0]
            at, op = rng.randrange(len(words)), rng.choice("sid")
            if op == "s":
                words[at] = rng.choice(vocab)
            elif op == "i":
                words.insert(at, rng.choice(vocab))
            elif len(words) > 1:
                del words[at]
        return title, [" ".join(p) for p in split]
    if kind == "paragraph":  # a short paragraph other than the lede dropped
        drop = rng.choice(droppable(paras) or [len(paras) - 1])
        return title, paras[:drop] + paras[drop + 1:]
    if kind == "byline":
        if rng.random() < 0.5:
            return title, [rng.choice(BYLINES)] + paras
        return title, [rng.choice(DATELINES) + paras[0]] + paras[1:]
    if kind == "headline":
        lede = paras[0].split()
        return rng.choice([" ".join(lede[:rng.randint(8, 14)]).rstrip(",.;:") + "…", f"ENQUÊTE. {title}",
                           f"« {title.rstrip('.')} »", f"Ce qu'il faut retenir : {title}"]), paras
    # truncate: the last paragraph cut by half, at most a quarter of the article's words
    last, total = paras[-1].split(), sum(len(p.split()) for p in paras)
    return title, paras[:-1] + [" ".join(last[:len(last) - min(len(last) // 2, total // 4)])]


def versions_of(doc: dict[str, Any], rng: random.Random, vocab: Sequence[str]) -> list[tuple[str, str, Paras]]:
    """1-4 (kind, title, paragraphs) versions of one original, each a different edit."""
    paras = [p.strip() for p in doc["body"].split("\n") if p.strip()]
    kinds = [k for k in KINDS if k != "paragraph" or droppable(paras)]
    out = []
    for kind in rng.sample([*kinds, "two edits"], rng.randint(1, 4)):
        steps = rng.sample(kinds, 2) if kind == "two edits" else [kind]
        title, body = doc["title"], paras
        for step in steps:
            title, body = edit(step, title, body, rng, vocab)
        out.append((kind if len(steps) == 1 else "two edits", title, body))
    return out


def labelled_set(rng: random.Random) -> list[Record]:
    docs = sample_articles("fresada.jsonl.gz", N_FRESADA, rng)
    docs += sample_articles("masakhanews_fra.jsonl.gz", N_MASAKHANE, rng)
    rng.shuffle(docs)
    vocab = sorted({w for d in docs for w in d["body"].split() if w.isalpha()})
    start = datetime(2023, 1, 1, 6, tzinfo=timezone.utc)
    records: list[Record] = []
    for n, doc in enumerate(docs):
        when = start + timedelta(days=rng.randrange(365), minutes=rng.randrange(600))
        story = f"story-{n:03d}"
        kind = "original" if n < N_ORIGINALS else "distractor"
        records.append(Record(story, doc["title"], doc["body"], when.isoformat(), rng.choice(OUTLETS), story, kind))
        for v, (change, title, body) in enumerate(versions_of(doc, rng, vocab) if n < N_ORIGINALS else []):
            when += timedelta(hours=rng.randint(1, 6))
            records.append(Record(f"{story}-v{v + 1}", title, "\n".join(body), when.isoformat(),
                                  rng.choice(OUTLETS), story, change))
    rng.shuffle(records)  # a version may come before its original, as on a wire
    return records


# ---------------------------------------------------------------- grouping quality


def groups_at(threshold: float, records: Sequence[Record], folder: Path) -> dict[str, str]:
    """Index ``records`` (one JSONL file, in their order) into a new ``folder``, Grouper's default
    threshold set to ``threshold`` (update_index builds the Grouper of the index folder); each article's group."""
    from newssearch import NewsIndex, grouping

    folder.mkdir()
    with (folder / "labelled.jsonl").open("w", encoding="utf-8") as out:
        out.writelines(json.dumps({"id": r.id, "title": r.title, "date": r.date, "source": r.source,
                                   "body": r.body}, ensure_ascii=False) + "\n" for r in records)
    saved = grouping.Grouper.__init__.__defaults__
    grouping.Grouper.__init__.__defaults__ = (threshold,)
    try:
        with NewsIndex.open(folder / "ix", create=True) as ix:
            ix.add([folder / "labelled.jsonl"])
            with ix._searchers.borrow() as searcher:
                return {str(f["id"]): str(f["group"]) for f in searcher.all_stored_fields()}
    finally:
        grouping.Grouper.__init__.__defaults__ = saved


def pairs(counts: Counter[Any]) -> int:
    return sum(n * (n - 1) // 2 for n in counts.values())


@dataclass(frozen=True)
class Quality:
    precision: float
    recall: float
    false_pairs: int
    by_kind: dict[str, tuple[int, int]]  # edit -> (original-version pairs grouped, pairs)
    distractor_merges: list[tuple[str, str]]
    groups: dict[str, str]


def quality(records: Sequence[Record], groups: dict[str, str]) -> Quality:
    right = pairs(Counter((r.story, groups[r.id]) for r in records))
    guessed = pairs(Counter(groups[r.id] for r in records))
    by_kind: dict[str, tuple[int, int]] = {}
    for r in records:
        if r.kind not in ("original", "distractor"):
            found, total = by_kind.get(r.kind, (0, 0))
            by_kind[r.kind] = (found + (groups[r.id] == groups[r.story]), total + 1)
    distractors = [r.id for r in records if r.kind == "distractor"]
    merges = [(a, b) for a, b in combinations(distractors, 2) if groups[a] == groups[b]]
    return Quality(right / guessed if guessed else math.nan, right / pairs(Counter(r.story for r in records)),
                   guessed - right, by_kind, merges, groups)


def sweep_lines(sweep: dict[str, Quality], default: str) -> list[str]:
    lines = ["threshold            precision  recall  false pairs  distractor merges"]
    for label, q in sweep.items():
        lines.append(f"{label + (' *' if label == default else ''):<21}{q.precision:>9.3f}  {q.recall:>6.3f}  "
                     f"{q.false_pairs:>11}  {len(q.distractor_merges):>17}")
    return lines + ["(pairwise over all articles; * = default; 'chronological': the same articles sorted "
                    "by date, so each original comes before its versions)"]


def kind_lines(records: Sequence[Record], sweep: dict[str, Quality], sims: dict[str, float]) -> list[str]:
    kind_of = {r.id: r.kind for r in records}
    labels = [label for label in sweep if " " not in label]
    lines = ["recall of original-version pairs by edit:" + "".join(f"{'@' + t:>7}" for t in labels)
             + "   est. similarity median (min)"]
    for kind in [*KINDS, "two edits"]:
        cells = "".join(f"{sweep[t].by_kind[kind][0] / sweep[t].by_kind[kind][1]:>7.3f}" for t in labels)
        sim = [s for i, s in sims.items() if kind_of[i] == kind]
        lines.append(f"  {kind:<10} ({len(sim):>3} pairs)" + " " * 14 + cells
                     + f"   {median(sim):.2f} ({min(sim):.2f})")
    return lines


def miss_lines(records: Sequence[Record], q: Quality, threshold: float, sims: dict[str, float]) -> list[str]:
    """Why original-version pairs were missed, and which distractors were merged."""
    by_id, order = {r.id: r for r in records}, {r.id: n for n, r in enumerate(records)}
    missed = sorted((r for r in records if r.id in sims and q.groups[r.id] != q.groups[r.story]),
                    key=lambda r: -sims[r.id])
    below = sum(sims[r.id] < threshold for r in missed)
    early = sum(sims[r.id] >= threshold and order[r.id] < order[r.story] for r in missed)
    lines = [f"missed original-version pairs at {threshold}: {len(missed)}: {below} with estimated similarity "
             f"below the threshold; {early} above it but indexed before the original, in a group that the "
             f"original did not join (groups never merge); {len(missed) - below - early} other (not found as "
             "a candidate through the LOOKUP_KEYS smallest values, or joined a closer group)"]
    for r in missed[:8]:
        lines.append(f"  {r.id} ({r.kind}, est. {sims[r.id]:.2f}, {len(by_id[r.story].body.split())}->"
                     f"{len(r.body.split())} words, position {order[r.id]} vs original {order[r.story]})")
    lines.append(f"distractor-distractor merges at {threshold}: {len(q.distractor_merges)}")
    for a, b in q.distractor_merges[:5]:
        lines.append(f"  {a} + {b}: {by_id[a].title[:50]!r} / {by_id[b].title[:50]!r}")
    return lines


def grouping_benchmark(work: Path) -> list[str]:
    from newssearch import fingerprints, grouping

    records = labelled_set(random.Random(SEED))
    sweep: dict[str, Quality] = {}
    for t in sorted({*THRESHOLDS, grouping.THRESHOLD}):
        log(f"grouping: labelled set at threshold {t}")
        sweep[str(t)] = quality(records, groups_at(t, records, work / f"labelled-{t}"))
    log("grouping: labelled set in chronological order")
    chrono = sorted(records, key=lambda r: r.date)
    sweep[f"{grouping.THRESHOLD} chronological"] = quality(records, groups_at(grouping.THRESHOLD, chrono,
                                                                             work / "labelled-chrono"))
    kinds, bodies = Counter(r.kind for r in records), {r.id: r.body for r in records}
    sims = {r.id: fingerprints.similarity(fingerprints.sketch(r.body), fingerprints.sketch(bodies[r.story]))
            for r in records if r.kind not in ("original", "distractor")}  # each version to its original
    lines = [f"labelled set: {len(records)} articles = {kinds['original']} originals + {len(sims)} edited "
             f"versions + {kinds['distractor']} distractors (from {N_FRESADA} FreSaDa + {N_MASAKHANE} MasakhaNEWS "
             f"articles of {MIN_WORDS}+ words, seed {SEED}), one JSONL file, shuffled",
             f"sketch: SKETCH_SIZE={fingerprints.SKETCH_SIZE}, LOOKUP_KEYS={grouping.LOOKUP_KEYS}, "
             f"SHINGLE={fingerprints.SHINGLE} words, THRESHOLD={grouping.THRESHOLD} (default)", ""]
    lines += sweep_lines(sweep, str(grouping.THRESHOLD)) + [""] + kind_lines(records, sweep, sims) + [""]
    return lines + miss_lines(records, sweep[str(grouping.THRESHOLD)], grouping.THRESHOLD, sims)


# ---------------------------------------------------------------- archive cost


def archive(work: Path) -> tuple[Path, list[str]]:
    """The 20,000-article txt folder and queries: speed.py's if complete, else our own."""
    folder = BENCH / "work" / "n20000"
    if not (folder / "complete.json").is_file():
        folder = BENCH / "work" / "features-n20000"
        if not (folder / "queries.txt").is_file():
            log(f"generating 20,000 articles in {folder}")
            subprocess.run([sys.executable, str(GENERATOR), "--n", "20000", "--txt-dir", str(folder / "txt"),
                            "--queries", str(folder / "queries.txt")], check=True)
    queries = (folder / "queries.txt").read_text(encoding="utf-8").splitlines()
    return folder / "txt", [q for q in queries if q.strip()]


def cli_index(source: Path, index: Path, *extra: str) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "newssearch", "index", str(source), "--index", str(index), *extra],
                          cwd=REPO, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if done.returncode not in (0, 3):
        raise RuntimeError(f"newssearch index exited {done.returncode}:\n{done.stderr[-2000:]}")
    return time.perf_counter() - start


def mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1024 / 1024


def misspell(queries: Sequence[str], rng: random.Random) -> list[tuple[str, str]]:
    """Up to MISSPELT (misspelt, original) queries: two adjacent letters of a 6+ letter word
    swapped, never the first (the did-you-mean lookup keeps it)."""
    out = []
    for q in queries:
        words = q.split()
        spots = [(i, j) for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()
                 for j in range(1, len(w) - 1) if w[j] != w[j + 1]]
        if spots:
            i, j = rng.choice(spots)
            words[i] = words[i][:j] + words[i][j + 1] + words[i][j] + words[i][j + 2:]
            out.append((" ".join(words), q))
    return out[:MISSPELT]


def timed(run: Callable[[str], object], queries: Sequence[str]) -> tuple[float, float]:
    """One untimed warm-up pass, then one timed pass: p50 and p95 (nearest rank) in ms."""
    for q in queries:
        run(q)
    seconds = []
    for q in queries:
        start = time.perf_counter()
        run(q)
        seconds.append(time.perf_counter() - start)
    ordered = sorted(seconds)
    p50, p95 = (ordered[max(0, math.ceil(p * len(ordered)) - 1)] * 1000 for p in (0.5, 0.95))
    return p50, p95


def usable(ix: Any, queries: Sequence[str]) -> list[str]:
    from newssearch import QueryError

    out = []
    for q in queries:
        try:
            ix.search(q, limit=1, fragments=0)
        except QueryError:
            continue
        out.append(q)
    return out


def latency_lines(ix1: Any, ix2: Any, ok: Sequence[str], typos: Sequence[str]) -> list[str]:
    """Warm latencies on the grouped index, as ratios to search(q) on the no-grouping one."""
    log("queries: baseline (no-grouping index)")
    b50, b95 = timed(lambda q: ix2.search(q), ok)
    lines = [f"  {'':<34}{'p50 ms':>8}{'p95 ms':>8}{'p50 x':>7}{'p95 x':>7}",
             f"  {'baseline: search(q), no-grouping':<34}{b50:>8.1f}{b95:>8.1f}{1:>7.2f}{1:>7.2f}"]
    for label, run, qs in (("search(q), versions collapsed", lambda q: ix1.search(q), ok),
                           ("search(q, all_versions=True)", lambda q: ix1.search(q, all_versions=True), ok),
                           ("facets(q)", lambda q: ix1.facets(q), ok),
                           (f"query(q), {len(typos)} misspelt", lambda q: ix1.query(q), typos)):
        log(f"queries: {label}")
        p50, p95 = timed(run, qs)
        lines.append(f"  {label:<34}{p50:>8.1f}{p95:>8.1f}{p50 / b50:>7.2f}{p95 / b95:>7.2f}")
    return lines


def suggestion_line(ix: Any, misspelt: Sequence[tuple[str, str]]) -> str:
    from newssearch.analysis import analyse

    hints = [(ix.query(typo, fragments=0).suggestion, q) for typo, q in misspelt]
    exact = sum(hint == q for hint, q in hints)
    terms = sum(hint is not None and analyse(hint) == analyse(q) for hint, q in hints)
    return (f"  did you mean: a suggestion for {sum(h is not None for h, _ in hints)} of {len(hints)} misspelt "
            f"queries; it is the original query for {exact}, has the original's index terms for {terms}")


def archive_group_line(ix: Any) -> str:
    """Groups of the archive, and the pairs in one group that do not resemble each other."""
    from newssearch.fingerprints import similarity, sketch
    from newssearch.grouping import THRESHOLD

    bodies: dict[str, list[str]] = {}
    with ix._searchers.borrow() as searcher:
        for stored in searcher.all_stored_fields():
            bodies.setdefault(str(stored["group"]), []).append(stored.get("body") or stored.get("title", ""))
    multi = [[sketch(b) for b in group] for group in bodies.values() if len(group) > 1]
    in_pairs = [similarity(a, b) for group in multi for a, b in combinations(group, 2)]
    return (f"  groups: {len(bodies):,} for {len(ix):,} articles; {len(multi)} with 2+ articles (largest "
            f"{max(map(len, multi), default=1)}); of their {len(in_pairs)} pairs, "
            f"{sum(s < THRESHOLD for s in in_pairs)} estimated below THRESHOLD (joined through a third article)")


def query_lines(ix1_path: Path, ix2_path: Path, queries: Sequence[str]) -> list[str]:
    from newssearch import NewsIndex

    with NewsIndex.open(ix1_path) as ix1, NewsIndex.open(ix2_path) as ix2:
        ok = usable(ix2, queries)
        misspelt = misspell(ok, random.Random(SEED))
        lines = [f"warm API latency, top 10 with snippets ({len(ok)} of {len(queries)} queries; "
                 f"{len(queries) - len(ok)} raise QueryError), one warm-up pass; ratio to the baseline"]
        lines += latency_lines(ix1, ix2, ok, [typo for typo, _ in misspelt])
        return lines + [suggestion_line(ix1, misspelt), archive_group_line(ix1)]


def cost_benchmark(work: Path) -> list[str]:
    txt, queries = archive(work)
    ix1, ix2 = work / "ix-grouped", work / "ix-plain"
    log("cost: CLI index with grouping")
    t1 = cli_index(txt, ix1)
    log("cost: CLI index with --no-grouping")
    t2 = cli_index(txt, ix2, "--no-grouping")
    n = sum(1 for _ in txt.rglob("*.txt"))
    sqlite = (ix1 / "groups.sqlite").stat().st_size / 1024 / 1024
    lines = [f"archive: {n:,} seed-format .txt files in {txt.relative_to(REPO)} ({mb(txt):.1f} MB)",
             f"index (CLI, new process each)  wall s  articles/s  index MB",
             f"  with grouping (default)     {t1:>7.1f}  {n / t1:>10.0f}  {mb(ix1):>8.1f}  "
             f"(of which groups.sqlite {sqlite:.1f} MB)",
             f"  --no-grouping               {t2:>7.1f}  {n / t2:>10.0f}  {mb(ix2):>8.1f}",
             f"  grouping adds               {t1 - t2:>7.1f} s ({(t1 - t2) / t2:+.0%}), "
             f"{mb(ix1) - mb(ix2):.1f} MB ({(mb(ix1) - mb(ix2)) / mb(ix2):+.0%})", ""]
    return lines + query_lines(ix1, ix2, queries)


# ---------------------------------------------------------------- report


def commit() -> str:
    git = ["git", "--no-optional-locks"]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    dirty = subprocess.run([*git, "status", "--porcelain", "--", "newssearch"], cwd=REPO,
                           capture_output=True, text=True)
    return (head.stdout.strip() or "?") + (" + uncommitted changes under newssearch/" if dirty.stdout.strip() else "")


def main() -> int:
    argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0]).parse_args()  # --help; no options
    missing = [p for p in (DATA, GENERATOR) if not p.exists()]
    if missing:
        print(f"skipped: {', '.join(map(str, missing))} not found")
        return 0
    started = time.perf_counter()
    argv = " ".join(shlex.quote(a) for a in [Path(sys.executable).name, *sys.argv])
    lines = [f"command: {argv}", f"date: {datetime.now(timezone.utc).isoformat(timespec='seconds')}",
             f"machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}",
             f"newssearch: {commit()}", f"load average at start: {os.getloadavg()[0]:.2f} (1 min)",
             "", "=== 1. wire-story grouping on edited real articles ==="]
    with tempfile.TemporaryDirectory(prefix="features-") as tmp:
        lines += grouping_benchmark(Path(tmp))
        lines += ["", "=== 2. added cost of the archive features, 20,000 articles ==="]
        lines += cost_benchmark(Path(tmp))
    lines += ["", f"total time: {(time.perf_counter() - started) / 60:.1f} min; load average at end: "
              f"{os.getloadavg()[0]:.2f} (the machine is shared: compare ratios, not absolute times)"]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    log(f"written to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
