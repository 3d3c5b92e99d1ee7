#!/usr/bin/env python3
"""Web API latency: /api/search on a scaled French news archive, one client at a time and
with several concurrent clients, against a real `newssearch serve` process.

    python benchmarks/web.py --n 20000 --queries 500 --clients 8 --runs 3

/work/shared/tools/scale_corpus.py writes (once, then reused, under benchmarks/work/) N
articles as one JSONL file and a set of 1-3-word queries; `newssearch index` indexes them
(once). Each run starts `newssearch serve --port 0` in its own process, sends every query
once to warm it, then measures each query's round trip (request sent to JSON read, one
keep-alive connection per client): first sequentially, then from ``--clients`` threads
sharing the queries. For reference it also times the same queries through the Python API in
this process (NewsIndex.query, the library alone). Concurrent answers are compared with the
sequential ones. Every figure is the median over ``--runs`` runs; the report is printed and
written to benchmarks/results/web-<n>.txt.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from common import log  # noqa: E402 (this folder is on sys.path when run as a script)

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
GENERATOR = Path(__file__).resolve().parents[2] / "shared" / "tools" / "scale_corpus.py"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="articles in the archive")
    parser.add_argument("--queries", type=int, default=500, help="queries measured (from the generated set)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients in the second pass")
    parser.add_argument("--runs", type=int, default=3, help="runs; figures are medians over runs")
    parser.add_argument("--work", type=Path, default=BENCH / "work", help="where archives and indexes are kept")
    return parser.parse_args(argv)


def prepare(n: int, work: Path) -> tuple[Path, list[str]]:
    """The index of an N-article archive and its queries, made once and reused."""
    folder = work / f"web-{n}"
    jsonl, queries, index = folder / "articles.jsonl", folder / "queries.txt", folder / "index"
    if not (jsonl.is_file() and queries.is_file()):
        folder.mkdir(parents=True, exist_ok=True)
        log(f"generating {n:,} articles")
        subprocess.run([sys.executable, str(GENERATOR), "--n", str(n), "--jsonl", str(jsonl), "--queries",
                        str(queries)], check=True)
    if not (index / "newssearch.json").is_file():
        log(f"indexing {jsonl}")
        subprocess.run([cli(), "index", "--index", str(index), str(jsonl)], check=True, stdout=subprocess.DEVNULL)
    return index, [q.strip() for q in queries.read_text(encoding="utf-8").splitlines() if q.strip()]


def cli() -> str:
    return str(Path(sys.executable).with_name("newssearch"))


class Server:
    """`newssearch serve` in its own process, on a free port."""

    def __init__(self, index: Path) -> None:
        self.proc = subprocess.Popen([cli(), "serve", "--index", str(index), "--port", "0"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1"})
        assert self.proc.stderr is not None
        line = self.proc.stderr.readline()
        if " at http://" not in line:
            raise RuntimeError(f"newssearch serve did not start: {line!r}")
        url = urlsplit(line.split(" at ", 1)[1].split(" ", 1)[0])
        self.host, self.port = url.hostname or "127.0.0.1", url.port or 80
        threading.Thread(target=self.proc.stderr.read, daemon=True).start()  # drain uvicorn's log

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


def search_path(query: str) -> str:
    return "/api/search?" + urlencode({"q": query})


def fetch(conn: http.client.HTTPConnection, query: str) -> tuple[float, int, Any]:
    """One request on a kept-alive connection: (seconds, status, JSON)."""
    started = time.perf_counter()
    conn.request("GET", search_path(query))
    response = conn.getresponse()
    body = response.read()
    return time.perf_counter() - started, response.status, json.loads(body)


def sequential(server: Server, queries: list[str]) -> tuple[list[float], list[Any]]:
    conn = http.client.HTTPConnection(server.host, server.port, timeout=60)
    times, answers = [], []
    for query in queries:
        seconds, status, data = fetch(conn, query)
        times.append(seconds)
        answers.append(data if status == 200 else {"status": status})
    conn.close()
    return times, answers


def concurrent(server: Server, queries: list[str], clients: int) -> tuple[list[float], list[Any], float]:
    """Every query once, from ``clients`` threads with a connection each; also the wall time."""
    local = threading.local()
    connections: list[http.client.HTTPConnection] = []

    def one(query: str) -> tuple[float, Any]:
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection(server.host, server.port, timeout=60)
            connections.append(local.conn)
        seconds, status, data = fetch(local.conn, query)
        return seconds, data if status == 200 else {"status": status}

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        done = list(pool.map(one, queries))
    wall = time.perf_counter() - started
    for conn in connections:
        conn.close()
    return [d[0] for d in done], [d[1] for d in done], wall


def library(index: Path, queries: list[str]) -> list[float]:
    """The same searches through the Python API, in this process: what the web adds to."""
    from newssearch import NewsIndex, QueryError

    def search(ix: NewsIndex, query: str) -> None:
        try:
            ix.query(query)
        except QueryError:  # a query of stop words only: the API's 400
            pass

    times = []
    with NewsIndex.open(index) as ix:
        for query in queries:
            search(ix, query)  # warm, as the server is
        for query in queries:
            started = time.perf_counter()
            search(ix, query)
            times.append(time.perf_counter() - started)
    return times


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def figures(times: list[float]) -> dict[str, float]:
    return {"p50": percentile(times, 50) * 1000, "p95": percentile(times, 95) * 1000, "max": max(times) * 1000}


def one_run(index: Path, queries: list[str], clients: int) -> dict[str, float]:
    server = Server(index)
    try:
        sequential(server, queries)  # warm: every query once
        seq_times, seq_answers = sequential(server, queries)
        con_times, con_answers, wall = concurrent(server, queries, clients)
    finally:
        server.close()
    lib = figures(library(index, queries))
    mismatches = sum(a != b for a, b in zip(seq_answers, con_answers))
    errors = sum("status" in a and a["status"] != 400 for a in seq_answers + con_answers)
    refused = sum("status" in a and a["status"] == 400 for a in seq_answers)
    seq, con = figures(seq_times), figures(con_times)
    return {**{f"seq_{k}": v for k, v in seq.items()}, **{f"con_{k}": v for k, v in con.items()},
            **{f"lib_{k}": v for k, v in lib.items()}, "seq_qps": len(queries) / sum(seq_times),
            "con_qps": len(queries) / wall, "mismatches": mismatches, "errors": errors, "refused": refused}


def report(args: argparse.Namespace, runs: list[dict[str, float]], n_queries: int, seconds: float,
           load: tuple[float, float]) -> str:
    med = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    command = "python benchmarks/web.py " + shlex.join(
        ["--n", str(args.n), "--queries", str(args.queries), "--clients", str(args.clients), "--runs", str(args.runs)])
    rows = [
        ("web API, 1 client", med["seq_p50"], med["seq_p95"], med["seq_max"], med["seq_qps"]),
        (f"web API, {args.clients} concurrent clients", med["con_p50"], med["con_p95"], med["con_max"], med["con_qps"]),
        ("library alone (NewsIndex.query, in process)", med["lib_p50"], med["lib_p95"], med["lib_max"],
         1000 / med["lib_p50"] if med["lib_p50"] else 0.0),
    ]
    lines = [
        f"# {command}",
        f"# {time.strftime('%Y-%m-%d %H:%M')} · Python {platform.python_version()} · {os.cpu_count()} CPUs · "
        f"{platform.platform()} · load average {load[0]:.1f} before, {load[1]:.1f} after",
        f"{args.n:,} articles (scale_corpus.py), {n_queries} queries of 1-3 words, GET /api/search?q=... "
        "(10 hits with snippets, the CLI's defaults), medians of "
        f"{len(runs)} runs (per-run figures below); times are round trips, request sent to JSON read.",
        "",
        f"| {'client':<46} | p50 ms | p95 ms | max ms | queries/s |",
        f"|{'-' * 48}|--------|--------|--------|-----------|",
        *[f"| {name:<46} | {p50:6.1f} | {p95:6.1f} | {mx:6.0f} | {qps:9.1f} |" for name, p50, p95, mx, qps in rows],
        "",
        f"concurrent answers differing from the sequential ones: {', '.join(str(int(r['mismatches'])) for r in runs)} "
        f"(per run); answers other than 200 or 400: {', '.join(str(int(r['errors'])) for r in runs)}; "
        f"400 (queries of stop words only, e.g. 'dans'): {int(runs[0]['refused'])} of {n_queries}, measured as the rest",
        "(library alone: its queries/s column is 1000 / p50)",
        "",
        "per run: " + "; ".join(f"seq {r['seq_p50']:.1f}/{r['seq_p95']:.1f}, {args.clients} clients "
                                f"{r['con_p50']:.1f}/{r['con_p95']:.1f} ms, {r['con_qps']:.0f} q/s" for r in runs),
        f"total time: {seconds / 60:.1f} min (archive generation and indexing excluded)",
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not GENERATOR.is_file():
        print(f"skipped: archive generator not found at {GENERATOR}")
        return 0
    index, queries = prepare(args.n, args.work.resolve())
    queries = queries[:args.queries]
    started = time.perf_counter()
    load = os.getloadavg()[0]
    runs = []
    for i in range(args.runs):
        log(f"run {i + 1}/{args.runs}")
        runs.append(one_run(index, queries, args.clients))
    text = report(args, runs, len(queries), time.perf_counter() - started, (load, os.getloadavg()[0]))
    print(text, end="")
    out = BENCH / "results" / f"web-{args.n}.txt"
    out.write_text(text, encoding="utf-8")
    log(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
