"""Keeping an index's segments few: which segments to merge, merges run in worker processes,
the merged segments swapped in by a new TOC generation.

Each commit of an indexing run adds segments (one per worker). The policy is Lucene's
LogByteSizeMergePolicy over adjacent segments: a segment's level is the logarithm, base
``factor``, of its size (its bytes times its share of live documents) over ``floor``; from
the oldest segment on, the segments within 0.75 of a level of the highest one left form a
band, and each ``factor`` adjacent segments of a band are merged into one, a level higher.
The number of segments stays about ``factor`` - 1 per level, logarithmic in the size of the
index, and each document is rewritten about once per level, not at every commit. No merge
makes a segment over ``max_bytes``; a segment with ``expunge`` or more of its documents
deleted is rewritten alone. Merging adjacent segments keeps the documents' order, so a
merged index answers exactly as before (ties in score keep their order).

The merges of a round are independent: they run in up to ``procs`` worker processes at once
(within the memory budget), each writing one new segment (merging.py). Then a new TOC
generation lists the new segments in place of their inputs, each with its checksums
(``MAIN_<id>.sum``, written first, as our writers do); until then readers, and a run killed
in the middle, see the index as it was. The caller holds the index's write lock, and is told
of each new generation before and after it is written, so that the manifest keyed to the
generation follows it (the same articles, in fewer segments).
"""

from __future__ import annotations

import math
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from whoosh.index import TOC, clean_files

from ..config import MERGE_EXPUNGE, MERGE_FACTOR, MERGE_FLOOR_MB, MERGE_MAX_MB, PROCESS_MEMORY_MB
from .checking import write_sums
from .merging import PARTIAL, MergeFailedError, merge_segments
from .patching import install
from .segmentfiles import file_sizes
from .writers import die_with_parent

Progress = Callable[[int, int], None]
BeforeCommit = Callable[[int], None]  # told the generation a merge is about to commit
AfterCommit = Callable[[], None]
STORED_LIMIT = 7 << 29  # 3.5 GB: Whoosh's stored-fields column addresses 4 GB in a segment


@dataclass(frozen=True)
class MergePolicy:
    """Which segments to merge (see the module's documentation; defaults in config.py)."""

    factor: int = MERGE_FACTOR
    floor_bytes: int = MERGE_FLOOR_MB << 20
    max_bytes: int = MERGE_MAX_MB << 20
    expunge: float = MERGE_EXPUNGE


@dataclass
class CompactionReport:
    """What merging did: merges made, segments before and after, input bytes, time."""

    merges: int = 0
    segments_before: int = 0
    segments_after: int = 0
    bytes_read: int = 0
    seconds: float = 0.0


def plan_merges(sizes: Sequence[float], policy: MergePolicy, deleted: Sequence[float] = ()) -> list[range]:
    """The merges to make: ranges of adjacent segments, given each segment's size (live bytes)
    and share of deleted documents, oldest first (Lucene's LogMergePolicy.findMerges)."""
    floor = math.log(policy.floor_bytes) / math.log(policy.factor)
    levels = [math.log(max(size, policy.floor_bytes)) / math.log(policy.factor) for size in sizes]
    plans: list[range] = []
    start = 0
    while start < len(sizes):
        top = max(levels[start:])
        bottom = -1.0 if top <= floor else max(top - 0.75, floor)
        upto = len(sizes) - 1
        while upto >= start and levels[upto] < bottom:
            upto -= 1
        end = start + policy.factor
        while end <= upto + 1:
            if sum(sizes[start:end]) <= policy.max_bytes:
                plans.append(range(start, end))
            start, end = end, end + policy.factor
        start = upto + 1
    planned = {i for plan in plans for i in plan}
    plans += [range(i, i + 1) for i, share in enumerate(deleted) if share >= policy.expunge and i not in planned]
    return sorted(plans, key=lambda plan: plan.start)


