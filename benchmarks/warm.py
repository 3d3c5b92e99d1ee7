#!/usr/bin/env python3
"""Warm query latency on an index that is already built (for the million, whose speed.py run
takes hours): the generator's 1-3-word queries and article titles as headline queries.

    python benchmarks/warm.py INDEX ARCHIVE_DIR [--short 300] [--titles 200] [--every 5000]

ARCHIVE_DIR is a scale_corpus.py archive (``articles.jsonl`` and ``queries.txt``); titles of
8 words or more are taken evenly from the archive. Top 10 with snippets, one untimed pass over
the first 20 queries, then every query once; prints p50 / p95 / max and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import sys
import time
from pathlib import Path

from newssearch import NewsIndex, QueryError


def titles_of(archive: Path, wanted: int, every: int = 5000) -> list[str]:
    titles = []
    with open(archive / "articles.jsonl", encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if number % every == 0:
                title = json.loads(line).get("title", "")
                if len(title.split()) >= 8:
                    titles.append(title)
    return titles[:wanted]


def timed(ix: NewsIndex, queries: list[str]) -> str:
    for query in queries[:20]:  # warm-up, untimed
        try:
            ix.search(query, limit=10)
        except QueryError:
            pass
    times = []
    for query in queries:
        start = time.perf_counter()
        try:
            ix.search(query, limit=10)
        except QueryError:
            pass
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return (f"p50 {statistics.median(times):,.1f} / p95 {times[int(len(times) * 0.95)]:,.1f} / "
            f"max {times[-1]:,.1f} ms over {len(times)} queries")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("archive", type=Path)
    parser.add_argument("--short", type=int, default=300)
    parser.add_argument("--titles", type=int, default=200)
    parser.add_argument("--every", type=int, default=5000, help="titles are taken from every N-th article")
    args = parser.parse_args()
    print(f"command: python {shlex.join(sys.argv)}")
    short = [q.strip() for q in open(args.archive / "queries.txt", encoding="utf-8") if q.strip()][:args.short]
    ix = NewsIndex.open(args.index)
    print(f"index: {len(ix):,} articles; load average at start {os.getloadavg()[0]:.1f}", flush=True)
    print(f"1-3 words: {timed(ix, short)}", flush=True)
    print(f"titles:    {timed(ix, titles_of(args.archive, args.titles, args.every))}", flush=True)
    print(f"load average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
