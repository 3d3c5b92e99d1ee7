"""``.json`` and ``.jsonl`` files: one article per record with keys ``id, title, date, source,
url, body`` (all optional). Bad records are skipped with a reason; the rest is read."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import DocumentError
from .articles import Article, FileArticles, Skipped
from .dates import parse_date
from .decoding import clean_body, clean_inline

_TEXT_KEYS = ("title", "body", "source", "url", "date")


def read_jsonl(path: Path, text: str) -> FileArticles:
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


def read_json(path: Path, text: str) -> FileArticles:
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
    title = clean_inline(record.get("title") or "")
    body = clean_body(record.get("body") or "")
    if not title and not body:
        raise ValueError("record has neither title nor body")
    date = record.get("date")
    published = parse_date(date) if date else None
    if date and published is None:
        raise ValueError(f"'date' is not an ISO date: {date[:40]!r}")
    return Article(id=str(raw_id) if raw_id not in (None, "") else fallback_id, title=title, body=body,
                   path=path, published=published, source=clean_inline(record.get("source") or "") or None,
                   url=(record.get("url") or "").strip() or None)
