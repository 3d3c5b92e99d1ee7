#!/usr/bin/env python3
"""News relevance benchmark: headline -> article on real news, and long-query latency at scale.

    python benchmarks/news.py [--data DIR] [--peers all|none|NAME,...] [--sample N] [--scale N] [--ablation]
                              [--no-semantic]

Known item, on two collections (../shared/data beside the repo, or --data): every article is
indexed with its title emptied (body only; id and source kept), and each headline, as written,
is a query whose one relevant document is its own article.
- FreSaDa: fresada.jsonl.gz (9,091 articles, satire included as distractors), queries and
  qrels in known_item/ (2,240 regular-news headlines);
- MasakhaNEWS: masakhanews_fra.jsonl.gz (881 BBC Afrique articles), each title a query.
newssearch is used as a user would (the records written to a temporary .jsonl, then
``NewsIndex.open(tmp, create=True).add([that file])`` and ``ix.search(headline, limit=10)``),
and, when the sentence encoder is installed (newssearch[semantic]; --no-semantic skips it),
again on an index built with ``add(..., semantic=True)`` (``index --semantic``), beside each
peer of benchmarks/peers.py built from the same records. Reported over the top 10:
MRR, recall, nDCG, query times (snippets included), build seconds, QueryErrors, other
exceptions (counted as no hits and listed) and queries without hits.

Scale (``--scale N``, default 100,000; 0 skips): ../shared/tools/scale_corpus.py writes N
articles and its 1-3-word queries (cached under benchmarks/work/news-N/), each system indexes
them, and warm latencies (one untimed pass, then one timed pass) are measured for those short
queries and for 300 headline-length queries (8-20 words) taken from the archive's headlines.

``--ablation`` adds newssearch variants, one change each from the default Ranking, on both
collections (every N-th query with ``--sample N``, which also thins the main runs). The
report is printed and written to benchmarks/results/news.txt.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import os
import re
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from newssearch import NewsIndex, QueryError
from newssearch.config import DEFAULT_RANKING, Ranking

from common import log, publish  # noqa: E402 (this folder is on sys.path when run as a script)
from relevance import (K, Metrics, Mode, Question, SystemRun, Variant, ask_all, encoder_available, library_state,
                       load_peers, metrics, ranking_text, read_jsonl, read_qrels, run_peer, signed, table, times)
from speed import Latencies, time_queries

BENCH = Path(__file__).resolve().parent
SHARED = Path(__file__).resolve().parents[2] / "shared"
GENERATOR = SHARED / "tools" / "scale_corpus.py"
RESULT_FILE = BENCH / "results" / "news.txt"
PEER_NAMES = ("tantivy", "sqlite-fts5", "whoosh-plain")
LONG_WORDS = (8, 20)  # headline-length queries at scale: this many words, inclusive
LONG_QUERIES = 300
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")  # a word, as peers.query_words counts them

Search = Callable[[str], list[tuple[str, str]]]


# ---------------------------------------------------------------- collections


@dataclass(frozen=True)
class Collection:
    name: str
    articles: Path  # .jsonl.gz, the article schema of ../shared/data/README.md
    questions: list[Question]


def read_gz(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def fresada(data: Path) -> Collection:
    relevant = read_qrels(data / "known_item" / "fresada-dev-qrels.tsv")
    questions = [Question(q["id"], q["text"], (), frozenset(relevant[q["id"]]))
                 for q in read_jsonl(data / "known_item" / "fresada-dev-queries.jsonl") if relevant.get(q["id"])]
    return Collection("FreSaDa", data / "fresada.jsonl.gz", questions)


def masakhanews(data: Path) -> Collection:
    path = data / "masakhanews_fra.jsonl.gz"
    questions = [Question(d["id"], d["title"], (), frozenset({d["id"]})) for d in read_gz(path) if d.get("title")]
    return Collection("MasakhaNEWS", path, questions)


def write_bodies(collection: Collection, dest: Path) -> Path:
    """The collection's articles with every title emptied (id, source and body kept), as JSONL."""
    with dest.open("w", encoding="utf-8") as out:
        for d in read_gz(collection.articles):
            record = {"id": d["id"], "title": "", "source": d.get("source"), "body": d.get("body") or ""}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return dest


