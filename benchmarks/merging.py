#!/usr/bin/env python3
"""Merging benchmark: what merging an index costs, and what its segments cost queries.

    python benchmarks/merging.py INDEX --queries QUERIES.txt [--work DIR] [--rounds 2]

INDEX is an index built without merging (``update_index(..., merge=False)``, or by the code
before merging, e.g. speed.py's .txt index of an archive). It is copied three times: left
as it is, merged as indexing now merges after a commit (compaction.compact with the default
policy), and optimized into one segment (``newssearch optimize``). Each merge runs in a
subprocess measured as speed.py measures indexing (wall time, peak RSS of the process tree,
peak size of the index folder). Then the three copies answer the same queries in this
process, query by query in turn (the order rotating), after one untimed warm-up pass, so
that a loaded machine slows the three alike: the ratios hold where the milliseconds do not.
Without deleted articles the hits of the three are the same (ids, and scores to 12
digits); deleted articles still count in the statistics of the index as built, not in
those of merged segments.
"""

from __future__ import annotations

import argparse
import math
import shutil
import statistics
import sys
import time
from pathlib import Path

from common import log  # noqa: E402 (this folder is on sys.path when run as a script)
from speed import MB, Measured, checked, cli_path, folder_bytes, percentile, run_measured, segment_count

LAYOUTS = ("as built", "merged (policy)", "optimized")
COMPACT = ("from newssearch.engine import compact; from newssearch.indexing import merge_procs; "
           "from newssearch.folder import IndexFolder\n"
           "with IndexFolder({path!r}).merging() as s:\n"
           "    r = compact(s.ix, procs=merge_procs(), before_commit=s.before_merge, after_commit=s.after_merge)\n"
           "print(r.merges)")


def prepare(index: Path, work: Path) -> dict[str, Path]:
    copies = {}
    for layout in LAYOUTS:
        copies[layout] = work / layout.split()[0]
        shutil.rmtree(copies[layout], ignore_errors=True)
        shutil.copytree(index, copies[layout])
    return copies


def merge_figures(label: str, result: Measured, before: int, index: Path, docs: int) -> list[str]:
    size = folder_bytes(index)
    return [f"{label}: {result.wall:.1f} s ({docs / result.wall:,.0f} articles/s, {before / MB / result.wall:.1f} MB/s "
            f"of input), peak tree {result.tree_bytes / MB:,.0f} MB, largest process {result.largest_bytes / MB:,.0f} "
            f"MB, peak on disk {result.disk_bytes / MB:,.0f} MB ({result.disk_bytes / before:.2f}x the index before), "
            f"index {before / MB:,.0f} -> {size / MB:,.0f} MB, {segment_count(index):.0f} segments"]


def same(a: list[tuple[str, float]], b: list[tuple[str, float]]) -> bool:
    """The same hits, scores equal to 12 digits (Whoosh's sums follow each segment's term
    frequencies: the same index in other segments may differ in the last bit)."""
    return [i for i, _ in a] == [i for i, _ in b] and all(math.isclose(x, y, rel_tol=1e-12)
                                                          for (_, x), (_, y) in zip(a, b))


def timed_queries(copies: dict[str, Path], queries: list[str],
                  rounds: int) -> tuple[dict[str, list[float]], dict[str, int]]:
    """Seconds per query and layout, queries taken in turn by each layout (rotating order);
    and for each layout, the number of queries whose hits differ from the first layout's."""
    from newssearch import NewsIndex, QueryError

    indexes = {layout: NewsIndex.open(path) for layout, path in copies.items()}
    seconds: dict[str, list[float]] = {layout: [] for layout in copies}
    differ = dict.fromkeys(copies, 0)
    order = list(copies)
    for round_ in range(rounds + 1):  # round 0 warms up
        for n, query in enumerate(queries):
            answers = {}
            for layout in order[n % 3:] + order[:n % 3]:
                start = time.perf_counter()
                try:
                    hits = indexes[layout].search(query, limit=10)
                except QueryError:
                    hits = []
                if round_:
                    seconds[layout].append(time.perf_counter() - start)
                answers[layout] = [(h.id, h.score) for h in hits]
            for layout in copies:
                differ[layout] += round_ == 1 and not same(answers[layout], answers[order[0]])
    for ix in indexes.values():
        ix.close()
    return seconds, differ


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("index", type=Path, help="an index built without merging")
    ap.add_argument("--queries", type=Path, required=True, help="one query a line")
    ap.add_argument("--work", type=Path, default=Path(__file__).resolve().parent / "work" / "merging")
    ap.add_argument("--rounds", type=int, default=2, help="timed passes over the queries")
    ap.add_argument("--tag", default="", help="the result file's name ends with it")
    args = ap.parse_args(argv)
    queries = [q for q in args.queries.read_text(encoding="utf-8").splitlines() if q.strip()]
    log(f"copying {args.index} three times into {args.work}")
    copies = prepare(args.index, args.work)
    before = folder_bytes(args.index)
    from newssearch import NewsIndex

    with NewsIndex.open(copies["as built"]) as ix:
        docs = len(ix)
    lines = [f"command: {' '.join([Path(sys.executable).name, *sys.argv])}",
             f"index: {args.index} ({docs:,} articles, {before / MB:,.0f} MB, {segment_count(args.index):.0f} segments)"]
    log("merging as indexing does after a commit")
    cmd = [sys.executable, "-c", COMPACT.format(path=str(copies["merged (policy)"]))]
    lines += merge_figures("merged (policy)", checked(run_measured(cmd, watch=copies["merged (policy)"]), "compact"),
                           before, copies["merged (policy)"], docs)
    log("optimizing")
    cmd = [str(cli_path()), "optimize", "--index", str(copies["optimized"])]
    lines += merge_figures("optimized", checked(run_measured(cmd, watch=copies["optimized"]), "optimize"),
                           before, copies["optimized"], docs)
    log(f"{len(queries)} queries x {args.rounds} rounds on the three layouts, in turn")
    seconds, differ = timed_queries(copies, queries, args.rounds)
    base = {p: percentile(seconds["as built"], p) for p in (50, 95, 99)}
    for layout in LAYOUTS:
        figures = {p: percentile(seconds[layout], p) for p in (50, 95, 99)}
        lines.append(f"warm queries, {layout:16} ({segment_count(copies[layout]):.0f} segments): "
                     + ", ".join(f"p{p} {v * 1000:.1f} ms ({v / base[p]:.2f}x)" for p, v in figures.items())
                     + f", mean {statistics.mean(seconds[layout]) * 1000:.1f} ms; hits unlike as built's for "
                     f"{differ[layout]} of {len(queries)} queries")
    lines.append("(with deleted articles in the index as built, merged segments no longer count them in term "
                 "frequencies and length totals, and scores change as they would in a rebuilt index)")
    text = "\n".join(lines) + "\n"
    print(text, end="")
    out = Path(__file__).resolve().parent / "results" / f"merging{'-' + args.tag if args.tag else ''}.txt"
    out.write_text(text, encoding="utf-8")
    log(f"written to {out}")
    return 0 if not math.isnan(base[50]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
