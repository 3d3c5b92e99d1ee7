"""Opening Whoosh writers safely: one writer at a time, a clear message naming the process
that holds the index, and worker processes that never outlive their parent.

Whoosh's lock is an ``flock`` on ``MAIN_WRITELOCK``: the kernel releases it when the process
dies, so a lock left by a dead process clears itself. With Whoosh's multi-process writer
the workers inherit that lock; a worker left behind by a killed parent would hold it (and
wait on its job queue) forever. Our workers ask the kernel to end them when the parent
dies (Linux ``PR_SET_PDEATHSIG``) and exit at once if the parent is already gone.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pickle
import queue

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.index import FileIndex, LockError
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.util import random_name
from whoosh.util.numeric import byte_to_length
from whoosh import writing
from whoosh.externalsort import SortingPool
from whoosh.writing import PostingPool, SegmentWriter

from .errors import IndexLockedError

OWNER_FILE = "writer.pid"
_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


class _WorkerTask(SubWriterTask):
    """Whoosh's sub-writer process, tied to the life of the process that started it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parent = os.getpid()
        self.daemon = True

    def run(self) -> None:
        _die_with_parent(self.parent)
        install()  # already there when forked; not when spawned
        super().run()


class WorkerError(OSError):
    """A worker process died: its documents would be lost, so the commit is refused."""


class _MpWriter(MpWriter):
    """Whoosh's MpWriter blocks forever on its job queue when a worker dies, and commits
    without the dead worker's segment. Here a dead worker is an error, never a hang or a
    silent loss."""

    def _check_workers(self) -> None:
        for task in self.tasks:
            if not task.is_alive() and task.exitcode not in (None, 0):
                raise WorkerError(f"an indexing worker process failed (exit code {task.exitcode})")

    def _put(self, item: Any) -> None:
        while True:
            self._check_workers()
            try:
                self.jobqueue.put(item, timeout=1.0)
                return
            except queue.Full:
                continue

    def _enqueue(self) -> None:
        filename = f"{random_name()}.doclist"
        with self.temp_storage().create_file(filename).raw_file() as f:
            for item in self.docbuffer:
                pickle.dump(item, f, 2)
        if len(self.tasks) < self.procs:
            self._new_task()
        self._put((filename, len(self.docbuffer)))
        self.docbuffer: list[Any] = []

    def _commit(self, mergetype: Any, optimize: Any, merge: Any) -> None:
        """Whoosh's multisegment commit, with every worker's segment accounted for."""
        if self.docbuffer:
            self._enqueue()
        for _ in self.tasks:
            self._put(None)
        finalsegments = self._merge_segments(mergetype, optimize, merge)
        results: list[Any] = []
        while len(results) < len(self.tasks):
            try:
                results.append(self.resultqueue.get(timeout=1.0))
            except queue.Empty:
                self._check_workers()
                if not any(task.is_alive() for task in self.tasks) and self.resultqueue.empty():
                    raise WorkerError("an indexing worker process ended without its segment") from None
        for task in self.tasks:
            task.join()
        finalsegments += [segment for _, _, segment in results]
        if self._added:
            finalsegments.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(finalsegments)
        self._finish()

    def _new_task(self) -> SubWriterTask:
        task = _WorkerTask(self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs,
                           self.multisegment)
        self.tasks.append(task)
        task.start()
        return task


class _SegmentLengths:
    """The field lengths of a segment being written, each field's column read once.

    Whoosh writes a segment's postings asking, for every posting, the length of the field in
    its document (for BM25's block bounds), and each answer read the lengths column through
    seek and read: 3.6 us a posting, 30% of the time spent writing postings."""

    def __init__(self, reader: Any) -> None:
        self._reader = reader
        self._fields: dict[str, list[int | None] | None] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int | None:
        if fieldname not in self._fields:
            column = self._reader._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            self._fields[fieldname] = None if column is None else [byte_to_length(b) if b else None for b in column]
        lengths = self._fields[fieldname]
        return default if lengths is None else lengths[docnum]

    def close(self) -> None:
        self._reader.close()


WHOOSH_FLUSH_SEGMENT = SegmentWriter._flush_segment  # the original, for the tests that compare


def _flush_segment(self: SegmentWriter) -> None:
    """Whoosh's SegmentWriter._flush_segment, with the field lengths read once per field."""
    self.perdocwriter.close()
    lengths = _SegmentLengths(self.per_document_reader()) if self.codec.length_stats else None
    self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
    self.fieldwriter.close()
    if lengths:
        lengths.close()


Posting = tuple[str, bytes, int, float, "bytes | None"]


