#!/usr/bin/env python3
"""Speed benchmark: newssearch against peer engines on a scaled French news archive.

    python benchmarks/speed.py --sizes 20000 100000 --runs 3 [--peers none] [--cold 30] [--semantic]

For each size, /work/shared/tools/scale_corpus.py writes (once, then reused) a folder of
seed-format .txt files, the same articles as one JSONL file, and 500 queries of 1-3 words.
newssearch is measured through its real CLI in a subprocess (indexing the .txt folder, the
JSONL file, then re-indexing the unchanged folder), through the API for warm queries, and
through ``newssearch query --json`` in new processes for cold ones. Peers (benchmarks/peers.py)
are built from the JSONL records in a subprocess each, then queried in this process.
Every figure is the median of ``--runs`` runs, each on fresh index folders. The report is
printed and written to benchmarks/results/speed-<sizes>.txt (``--semantic``: newssearch
indexes with article vectors, speed-<sizes>-semantic.txt).

Memory: each measured process runs under /usr/bin/time in its own process group. "tree" is
the peak, sampled every 50 ms, of the summed RSS of all processes of the group (worker
processes included; pages shared after fork() count once per process, so an upper bound);
"proc" is the exact max RSS of the largest single process (/usr/bin/time's %M).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from common import log  # noqa: E402 (this folder is on sys.path when run as a script)

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
GENERATOR = Path(__file__).resolve().parents[2] / "shared" / "tools" / "scale_corpus.py"
PEER_NAMES = ("tantivy", "sqlite-fts5", "whoosh-plain")
POLL_SECONDS = 0.05
TIME = Path("/usr/bin/time")
MB = 1024 * 1024
PAGE = os.sysconf("SC_PAGE_SIZE")
Figures = dict[str, float]


# ---------------------------------------------------------------- archives


@dataclass(frozen=True)
class Archive:
    n: int
    txt_dir: Path
    jsonl: Path
    queries: list[str]


def ensure_archive(n: int, work: Path) -> Archive:
    """The archive of ``n`` articles under ``work``, generated unless a complete one is there."""
    folder = work / f"n{n}"
    done = folder / "complete.json"
    if not done.is_file():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        log(f"generating {n:,} articles in {folder}")
        subprocess.run([sys.executable, str(GENERATOR), "--n", str(n), "--txt-dir", str(folder / "txt"),
                        "--jsonl", str(folder / "articles.jsonl"), "--queries", str(folder / "queries.txt")],
                       check=True)
        done.write_text(json.dumps({"n": n}), encoding="utf-8")
    queries = (folder / "queries.txt").read_text(encoding="utf-8").splitlines()
    return Archive(n, folder / "txt", folder / "articles.jsonl", [q for q in queries if q.strip()])


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def fresh_path(folder: Path) -> Path:
    """``folder`` removed, ready for a tool that creates it."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    return folder


# ---------------------------------------------------------------- processes and memory


@dataclass(frozen=True)
class Measured:
    returncode: int
    wall: float
    tree_bytes: int  # peak of the sampled sum of RSS over the process tree
    largest_bytes: float  # exact max RSS of its largest single process (/usr/bin/time %M)
    stderr: str


def group_rss(pgid: int, skip: int | None) -> int:
    """Sum of the RSS of the live processes of process group ``pgid`` (but ``skip``), in bytes."""
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and int(pid) != skip and fields[0] != "Z":
            total += int(fields[21]) * PAGE
    return total


