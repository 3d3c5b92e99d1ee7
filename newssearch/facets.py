"""Facet counts of a search: its stories by source and by month ("2023-01"), from the same
pass that ranked them (engine.StoryCollector), read from the index's columns."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .engine import column_values
from .schema import MONTH, SOURCE, SOURCE_KEY


@dataclass(frozen=True)
class Facets:
    """Hit counts of one query by source and by month, over all its hits (stories: the
    versions of a wire story count once, as in ``Results.total``)."""

    total: int
    sources: list[tuple[str, int]] = field(default_factory=list)
    months: list[tuple[str, int]] = field(default_factory=list)

    @property
    def years(self) -> list[tuple[str, int]]:
        counts: Counter[str] = Counter()
        for month, n in self.months:
            counts[month[:4]] += n
        return sorted(counts.items())


def count_facets(searcher: Any, docs: Iterable[int]) -> Facets:
    """Counts by source (display names as stored) and by month over the documents ``docs``."""
    docs = list(docs)
    by_source: Counter[bytes] = Counter()
    one_of: dict[bytes, int] = {}
    for docnum, key in zip(docs, column_values(searcher, SOURCE_KEY, docs)):
        if key:
            by_source[key] += 1
            one_of.setdefault(key, docnum)
    months = Counter(m for m in column_values(searcher, MONTH, docs) if m)
    sources = [(searcher.stored_fields(one_of[key]).get(SOURCE) or key.decode("utf-8"), n)
               for key, n in by_source.items()]
    return Facets(total=len(docs), sources=sorted(sources, key=lambda s: (-s[1], s[0])),
                  months=sorted((m.decode("ascii"), n) for m, n in months.items()))