# ---------------------------------------------------------------- newssearch


@dataclass
class Guarded:
    """A search whose exceptions other than QueryError count as no hits and are kept: the
    report lists them (a QueryError is the library's documented answer to a bad query; any
    other exception is a bug)."""

    search: Search
    crashes: list[tuple[str, str]] = field(default_factory=list)

    def __call__(self, query: str) -> list[tuple[str, str]]:
        try:
            return self.search(query)
        except QueryError:
            raise
        except Exception as exc:  # noqa: BLE001 - recorded and reported, not hidden
            self.crashes.append((query, f"{type(exc).__name__}: {exc}"))
            return []


def build_newssearch(records: Path, folder: Path, semantic: bool = False) -> tuple[NewsIndex, float]:
    start = time.perf_counter()
    ix = NewsIndex.open(folder, create=True)
    report = ix.add([records], semantic=semantic)
    seconds = time.perf_counter() - start
    log(f"newssearch{' --semantic' * semantic}: {len(ix):,} articles indexed in {seconds:.1f} s, "
        f"skipped: {report.skipped or 'none'}")
    return ix, seconds


def newssearch_search(ix: NewsIndex, ranking: Ranking = DEFAULT_RANKING, mode: Mode = "auto",
                      all_versions: bool = False) -> Guarded:
    def search(query: str) -> list[tuple[str, str]]:
        hits = ix.search(query, limit=K, ranking=ranking, mode=mode, all_versions=all_versions)
        return [(hit.id, hit.snippet.text) for hit in hits]
    return Guarded(search)


# ---------------------------------------------------------------- ablation


@dataclass(frozen=True)
class NewsVariant(Variant):
    all_versions: bool = False


VARIANTS = (
    NewsVariant("all_versions=True (no wire-story collapse)", {}, all_versions=True),
    NewsVariant("no title boost (title_boost 1; titles are empty)", {"title_boost": 1.0}),
    NewsVariant("k1 0.9", {"k1": 0.9}),
    NewsVariant("k1 1.2 (the default until k1 2.0)", {"k1": 1.2}),
    NewsVariant("b 0.5", {"b": 0.5}),
    NewsVariant("b 0.9", {"b": 0.9}),
    NewsVariant("b 1.0", {"b": 1.0}),
    NewsVariant("no coordination (0)", {"coordination": 0.0}),
    NewsVariant("coordination 1", {"coordination": 1.0}),
    NewsVariant("pasted text coordinated like questions (pasted_coordination 2)", {"pasted_coordination": 2.0}),
    NewsVariant("pasted_coordination 0", {"pasted_coordination": 0.0}),
    NewsVariant("coordination by word count (idf_coordination off)", {"idf_coordination": False}),
    NewsVariant("no proximity (0)", {"proximity": 0.0}),
    NewsVariant("pairs off (0)", {"pairs": 0.0}),
    NewsVariant("exact off (0)", {"exact": 0.0}),
    NewsVariant("no lead bonus for pasted text (lead 0)", {"lead": 0.0}),
    NewsVariant("lead over the first 80 words (lead_words 80)", {"lead_words": 80}),
    NewsVariant("no rerank signal (coordination, proximity, pairs, exact 0): BM25F order",
                {"coordination": 0.0, "proximity": 0.0, "pairs": 0.0, "exact": 0.0}),
    NewsVariant("rerank depth 20", {"rerank": 20}),
    NewsVariant("rerank depth 200", {"rerank": 200}),
    NewsVariant("AND + fallback always (long_query 99)", {"long_query": 99}),
    NewsVariant("keep question words", {"question_words": False}),
    NewsVariant("keep answer-type words (année, nom...) in questions", {"answer_type_words": False}),
    NewsVariant("any word (mode='any')", {}, mode="any"),
    NewsVariant("pure AND (mode='all')", {}, mode="all"),
    # From the diagnosis (benchmarks/results/news.txt, README): the rerank's multipliers favour
    # long articles, which contain more of a headline's words; k1/b and coordination together.
    NewsVariant("coordination 0, pairs 0, exact 0.5, b 1.0",
                {"coordination": 0.0, "pairs": 0.0, "exact": 0.5, "b": 1.0}),
)


