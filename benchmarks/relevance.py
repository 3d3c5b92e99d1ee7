#!/usr/bin/env python3
"""Relevance benchmark: newssearch and peer engines on PIAF (French Wikipedia questions).

    python benchmarks/relevance.py [--data DIR] [--peers none] [--ablation [--sample N]]

PIAF (../shared/data/piaf beside the repo, or --data): 1,518 paragraphs, 5,010 questions with
answer strings, one relevant paragraph per question. newssearch is used as a user would
(``NewsIndex.open(tmp, create=True).add([passages.jsonl])``, then ``ix.search(question,
limit=10)`` on the question as written; a QueryError counts as no hits), beside each peer of
benchmarks/peers.py built from the same records. Reported over the top 10: MRR, recall, nDCG,
answer@1 (relevant paragraph first, and its first snippet shows an answer), query and build
times. newssearch runs twice: as indexed by default, and with ``add(..., semantic=True)``
(``index --semantic``: article vectors; skipped when newssearch[semantic] is not installed).
``--ablation`` adds newssearch variants, one change each from the default ranking, on every
k-th question (``--sample N``), on the semantic index when there is one. The report also
goes to benchmarks/results/relevance.txt.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from newssearch import NewsIndex, QueryError
from newssearch.config import DEFAULT_RANKING, Ranking
from newssearch.errors import SemanticUnavailableError
from newssearch.semantic import require as require_encoder

from common import log, publish  # noqa: E402 (this folder is on sys.path when run as a script)

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "piaf"
RESULT_FILE = BENCH / "results" / "relevance.txt"
PEER_NAMES = ("tantivy", "sqlite-fts5", "whoosh-plain")
K = 10

Search = Callable[[str], list[tuple[str, str]]]  # question -> [(doc id, first snippet)], best first
Mode = Literal["auto", "all", "any"]


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    answers: tuple[str, ...]
    relevant: frozenset[str]


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        yield from (json.loads(line) for line in f if line.strip())


def read_qrels(path: Path) -> dict[str, set[str]]:
    relevant: dict[str, set[str]] = {}
    with path.open(encoding="utf-8") as f:
        for line in list(f)[1:]:  # after the header
            query_id, doc_id, grade = line.rstrip("\n").split("\t")
            if int(grade) > 0:
                relevant.setdefault(query_id, set()).add(doc_id)
    return relevant


def load_questions(data: Path) -> list[Question]:
    """The questions that have a relevant paragraph (PIAF: all of them, one each)."""
    relevant = read_qrels(data / "qrels-dev.tsv")
    return [Question(q["id"], q["text"], tuple(q["answers"]), frozenset(relevant[q["id"]]))
            for q in read_jsonl(data / "queries-dev.jsonl") if relevant.get(q["id"])]


def sample_step(total: int, n: int | None) -> int:
    """k such that every k-th of ``total`` questions gives at least ``n`` (1: all of them)."""
    return max(1, total // n) if n and n < total else 1


@dataclass(frozen=True)
class Outcome:
    """One question: rank of the relevant hit (None: not in the top 10), answer@1 with case
    as given and ignoring case, time, whether the query raised QueryError, number of hits."""

    rank: int | None
    answer: bool
    answer_ci: bool
    ms: float
    error: bool
    hits: int


def normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def snippet_answers(snippet: str, answers: Sequence[str], fold_case: bool) -> bool:
    shown, wanted = normalise(snippet), [normalise(a) for a in answers if a.strip()]
    if fold_case:
        shown, wanted = shown.casefold(), [a.casefold() for a in wanted]
    return any(a in shown for a in wanted)


def ask(search: Search, question: Question) -> Outcome:
    start = time.perf_counter()
    try:
        hits, error = search(question.text)[:K], False
    except QueryError:
        hits, error = [], True
    ms = (time.perf_counter() - start) * 1000
    rank = next((i for i, (doc, _) in enumerate(hits, 1) if doc in question.relevant), None)
    first = hits[0][1] if rank == 1 else ""
    return Outcome(rank, rank == 1 and snippet_answers(first, question.answers, False),
                   rank == 1 and snippet_answers(first, question.answers, True), ms, error, len(hits))


def ask_all(search: Search, questions: Sequence[Question], label: str) -> list[Outcome]:
    log(f"{label}: {len(questions):,} questions")
    return [ask(search, q) for q in questions]


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] if ordered else float("nan")


@dataclass(frozen=True)
class Metrics:
    """Means over ``n`` questions (quality), percentiles (ms), and counts of odd outcomes."""

    n: int
    mrr: float
    recall: float
    ndcg: float
    answer: float
    answer_ci: float
    p50: float
    p95: float
    errors: int
    zero_hits: int


def metrics(outcomes: Sequence[Outcome]) -> Metrics:
    """With one relevant paragraph a question, recall@10 is 0 or 1 and nDCG = 1/log2(rank+1)."""
    n, ranks, ms = len(outcomes), [o.rank for o in outcomes if o.rank], [o.ms for o in outcomes]
    return Metrics(n, sum(1 / r for r in ranks) / n, len(ranks) / n, sum(1 / math.log2(r + 1) for r in ranks) / n,
                   sum(o.answer for o in outcomes) / n, sum(o.answer_ci for o in outcomes) / n,
                   percentile(ms, 50), percentile(ms, 95), sum(o.error for o in outcomes),
                   sum(o.hits == 0 for o in outcomes))


@dataclass(frozen=True)
class SystemRun:
    name: str
    build_s: float
    outcomes: list[Outcome]


def build_newssearch(passages: Path, folder: Path, semantic: bool = False) -> tuple[NewsIndex, float]:
    start = time.perf_counter()
    ix = NewsIndex.open(folder, create=True)
    report = ix.add([passages], semantic=semantic)
    seconds = time.perf_counter() - start
    log(f"newssearch{' --semantic' * semantic}: {len(ix):,} paragraphs indexed in {seconds:.2f} s, "
        f"skipped: {report.skipped or 'none'}")
    return ix, seconds


def encoder_available() -> bool:
    try:
        require_encoder()
    except SemanticUnavailableError:
        log("newssearch --semantic: the encoder is not installed (pip install -e '.[semantic]'), skipped")
        return False
    return True


def newssearch_search(ix: NewsIndex, ranking: Ranking = DEFAULT_RANKING, mode: Mode = "auto") -> Search:
    def search(question: str) -> list[tuple[str, str]]:
        return [(hit.id, hit.snippet.text) for hit in ix.search(question, limit=K, ranking=ranking, mode=mode)]
    return search


def load_peers(names: Sequence[str]) -> tuple[list[Any], list[str]]:
    """The available peers among ``names``, and the names of those whose library is missing."""
    if not names:
        return [], []
    sys.path.insert(0, str(BENCH))
    from peers import available_peers

    found = {peer.name: peer for peer in available_peers()}
    return [found[n] for n in names if n in found], [n for n in names if n not in found]


def run_peer(peer: Any, passages: Path, questions: Sequence[Question], folder: Path) -> SystemRun:
    log(f"{peer.name}: build")
    start = time.perf_counter()
    peer.build(read_jsonl(passages), folder / peer.name)
    build_s = time.perf_counter() - start
    try:
        return SystemRun(peer.name, build_s, ask_all(peer.search, questions, peer.name))
    finally:
        peer.close()


@dataclass(frozen=True)
class Variant:
    label: str
    changes: dict[str, Any]
    mode: Mode = "auto"


def toggle(field: str, value: float) -> Variant:
    """Turn an optional rerank signal off if the default has it on, else on at ``value``."""
    if getattr(DEFAULT_RANKING, field, 0):
        return Variant(f"{field} off (0)", {field: 0.0})
    return Variant(f"{field} {value:g}", {field: value})


VARIANTS = (
    Variant("no title boost (title_boost 1)", {"title_boost": 1.0}),
    Variant("title_boost 3", {"title_boost": 3.0}),
    Variant("k1 1.2 (the default until k1 2.0)", {"k1": 1.2}),
    Variant("b 0.9", {"b": 0.9}),
    Variant("keep question words", {"question_words": False}),
    Variant("keep answer-type words (année, nom...) in questions", {"answer_type_words": False}),
    Variant("questions need all words like keywords (questions_any_word off)", {"questions_any_word": False}),
    Variant("stray syntax in a question is a QueryError (lenient_questions off)", {"lenient_questions": False}),
    Variant("no coordination (0)", {"coordination": 0.0}),
    Variant("coordination by word count (idf_coordination off)", {"idf_coordination": False}),
    Variant("no proximity (0)", {"proximity": 0.0}),
    Variant("rerank depth 200", {"rerank": 200}),
    toggle("exact", 0.5),
    Variant("exact 0.5", {"exact": 0.5}),
    toggle("pairs", 0.5),
    toggle("semantic", 0.75),
    Variant("semantic 0.5", {"semantic": 0.5}),
    Variant("semantic 0.9", {"semantic": 0.9}),
    Variant("AND + fallback always (long_query 99)", {"long_query": 99}),
    Variant("pure AND (mode='all')", {}, mode="all"),
)


def variant_ranking(variant: Variant) -> Ranking | str:
    """The default with the variant's changes, or why the variant is skipped."""
    try:
        ranking = dataclasses.replace(DEFAULT_RANKING, **variant.changes)
    except TypeError:
        return "not a field of this Ranking"
    return "same as the default" if ranking == DEFAULT_RANKING and variant.mode == "auto" else ranking