def run_measured(cmd: Sequence[str]) -> Measured:
    """Run ``cmd`` (under /usr/bin/time when present) in a new process group, sampling its memory.

    Not wait4() from here: a child's ru_maxrss starts at the RSS of the process that forked it
    (Linux records the old mm's high-water mark at exec), so it would include this harness."""
    wrapped = TIME.exists()
    with tempfile.TemporaryDirectory() as tmp:
        maxrss, err = Path(tmp) / "maxrss", Path(tmp) / "stderr"
        prefix = [str(TIME), "-f", "%M", "-o", str(maxrss)] if wrapped else []
        with err.open("wb") as err_file:
            start = time.perf_counter()
            proc = subprocess.Popen([*prefix, *cmd], cwd=REPO, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=err_file, start_new_session=True)
            peak = 0
            while True:
                peak = max(peak, group_rss(proc.pid, skip=proc.pid if wrapped else None))
                try:
                    proc.wait(timeout=POLL_SECONDS)
                    break
                except subprocess.TimeoutExpired:
                    continue
            wall = time.perf_counter() - start
        largest = int(maxrss.read_text(encoding="ascii").split()[-1]) * 1024 if wrapped else math.nan
        return Measured(proc.returncode, wall, peak, largest, err.read_text(encoding="utf-8", errors="replace"))


def checked(result: Measured, what: str, ok: tuple[int, ...] = (0,)) -> Measured:
    if result.returncode not in ok:
        raise RuntimeError(f"{what} exited {result.returncode}:\n{result.stderr[-2000:]}")
    return result


# ---------------------------------------------------------------- latencies


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (NaN for no values)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclass
class Latencies:
    seconds: list[float] = field(default_factory=list)
    slowest: list[tuple[float, str]] = field(default_factory=list)
    errors: int = 0
    empty: int = 0

    def figures(self, prefix: str, points: Sequence[float] = (50, 95, 99, 100)) -> Figures:
        out = {f"{prefix} {'max' if p == 100 else f'p{p:g}'} ms": percentile(self.seconds, p) * 1000
               for p in points}
        return out | {f"{prefix} errors": float(self.errors), f"{prefix} zero hits": float(self.empty)}


def time_queries(search: Callable[[str], int], queries: Sequence[str],
                 errors: tuple[type[BaseException], ...] = ()) -> Latencies:
    """One untimed warm-up pass, then one timed pass; ``search`` returns the number of hits."""
    for query in queries:
        try:
            search(query)
        except errors:
            pass
    out = Latencies()
    for query in queries:
        start = time.perf_counter()
        try:
            hits = search(query)
        except errors:
            out.errors += 1
            continue
        out.seconds.append(time.perf_counter() - start)
        out.slowest.append((out.seconds[-1], query))
        out.empty += hits == 0
    out.slowest = sorted(out.slowest, reverse=True)[:3]
    return out


