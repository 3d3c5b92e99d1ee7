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
from pathlib import Path
from typing import Any

from whoosh.index import FileIndex, LockError
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.writing import SegmentWriter

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
        super().run()


class _MpWriter(MpWriter):
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