def variant_search(ix: NewsIndex, variant: NewsVariant) -> Guarded | str:
    """The variant's search, or why it is skipped."""
    try:
        ranking = dataclasses.replace(DEFAULT_RANKING, **variant.changes)
    except TypeError:
        return "not a field of this Ranking"
    if ranking == DEFAULT_RANKING and variant.mode == "auto" and not variant.all_versions:
        return "same as the default"
    return newssearch_search(ix, ranking, variant.mode, variant.all_versions)


def run_ablation(ix: NewsIndex, questions: Sequence[Question], name: str) -> list[tuple[NewsVariant, Metrics | str]]:
    rows: list[tuple[NewsVariant, Metrics | str]] = []
    for variant in VARIANTS:
        search = variant_search(ix, variant)
        if isinstance(search, str):
            rows.append((variant, search))
        else:
            rows.append((variant, metrics(ask_all(search, questions, f"{name} ablation '{variant.label}'"))))
    return rows


# ---------------------------------------------------------------- known item


@dataclass
class KnownItemRun:
    collection: Collection
    questions: list[Question]
    runs: list[SystemRun]
    crashes: dict[str, list[tuple[str, str]]]  # run name -> (query, error) of each exception
    ablation: list[tuple[NewsVariant, Metrics | str]]
    ablation_step: int = 1


def known_item(collection: Collection, peers: Sequence[Any], work: Path, args: argparse.Namespace) -> KnownItemRun:
    questions = collection.questions[::args.sample]
    records = write_bodies(collection, work / f"{collection.name}.jsonl")
    ix, build_s = build_newssearch(records, work / f"{collection.name}-newssearch")
    try:
        crashes: dict[str, list[tuple[str, str]]] = {}
        runs = [ask_newssearch(ix, "newssearch", build_s, questions, collection.name, crashes)]
        if args.semantic and encoder_available():
            runs.append(semantic_run(records, questions, work / f"{collection.name}-semantic", collection.name,
                                     crashes))
        runs += [run_peer(peer, records, questions, work / collection.name) for peer in peers]
        step = args.ablation_sample
        ablation = run_ablation(ix, questions[::step], collection.name) if args.ablation else []
    finally:
        ix.close()
    return KnownItemRun(collection, questions, runs, crashes, ablation, args.ablation_sample)


def ask_newssearch(ix: NewsIndex, name: str, build_s: float, questions: list[Question], collection: str,
                   crashes: dict[str, list[tuple[str, str]]]) -> SystemRun:
    """The run of ``questions`` on ``ix`` with the default Ranking; its exceptions go to ``crashes[name]``."""
    search = newssearch_search(ix)
    run = SystemRun(name, build_s, ask_all(search, questions, f"{collection} {name}"))
    crashes[name] = search.crashes
    return run


def semantic_run(records: Path, questions: list[Question], folder: Path, collection: str,
                 crashes: dict[str, list[tuple[str, str]]]) -> SystemRun:
    """newssearch on an index built with article vectors (``index --semantic``), default Ranking."""
    ix, build_s = build_newssearch(records, folder, semantic=True)
    try:
        return ask_newssearch(ix, "newssearch --semantic", build_s, questions, collection, crashes)
    finally:
        ix.close()


HEADER = ["system", "MRR@10", "R@10", "nDCG@10", "p50 ms", "p95 ms", "build s", "QueryError", "exception",
          "no hits"]


