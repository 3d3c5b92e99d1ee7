"""Whoosh writers that fail loudly: worker processes that never outlive their parent, a dead
worker an error (never a hang or a silent loss), and a hook that prepares each batch of
documents where they are indexed (the sentence vectors of a --semantic index). Each segment
they commit gets its checksums (checking.write_sums), written before the TOC that lists it.

The caller holds the folder's writer lock for the whole run (folder.IndexFolder.writing,
through ``writer_lock``), so these writers never take Whoosh's lock themselves (``_lk=False``).
Our workers ask the kernel to end them when the parent dies (Linux ``PR_SET_PDEATHSIG``) and
exit at once if the parent is already gone: a worker left behind by a killed parent would
hold the inherited lock (and wait on its job queue) forever.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import queue
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from whoosh.filedb.filestore import FileStorage
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.util import random_name
from whoosh.writing import SegmentWriter

from .checking import write_sums
from .patching import install

Prepare = Callable[[list[dict[str, Any]]], None]  # fills in fields of a batch of documents, in place
_PR_SET_PDEATHSIG = 1
_OS_ERROR_EXIT = 100  # a worker failing with OSError exits with 100 + its errno (a full disk: 128)


def writer_lock(folder: Path, indexname: str = "MAIN") -> Any:
    """Whoosh's writer lock of an index folder (an ``flock``: the kernel releases it when its
    process dies), the one plain Whoosh writers take too."""
    return FileStorage(str(folder)).lock(f"{indexname}_WRITELOCK")


def die_with_parent(parent: int) -> None:
    """End this (worker) process when ``parent`` dies; at once if it is already gone."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


class _WorkerTask(SubWriterTask):
    """Whoosh's sub-writer process, tied to the life of the process that started it, preparing
    each job file's documents (one batch) before indexing them."""

    def __init__(self, *args: Any, prepare: Prepare | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parent = os.getpid()
        self.prepare = prepare
        self.daemon = True

    def run(self) -> None:
        # Ctrl-C reaches the whole process group: the parent stops the run (and these workers,
        # MpWriter.cancel), so a worker has no traceback of its own to print.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        die_with_parent(self.parent)
        install()  # already there when forked; not when spawned
        try:
            super().run()
        except OSError as exc:  # a full disk: no traceback here, the parent says it in one line
            os._exit(_OS_ERROR_EXIT + exc.errno if exc.errno and 0 < exc.errno < 256 - _OS_ERROR_EXIT else 1)

    def _process_file(self, filename: str, doc_count: int) -> None:
        storage = self.writer.temp_storage()
        with storage.open_file(filename).raw_file() as f:
            docs = [pickle.load(f)[1] for _ in range(doc_count)]
        if self.prepare:
            self.prepare(docs)
        for doc in docs:
            self.writer.add_document(**doc)
        storage.delete_file(filename)


class _SegmentWriter(SegmentWriter):
    """Whoosh's single-process writer, preparing each document as it comes."""

    def __init__(self, ix: Any, prepare: Prepare | None = None, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        self.prepare = prepare
        self.older = {segment.segment_id() for segment in self.segments}  # those committed before

    def add_document(self, **fields: Any) -> None:
        if self.prepare:
            self.prepare([fields])
        super().add_document(**fields)

    def _commit_toc(self, segments: list[Any]) -> None:
        write_sums(self.storage, [s for s in segments if s.segment_id() not in self.older])
        super()._commit_toc(segments)


class WorkerError(OSError):
    """A worker process died: its documents would be lost, so the commit is refused."""


class _MpWriter(MpWriter):
    """Whoosh's MpWriter blocks forever on its job queue when a worker dies, and commits
    without the dead worker's segment. Here a dead worker is an error."""

    def __init__(self, ix: Any, prepare: Prepare | None = None, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        self.prepare = prepare
        self.older = {segment.segment_id() for segment in self.segments}  # those committed before

    def _check_workers(self) -> None:
        for task in self.tasks:
            code = task.exitcode
            if not task.is_alive() and code not in (None, 0):
                if code > _OS_ERROR_EXIT:
                    errno = code - _OS_ERROR_EXIT
                    raise WorkerError(errno, f"an indexing worker process failed: {os.strerror(errno).lower()}")
                raise WorkerError(f"an indexing worker process failed (exit code {code})")

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

    def _commit_toc(self, segments: list[Any]) -> None:
        write_sums(self.storage, [s for s in segments if s.segment_id() not in self.older])
        super()._commit_toc(segments)

    def cancel(self) -> None:
        """Stop the workers too (Whoosh's cancel only flags its own copy of them): a worker
        left running would go on writing a segment nobody will use."""
        for task in self.tasks:
            if task.is_alive():
                task.terminate()
        for task in self.tasks:
            task.join(timeout=30)
        SegmentWriter.cancel(self)

    def _new_task(self) -> SubWriterTask:
        task = _WorkerTask(self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs,
                           self.multisegment, prepare=self.prepare)
        self.tasks.append(task)
        task.start()
        return task


def open_writer(ix: Any, *, procs: int = 1, limitmb: int = 256, batchsize: int = 256,
                prepare: Prepare | None = None) -> Any:
    """A writer on ``ix``, whose writer lock the caller holds (``writer_lock``). With ``procs``
    > 1 documents are indexed by worker processes, one segment each; ``prepare`` fills in
    fields of each batch of documents where they are indexed."""
    install()
    if procs > 1:
        return _MpWriter(ix, procs=procs, multisegment=True, batchsize=batchsize, prepare=prepare,
                         subargs={"limitmb": max(32, limitmb // procs)}, limitmb=limitmb, _lk=False)
    return _SegmentWriter(ix, prepare=prepare, limitmb=limitmb, _lk=False)
