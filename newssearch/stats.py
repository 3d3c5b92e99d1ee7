"""What an index holds: articles, sources, date range, size, segments, last update."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import engine
from .schema import PUBLISHED, SOURCE_KEY, utc


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
    first, last = engine.date_span(searcher, PUBLISHED) if PUBLISHED in searcher.schema else (None, None)
    return IndexStats(articles=reader.doc_count(), sources=len(list(reader.lexicon(SOURCE_KEY))),
                      first=utc(first), last=utc(last), size_bytes=size_bytes, updated=updated,
                      segments=segments, semantic=semantic)