def run_ablation(ix: NewsIndex, questions: Sequence[Question]) -> list[tuple[Variant, Metrics | str]]:
    rows: list[tuple[Variant, Metrics | str]] = []
    for variant in VARIANTS:
        ranking = variant_ranking(variant)
        if not isinstance(ranking, str):
            search = newssearch_search(ix, ranking, variant.mode)
            rows.append((variant, metrics(ask_all(search, questions, f"ablation '{variant.label}'"))))
        else:
            rows.append((variant, ranking))
    return rows


def table(rows: Sequence[Sequence[str]]) -> list[str]:
    """Left-aligned first column, right-aligned others, two spaces apart."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()
            for r in rows]


def signed(value: float) -> str:
    return f"{value:+.3f}"


def times(a: float, b: float) -> str:
    return f"x{a / b:.1f}" if b > 0 else "-"


MAIN_HEADER = ["system", "MRR@10", "R@10", "nDCG@10", "ans@1", "ans@1 ci", "p50 ms", "p95 ms", "build s",
               "QueryError", "no hits"]


def main_row(run: SystemRun, m: Metrics) -> list[str]:
    return [run.name, f"{m.mrr:.3f}", f"{m.recall:.3f}", f"{m.ndcg:.3f}", f"{m.answer:.3f}", f"{m.answer_ci:.3f}",
            f"{m.p50:.1f}", f"{m.p95:.1f}", f"{run.build_s:.2f}", str(m.errors), str(m.zero_hits)]


def difference_row(ours: tuple[SystemRun, Metrics], theirs: tuple[SystemRun, Metrics]) -> list[str]:
    (run, a), (peer, b) = ours, theirs
    return [f"{run.name} vs {peer.name}", signed(a.mrr - b.mrr), signed(a.recall - b.recall), signed(a.ndcg - b.ndcg),
            signed(a.answer - b.answer), signed(a.answer_ci - b.answer_ci), times(a.p50, b.p50),
            times(a.p95, b.p95), times(run.build_s, peer.build_s), "", ""]


def main_lines(runs: Sequence[SystemRun]) -> list[str]:
    results = [(run, metrics(run.outcomes)) for run in runs]
    rows = [MAIN_HEADER] + [main_row(*result) for result in results]
    ours = [r for r in results if r[0].name.startswith("newssearch")]
    differences = [difference_row(mine, theirs) for mine in ours for theirs in results if theirs not in ours]
    lines = table(rows + [[""] * len(MAIN_HEADER)] * bool(differences) + differences)
    note = ["", "vs rows: newssearch minus the peer for quality, newssearch / peer for times"] if differences else []
    return ["", f"=== all {results[0][1].n:,} questions, top {K} ===", "", *lines, *note]


def ablation_lines(default: Metrics, rows: Sequence[tuple[Variant, Metrics | str]], step: int,
                   system: str) -> list[str]:
    out = [["variant (one change from the default)", "MRR@10", "ΔMRR", "nDCG@10", "ΔnDCG", "ans@1 ci", "Δans@1",
            "R@10", "ΔR@10", "p50 ms"],
           ["default (as in the header)", f"{default.mrr:.3f}", "", f"{default.ndcg:.3f}", "",
            f"{default.answer_ci:.3f}", "", f"{default.recall:.3f}", "", f"{default.p50:.1f}"]]
    for variant, m in rows:
        if isinstance(m, str):
            out.append([f"{variant.label}: {m}, skipped"] + [""] * 9)
        else:
            out.append([variant.label, f"{m.mrr:.3f}", signed(m.mrr - default.mrr), f"{m.ndcg:.3f}",
                        signed(m.ndcg - default.ndcg), f"{m.answer_ci:.3f}", signed(m.answer_ci - default.answer_ci),
                        f"{m.recall:.3f}", signed(m.recall - default.recall), f"{m.p50:.1f}"])
    sample = "all questions" if step == 1 else f"{default.n:,} questions (one in {step}, from the first)"
    return ["", f"=== ablation: {system} variants, {sample} ===", "", *table(out)]


def ranking_text(ranking: Ranking) -> str:
    return ", ".join(f"{f.name}={getattr(ranking, f.name)}" for f in dataclasses.fields(ranking))


def library_state() -> str:
    """The commit and whether newssearch/ has uncommitted changes (read-only git calls)."""
    git = ["git", "--no-optional-locks"]
    try:
        head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
        dirty = subprocess.run([*git, "status", "--porcelain", "--", "newssearch"], cwd=REPO, capture_output=True,
                               text=True)
    except OSError:
        return "unknown"
    changes = " + uncommitted changes under newssearch/" if dirty.stdout.strip() else ""
    return f"{head.stdout.strip() or '?'}{changes}"


def header_lines(data: Path, questions: int, peers: Sequence[Any], missing: Sequence[str]) -> list[str]:
    lines = [f"command: {Path(sys.executable).name} {shlex.join(sys.argv)}",
             f"date: {datetime.now(timezone.utc).isoformat(timespec='seconds')}",
             f"machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}",
             f"newssearch: {library_state()}; default Ranking({ranking_text(DEFAULT_RANKING)})",
             f"collection: {data} ({questions:,} questions)",
             "newssearch: NewsIndex.open(tmp, create=True).add([passages.jsonl]) (--semantic: "
             f".add([passages.jsonl], semantic=True)); ix.search(question as written, limit={K}); "
             "a QueryError counts as no hits",
             "ans@1: relevant paragraph at rank 1 and its first snippet (hit.snippet.text / the peer's "
             "snippet) contains an answer string, both NFC-normalised with whitespace collapsed; "
             "'ans@1' is case-sensitive, 'ans@1 ci' ignores case (casefold)",
             "times: p50/p95 per question, search and snippets included; build s: indexing from the JSONL "
             "file, parsing included", "peers:"]
    lines += [f"  {p.name}: {p.setup}" for p in peers]
    return lines + [f"  {name}: library not installed, skipped" for name in missing]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the PIAF folder")
    ap.add_argument("--peers", default=",".join(PEER_NAMES), help="comma-separated peer names, or 'none'")
    ap.add_argument("--ablation", action="store_true", help="add the table of newssearch variants")
    ap.add_argument("--sample", type=int, default=None, metavar="N",
                    help="ablation on every k-th question, k = questions // N (default: all)")
    ap.add_argument("--output", type=Path, default=RESULT_FILE, help="where the report is written")
    return ap.parse_args(argv)


def run(args: argparse.Namespace, data: Path, work: Path) -> list[str]:
    questions = load_questions(data)
    names = [] if args.peers.strip() == "none" else [n.strip() for n in args.peers.split(",") if n.strip()]
    peers, missing = load_peers(names)
    for name in missing:
        log(f"{name}: library not installed, skipped")
    lines = header_lines(data, len(questions), peers, missing)
    runs: list[SystemRun] = []
    best: tuple[NewsIndex, SystemRun] | None = None
    for semantic in (False, True) if encoder_available() else (False,):
        name = "newssearch --semantic" if semantic else "newssearch"
        ix, build_s = build_newssearch(data / "passages.jsonl", work / name.replace(" ", ""), semantic)
        runs.append(SystemRun(name, build_s, ask_all(newssearch_search(ix), questions, name)))
        if best:
            best[0].close()
        best = ix, runs[-1]
    assert best is not None
    ix, ours = best
    try:
        runs += [run_peer(peer, data / "passages.jsonl", questions, work) for peer in peers]
        lines += main_lines(runs)
        if args.ablation:
            step = sample_step(len(questions), args.sample)
            default = metrics(ours.outcomes[::step])  # the main run's outcomes for the same questions
            lines += ablation_lines(default, run_ablation(ix, questions[::step]), step, ours.name)
    finally:
        ix.close()
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    data = args.data.resolve()
    if not (data / "passages.jsonl").is_file():
        print(f"skipped: PIAF collection not found at {data}")
        return 0
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="newssearch-relevance-") as work:
        lines = run(args, data, Path(work))
    publish([*lines, "", f"total benchmark time: {(time.perf_counter() - started) / 60:.1f} min"], args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
