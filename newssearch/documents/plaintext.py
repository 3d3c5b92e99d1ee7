"""``.txt`` articles: the seed format, or plain text whose first line is the title.

Seed format: a title line, ``(last modified <RFC 1123 date> )``, a publication line such as
``Jan 23, 2023 11:36 UTC``, a ``•`` title line, then the body. Plain text: the first
non-empty line is the title; when the next non-empty line is a French date and nothing
else (``23 janvier 2023``, ``Publié le lundi 23 janv. 2023 à 11h36``) it is the
publication date, not part of the body.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

from ..errors import DocumentError
from .articles import Article
from .dates import parse_date_line, parse_rfc1123
from .decoding import clean_body

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
        modified = parse_rfc1123(m.group(1))
        rest = rest[1:]
        if rest and (p := _PUBLISHED.match(rest[0].strip())):
            published = _parse_published(p)
            rest = rest[1:]
        if rest and (b := _BULLET.match(rest[0])):
            title = title or b.group(1)
            rest = rest[1:]
    else:
        published, rest = _date_line(rest)
    body = clean_body("\n".join(rest))
    if not title and not body:
        raise DocumentError(path, "no text")
    return Article(id=str(path), title=title, body=body, path=str(path),
                   published=published or modified, modified=modified)


def _date_line(lines: list[str]) -> tuple[datetime | None, list[str]]:
    """The publication date of a plain text, when its first line after the title is one."""
    for number, line in enumerate(lines):
        if line.strip():
            if when := parse_date_line(line):
                return when, lines[number + 1:]
            break
    return None, lines


def _parse_published(m: re.Match[str]) -> datetime | None:
    month = _MONTHS.get(m.group(1))
    if month is None:
        return None
    try:
        return datetime(int(m.group(3)), month, int(m.group(2)), int(m.group(4) or 0),
                        int(m.group(5) or 0), tzinfo=timezone.utc)
    except ValueError:
        return None
