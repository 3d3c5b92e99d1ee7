"""How far an indexing run is, told to a caller's callback: files done, articles read, and
bytes read within a file, so that one large file moves too (a JSON Lines archive)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .manifest import FileState, changed_sizes

EVERY_SECONDS = 0.1  # at most this often within a file (and at the end of each file)


@dataclass(frozen=True)
class IndexProgress:
    """``files`` of ``files_total`` done; ``articles`` read so far; ``bytes_read`` of
    ``bytes_total``, the files to read (new or changed) as they are stored, so still
    compressed for a ``.gz`` file. Unchanged files count as files, not as bytes."""

    files: int
    files_total: int
    articles: int
    bytes_read: int
    bytes_total: int


ProgressCallback = Callable[[IndexProgress], None]


class ProgressTracker:
    """Counts a run's files, articles and bytes, and calls ``callback`` (when there is one)
    at the end of each file and at most every EVERY_SECONDS within one."""

    def __init__(self, callback: ProgressCallback | None, files: list[Path], manifest: dict[str, FileState]) -> None:
        self.callback = callback
        self.sizes = to_read(files, manifest) if callback else {}
        self.files_total = len(files)
        self.bytes_total = sum(self.sizes.values())
        self.files = self.articles = self.bytes_done = 0
        self.last = 0.0

    def start(self) -> None:
        self._tell(0)

    def article(self, items: Iterable[Any]) -> None:
        """One more article read from ``items`` (a documents.RecordStream knows its position)."""
        self.articles += 1
        if self.callback is not None and time.monotonic() - self.last >= EVERY_SECONDS:
            self._tell(min(int(getattr(items, "position", 0)), self.bytes_total - self.bytes_done))

    def file_done(self, path: Path) -> None:
        self.files += 1
        self.bytes_done += self.sizes.get(path, 0)
        self._tell(0)

    def _tell(self, within: int) -> None:
        if self.callback is not None:
            self.last = time.monotonic()
            self.callback(IndexProgress(self.files, self.files_total, self.articles, self.bytes_done + within,
                                        self.bytes_total))


def to_read(files: list[Path], manifest: dict[str, FileState]) -> dict[Path, int]:
    """The size of each file that is new or changed (by mtime and size) since the manifest."""
    return dict(changed_sizes(files, manifest))
