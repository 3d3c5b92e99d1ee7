"""A zero-copy fix for Whoosh's reading of memory-mapped segments.

Whoosh maps each segment file and opens the files inside it as ``BufferFile`` objects, whose
constructor wraps the mapped bytes in ``io.BytesIO(buffer)``: given a memoryview, BytesIO
copies it. Every file of a segment was therefore copied into the heap when first opened: on a
100,000-article index, 0.8 s and some 200 MB for the first query of a process, which is
every ``newssearch query`` typed at a terminal (a known Whoosh issue, e.g.
Alfanous-team/alfanous#860). ``install()`` makes those files read the mapping in place.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from whoosh.filedb import structfile


class ViewReader:
    """A read-only file over a buffer (memoryview) that copies only the bytes read."""

    def __init__(self, buf: Any) -> None:
        self._view = memoryview(buf).cast("B")
        self._pos = 0
        self.closed = False

    def read(self, size: int | None = -1) -> bytes:
        end = len(self._view) if size is None or size < 0 else min(self._pos + size, len(self._view))
        data = bytes(self._view[self._pos:end])
        self._pos = max(self._pos, end)
        return data

    def readline(self, size: int | None = -1) -> bytes:
        limit = len(self._view) if size is None or size < 0 else min(self._pos + size, len(self._view))
        end = self._pos
        while end < limit and self._view[end] != 0x0A:
            end += 1
        return self.read(min(end + 1, limit) - self._pos)

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: len(self._view)}[whence]
        if base + offset < 0:
            raise ValueError(f"negative seek position {base + offset}")
        self._pos = base + offset
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self.closed = True


def _buffer_file_init(self: Any, buf: Any, name: str | None = None, onclose: Any = None) -> None:
    self._buf = buf
    self._name = name
    self.file = ViewReader(buf)
    self.onclose = onclose
    self.is_real = False
    self.is_closed = False


def install_storage() -> None:
    """Make Whoosh's BufferFile zero-copy (idempotent)."""
    structfile.BufferFile.__init__ = _buffer_file_init
