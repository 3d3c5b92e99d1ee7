"""Soak test: index a growing archive while another process queries in a loop.

    python benchmarks/soak.py --minutes 10

A writer process adds seed-format articles to an archive folder in small batches and runs
`newssearch index` after each batch (the real CLI, as a cron job would); a reader process
queries the same index through the API in a loop the whole time. At the end it prints the
queries served, the errors of each side, and the final article count against the number
of files written. Needs ../shared/tools/scale_corpus.py (skips cleanly without it).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOOLS = Path(__file__).resolve().parents[2] / "shared" / "tools" / "scale_corpus.py"


def generate(n: int, work: Path) -> list[dict[str, str]]:
    jsonl = work / "pool.jsonl"
    subprocess.run([sys.executable, str(TOOLS), "--n", str(n), "--jsonl", str(jsonl)], check=True)
    sys.path.insert(0, str(TOOLS.parent))
    return [json.loads(line) for line in jsonl.read_text(encoding="utf-8").split("\n") if line]


def writer(docs: list[dict[str, str]], archive: Path, index: Path, stop_at: float, batch: int,
           out: "mp.Queue[dict[str, object]]") -> None:
    from scale_corpus import seed_format  # type: ignore[import-not-found]

    written = runs = failures = 0
    last_error = ""
    while time.time() < stop_at and written < len(docs):
        for doc in docs[written:written + batch]:
            (archive / f"{doc['id']}.txt").write_text(seed_format(doc), encoding="utf-8")
        written = min(len(docs), written + batch)
        done = subprocess.run([sys.executable, "-m", "newssearch", "index", str(archive), "--index", str(index)],
                              capture_output=True, text=True)
        runs += 1
        if done.returncode != 0:
            failures += 1
            last_error = done.stderr.strip()[-300:]
    out.put({"files": written, "index_runs": runs, "index_failures": failures, "last_index_error": last_error})


def reader(index: Path, queries: list[str], stop_at: float, out: "mp.Queue[dict[str, object]]") -> None:
    from newssearch import NewsIndex, NewsSearchError

    served = errors = empty = 0
    seen: list[str] = []
    rng = random.Random(1)
    while not (index / "newssearch.json").exists() and time.time() < stop_at:
        time.sleep(0.05)
    with NewsIndex.open(index) as ix:
        counts = []
        while time.time() < stop_at:
            try:
                results = ix.query(rng.choice(queries), limit=10)
                served += 1
                empty += not results.hits
                counts.append(len(ix))
            except NewsSearchError as exc:
                if "no searchable words" not in str(exc):
                    errors += 1
                    seen.append(str(exc)[:200])
            except Exception as exc:  # a bug: count it and say what it was
                errors += 1
                seen.append(f"{type(exc).__name__}: {exc}"[:200])
    monotonic = all(a <= b for a, b in zip(counts, counts[1:]))
    out.put({"queries": served, "query_errors": errors, "empty_results": empty, "count_never_decreased": monotonic,
             "error_samples": seen[:5]})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--articles", type=int, default=60_000, help="pool of articles to write from")
    ap.add_argument("--batch", type=int, default=200, help="articles written between index runs")
    args = ap.parse_args()
    if not TOOLS.exists():
        print(f"skipped: {TOOLS} not found")
        return
    work = Path(tempfile.mkdtemp(prefix="newssearch-soak-"))
    try:
        docs = generate(args.articles, work)
        from scale_corpus import query_set  # the archive generator's own 500 queries of 1-3 words

        queries = query_set(500, 7)
        archive, index = work / "archive", work / "index"
        archive.mkdir()
        stop_at = time.time() + args.minutes * 60
        results: mp.Queue[dict[str, object]] = mp.Queue()
        procs = [mp.Process(target=writer, args=(docs, archive, index, stop_at, args.batch, results)),
                 mp.Process(target=reader, args=(index, queries, stop_at, results))]
        for p in procs:
            p.start()
        report: dict[str, object] = {}
        for _ in procs:
            report.update(results.get(timeout=args.minutes * 60 + 600))
        for p in procs:
            p.join()
        from newssearch import NewsIndex

        with NewsIndex.open(index) as ix:
            report["articles_in_index"] = len(ix)
        final = subprocess.run([sys.executable, "-m", "newssearch", "index", str(archive), "--index", str(index)],
                               capture_output=True, text=True)
        report["final_reindex"] = final.stdout.strip()
        print(f"command: python benchmarks/soak.py --minutes {args.minutes:g} --batch {args.batch}")
        for key, value in report.items():
            print(f"{key}: {value}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
