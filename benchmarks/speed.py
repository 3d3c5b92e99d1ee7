#!/usr/bin/env python3
"""Speed benchmark: newssearch against peer engines on a scaled French news archive.

    python benchmarks/speed.py --sizes 20000 100000 --runs 3 [--peers none] [--cold 30] [--semantic] [--tag T]
    python benchmarks/speed.py --sizes 1000000 --inputs jsonl --runs 1 --peers none --cold 10 --work DIR

For each size, /work/shared/tools/scale_corpus.py writes (once, then reused) a folder of
seed-format .txt files, the same articles as one JSONL file, and 500 queries of 1-3 words.
newssearch is measured through its real CLI in a subprocess (indexing the .txt folder, then
re-indexing it unchanged and with 1% of its files changed, and indexing the JSONL file; with
each index's peak size on disk, temporary files included, and its segments), through the API
for warm queries, and through ``newssearch query --json`` in new processes for cold ones, both
on the freshly built .txt index. With ``--inputs jsonl`` (no .txt folder: a million articles)
the JSONL file is indexed cut into 100 files, so that re-indexing with 1% of the articles
changed changes one file. Warm queries are also timed with 200 article titles (headline
length). The newssearch measured is the one the running Python
imports (run another worktree's venv's python on this script to measure that code). Peers (benchmarks/peers.py)
are built from the JSONL records in a subprocess each, then queried in this process.
Every figure is the median of ``--runs`` runs, each on fresh index folders. The report is
printed and written to benchmarks/results/speed-<sizes>.txt (``--semantic``: newssearch
indexes with article vectors, speed-<sizes>-semantic.txt).

Memory: each measured process runs under /usr/bin/time in its own process group. "tree" is
the peak, sampled every 50 ms, of the summed RSS of all processes of the group (worker
processes included; pages shared after fork() count once per process, so an upper bound);
"proc" is the exact max RSS of the largest single process (/usr/bin/time's %M). CPU: user +
system seconds of the whole tree (/usr/bin/time's %U + %S: worker processes are waited for),
steadier than wall times on a shared machine.
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
from collections import defaultdict
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
PARTS = 100  # --inputs jsonl: the JSONL file cut into so many files
HEADLINES = 200  # article titles timed as headline-length queries


# ---------------------------------------------------------------- archives


@dataclass(frozen=True)
class Archive:
    n: int
    txt_dir: Path
    jsonl: Path
    queries: list[str]

    @property
    def parts(self) -> Path:
        """The JSONL file cut into PARTS files (``split_parts``): what ``--inputs jsonl`` indexes,
        so that re-indexing with 1% changed changes one file of a hundred."""
        return self.jsonl.with_name("jsonl-parts")

    def headlines(self, count: int = HEADLINES) -> list[str]:
        """The titles of ``count`` articles spread over the archive: headline-length queries."""
        step = max(1, self.n // count)
        return [r["title"] for i, r in enumerate(read_jsonl(self.jsonl)) if i % step == 0][:count]



def split_parts(archive: Archive) -> Path:
    """``archive.parts``: its JSONL file in PARTS files of consecutive records (made once)."""
    done = archive.parts / "complete"
    if done.is_file():
        return archive.parts
    fresh_path(archive.parts).mkdir()
    per = -(-archive.n // PARTS)
    out = None
    with archive.jsonl.open(encoding="utf-8") as lines:
        for i, line in enumerate(lines):
            if i % per == 0:
                if out:
                    out.close()
                out = (archive.parts / f"part-{i // per:03d}.jsonl").open("w", encoding="utf-8")
            assert out is not None
            out.write(line)
    if out:
        out.close()
    done.write_text("", encoding="utf-8")
    return archive.parts


def ensure_archive(n: int, work: Path, txt: bool = True) -> Archive:
    """The archive of ``n`` articles under ``work`` (with or without its .txt folder),
    generated unless a complete one is there."""
    folder = work / f"n{n}"
    done = folder / "complete.json"
    if not done.is_file() or (txt and not json.loads(done.read_text(encoding="utf-8")).get("txt", True)):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        log(f"generating {n:,} articles in {folder}")
        subprocess.run([sys.executable, str(GENERATOR), "--n", str(n), "--jsonl", str(folder / "articles.jsonl"),
                        "--queries", str(folder / "queries.txt")] + ["--txt-dir", str(folder / "txt")] * txt,
                       check=True)
        done.write_text(json.dumps({"n": n, "txt": txt}), encoding="utf-8")
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
    disk_bytes: int = 0  # peak of the sampled size of the watched folder (the index, temporary files included)
    cpu: float = math.nan  # user + system seconds of the process and the children it waited for (%U + %S)


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


def disk_bytes(folder: Path | None) -> int:
    """Bytes of the files under ``folder`` (0 if none), tolerating files deleted meanwhile."""
    total = 0
    if folder is None:
        return 0
    for root, _, names in os.walk(folder):
        for name in names:
            try:
                total += os.stat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def run_measured(cmd: Sequence[str], watch: Path | None = None) -> Measured:
    """Run ``cmd`` (under /usr/bin/time when present) in a new process group, sampling its memory
    and the size of the folder ``watch``.

    Not wait4() from here: a child's ru_maxrss starts at the RSS of the process that forked it
    (Linux records the old mm's high-water mark at exec), so it would include this harness."""
    wrapped = TIME.exists()
    with tempfile.TemporaryDirectory() as tmp:
        maxrss, err = Path(tmp) / "maxrss", Path(tmp) / "stderr"
        prefix = [str(TIME), "-f", "%U %S %M", "-o", str(maxrss)] if wrapped else []
        with err.open("wb") as err_file:
            start = time.perf_counter()
            proc = subprocess.Popen([*prefix, *cmd], cwd=REPO, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=err_file, start_new_session=True)
            peak = disk = 0
            while True:
                peak = max(peak, group_rss(proc.pid, skip=proc.pid if wrapped else None))
                disk = max(disk, disk_bytes(watch))
                try:
                    proc.wait(timeout=POLL_SECONDS)
                    break
                except subprocess.TimeoutExpired:
                    continue
            wall = time.perf_counter() - start
        times = maxrss.read_text(encoding="ascii").split()[-3:] if wrapped else []
        largest = int(times[2]) * 1024 if wrapped else math.nan
        cpu = float(times[0]) + float(times[1]) if wrapped else math.nan
        return Measured(proc.returncode, wall, peak, largest, err.read_text(encoding="utf-8", errors="replace"),
                        disk, cpu)


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
    return checked(run_measured(cmd, watch=index), f"newssearch index {source}", ok=(0, 3))


def segment_count(index: Path) -> float:
    from whoosh import index as whoosh_index

    ix = whoosh_index.open_dir(str(index))
    try:
        return float(len(ix._segments()))
    finally:
        ix.close()


def build_figures(prefix: str, result: Measured, n: int, index: Path) -> Figures:
    """``<prefix> s``, ``docs/s``, ``tree MB``, ``proc MB``, ``index MB``, ``disk MB`` (peak),
    ``segments``, ``exit``."""
    return {f"{prefix} s": result.wall, f"{prefix} cpu s": result.cpu, f"{prefix} docs/s": n / result.wall,
            f"{prefix} tree MB": result.tree_bytes / MB, f"{prefix} proc MB": result.largest_bytes / MB,
            f"{prefix} index MB": folder_bytes(index) / MB, f"{prefix} disk MB": result.disk_bytes / MB,
            f"{prefix} segments": segment_count(index) if (index / "newssearch.json").exists() else math.nan,
            f"{prefix} exit": float(result.returncode)}


ADDED = "Un paragraphe ajouté après coup, pour la mise à jour."


def reindex_changed(cli: Path, archive: Archive, index: Path, share: float = 0.01) -> float:
    """Seconds to re-index after changing ``share`` of the .txt files (a sentence added to
    each); the files are restored afterwards (the archive is shared by runs)."""
    files = sorted(archive.txt_dir.rglob("*.txt"))
    chosen = files[::max(1, round(1 / share))]
    originals = {path: path.read_bytes() for path in chosen}
    try:
        for path in chosen:
            path.write_bytes(originals[path] + f"\n{ADDED}\n".encode())
        return cli_index(cli, archive.txt_dir, index).wall
    finally:
        for path, data in originals.items():
            path.write_bytes(data)


def reindex_changed_part(cli: Path, archive: Archive, index: Path) -> float:
    """Seconds to re-index the JSONL parts after changing one of PARTS (1% of the articles: a
    sentence added to each body); the part is restored afterwards."""
    path = sorted(archive.parts.glob("*.jsonl"))[PARTS // 2]
    original = path.read_bytes()
    try:
        records = [json.loads(line) for line in original.decode("utf-8").split("\n") if line.strip()]  # not splitlines(): U+2028 inside a string is not a line end
        path.write_text("".join(json.dumps(r | {"body": f"{r.get('body', '')}\n{ADDED}"}, ensure_ascii=False) + "\n"
                                for r in records), encoding="utf-8")
        return cli_index(cli, archive.parts, index).wall
    finally:
        path.write_bytes(original)


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


def optimize_figures(cli: Path, index: Path, archive: Archive) -> Figures:
    """``newssearch optimize`` on ``index`` (when this newssearch has it), then warm queries."""
    if subprocess.run([str(cli), "optimize", "--help"], capture_output=True).returncode:
        return {}
    result = checked(run_measured([str(cli), "optimize", "--index", str(index)], watch=index), "newssearch optimize")
    figs = {"optimize s": result.wall, "optimize cpu s": result.cpu, "optimize tree MB": result.tree_bytes / MB,
            "optimize disk MB": result.disk_bytes / MB, "optimize index MB": folder_bytes(index) / MB,
            "optimize segments": segment_count(index)}
    return figs | warm_newssearch(index, archive.queries)[0].figures("optimized warm")


def newssearch_run(cli: Path, archive: Archive, folder: Path, cold: int, semantic: bool = False,
                   inputs: str = "txt,jsonl", keep: bool = False) -> tuple[Figures, Latencies]:
    """Index the .txt folder, query it, re-index it; index the JSONL file, optimize it and
    query it again. With ``inputs`` "jsonl", the JSONL index is the one queried first."""
    txt_ix, jsonl_ix = fresh_path(folder / "ns-txt"), fresh_path(folder / "ns-jsonl")
    figs: Figures = {}
    queried = txt_ix if "txt" in inputs else jsonl_ix
    if "txt" in inputs:
        log("newssearch: index txt folder")
        figs |= build_figures("txt", cli_index(cli, archive.txt_dir, txt_ix, semantic), archive.n, txt_ix)
    else:
        log(f"newssearch: index the jsonl file in {PARTS} parts")
        figs |= build_figures("jsonl", cli_index(cli, split_parts(archive), jsonl_ix, semantic), archive.n, jsonl_ix)
    log("newssearch: warm queries")
    warm, docs = warm_newssearch(queried, archive.queries)
    figs |= warm.figures("warm") | {"docs": float(docs)}
    log(f"newssearch: warm headline queries ({HEADLINES} titles)")
    figs |= warm_newssearch(queried, archive.headlines())[0].figures("headline")
    if cold:
        log(f"newssearch: {cold} cold queries")
        figs |= cold_newssearch(cli, queried, spread(archive.queries, cold)).figures("cold", (50, 95))
    if "txt" not in inputs:
        log("newssearch: re-index the unchanged jsonl parts")
        figs["reindex s"] = cli_index(cli, archive.parts, jsonl_ix).wall
        log("newssearch: re-index with 1% of the articles changed (one part)")
        figs["reindex 1% s"] = reindex_changed_part(cli, archive, jsonl_ix)
        figs["reindex 1% segments"] = segment_count(jsonl_ix)
    if "txt" in inputs:
        log("newssearch: re-index unchanged txt folder")
        figs["reindex s"] = cli_index(cli, archive.txt_dir, txt_ix).wall
        log("newssearch: re-index with 1% of the files changed")
        figs["reindex 1% s"] = reindex_changed(cli, archive, txt_ix)
        figs["reindex 1% segments"] = segment_count(txt_ix)
        log("newssearch: index jsonl file")
        jsonl = cli_index(cli, archive.jsonl, jsonl_ix, semantic)  # streamed: --max-size limits each record
        figs |= build_figures("jsonl", jsonl, archive.n, jsonl_ix)
    log("newssearch: optimize the jsonl index, then warm queries")
    figs |= optimize_figures(cli, jsonl_ix, archive)
    if not keep:
        shutil.rmtree(jsonl_ix)
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
    archive = ensure_archive(n, args.work, txt="txt" in args.inputs)
    started = time.perf_counter()
    ns_runs: list[Figures] = []
    peer_runs: dict[str, list[Figures]] = {p.name: [] for p in peers}
    slowest: list[tuple[float, str]] = []
    for run in range(1, args.runs + 1):
        log(f"size {n:,}: run {run}/{args.runs}")
        figs, warm = newssearch_run(cli, archive, args.work / f"n{n}" / "runs", args.cold, args.semantic, args.inputs,
                                    args.keep)
        ns_runs.append(figs)
        slowest = slowest_distinct(slowest + warm.slowest)
        for peer in peers:
            peer_runs[peer.name].append(peer_run(peer, archive, args.work / f"n{n}" / "runs"))
    return SizeResult(archive, args.runs, defaultdict(lambda: math.nan, median_figures(ns_runs)),
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
    txt = not math.isnan(r.newssearch["txt s"])  # warm queries ran on the txt index, else on the jsonl one
    lines = [row(TABLE_HEAD, TABLE_WIDTHS)] + [engine_row("newssearch (txt)", r.newssearch, "txt", True)] * txt
    lines.append(engine_row("newssearch (jsonl)", r.newssearch, "jsonl", not txt))
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
    ns, a = defaultdict(lambda: math.nan, r.newssearch), r.archive
    lines = [] if math.isnan(ns["txt s"]) else [f"index txt (CLI)      {fmt(ns['txt s'])} s ({fmt(ns['txt cpu s'])} s of CPU), {fmt(ns['txt docs/s'], 0)} "
             f"articles/s, peak tree "
             f"{fmt(ns['txt tree MB'])} MB, largest proc {fmt(ns['txt proc MB'])} MB, index "
             f"{fmt(ns['txt index MB'])} MB in {fmt(ns['txt segments'], 0)} segments (peak on disk "
             f"{fmt(ns['txt disk MB'])} MB; {fmt(ns['docs'], 0)} docs in index)"]
    parts = "" if a.txt_dir.is_dir() else f", in {PARTS} files; {fmt(ns['docs'], 0)} docs in index"
    lines += [f"index jsonl (CLI)    {fmt(ns['jsonl s'])} s ({fmt(ns['jsonl cpu s'])} s of CPU), "
             f"{fmt(ns['jsonl docs/s'], 0)} articles/s, peak tree "
             f"{fmt(ns['jsonl tree MB'])} MB, largest proc {fmt(ns['jsonl proc MB'])} MB, index "
             f"{fmt(ns['jsonl index MB'])} MB in {fmt(ns['jsonl segments'], 0)} segments (peak on disk "
             f"{fmt(ns['jsonl disk MB'])} MB = {ratio(ns['jsonl disk MB'], ns['jsonl index MB'])} the final index; "
             f"{a.jsonl.stat().st_size / MB:.1f} MB of JSONL, streamed"
             f"{parts})",
             f"re-index unchanged   {fmt(ns['reindex s'], 2)} s; with 1% of the "
             f"{'files' if a.txt_dir.is_dir() else 'articles (one file of 100)'} changed "
             f"{fmt(ns['reindex 1% s'], 2)} s ({fmt(ns['reindex 1% segments'], 0)} segments after)",
             f"warm queries (API)   p50 {fmt(ns['warm p50 ms'])} / p95 {fmt(ns['warm p95 ms'])} / p99 "
             f"{fmt(ns['warm p99 ms'])} / max {fmt(ns['warm max ms'])} ms over {len(a.queries)} queries; "
             f"QueryError {ns['warm errors']:.0f}, zero hits {ns['warm zero hits']:.0f}"]
    if "headline p50 ms" in ns:
        lines.append(f"headline queries     p50 {fmt(ns['headline p50 ms'])} / p95 {fmt(ns['headline p95 ms'])} / p99 "
                     f"{fmt(ns['headline p99 ms'])} / max {fmt(ns['headline max ms'])} ms over {HEADLINES} article "
                     f"titles (warm, API); QueryError {ns['headline errors']:.0f}, zero hits "
                     f"{ns['headline zero hits']:.0f}")
    if "optimize s" in ns:
        lines.append(f"optimize (CLI)       {fmt(ns['optimize s'])} s ({fmt(ns['optimize cpu s'])} s of CPU) to "
                     f"{fmt(ns['optimize segments'], 0)} segment(s) "
                     f"(jsonl index), peak tree {fmt(ns['optimize tree MB'])} MB, peak on disk "
                     f"{fmt(ns['optimize disk MB'])} MB, index {fmt(ns['optimize index MB'])} MB; then warm p50 "
                     f"{fmt(ns['optimized warm p50 ms'])} / p95 {fmt(ns['optimized warm p95 ms'])} ms")
    if "cold p50 ms" in ns:
        lines.append(f"cold queries (CLI)   p50 {fmt(ns['cold p50 ms'])} / p95 {fmt(ns['cold p95 ms'])} ms, new "
                     f"process each; usage errors {ns['cold errors']:.0f}, zero hits {ns['cold zero hits']:.0f}")
    lines.append("slowest warm queries: " + "; ".join(f"{q!r} {s * 1000:.0f} ms" for s, q in r.slowest))
    if ns["txt exit"] == 3 or ns["jsonl exit"] == 3:
        lines.append("WARNING: an index run exited 3 (files or records skipped)")
    return lines


def size_lines(r: SizeResult) -> list[str]:
    a = r.archive
    files = sum(1 for _ in a.txt_dir.rglob("*.txt"))
    what = f"{files:,} .txt files ({folder_bytes(a.txt_dir) / MB:.1f} MB)" if files else \
        f"JSONL only ({a.jsonl.stat().st_size / MB:.1f} MB)"
    lines = ["", f"=== {a.n:,} articles: {what}, "
             f"median of {r.runs} run(s), {r.seconds / 60:.1f} min ===", "", "newssearch:"]
    lines += ["  " + line for line in newssearch_lines(r)]
    lines += ["", "all engines (queries: top 10 with snippets, warm, one untimed warm-up pass):"]
    lines += ["  " + line for line in comparison_lines(r)]
    if r.peers:
        lines += [""] + ["  " + line for line in ratio_lines(r)]
    return lines


GROWTH_KEYS = ("txt cpu s", "jsonl cpu s", "optimize cpu s", "optimize s", "optimize tree MB", "optimized warm p50 ms", "optimized warm p95 ms", "txt s", "txt docs/s", "txt tree MB", "txt proc MB", "txt index MB", "txt disk MB", "txt segments",
               "jsonl s", "jsonl docs/s", "jsonl tree MB", "jsonl proc MB", "jsonl index MB", "jsonl disk MB",
               "jsonl segments", "reindex s", "reindex 1% s", "warm p50 ms", "warm p95 ms", "warm p99 ms",
               "warm max ms", "cold p50 ms", "cold p95 ms")


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
    """The commit of the newssearch this Python imports (another worktree's, with its venv)."""
    import newssearch

    repo = Path(newssearch.__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "--no-optional-locks", "rev-parse", "--short", "HEAD"], cwd=repo,
                              capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "--no-optional-locks", "status", "--porcelain", "--", "newssearch"],
                               cwd=repo, capture_output=True, text=True).stdout.strip()
    except OSError:
        return "unknown"
    return f"{head or '?'}{' + uncommitted changes under newssearch/' if dirty else ''}"


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1, 5, 15 min)"


def header_lines(peers: Sequence[Any], semantic: bool = False) -> list[str]:
    argv = " ".join(shlex.quote(a) for a in [Path(sys.executable).name, *sys.argv])
    lines = [f"command: {argv}", f"date: {datetime.now(timezone.utc).isoformat(timespec='seconds')}",
             f"load average at start: {load_average()}",
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
    ap.add_argument("--keep", action="store_true", help="keep the optimized jsonl index (for later queries, e.g. benchmarks/warm.py)")
    ap.add_argument("--tag", default="", help="added to the result file's name (e.g. before)")
    ap.add_argument("--inputs", default="txt,jsonl", help="'jsonl' indexes only the JSON Lines file (1M articles)")
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
    lines += ["", f"total benchmark time: {sum(r.seconds for r in results) / 60:.1f} min (archive generation excluded)",
              f"load average at end: {load_average()} (a shared machine: other work ran beside this one)"]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    tag = f"-{args.tag}" if args.tag else ""
    out = BENCH / "results" / f"speed-{'-'.join(str(n) for n in sizes)}{'-semantic' * args.semantic}{tag}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    log(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
