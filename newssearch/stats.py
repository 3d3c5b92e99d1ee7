"""What an index holds: articles, sources, date range, size, segments, last update."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .schema import PUBLISHED, SOURCE_KEY


@dataclass(frozen=True)
class IndexStats:
    """What an index holds."""

    articles: int
    sources: int
    first: datetime | None
    last: datetime | None
    size_bytes: int
    updated: str | None
    segments: int
    semantic: bool = False  # articles have sentence vectors (index --semantic)


def index_stats(searcher: Any, *, size_bytes: int, updated: str | None, segments: int,
                semantic: bool = False) -> IndexStats:
    reader = searcher.reader()
    first = last = None
    if reader.has_column(PUBLISHED):
        column = reader.column_reader(PUBLISHED)
        found = [when for when in (_date_of(column, d) for d in reader.all_doc_ids()) if when]
        if found:
            first, last = min(found), max(found)
    return IndexStats(articles=reader.doc_count(), sources=len(list(reader.lexicon(SOURCE_KEY))),
                      first=first, last=last, size_bytes=size_bytes, updated=updated,
                      segments=segments, semantic=semantic)


def _date_of(column: Any, docnum: int) -> datetime | None:
    try:
        value = column[docnum]
    except (OverflowError, ValueError):
        return None
    # An article without a date holds the column's default, which is no real date.
    return value.replace(tzinfo=timezone.utc) if isinstance(value, datetime) and value.year > 1 else None