def known_item_lines(result: KnownItemRun, sample: int) -> list[str]:
    rows, measured = [HEADER], [(run, metrics(run.outcomes)) for run in result.runs]
    for run, m in measured:
        other = str(len(result.crashes.get(run.name, [])))
        rows.append([run.name, f"{m.mrr:.3f}", f"{m.recall:.3f}", f"{m.ndcg:.3f}", f"{m.p50:.1f}", f"{m.p95:.1f}",
                     f"{run.build_s:.2f}", str(m.errors), other, str(m.zero_hits)])
    (ours, a), others = measured[0], [(run, m) for run, m in measured[1:] if run.name not in result.crashes]
    if others:
        rows.append([""] * len(HEADER))
    for peer, b in others:
        rows.append([f"newssearch vs {peer.name}", signed(a.mrr - b.mrr), signed(a.recall - b.recall),
                     signed(a.ndcg - b.ndcg), times(a.p50, b.p50), times(a.p95, b.p95),
                     times(ours.build_s, peer.build_s), "", "", ""])
    queries = f"{len(result.questions):,} headlines" + (f" (one in {sample})" if sample > 1 else "")
    lines = ["", f"=== {result.collection.name}: headline -> its article, {queries}, top {K} ===", "", *table(rows)]
    if others:
        lines += ["", "vs rows: newssearch minus the peer for quality, newssearch / peer for times"]
    if any(result.crashes.values()):
        lines += ["", "exceptions other than QueryError (counted as no hits):"]
        lines += [f"  {name}, {query!r}: {error}" for name, found in result.crashes.items() for query, error in found]
    return lines


def ablation_lines(result: KnownItemRun) -> list[str]:
    step = result.ablation_step
    default = metrics(result.runs[0].outcomes[::step])  # the main run's outcomes for the same queries
    rows = [["variant (one change from the default)", "MRR@10", "ΔMRR", "R@10", "ΔR@10", "nDCG@10", "ΔnDCG",
             "p50 ms"],
            ["default (as in the header)", f"{default.mrr:.3f}", "", f"{default.recall:.3f}", "",
             f"{default.ndcg:.3f}", "", f"{default.p50:.1f}"]]
    for variant, m in result.ablation:
        if isinstance(m, str):
            rows.append([f"{variant.label}: {m}, skipped"] + [""] * 7)
        else:
            rows.append([variant.label, f"{m.mrr:.3f}", signed(m.mrr - default.mrr), f"{m.recall:.3f}",
                         signed(m.recall - default.recall), f"{m.ndcg:.3f}", signed(m.ndcg - default.ndcg),
                         f"{m.p50:.1f}"])
    sample = f"{default.n:,} headlines" + (f" (one in {step} of the main run's)" if step > 1 else "")
    return ["", f"=== ablation on {result.collection.name}: newssearch variants, {sample} ===", "", *table(rows)]


# ---------------------------------------------------------------- scale


@dataclass(frozen=True)
class ScaleArchive:
    n: int
    jsonl: Path
    short: list[str]  # the generator's 1-3-word queries
    long: list[str]  # headline-length queries from the archive


def ensure_scale_archive(n: int, work: Path) -> ScaleArchive:
    """The archive of ``n`` articles under ``work`` (generated once: the generator is deterministic)."""
    folder = work / f"news-{n}"
    done, jsonl, short = folder / "complete.json", folder / "articles.jsonl", folder / "queries.txt"
    if not done.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        log(f"generating {n:,} articles in {folder}")
        subprocess.run([sys.executable, str(GENERATOR), "--n", str(n), "--jsonl", str(jsonl), "--queries", str(short)],
                       check=True)
        done.write_text(json.dumps({"n": n}), encoding="utf-8")
    shorts = [q for q in short.read_text(encoding="utf-8").splitlines() if q.strip()]
    return ScaleArchive(n, jsonl, shorts, long_queries(jsonl))