class _Postings:
    """One term's postings: document numbers, weights, and the encoded values (positions)
    end to end in one buffer. A value may be None (Whoosh gives None or bytes). Filled by
    _TermPool.add, inlined there: it runs once per posting."""

    __slots__ = ("docs", "weights", "ends", "values", "nones")

    def __init__(self) -> None:
        self.docs, self.weights, self.ends = array("q"), array("d"), array("Q")
        self.values = bytearray()
        self.nones: set[int] | None = None

    def sorted(self) -> Iterator[tuple[int, float, bytes | None]]:
        """The postings by document number (they arrive in order, so the sort is linear)."""
        docs, ends, values, nones = self.docs, self.ends, self.values, self.nones
        for i in sorted(range(len(docs)), key=docs.__getitem__):
            if nones and i in nones:
                yield docs[i], self.weights[i], None
            else:
                yield docs[i], self.weights[i], bytes(values[ends[i - 1] if i else 0:ends[i]])


class _TermPool(PostingPool):
    """Whoosh's pool of postings waiting to be written, kept by term.

    Whoosh keeps one tuple per posting (about 200 bytes each), sorts them all at the end,
    and spills sorted runs to temporary files (pickled, then merged) whenever its size
    estimate passes ``limitmb``: on 10,000 articles per worker that spilling was 40% of the
    workers' time. Here each term keeps arrays of document numbers and weights and one byte
    buffer of encoded positions, so that more than twice as many postings fit in the same
    memory (a worker given 10,000 articles: 223 MB, against 547 MB for Whoosh's pool given
    room not to spill) and only the terms are sorted: documents arrive in order. Past the
    limit, the postings in memory become one of Whoosh's sorted runs, as before. The
    postings come out in exactly Whoosh's order (tested: the segments are byte-identical).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._terms: dict[tuple[str, bytes], _Postings] = {}

    def add(self, item: Posting) -> None:
        fieldname, btext, docnum, weight, value = item
        entry = self._terms.get((fieldname, btext))
        if entry is None:
            entry = self._terms[(fieldname, btext)] = _Postings()
            self.fieldnames.add(fieldname)
            self.currentsize += 200 + len(btext)
        if value is None:
            entry.nones = entry.nones or set()
            entry.nones.add(len(entry.docs))
        else:
            entry.values += value
            self.currentsize += len(value)
        entry.docs.append(docnum)
        entry.weights.append(weight)
        entry.ends.append(len(entry.values))
        self.currentsize += 28
        if self.currentsize > self.limit:
            self.save()

    def _in_memory(self) -> Iterator[Posting]:
        for key in sorted(self._terms):
            fieldname, btext = key
            for docnum, weight, value in self._terms[key].sorted():
                yield fieldname, btext, docnum, weight, value

    def save(self) -> None:
        """Write the postings in memory as one sorted run (Whoosh's spilling)."""
        self.current = list(self._in_memory())
        self._terms = {}
        PostingPool.save(self)

    def items(self, maxfiles: int = 128) -> Any:
        if not self.runs:
            return self._in_memory()
        self.save()  # what is in memory becomes the last run
        return SortingPool.items(self, maxfiles)


WHOOSH_POSTING_POOL = PostingPool  # the original, for the tests that compare


def install() -> None:
    """Patch Whoosh's segment writer, in this process and the workers it forks (idempotent)."""
    SegmentWriter._flush_segment = _flush_segment
    writing.PostingPool = _TermPool


def open_writer(ix: FileIndex, folder: Path, *, procs: int = 1, wait: float = 0.0, limitmb: int = 256,
                batchsize: int = 256) -> Any:
    """A writer on ``ix``; IndexLockedError (naming the holder) if another process writes.
    With ``procs`` > 1 documents are indexed by worker processes, one segment each."""
    install()
    options: dict[str, Any] = {"limitmb": limitmb, "timeout": wait, "delay": 0.25}
    try:
        if procs > 1:
            writer: Any = _MpWriter(ix, procs=procs, multisegment=True, batchsize=batchsize,
                                    subargs={"limitmb": max(32, limitmb // procs)}, **options)
        else:
            writer = SegmentWriter(ix, **options)
    except LockError as exc:
        raise IndexLockedError(folder, lock_owner(folder)) from exc
    _set_owner(folder, os.getpid())
    return writer


def release(folder: Path) -> None:
    """Forget the owner once the writer has committed or cancelled."""
    try:
        (folder / OWNER_FILE).unlink()
    except OSError:
        pass


def _set_owner(folder: Path, pid: int) -> None:
    try:
        (folder / OWNER_FILE).write_text(str(pid), encoding="ascii")
    except OSError:
        pass


def lock_owner(folder: Path) -> int | None:
    """The process that holds the writer lock, as it recorded itself (None if unknown)."""
    try:
        return int((folder / OWNER_FILE).read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None
