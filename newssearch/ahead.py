"""Wire-story fingerprints computed ahead, in a process of their own.

An article's fingerprint (grouping.fingerprint: its shingles, title words and names) depends
on its text alone, while the grouping decisions that use it must follow the articles' order.
At 100,000 articles fingerprints were two fifths of the indexing process's time, and that
process was the one the indexing workers waited for: ``Fingerprints`` computes those of a
large file's articles a chunk ahead in another process while this one decides the groups.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from multiprocessing.connection import wait
from typing import Any, TypeVar

from .documents import Article
from .grouping import Fingerprint, fingerprint

Item = TypeVar("Item")


class Fingerprints:
    """Fingerprints of a stream's articles, computed a chunk ahead in a worker process.

    ``ahead(items)`` gives each item with its article's fingerprint (None for an item that is
    not an Article). While the caller handles one chunk, the worker computes the next: the
    caller receives a chunk's fingerprints before it sends the next chunk, so neither side
    ever waits on a full pipe. A stream shorter than one chunk (a text file) is
    fingerprinted in this process; so is everything once the worker is gone (it died, or
    could not start), with the same result. ``start`` runs first in the worker (e.g. to
    end it with its parent); the worker ignores Ctrl-C, which its parent handles."""

    def __init__(self, chunk: int = 256, start: Callable[[int], None] | None = None) -> None:
        self.chunk, self.start = chunk, start
        self._proc: Any = None
        self._conn: Any = None
        self._pending = 0  # chunks sent whose fingerprints were not received
        self._failed = False

    def ahead(self, items: Iterable[Item]) -> Iterator[tuple[Item, Fingerprint | None]]:
        stream = iter(items)
        chunk = list(islice(stream, self.chunk))
        if len(chunk) < self.chunk or not self._send(chunk):
            yield from zip(chunk, _fingerprints(chunk))
            yield from ((item, _fingerprint_of(item)) for item in stream)
            return
        while chunk:
            following = list(islice(stream, self.chunk))
            prints = self._receive()
            if following and not self._send(following):
                yield from zip(chunk, _fingerprints(chunk) if prints is None else prints)
                yield from zip(following, _fingerprints(following))
                yield from ((item, _fingerprint_of(item)) for item in stream)
                return
            yield from zip(chunk, _fingerprints(chunk) if prints is None else prints)
            chunk = following

    def _send(self, chunk: list[Any]) -> bool:
        """Send a chunk's texts to the worker (started if need be); False without one."""
        if self._failed:
            return False
        try:
            if self._proc is None:
                context = multiprocessing.get_context("fork")
                self._conn, child = context.Pipe()
                self._proc = context.Process(target=_serve, args=(child, os.getpid(), self.start), daemon=True)
                self._proc.start()
                child.close()
            while self._pending:  # a chunk a stopped stream left: its fingerprints are stale
                self._receive()
            if self._failed:
                return False
            self._conn.send([(item.title, item.body or item.title) if isinstance(item, Article) else None
                             for item in chunk])
            self._pending += 1
            return True
        except (OSError, ValueError):  # no fork here, or the worker is gone
            self._stop()
            return False

    def _receive(self) -> list[Fingerprint | None] | None:
        """The fingerprints of the oldest chunk sent; None if the worker died."""
        self._pending -= 1
        if self._conn in wait([self._conn, self._proc.sentinel]):
            try:
                prints: list[Fingerprint | None] = self._conn.recv()
                return prints
            except (EOFError, OSError):
                pass
        self._stop()
        return None

    def _stop(self) -> None:
        self._failed, self._pending = True, 0
        self.close()

    def close(self) -> None:
        if self._proc is not None:
            self._conn.close()
            if self._proc.is_alive():
                self._proc.terminate()
            self._proc.join(timeout=5)
            self._proc = None


def _serve(conn: Any, parent: int, start: Callable[[int], None] | None) -> None:
    """The worker: fingerprints of each chunk of (title, text) it is sent, until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if start:
        start(parent)
    while True:
        try:
            texts = conn.recv()
        except (EOFError, OSError):
            return
        conn.send([fingerprint(*pair) if pair else None for pair in texts])


def _fingerprint_of(item: object) -> Fingerprint | None:
    return fingerprint(item.title, item.body or item.title) if isinstance(item, Article) else None


def _fingerprints(chunk: list[Any]) -> list[Fingerprint | None]:
    return [_fingerprint_of(item) for item in chunk]