def plan_optimize(stored: Sequence[int], deleted: Sequence[float]) -> list[range]:
    """Merging everything into one segment: as few ranges of adjacent segments as Whoosh's
    4 GB limit on a segment's stored fields allows (one, for a few million articles)."""
    plans, start, total = [], 0, 0
    for i, size in enumerate(stored):
        if i > start and total + size > STORED_LIMIT:
            plans.append(range(start, i))
            start, total = i, 0
        total += size
    plans.append(range(start, len(stored)))
    return [plan for plan in plans if len(plan) > 1 or any(deleted[i] for i in plan)]


def _sizes(folder: str, segments: Sequence[Any]) -> tuple[list[float], list[float], list[int], list[int]]:
    """Each segment's live bytes (its bytes times its share of live documents), share of
    deleted documents, bytes, and bytes of stored fields."""
    sizes, deleted, totals, stored = [], [], [], []
    for segment in segments:
        files = file_sizes(folder, segment)
        count = segment.doc_count_all()
        share = segment.deleted_count() / count if count else 0.0
        sizes.append(files[""] * (1 - share))
        deleted.append(share)
        totals.append(files[""])
        stored.append(files.get("._stored.col", 0))
    return sizes, deleted, totals, stored


def compact(ix: Any, *, policy: MergePolicy = MergePolicy(), procs: int = 1, memory_mb: int = PROCESS_MEMORY_MB,
            progress: Progress | None = None, optimize: bool = False, before_commit: BeforeCommit | None = None,
            after_commit: AfterCommit | None = None) -> CompactionReport:
    """Merge segments until the policy (or ``optimize``: one segment) has nothing to do, each
    round committed as a new TOC generation: ``before_commit(generation)`` is called before
    the TOC of ``generation`` is written, ``after_commit()`` once it is (the caller's manifest
    follows the index: folder.WriteSession). The caller holds the write lock."""
    install()
    started = time.perf_counter()
    remove_partials(ix.storage.folder)
    report = CompactionReport(segments_before=len(ix._segments()))
    while True:
        toc = ix._read_toc()
        sizes, deleted, _, stored = _sizes(ix.storage.folder, toc.segments)
        plans = plan_optimize(stored, deleted) if optimize else plan_merges(sizes, policy, deleted)
        if not plans:
            break
        groups = [[toc.segments[i] for i in plan] for plan in plans]
        outputs = run_merges(ix.storage, toc.schema, groups, procs=procs, memory_mb=memory_mb, progress=progress)
        segments = list(toc.segments)
        kept = [output for output in outputs if output.doc_count_all()]  # inputs all deleted: no segment
        for plan, output in sorted(zip(plans, outputs), key=lambda po: -po[0].start):
            segments[plan.start:plan.stop] = [output] if output.doc_count_all() else []
        commit_segments(ix, toc.schema, segments, kept, before_commit, after_commit)
        report.merges += len(plans)
        report.bytes_read += int(sum(sizes[i] for plan in plans for i in plan))
        if optimize:
            break
    report.segments_after = len(ix._segments())
    report.seconds = time.perf_counter() - started
    return report


def commit_segments(ix: Any, schema: Any, segments: list[Any], new: list[Any],
                    before_commit: BeforeCommit | None = None, after_commit: AfterCommit | None = None) -> None:
    """A new TOC generation listing ``segments``, after the checksums of the ``new`` ones
    (checking.write_sums, as our writers do); the files of the segments it no longer lists
    are deleted (readers that have them open keep them until they close)."""
    generation = ix.latest_generation() + 1
    write_sums(ix.storage, new)
    if before_commit:
        before_commit(generation)
    TOC(schema, segments, generation).write(ix.storage, ix.indexname)
    clean_files(ix.storage, ix.indexname, generation, segments)
    if after_commit:
        after_commit()


def remove_partials(folder: str) -> None:
    """Delete the files of merges that did not finish (a killed run's)."""
    for name in os.listdir(folder):
        if name.startswith(".") and name.endswith(PARTIAL):
            try:
                os.unlink(os.path.join(folder, name))
            except OSError:
                pass


# ---------------------------------------------------------------- worker processes