def long_queries(jsonl: Path, count: int = LONG_QUERIES) -> list[str]:
    """``count`` distinct headlines of 8-20 words, as written, evenly spread over the archive."""
    low, high = LONG_WORDS
    seen: dict[str, None] = {}
    for doc in read_jsonl(jsonl):
        title = " ".join((doc.get("title") or "").split())
        if low <= len(_WORD.findall(title)) <= high:
            seen.setdefault(title)
    titles = list(seen)
    count = min(count, len(titles))
    return [titles[i * len(titles) // count] for i in range(count)]


@dataclass(frozen=True)
class ScaleRun:
    name: str
    build_s: float
    short: Latencies
    long: Latencies
    crashes: int = 0


def scale_newssearch(archive: ScaleArchive, work: Path) -> ScaleRun:
    ix, build_s = build_newssearch(archive.jsonl, work / "scale-newssearch")
    try:
        search = Guarded(lambda q: [(h.id, "") for h in ix.search(q, limit=K)])
        log("newssearch: warm short queries, then long ones")
        short = time_queries(lambda q: len(search(q)), archive.short, (QueryError,))
        long = time_queries(lambda q: len(search(q)), archive.long, (QueryError,))
    finally:
        ix.close()
    return ScaleRun("newssearch", build_s, short, long, len({q for q, _ in search.crashes}))


def scale_peer(peer: Any, archive: ScaleArchive, work: Path) -> ScaleRun:
    log(f"{peer.name}: build {archive.n:,} articles")
    start = time.perf_counter()
    peer.build(read_jsonl(archive.jsonl), work / f"scale-{peer.name}")
    build_s = time.perf_counter() - start
    try:
        log(f"{peer.name}: warm short queries, then long ones")
        short = time_queries(lambda q: len(peer.search(q, K)), archive.short)
        long = time_queries(lambda q: len(peer.search(q, K)), archive.long)
    finally:
        peer.close()
    return ScaleRun(peer.name, build_s, short, long)


def scale_lines(archive: ScaleArchive, runs: Sequence[ScaleRun]) -> list[str]:
    def ms(lat: Latencies, p: float) -> float:
        return lat.figures("x", (p,))[f"x {'max' if p == 100 else f'p{p:g}'} ms"]

    header = ["system", "build s", "short p50", "short p95", "short max", "long p50", "long p95", "long max",
              "errors", "zero hits"]
    rows = [header]
    for run in runs:
        errors = f"{run.short.errors + run.long.errors}" + (f" +{run.crashes} exc." if run.crashes else "")
        rows.append([run.name, f"{run.build_s:.1f}"] + [f"{ms(lat, p):.1f}" for lat in (run.short, run.long)
                                                        for p in (50, 95, 100)]
                    + [errors, f"{run.short.empty}/{run.long.empty}"])
    ours, others = runs[0], runs[1:]
    if others:
        rows.append([""] * len(header))
    for peer in others:
        rows.append([f"newssearch / {peer.name}", times(ours.build_s, peer.build_s)]
                    + [times(ms(a, p), ms(b, p)) for a, b in ((ours.short, peer.short), (ours.long, peer.long))
                       for p in (50, 95, 100)] + ["", ""])
    lengths = [len(_WORD.findall(q)) for q in archive.long]
    lines = ["", f"=== scale: {archive.n:,} generated articles, warm query latency (ms), top {K} with snippets ===",
             "", f"short: the generator's {len(archive.short)} queries of 1-3 words; long: {len(archive.long)} "
             f"distinct archive headlines of {LONG_WORDS[0]}-{LONG_WORDS[1]} words (median "
             f"{sorted(lengths)[len(lengths) // 2] if lengths else 0}), as written, evenly spread over the archive",
             "errors: QueryErrors (+ other exceptions, newssearch); zero hits: short/long", "", *table(rows)]
    for label, lat in (("short", ours.short), ("long", ours.long)):
        lines += ["", f"newssearch's slowest {label} queries:"]
        lines += [f"  {seconds * 1000:.0f} ms  {query}" for seconds, query in lat.slowest]
    return lines


# ---------------------------------------------------------------- report


def header_lines(args: argparse.Namespace, peers: Sequence[Any], missing: Sequence[str]) -> list[str]:
    lines = [f"command: {Path(sys.executable).name} {shlex.join(sys.argv)}",
             f"date: {datetime.now(timezone.utc).isoformat(timespec='seconds')}",
             f"machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}, "
             f"load average at start {' '.join(f'{x:.1f}' for x in os.getloadavg())}",
             f"newssearch: {library_state()}; default Ranking({ranking_text(DEFAULT_RANKING)})",
             f"data: {args.data}",
             "known item: titles emptied (id, source, body kept) in a temporary .jsonl; newssearch: "
             "NewsIndex.open(tmp, create=True).add([that file]), ix.search(headline as written, "
             f"limit={K}); a QueryError counts as no hits; newssearch --semantic: the same with "
             ".add([that file], semantic=True) (article vectors); peers built from the same records",
             "times: p50/p95 per query, search and snippets included; build s: indexing the .jsonl, parsing "
             "included; all systems measured one after the other in this run (compare ratios, not runs)",
             "peers:"]
    lines += [f"  {p.name}: {p.setup}" for p in peers]
    return lines + [f"  {name}: library not installed, skipped" for name in missing]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--data", type=Path, default=SHARED / "data", help="the shared data folder")
    ap.add_argument("--peers", default="all", help="'all', 'none' or comma-separated peer names")
    ap.add_argument("--sample", type=int, default=1, metavar="N", help="every N-th query (default: all)")
    ap.add_argument("--scale", type=int, default=100_000, metavar="N", help="articles at scale (0: skip)")
    ap.add_argument("--ablation", action="store_true", help="add the tables of newssearch variants")
    ap.add_argument("--no-semantic", dest="semantic", action="store_false",
                    help="skip the run on an index built with --semantic (made when the encoder is installed)")
    ap.add_argument("--ablation-sample", type=int, default=1, metavar="M",
                    help="ablation on every M-th query of the main runs (default: all of them)")
    ap.add_argument("--work", type=Path, default=BENCH / "work", help="where the scaled archive is cached")
    ap.add_argument("--output", type=Path, default=RESULT_FILE, help="where the report is written")
    args = ap.parse_args(argv)
    if args.sample < 1 or args.ablation_sample < 1:
        ap.error("--sample and --ablation-sample must be 1 or more")
    args.data = args.data.resolve()
    return args


def peer_names(spec: str) -> list[str]:
    spec = spec.strip()
    if spec == "none":
        return []
    return list(PEER_NAMES) if spec == "all" else [n.strip() for n in spec.split(",") if n.strip()]


def run(args: argparse.Namespace, work: Path) -> list[str]:
    peers, missing = load_peers(peer_names(args.peers))
    for name in missing:
        log(f"{name}: library not installed, skipped")
    lines = header_lines(args, peers, missing)
    results = [known_item(c, peers, work, args) for c in (fresada(args.data), masakhanews(args.data))]
    for result in results:
        lines += known_item_lines(result, args.sample)
    for result in results:
        lines += ablation_lines(result) if result.ablation else []
    if args.scale > 0 and GENERATOR.is_file():
        archive = ensure_scale_archive(args.scale, args.work.resolve())
        scale = [scale_newssearch(archive, work)] + [scale_peer(peer, archive, work) for peer in peers]
        lines += scale_lines(archive, scale)
    elif args.scale > 0:
        lines += ["", f"scale: skipped, generator not found at {GENERATOR}"]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not (args.data / "fresada.jsonl.gz").is_file():
        print(f"skipped: news collections not found in {args.data}")
        return 0
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="newssearch-news-") as work:
        lines = run(args, Path(work))
    publish([*lines, "", f"total benchmark time: {(time.perf_counter() - started) / 60:.1f} min"], args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
