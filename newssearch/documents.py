"""Articles and the readers that turn news files into them. Standard library only, no Whoosh.

Formats read:
- seed-format ``.txt``: title line, ``(last modified <RFC 1123 date> )``, a publication line
  such as ``Jan 23, 2023 11:36 UTC``, a ``•`` title line, then the body;
- plain ``.txt`` without that header: the first non-empty line is the title, no date;
- ``.jsonl`` / ``.json``: one article per record with keys ``id, title, date, source, url, body``.

Text is decoded as UTF-8 (BOM or not) with a cp1252 fallback for legacy French files,
NFC-normalised, and non-breaking spaces become plain spaces.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

from .config import JSON_SUFFIXES, MAX_FILE_BYTES, TEXT_SUFFIXES
from .errors import DocumentError


@dataclass(frozen=True)
class Article:
    """One news article, as read from a file or a JSON record."""

    id: str
    title: str
    body: str
    path: str
    published: datetime | None = None
    modified: datetime | None = None
    source: str | None = None
    url: str | None = None

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in re.split(r"\n\s*\n", self.body) if p.strip()]

    @property
    def content_hash(self) -> str:
        """A short hash of what is indexed, to tell whether an article changed."""
        parts = (self.title, self.body, _iso(self.published), self.source or "", self.url or "")
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Skipped:
    """A file or record that was not indexed, and why."""

    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.reason}"


@dataclass
class FileArticles:
    """What one file yielded: its articles and the records that had to be skipped."""

    articles: list[Article] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


SUPPORTED_SUFFIXES = TEXT_SUFFIXES | JSON_SUFFIXES


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES


# ---------------------------------------------------------------- walking


def iter_files(paths: Iterable[Path | str], *, exclude: Iterable[Path] = ()) -> Iterator[tuple[Path, str | None]]:
    """Yield ``(file, None)`` for each supported file under ``paths``, recursively, in a
    stable order, and ``(path, reason)`` for what cannot be read (missing, unsupported,
    symlink loop, unreadable folder). Hidden files and folders, and the folders in
    ``exclude`` (the index itself), are passed over."""
    seen_dirs: set[tuple[int, int]] = set()
    for folder in exclude:
        try:
            st = folder.stat()
            seen_dirs.add((st.st_dev, st.st_ino))
        except OSError:
            pass
    for given in paths:
        path = Path(given)
        if path.is_dir():
            yield from _walk(path, seen_dirs)
        elif path.is_file():
            yield (path, None) if is_supported(path) else (path, f"unsupported file type '{path.suffix}'")
        elif path.is_symlink():
            yield path, "broken symbolic link"
        else:
            yield path, "no such file or folder"


def _walk(top: Path, seen: set[tuple[int, int]]) -> Iterator[tuple[Path, str | None]]:
    """Depth-first, in name order, without recursion (folders may nest thousands deep)."""
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            st = folder.stat()
            key = (st.st_dev, st.st_ino)
            if key in seen:
                if folder.is_symlink():
                    yield folder, "folder already visited (symbolic link loop)"
                continue
            seen.add(key)
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            yield folder, _os_reason(exc)
            continue
        subfolders = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            try:
                if entry.is_dir():
                    subfolders.append(path)
                elif entry.is_file():
                    if is_supported(path):
                        yield path, None
                elif entry.is_symlink():
                    yield path, "broken symbolic link"
            except OSError as exc:
                yield path, _os_reason(exc)
        stack.extend(reversed(subfolders))


def _os_reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


# ---------------------------------------------------------------- decoding


def decode_text(raw: bytes) -> str:
    """Bytes to clean text: UTF-8 (BOM or not), else cp1252, NFC, NBSP as space, LF newlines."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = raw.decode("utf-16")
    else:
        if b"\x00" in raw[:8192]:
            raise ValueError("binary file (contains NUL bytes)")
        if raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8):]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = _decode_legacy(raw)
    text = unicodedata.normalize("NFC", text)
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(_SPACES)


_SPACES = {0x00A0: " ", 0x202F: " ", 0x2007: " ", 0xFEFF: None}


