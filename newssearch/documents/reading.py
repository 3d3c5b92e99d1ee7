"""Reading one file: its bytes (with a size limit), then the reader its suffix calls for.

The readers of web pages, feeds and web archives are imported when first needed, so that
programs which never read such files do not load trafilatura, feedparser or warcio.
"""

from __future__ import annotations

from pathlib import Path

from ..config import MAX_FILE_BYTES
from ..errors import DocumentError
from .articles import FileArticles
from .compression import gunzip
from .decoding import decode_text
from .plaintext import parse_text_article
from .records import read_json, read_jsonl
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
            raise DocumentError(path, f"file too large ({size:,} bytes, limit {max_bytes:,})")
        return path.read_bytes()
    except OSError as exc:
        raise DocumentError(path, os_reason(exc)) from exc


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
