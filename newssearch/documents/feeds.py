"""RSS and Atom feeds (``.rss``, ``.atom``, and ``.xml`` files that are feeds), through
feedparser: one article per entry.

An entry's id is its ``guid``/``id`` (else ``<path>#<entry number>``), its url its link,
its source the feed's title, its date the published date (else the updated one) in UTC;
a date feedparser cannot read is tried as a French date (``lundi 23 janvier 2023 à 11h36``,
Europe/Paris time) and an entry whose date is unreadable anyway is kept, undated. Its text
is the full content (``content:encoded``, Atom ``content``) when the feed carries it, else
the summary, as plain paragraphs.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from xml.sax import SAXParseException

import feedparser

from ..errors import DocumentError
from .articles import Article, FileArticles, Skipped
from .dates import parse_french_date
from .decoding import clean_body, clean_inline
from .fragments import fragment_text

_HTML_TYPES = ("text/html", "application/xhtml+xml")
# expat's words for a file cut short; other XML errors (an HTML entity such as &eacute;, a
# mismatched tag) are common in real feeds and feedparser's lenient parser reads past them
_FILE_ENDS_EARLY = frozenset({"no element found", "unclosed token"})


def read_feed(path: Path, raw: bytes) -> FileArticles:
    """The entries of a feed. Bytes are handed to feedparser as they are (it reads the XML
    encoding declaration), never a string, which feedparser would take for a URL to fetch."""
    parsed = feedparser.parse(raw)
    error = parsed.get("bozo_exception")
    xml_error = error if isinstance(error, SAXParseException) else None
    if not parsed.entries:
        if xml_error is not None:
            raise DocumentError(path, f"invalid XML ({xml_error.getMessage()})", xml_error.getLineNumber())
        if not parsed.get("version"):
            raise DocumentError(path, "not an RSS or Atom feed")
    out = FileArticles()
    source = clean_inline(parsed.feed.get("title") or "") or None
    numbers: dict[str, int] = {}
    for number, entry in enumerate(parsed.entries, start=1):
        try:
            article = _entry_article(entry, path, number, source)
        except ValueError as exc:
            out.skipped.append(Skipped(str(path), f"entry {number} {exc}"))
            continue
        if article.id in numbers:
            out.skipped.append(Skipped(str(path), f"entry {number} has the same id as entry {numbers[article.id]}"))
            continue
        numbers[article.id] = number
        out.articles.append(article)
    if parsed.entries and xml_error is not None and xml_error.getMessage() in _FILE_ENDS_EARLY:
        out.skipped.append(Skipped(str(path), f"invalid XML ({xml_error.getMessage()}): the feed was read as far "
                                              "as possible", xml_error.getLineNumber()))
    return out


def _entry_article(entry: Any, path: Path, number: int, source: str | None) -> Article:
    title = clean_inline(_text(entry.get("title_detail")) or entry.get("title") or "")
    body = _body(entry)
    if not title and not body:
        raise ValueError("has neither title nor text")
    updated = _date(entry, "updated")
    return Article(
        id=clean_inline(entry.get("id") or "") or f"{path}#{number}", title=title, body=body, path=str(path),
        published=_date(entry, "published") or updated, modified=updated, source=source,
        url=(entry.get("link") or "").strip() or None, author=clean_inline(entry.get("author") or "") or None)


def _body(entry: Any) -> str:
    """The longest full content of the entry, else its summary, as plain paragraphs."""
    contents = [_text(c) for c in entry.get("content") or []]
    best = max(contents, key=len, default="")
    return best or _text(entry.get("summary_detail"))


def _text(detail: Any) -> str:
    """The text of a feedparser ``*_detail`` (its value is already sanitised HTML or text)."""
    if not detail or not detail.get("value"):
        return ""
    if detail.get("type") in _HTML_TYPES:
        return fragment_text(detail["value"])
    return clean_body(detail["value"])


def _date(entry: Any, key: str) -> datetime | None:
    # dict.get: feedparser's own get() would answer "updated" with the published date
    parsed: time.struct_time | None = dict.get(entry, f"{key}_parsed")
    if parsed is not None:
        return datetime(*parsed[:6], tzinfo=timezone.utc)
    written = dict.get(entry, key)
    return parse_french_date(written) if isinstance(written, str) else None
