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
import pickle
import queue
import signal
import sys
from pathlib import Path
from typing import Any

from whoosh.index import FileIndex, LockError
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.util import random_name
from whoosh.writing import SegmentWriter

from .errors import IndexLockedError
from .postings import install
from .schema import BODY, TITLE, VECTOR
from .semantic import fill_vectors

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

    def _process_file(self, filename: str, doc_count: int) -> None:
        """Whoosh's job file reader, with the vectors of a --semantic index computed here, in
        the worker, one batch per job file (MP_BATCH documents)."""
        storage = self.writer.temp_storage()
        with storage.open_file(filename).raw_file() as f:
            docs = [pickle.load(f)[1] for _ in range(doc_count)]
        fill_vectors(docs, VECTOR, TITLE, BODY)
        for doc in docs:
            self.writer.add_document(**doc)
        storage.delete_file(filename)


class _SegmentWriter(SegmentWriter):
    """Whoosh's single-process writer, computing the vector of a --semantic index's article."""

    def add_document(self, **fields: Any) -> None:
        fill_vectors([fields], VECTOR, TITLE, BODY)
        super().add_document(**fields)


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
            writer = _SegmentWriter(ix, **options)
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
