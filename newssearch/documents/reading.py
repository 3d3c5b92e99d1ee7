"""Reading one file: its bytes (with a size limit), then the reader its suffix calls for.

The readers of web pages, feeds and web archives are imported when first needed, so that
programs which never read such files do not load trafilatura, feedparser or warcio.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..config import MAX_FILE_BYTES
from ..errors import DocumentError
from .articles import Article, FileArticles, Skipped
from .compression import GZIP_ERRORS, gunzip, gzip_reason
from .decoding import decode_text
from .plaintext import parse_text_article
from .records import read_json, read_jsonl, stream_jsonl
from .walking import FEED_SUFFIXES, HTML_SUFFIXES, WARC_SUFFIXES, file_format, os_reason


def read_file(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> FileArticles:
    """Read the articles of one file. Raises DocumentError when the whole file is unusable;
    bad records (JSON records, feed entries, archived pages) are listed in ``skipped`` and
    the rest is read."""
    return parse_bytes(path, read_bytes(path, max_bytes=max_bytes), max_bytes=max_bytes)


def read_bytes(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a file as stored (still compressed for ``.gz`` files)."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise DocumentError(path, f"file too large: {size:,} bytes, over the limit of {max_bytes:,} bytes "
                                      "(max_bytes)")
        return path.read_bytes()
    except OSError as exc:
        raise DocumentError(path, os_reason(exc)) from exc


@dataclass(frozen=True)
class FileScan:
    """What one pass over a file tells before it is parsed: its SHA-256, whether it holds
    anything but white space, and its first bytes."""

    sha256: str
    blank: bool
    head: bytes


_CHUNK = 1 << 20


def scan_file(path: Path) -> FileScan:
    """Hash a file in chunks, never holding more than one chunk."""
    digest, blank, head = hashlib.sha256(), True, b""
    try:
        with path.open("rb") as f:
            while chunk := f.read(_CHUNK):
                digest.update(chunk)
                head = head or chunk[:8192]
                blank = blank and not chunk.strip()
    except OSError as exc:
        raise DocumentError(path, os_reason(exc)) from exc
    return FileScan(digest.hexdigest(), blank, head)


def is_streamed(path: Path) -> bool:
    """JSON Lines files, gzipped or not, are read record by record (``stream_file``), whatever
    their size: ``max_bytes`` limits each record, not the file."""
    return file_format(path)[0] == ".jsonl"


def stream_file(path: Path, scan: FileScan, *, max_bytes: int = MAX_FILE_BYTES) -> Iterable[Article | Skipped]:
    """The articles and skipped records of a streamed file, as they are read (a RecordStream,
    which tells how far into the file it is). DocumentError at once when the file as a whole
    is unusable."""
    gzipped = file_format(path)[1]
    head, blank = _gunzipped_head(path) if gzipped else (scan.head, scan.blank)
    if blank:
        raise DocumentError(path, "empty file")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # not line-splittable bytes
        return parse_bytes(path, read_bytes(path, max_bytes=max_bytes), max_bytes=max_bytes).items()
    if b"\x00" in head:
        raise DocumentError(path, "binary file (contains NUL bytes)")
    return RecordStream(path, max_bytes, gzipped)


def _gunzipped_head(path: Path) -> tuple[bytes, bool]:
    """The first decompressed bytes of a gzip file, and whether it holds only white space
    (read to its end, a chunk at a time, to tell)."""
    head, blank = b"", True
    try:
        with gzip.open(path, "rb") as f:
            while blank and (chunk := f.read(_CHUNK)):
                head = head or chunk[:8192]
                blank = not chunk.strip()
    except GZIP_ERRORS as exc:
        raise DocumentError(path, gzip_reason(exc)) from exc
    except OSError as exc:
        raise DocumentError(path, os_reason(exc)) from exc
    return head, blank


class RecordStream:
    """The articles and skipped records of a JSON Lines file, gzipped or not, read line by
    line; ``position`` is how many bytes of the file as stored have been read."""

    def __init__(self, path: Path, max_bytes: int, gzipped: bool) -> None:
        self.path, self.max_bytes, self.gzipped = path, max_bytes, gzipped
        self._file: BinaryIO | None = None

    @property
    def position(self) -> int:
        try:
            return self._file.tell() if self._file is not None and not self._file.closed else 0
        except (OSError, ValueError):
            return 0

    def __iter__(self) -> Iterator[Article | Skipped]:
        rest = "(the rest of the file was not read)"
        try:
            with self.path.open("rb") as raw:
                self._file = raw
                lines: BinaryIO = gzip.GzipFile(fileobj=raw) if self.gzipped else raw  # type: ignore[assignment]
                yield from stream_jsonl(self.path, lines, max_bytes=self.max_bytes)
        except GZIP_ERRORS as exc:  # before OSError: gzip.BadGzipFile is one
            yield Skipped(str(self.path), f"{gzip_reason(exc)} {rest}")
        except OSError as exc:
            yield Skipped(str(self.path), f"{os_reason(exc)} {rest}")


def parse_bytes(path: Path, raw: bytes, *, max_bytes: int = MAX_FILE_BYTES) -> FileArticles:
    """Parse the already-read bytes of ``path`` according to its suffix. A ``.gz`` file is
    decompressed first, up to ``max_bytes`` of decompressed data (WARC files are read as
    a stream instead, each page up to ``max_bytes``)."""
    suffix, gzipped = file_format(path)
    if suffix in WARC_SUFFIXES:
        from .warcs import read_warc

        if not raw.strip():
            raise DocumentError(path, "empty file")
        return read_warc(path, raw, max_bytes=max_bytes)
    if gzipped:
        raw = gunzip(path, raw, max_bytes=max_bytes)
    if not raw.strip():
        raise DocumentError(path, "empty file")
    if suffix in HTML_SUFFIXES:
        from .pages import read_html

        return read_html(path, raw)
    if suffix in FEED_SUFFIXES:
        from .feeds import read_feed

        return read_feed(path, raw)
    try:
        text = decode_text(raw)
    except ValueError as exc:
        raise DocumentError(path, str(exc)) from exc
    if suffix == ".jsonl":
        return read_jsonl(path, text)
    if suffix == ".json":
        return read_json(path, text)
    return FileArticles(articles=[parse_text_article(path, text)])