def _merge_in_child(conn: Connection, parent: int, storage: Any, schema: Any, segments: list[Any], buffer: int,
                    parts: int, counter: Any) -> None:
    die_with_parent(parent)

    def advance(n: int) -> None:
        counter.value += n

    try:
        segment = merge_segments(storage, schema, segments, progress=advance, buffer=buffer, parts=parts,
                                 child_init=die_with_parent)
        conn.send(("ok", segment))
    except BaseException as exc:  # the parent raises it: an OSError (disk full...) as itself
        conn.send(("error", exc if isinstance(exc, OSError) else f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def _estimate(folder: str, segments: list[Any], buffer: int) -> int:
    """Bytes a merge needs: its read buffers, document maps and length bytes (some 24 bytes
    a document) and the new term table's hash index (24 bytes a term: a term per 400 bytes
    of segment or more)."""
    docs = sum(int(segment.doc_count_all()) for segment in segments)
    size = sum(_sizes(folder, segments)[2])
    return (80 << 20) + 3 * buffer * len(segments) + 24 * docs + size // 16


@dataclass
class _Worker:
    """One merge running in a worker process."""

    number: int
    process: Any
    conn: Connection
    counter: Any  # bytes read so far, written by the worker
    need: int

    @classmethod
    def start(cls, number: int, storage: Any, schema: Any, group: list[Any], buffer: int, need: int,
              parts: int) -> _Worker:
        """A worker process for one merge, its terms cut in ``parts`` (processes of its own)."""
        mine, theirs = multiprocessing.Pipe(duplex=False)
        counter = multiprocessing.Value("q", 0, lock=False)
        process = multiprocessing.Process(target=_merge_in_child,  # not a daemon: its parts are its children
                                          args=(theirs, os.getpid(), storage, schema, group, buffer, parts, counter))
        process.start()
        theirs.close()
        return cls(number, process, mine, counter, need)

    def result(self) -> Any:
        try:
            status, value = self.conn.recv()
        except EOFError:
            status, value = "error", f"exit code {self.process.exitcode}"
        self.process.join()
        if isinstance(value, OSError):
            raise value
        if status != "ok":
            raise MergeFailedError(f"a merge worker process failed ({value})")
        return value


def run_merges(storage: Any, schema: Any, groups: list[list[Any]], *, procs: int = 1, memory_mb: int = PROCESS_MEMORY_MB,
               progress: Progress | None = None) -> list[Any]:
    """The new segment of each group, merged in worker processes, up to ``procs`` at once
    while their estimated memory fits ``memory_mb`` each; the last one to start has its
    terms cut into as many ranges as cores are left, each merged by a process."""
    budget = memory_mb << 20
    buffers = [max(256 << 10, min(4 << 20, budget // (16 * len(g)))) for g in groups]
    needs = [_estimate(storage.folder, g, b) for g, b in zip(groups, buffers)]
    sizes = [sum(_sizes(storage.folder, g)[2]) for g in groups]
    results: list[Any] = [None] * len(groups)
    running: list[_Worker] = []
    waiting = list(range(len(groups)))
    try:
        while waiting or running:
            while waiting and len(running) < max(1, procs) and \
                    (not running or sum(w.need for w in running) + needs[waiting[0]] <= budget * procs):
                i = waiting.pop(0)
                parts = 1 if waiting else max(1, procs - len(running))  # the last merge takes the free cores
                running.append(_Worker.start(i, storage, schema, groups[i], buffers[i], needs[i], parts))
            for conn in wait([w.conn for w in running], timeout=0.25):
                worker = next(w for w in running if w.conn is conn)
                running.remove(worker)
                results[worker.number] = worker.result()
            if progress:
                done = sum(size for size, result in zip(sizes, results) if result is not None)
                progress(min(done + sum(int(w.counter.value) for w in running), sum(sizes)), sum(sizes))
    except BaseException:
        for worker in running:
            worker.process.kill()
            worker.process.join()
        remove_partials(storage.folder)
        raise
    return results
