#!/usr/bin/env python3
"""Query time when a hit is a huge article (issue #14: snippet selection was quadratic).

    python benchmarks/huge_articles.py

Indexes, in a temporary folder, one article of 20,000 short sentences (about 360 KB), one
of 1 MB and one of 50 MB (allowed with max_bytes), each containing the query words, then
times a warm query that shows it (top 10 with snippets): median of 5.
"""

from __future__ import annotations

import json
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path

from newssearch import NewsIndex

CASES = {
    "20,000 short sentences": " ".join(f"Phrase {i} du char Leopard." for i in range(20_000)),
    "1 MB of prose": ("Le char Leopard arrive en Ukraine après la réunion de Ramstein. " * 16_000),
    "50 MB of prose": ("Le char Leopard arrive en Ukraine après la réunion de Ramstein. " * 800_000),
}


def main() -> None:
    print(f"command: python {shlex.join(sys.argv)}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, body in CASES.items():
            folder = Path(tmp) / name.replace(" ", "-").replace(",", "")
            folder.mkdir()
            (folder / "a.jsonl").write_text(json.dumps({"id": "a", "title": "Dépêche", "body": body}) + "\n",
                                            encoding="utf-8")
            with NewsIndex.create(folder / "ix") as ix:
                ix.add([folder / "a.jsonl"], max_bytes=len(body) * 2)
                ix.search("char Leopard Ramstein")
                times = []
                for _ in range(5):
                    start = time.perf_counter()
                    hits = ix.search("char Leopard Ramstein", limit=10)
                    times.append(time.perf_counter() - start)
            print(f"{name:24s} {len(body.encode()) / 1e6:6.2f} MB  {len(hits)} hit  "
                  f"median {statistics.median(times) * 1000:8.1f} ms  max {max(times) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
