"""``.json`` and ``.jsonl`` files: one article per record with keys ``id, title, date, source,
url, body`` (all optional). Bad records are skipped with a reason; the rest is read."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ..errors import DocumentError
from .articles import Article, FileArticles, Skipped
from .dates import parse_date
from .decoding import clean_body, clean_inline, decode_text, printable, valid_text

_TEXT_KEYS = ("title", "body", "source", "url", "date")
# json.loads recurses once per level of nesting: a record nested about a thousand deep (2 KB
# of brackets, even in a key we ignore) raises RecursionError, which must skip that record only.
_TOO_DEEP = "record nested too deeply"


def read_jsonl(path: Path, text: str) -> FileArticles:
    out = FileArticles()
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            out.add(_line_record(path, line, number))
    return out


def stream_jsonl(path: Path, f: BinaryIO, *, max_bytes: int) -> Iterator[Article | Skipped]:
    """The records of an open JSON Lines file, read line by line, so that memory holds one
    record whatever the size of the file; a line over ``max_bytes`` is skipped. Each line
    is decoded on its own (UTF-8, else cp1252)."""
    for number, line in enumerate(_lines(f, max_bytes), start=1):
        if line is None:
            yield Skipped(str(path), f"record too large: over the limit of {max_bytes:,} bytes (max_bytes)", number)
        elif line.strip():
            try:
                text = decode_text(line)
            except ValueError as exc:
                yield Skipped(str(path), str(exc), number)
                continue
            yield _line_record(path, text, number)


def _lines(f: BinaryIO, max_bytes: int) -> Iterator[bytes | None]:
    """The lines of ``f``; None for a line longer than ``max_bytes`` (its bytes are skipped)."""
    while line := f.readline(max_bytes + 1):
        if len(line) > max_bytes and not line.endswith(b"\n"):
            while (rest := f.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            yield None
        else:
            yield line


def _line_record(path: Path, line: str, number: int) -> Article | Skipped:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return Skipped(str(path), _invalid(exc), number)
    except RecursionError:
        return Skipped(str(path), _TOO_DEEP, number)
    return _record(path, record, f"{path}#{number}", number)


def read_json(path: Path, text: str) -> FileArticles:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(path, _invalid(exc), exc.lineno) from exc
    except RecursionError:
        raise DocumentError(path, _TOO_DEEP) from None
    records = data if isinstance(data, list) else [data]
    out = FileArticles()
    for number, record in enumerate(records, start=1):
        out.add(_record(path, record, f"{path}#{number}", None if len(records) == 1 else number))
    return out


def _invalid(exc: json.JSONDecodeError) -> str:
    """The reason for a record that is not JSON; messages that end with "at" ("Invalid control
    character at") get their column."""
    return f"invalid JSON ({exc.msg}{f' column {exc.colno}' if exc.msg.endswith(' at') else ''})"


def _record(path: Path, record: object, fallback_id: str, line: int | None) -> Article | Skipped:
    try:
        return article_from_record(record, path=str(path), fallback_id=fallback_id)
    except ValueError as exc:
        return Skipped(str(path), str(exc), line)


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
    title = clean_inline(valid_text(record.get("title") or ""))
    body = clean_body(valid_text(record.get("body") or ""))
    if not title and not body:
        raise ValueError("record has neither title nor body")
    date = record.get("date")
    published = parse_date(date) if date else None
    if date and published is None:
        raise ValueError(f"'date' is not an ISO date: {date[:40]!r}")
    return Article(id=printable(str(raw_id)) if raw_id not in (None, "") else fallback_id, title=title, body=body,
                   path=path, published=published,
                   source=clean_inline(valid_text(record.get("source") or "")) or None,
                   url=valid_text(record.get("url") or "").strip() or None)