def _decode_legacy(raw: bytes) -> str:
    """Text that is not valid UTF-8: UTF-8 with a few bad bytes (a truncated file, a stray
    byte) keeps its UTF-8 reading with U+FFFD for the bad bytes; otherwise it is a legacy
    cp1252 file (latin-1 where cp1252 leaves a byte undefined)."""
    as_utf8 = raw.decode("utf-8", errors="replace")
    bad = as_utf8.count("\ufffd")
    valid = sum(1 for ch in as_utf8 if ord(ch) > 127) - bad
    if valid > bad:  # more well-formed UTF-8 characters than bad bytes
        return as_utf8
    if any(b in raw for b in (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")):
        return raw.decode("latin-1")
    return raw.decode("cp1252")


# ---------------------------------------------------------------- reading


def read_file(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> FileArticles:
    """Read the articles of one file. Raises DocumentError when the whole file is unusable;
    bad records of a JSON/JSONL file are listed in ``skipped`` and the rest is read."""
    return parse_bytes(path, read_bytes(path, max_bytes=max_bytes))


def read_bytes(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise DocumentError(path, f"file too large ({size:,} bytes, limit {max_bytes:,})")
        return path.read_bytes()
    except OSError as exc:
        raise DocumentError(path, _os_reason(exc)) from exc


def parse_bytes(path: Path, raw: bytes) -> FileArticles:
    """Parse the already-read bytes of ``path`` according to its suffix."""
    if not raw.strip():
        raise DocumentError(path, "empty file")
    try:
        text = decode_text(raw)
    except ValueError as exc:
        raise DocumentError(path, str(exc)) from exc
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return _read_jsonl(path, text)
    if suffix == ".json":
        return _read_json(path, text)
    return FileArticles(articles=[parse_text_article(path, text)])


_MODIFIED = re.compile(r"^\(last modified\s+(.+?)\s*\)$", re.IGNORECASE)
_PUBLISHED = re.compile(r"^([A-Z][a-z]{2})\w*\.? (\d{1,2}), (\d{4})(?: (\d{1,2}):(\d{2}))?(?: UTC)?$")
_BULLET = re.compile(r"^\s*•\s*(.*?)\s*$")
_MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}


def parse_text_article(path: Path, text: str) -> Article:
    """A seed-format article, or a plain text whose first non-empty line is the title."""
    lines = text.strip("\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    title = lines[0].strip() if lines else ""
    rest = lines[1:]
    modified = published = None
    if rest and (m := _MODIFIED.match(rest[0].strip())):
        modified = _parse_rfc1123(m.group(1))
        rest = rest[1:]
        if rest and (p := _PUBLISHED.match(rest[0].strip())):
            published = _parse_published(p)
            rest = rest[1:]
        if rest and (b := _BULLET.match(rest[0])):
            title = title or b.group(1)
            rest = rest[1:]
    body = _clean_body("\n".join(rest))
    if not title and not body:
        raise DocumentError(path, "no text")
    return Article(id=str(path), title=title, body=body, path=str(path),
                   published=published or modified, modified=modified)


def _clean_body(text: str) -> str:
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    if len(paragraphs) == 1:  # no blank lines: one paragraph a line
        paragraphs = [" ".join(p.split()) for p in text.split("\n")]
    return "\n\n".join(p for p in paragraphs if p)


def _parse_rfc1123(value: str) -> datetime | None:
    try:
        return parsedate_to_datetime(value).astimezone(timezone.utc)
    except (TypeError, ValueError, IndexError):
        return None


def _parse_published(m: re.Match[str]) -> datetime | None:
    month = _MONTHS.get(m.group(1))
    if month is None:
        return None
    try:
        return datetime(int(m.group(3)), month, int(m.group(2)), int(m.group(4) or 0),
                        int(m.group(5) or 0), tzinfo=timezone.utc)
    except ValueError:
        return None


def parse_date(value: str) -> datetime | None:
    """An ISO 8601 date or datetime to an aware UTC datetime (naive means UTC)."""
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        return when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc)


# ---------------------------------------------------------------- JSON


_TEXT_KEYS = ("title", "body", "source", "url", "date")


def _read_jsonl(path: Path, text: str) -> FileArticles:
    out = FileArticles()
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            out.skipped.append(Skipped(str(path), f"invalid JSON ({exc.msg})", number))
            continue
        _add_record(out, path, record, f"{path}#{number}", number)
    return out


def _read_json(path: Path, text: str) -> FileArticles:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(path, f"invalid JSON ({exc.msg})", exc.lineno) from exc
    records = data if isinstance(data, list) else [data]
    out = FileArticles()
    for number, record in enumerate(records, start=1):
        _add_record(out, path, record, f"{path}#{number}", None if len(records) == 1 else number)
    return out


def _add_record(out: FileArticles, path: Path, record: object, fallback_id: str, line: int | None) -> None:
    try:
        out.articles.append(article_from_record(record, path=str(path), fallback_id=fallback_id))
    except ValueError as exc:
        out.skipped.append(Skipped(str(path), str(exc), line))


def article_from_record(record: object, *, path: str, fallback_id: str) -> Article:
    """One JSON object with keys id, title, date, source, url, body (all optional) to an Article.
    The record's own ``id`` is kept; a record without one gets ``fallback_id``."""
    if not isinstance(record, dict):
        raise ValueError(f"record is {type(record).__name__}, expected an object")
    for key in _TEXT_KEYS:
        if record.get(key) is not None and not isinstance(record[key], str):
            raise ValueError(f"'{key}' is {type(record[key]).__name__}, expected text")
    raw_id = record.get("id")
    if raw_id is not None and not isinstance(raw_id, (str, int)) or isinstance(raw_id, bool):
        raise ValueError(f"'id' is {type(raw_id).__name__}, expected text or a number")
    title = _clean_inline(record.get("title") or "")
    body = _clean_body(_clean_inline_keep_lines(record.get("body") or ""))
    if not title and not body:
        raise ValueError("record has neither title nor body")
    date = record.get("date")
    published = parse_date(date) if date else None
    if date and published is None:
        raise ValueError(f"'date' is not an ISO date: {date[:40]!r}")
    return Article(id=str(raw_id) if raw_id not in (None, "") else fallback_id, title=title, body=body,
                   path=path, published=published, source=_clean_inline(record.get("source") or "") or None,
                   url=(record.get("url") or "").strip() or None)


def _clean_inline(value: str) -> str:
    return " ".join(unicodedata.normalize("NFC", value).translate(_SPACES).split())


def _clean_inline_keep_lines(value: str) -> str:
    return unicodedata.normalize("NFC", value).replace("\r\n", "\n").translate(_SPACES)