def spread(queries: Sequence[str], count: int) -> list[str]:
    """``count`` queries evenly spread over ``queries``."""
    count = min(count, len(queries))
    return [queries[i * len(queries) // count] for i in range(count)]


# ---------------------------------------------------------------- newssearch


def cli_path() -> Path:
    beside = Path(sys.executable).with_name("newssearch")
    found = beside if beside.exists() else shutil.which("newssearch")
    if not found:
        raise SystemExit("newssearch CLI not found: activate the project's venv")
    return Path(found)


def cli_index(cli: Path, source: Path, index: Path, semantic: bool = False) -> Measured:
    cmd = [str(cli), "index", str(source), "--index", str(index)] + ["--semantic"] * semantic
    return checked(run_measured(cmd), f"newssearch index {source}", ok=(0, 3))


def build_figures(prefix: str, result: Measured, n: int, index: Path) -> Figures:
    """``<prefix> s``, ``docs/s``, ``tree MB``, ``proc MB``, ``index MB``, ``exit``."""
    return {f"{prefix} s": result.wall, f"{prefix} docs/s": n / result.wall,
            f"{prefix} tree MB": result.tree_bytes / MB, f"{prefix} proc MB": result.largest_bytes / MB,
            f"{prefix} index MB": folder_bytes(index) / MB, f"{prefix} exit": float(result.returncode)}


def warm_newssearch(index: Path, queries: Sequence[str]) -> tuple[Latencies, int]:
    from newssearch import NewsIndex, QueryError

    with NewsIndex.open(index) as ix:
        latencies = time_queries(lambda q: len(ix.search(q, limit=10)), queries, (QueryError,))
        return latencies, len(ix)


def cold_newssearch(cli: Path, index: Path, queries: Sequence[str]) -> Latencies:
    out = Latencies()
    for query in queries:
        start = time.perf_counter()
        done = subprocess.run([str(cli), "query", "--index", str(index), "--json", "--", query],
                              cwd=REPO, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        if done.returncode == 2:
            out.errors += 1
            continue
        if done.returncode != 0:
            raise RuntimeError(f"newssearch query {query!r} exited {done.returncode}: {done.stderr}")
        out.seconds.append(elapsed)
        out.empty += not done.stdout.strip()
    return out


def slowest_distinct(timed: Sequence[tuple[float, str]], k: int = 3) -> list[tuple[float, str]]:
    """The ``k`` slowest queries, each once (its slowest time over the runs)."""
    worst: dict[str, float] = {}
    for seconds, query in timed:
        worst[query] = max(seconds, worst.get(query, 0.0))
    return sorted(((s, q) for q, s in worst.items()), reverse=True)[:k]


def newssearch_run(cli: Path, archive: Archive, folder: Path, cold: int,
                   semantic: bool = False) -> tuple[Figures, Latencies]:
    txt_ix, jsonl_ix = fresh_path(folder / "ns-txt"), fresh_path(folder / "ns-jsonl")
    log("newssearch: index txt folder")
    figs = build_figures("txt", cli_index(cli, archive.txt_dir, txt_ix, semantic), archive.n, txt_ix)
    log("newssearch: re-index unchanged txt folder")
    figs["reindex s"] = cli_index(cli, archive.txt_dir, txt_ix).wall
    log("newssearch: index jsonl file")
    jsonl = cli_index(cli, archive.jsonl, jsonl_ix, semantic)  # streamed: --max-size limits each record
    figs |= build_figures("jsonl", jsonl, archive.n, jsonl_ix)
    shutil.rmtree(jsonl_ix)
    log("newssearch: warm queries")
    warm, docs = warm_newssearch(txt_ix, archive.queries)
    figs |= warm.figures("warm") | {"docs": float(docs)}
    if cold:
        log(f"newssearch: {cold} cold queries")
        figs |= cold_newssearch(cli, txt_ix, spread(archive.queries, cold)).figures("cold", (50, 95))
    return figs, warm


# ---------------------------------------------------------------- peers


def load_peers(names: Sequence[str]) -> list[Any]:
    if not names:
        return []
    sys.path.insert(0, str(BENCH))
    from peers import available_peers

    found = {peer.name: peer for peer in available_peers()}
    missing = [n for n in names if n not in found]
    if missing:
        log(f"peers not available, skipped: {', '.join(missing)}")
    return [found[n] for n in names if n in found]


def build_peer_here(name: str, jsonl: Path, folder: Path) -> None:
    """The body of the peer-build subprocess."""
    (peer,) = load_peers([name])
    peer.build(read_jsonl(jsonl), folder)
    peer.close()


def peer_run(peer: Any, archive: Archive, folder: Path) -> Figures:
    index = fresh_path(folder / f"peer-{peer.name}")
    log(f"{peer.name}: build from jsonl")
    cmd = [sys.executable, str(Path(__file__).resolve()), "--peer-build", peer.name, str(archive.jsonl), str(index)]
    figs = build_figures("build", checked(run_measured(cmd), f"{peer.name} build"), archive.n, index)
    log(f"{peer.name}: warm queries")
    peer.open(index)
    try:
        figs |= time_queries(lambda q: len(peer.search(q, 10)), archive.queries).figures("warm")
    finally:
        peer.close()
    return figs


def import_baseline() -> float:
    """Max RSS (MB) of a peer-build process that only imports peers.py (tantivy and Whoosh)."""
    code = f"import sys; sys.path.insert(0, {str(BENCH)!r}); import peers"
    return checked(run_measured([sys.executable, "-c", code]), "import peers").largest_bytes / MB


# ---------------------------------------------------------------- one size


@dataclass
class SizeResult:
    archive: Archive
    runs: int
    newssearch: Figures
    peers: dict[str, Figures]
    slowest: list[tuple[float, str]]
    seconds: float


def median_figures(runs: Sequence[Figures]) -> Figures:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def measure_size(n: int, args: argparse.Namespace, cli: Path, peers: Sequence[Any]) -> SizeResult:
    archive = ensure_archive(n, args.work)
    started = time.perf_counter()
    ns_runs: list[Figures] = []
    peer_runs: dict[str, list[Figures]] = {p.name: [] for p in peers}
    slowest: list[tuple[float, str]] = []
    for run in range(1, args.runs + 1):
        log(f"size {n:,}: run {run}/{args.runs}")
        figs, warm = newssearch_run(cli, archive, args.work / f"n{n}" / "runs", args.cold, args.semantic)
        ns_runs.append(figs)
        slowest = slowest_distinct(slowest + warm.slowest)
        for peer in peers:
            peer_runs[peer.name].append(peer_run(peer, archive, args.work / f"n{n}" / "runs"))
    return SizeResult(archive, args.runs, median_figures(ns_runs),
                      {name: median_figures(r) for name, r in peer_runs.items()},
                      slowest, time.perf_counter() - started)


# ---------------------------------------------------------------- report


def fmt(value: float | None, digits: int = 1) -> str:
    if value is None or math.isnan(value):
        return "-"
    return f"{value:,.{digits}f}"


def ratio(a: float | None, b: float | None) -> str:
    if not a or not b or math.isnan(a) or math.isnan(b):
        return "-"
    return f"{a / b:.2f}x"


def row(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))


TABLE_WIDTHS = (22, 9, 8, 9, 9, 8, 8, 8, 8, 8)
TABLE_HEAD = ("engine (input)", "build s", "docs/s", "tree MB", "proc MB", "index MB",
              "p50 ms", "p95 ms", "p99 ms", "max ms")
BUILD_KEYS = ("s", "docs/s", "tree MB", "proc MB", "index MB")
QUERY_KEYS = ("p50 ms", "p95 ms", "p99 ms", "max ms")


def engine_row(label: str, f: Figures, build: str, warm: bool) -> str:
    cells = [label] + [fmt(f[f"{build} {k}"], 0 if k == "docs/s" else 1) for k in BUILD_KEYS]
    cells += [fmt(f[f"warm {k}"]) if warm else "-" for k in QUERY_KEYS]
    return row(cells, TABLE_WIDTHS)


def comparison_lines(r: SizeResult) -> list[str]:
    lines = [row(TABLE_HEAD, TABLE_WIDTHS), engine_row("newssearch (txt)", r.newssearch, "txt", True),
             engine_row("newssearch (jsonl)", r.newssearch, "jsonl", False)]
    return lines + [engine_row(f"{name} (jsonl)", f, "build", True) for name, f in r.peers.items()]


def ratio_lines(r: SizeResult) -> list[str]:
    ns = r.newssearch
    head = ("newssearch / peer", "docs/s txt", "docs/s jsonl", "tree MB", "index MB", "p50", "p95", "p99")
    widths = (22, 11, 12, 8, 9, 7, 7, 7)
    lines = [row(head, widths)]
    for name, f in r.peers.items():
        cells = [name, ratio(ns["txt docs/s"], f["build docs/s"]), ratio(ns["jsonl docs/s"], f["build docs/s"]),
                 ratio(ns["txt tree MB"], f["build tree MB"]), ratio(ns["txt index MB"], f["build index MB"])]
        cells += [ratio(ns[f"warm p{p} ms"], f[f"warm p{p} ms"]) for p in (50, 95, 99)]
        lines.append(row(cells, widths))
    lines.append("(throughput: >1 = newssearch faster; memory, size, latency: <1 = newssearch smaller/faster)")
    if "whoosh-plain" in r.peers:
        goal = [ns[f"{k} docs/s"] / r.peers["whoosh-plain"]["build docs/s"] for k in ("txt", "jsonl")]
        verdict = "met" if min(goal) >= 3 else "met for txt only" if goal[0] >= 3 else "NOT met"
        lines.append(f"goal: newssearch indexing >= 3x whoosh-plain: txt {goal[0]:.2f}x, "
                     f"jsonl {goal[1]:.2f}x -> {verdict}")
    return lines


def newssearch_lines(r: SizeResult) -> list[str]:
    ns, a = r.newssearch, r.archive
    lines = [f"index txt (CLI)      {fmt(ns['txt s'])} s, {fmt(ns['txt docs/s'], 0)} articles/s, peak tree "
             f"{fmt(ns['txt tree MB'])} MB, largest proc {fmt(ns['txt proc MB'])} MB, index "
             f"{fmt(ns['txt index MB'])} MB ({fmt(ns['docs'], 0)} docs in index)",
             f"index jsonl (CLI)    {fmt(ns['jsonl s'])} s, {fmt(ns['jsonl docs/s'], 0)} articles/s, peak tree "
             f"{fmt(ns['jsonl tree MB'])} MB, largest proc {fmt(ns['jsonl proc MB'])} MB, index "
             f"{fmt(ns['jsonl index MB'])} MB (one {a.jsonl.stat().st_size / MB:.1f} MB file, streamed)",
             f"re-index unchanged   {fmt(ns['reindex s'], 2)} s",
             f"warm queries (API)   p50 {fmt(ns['warm p50 ms'])} / p95 {fmt(ns['warm p95 ms'])} / p99 "
             f"{fmt(ns['warm p99 ms'])} / max {fmt(ns['warm max ms'])} ms over {len(a.queries)} queries; "
             f"QueryError {ns['warm errors']:.0f}, zero hits {ns['warm zero hits']:.0f}"]
    if "cold p50 ms" in ns:
        lines.append(f"cold queries (CLI)   p50 {fmt(ns['cold p50 ms'])} / p95 {fmt(ns['cold p95 ms'])} ms, new "
                     f"process each; usage errors {ns['cold errors']:.0f}, zero hits {ns['cold zero hits']:.0f}")
    lines.append("slowest warm queries: " + "; ".join(f"{q!r} {s * 1000:.0f} ms" for s, q in r.slowest))
    if ns["txt exit"] or ns["jsonl exit"]:
        lines.append("WARNING: an index run exited 3 (files or records skipped)")
    return lines


def size_lines(r: SizeResult) -> list[str]:
    a = r.archive
    files = sum(1 for _ in a.txt_dir.rglob("*.txt"))
    lines = ["", f"=== {a.n:,} articles: {files:,} .txt files ({folder_bytes(a.txt_dir) / MB:.1f} MB), "
             f"median of {r.runs} run(s), {r.seconds / 60:.1f} min ===", "", "newssearch:"]
    lines += ["  " + line for line in newssearch_lines(r)]
    lines += ["", "all engines (queries: top 10 with snippets, warm, one untimed warm-up pass):"]
    lines += ["  " + line for line in comparison_lines(r)]
    if r.peers:
        lines += [""] + ["  " + line for line in ratio_lines(r)]
    return lines


GROWTH_KEYS = ("txt s", "txt docs/s", "txt tree MB", "txt proc MB", "txt index MB", "jsonl s", "jsonl docs/s",
               "jsonl tree MB", "reindex s", "warm p50 ms", "warm p95 ms", "warm p99 ms", "warm max ms",
               "cold p50 ms", "cold p95 ms")


def growth_lines(results: Sequence[SizeResult]) -> list[str]:
    small, large = results[0], results[-1]
    lines = ["", f"=== newssearch growth from {small.archive.n:,} to {large.archive.n:,} articles "
             f"(x{large.archive.n / small.archive.n:g}) ==="]
    widths = (16, 12, 12, 8)
    lines.append(row(("figure", f"{small.archive.n:,}", f"{large.archive.n:,}", "growth"), widths))
    for key in GROWTH_KEYS:
        if key in small.newssearch and key in large.newssearch:
            a, b = small.newssearch[key], large.newssearch[key]
            lines.append(row((key, fmt(a), fmt(b), ratio(b, a)), widths))
    return lines


def library_state() -> str:
    try:
        head = subprocess.run(["git", "--no-optional-locks", "rev-parse", "--short", "HEAD"], cwd=REPO,
                              capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "--no-optional-locks", "status", "--porcelain", "--", "newssearch"],
                               cwd=REPO, capture_output=True, text=True).stdout.strip()
    except OSError:
        return "unknown"
    return f"{head or '?'}{' + uncommitted changes under newssearch/' if dirty else ''}"


def header_lines(peers: Sequence[Any], semantic: bool = False) -> list[str]:
    argv = " ".join(shlex.quote(a) for a in [Path(sys.executable).name, *sys.argv])
    lines = [f"command: {argv}", f"date: {datetime.now(timezone.utc).isoformat(timespec='seconds')}",
             f"machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}",
             f"newssearch: {library_state()}",
             "memory: 'tree MB' = peak summed RSS of the whole process tree, workers included, sampled "
             "every 50 ms (fork-shared pages counted per process: an upper bound); 'proc MB' = exact "
             "max RSS of the largest single process (/usr/bin/time %M)",
             "times: build/index figures are wall times of the whole process (interpreter start included)"]
    if semantic:
        lines.append("newssearch indexes with --semantic (a sentence vector per article; keyword queries "
                     "do not use it)")
    if peers:
        lines.append("peers are fed the JSONL records (they have no reader for the seed .txt format), "
                     "each build in its own process, which imports tantivy and Whoosh whatever the peer "
                     f"(that import alone: {import_baseline():.1f} MB max RSS):")
        lines += [f"  {p.name}: {p.setup}" for p in peers]
    return lines


# ---------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[20_000], help="archive sizes (articles)")
    ap.add_argument("--runs", type=int, default=3, help="runs per size; figures are medians")
    ap.add_argument("--peers", default=",".join(PEER_NAMES), help="comma-separated peer names, or 'none'")
    ap.add_argument("--cold", type=int, default=30, help="cold CLI queries per run (0: none)")
    ap.add_argument("--semantic", action="store_true", help="newssearch indexes with --semantic")
    ap.add_argument("--work", type=Path, default=BENCH / "work", help="where archives and indexes go")
    ap.add_argument("--peer-build", nargs=3, metavar=("NAME", "JSONL", "FOLDER"), help=argparse.SUPPRESS)
    return ap.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.peer_build:
        name, jsonl, folder = args.peer_build
        build_peer_here(name, Path(jsonl), Path(folder))
        return 0
    if not GENERATOR.is_file():
        print(f"skipped: archive generator not found at {GENERATOR}")
        return 0
    args.work = args.work.resolve()
    names = [] if args.peers.strip() == "none" else [n.strip() for n in args.peers.split(",") if n.strip()]
    peers, cli, sizes = load_peers(names), cli_path(), sorted(set(args.sizes))
    lines = header_lines(peers, args.semantic)
    results = [measure_size(n, args, cli, peers) for n in sizes]
    for result in results:
        lines += size_lines(result)
    if len(results) > 1:
        lines += growth_lines(results)
    lines += ["", f"total benchmark time: {sum(r.seconds for r in results) / 60:.1f} min (archive generation excluded)"]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    out = BENCH / "results" / f"speed-{'-'.join(str(n) for n in sizes)}{'-semantic' * args.semantic}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    log(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
