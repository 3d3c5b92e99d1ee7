"""The stories of a query's matches: the best version of each wire story, every story counted
once, ranked by score or by date.

Whoosh's TopCollector + CollapseCollector scored each match twice, counted a version that
displaced a lower-scored one as well as the one displaced, did not collapse under a filter,
and read the weighting from the searcher (shared state). Here the matches come scored from
engine/matching.py, with the weighting of the search; ``Stories`` keeps the best-scored
article of each story (ties: the first, as Whoosh does) and every article outside a story,
and gives the ranked list, the number of stories and each story's document (for facets).

The columns read here (story keys, dates, sources, months) are read once per index reader
and kept while it lives: Whoosh's categorizer decoded a column's offsets again for every
segment of every query (0.7 ms a segment of 25,000 articles) and seeked into it per match.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.util.times import long_to_datetime

from .matching import Matches, deleted_docs, matches

_COLUMNS: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()

Final = Callable[[int, float], float]  # (docnum, score) -> the value to rank by


def segment_column(reader: Any, field: str, default: Any = b"") -> Sequence[Any]:
    """The raw column values of ``field`` in one segment (``default`` where there is no
    column), cached while the segment reader lives."""
    by_field = _COLUMNS.setdefault(reader, {})
    values = by_field.get(field)
    if values is None:
        values = list(reader.column_reader(field, translate=False)) if reader.has_column(field) \
            else [default] * reader.doc_count_all()
        by_field[field] = values
    return values


def index_column(searcher: Any, field: str, default: Any = b"") -> Sequence[Any]:
    """The raw column values of ``field`` for every document of the index (by top-level
    document number), cached while the searcher's reader lives."""
    reader = searcher.reader()
    by_field = _COLUMNS.setdefault(reader, {})
    values = by_field.get(field)
    if values is None:
        if searcher.is_atomic():
            values = segment_column(reader, field, default)
        else:
            values = [v for sub, _ in searcher.leaf_searchers() for v in segment_column(sub.reader(), field, default)]
        by_field[field] = values
    return values


def column_values(searcher: Any, field: str, docnums: Sequence[int]) -> list[Any]:
    """The raw column values of ``field`` for the top-level document numbers ``docnums``
    (b'' where a document has none)."""
    values = index_column(searcher, field)
    return [values[docnum] for docnum in docnums]


def story_numbers(searcher: Any, field: str) -> Any:
    """Each document's story as a number (int64 array by top-level document number; -1: in
    no story, or the only document of its story), cached while the searcher's reader lives.
    Most stories have one article (every one of FreSaDa's): those need no collapsing, and
    sorting every match by story was a sixth of an any-word query's matching."""
    by_field = _COLUMNS.setdefault(searcher.reader(), {})
    key = f"{field}#numbers"
    numbers = by_field.get(key)
    if numbers is None:
        seen: dict[Any, int] = {}
        values = index_column(searcher, field)
        numbers = np.fromiter((seen.setdefault(v, len(seen)) if v else -1 for v in values), np.int64, len(values))
        told = numbers >= 0
        if told.any():
            sizes = np.bincount(numbers[told])
            numbers[told & (sizes[np.where(told, numbers, 0)] < 2)] = -1
        by_field[key] = numbers
    return numbers


class Stories:
    """The matching stories: the best-scored document of each story (``field``, a sortable
    column; None: no story is collapsed; equal scores: the first document), each match's
    score first replaced by ``final``'s value (e.g. its date) when given."""

    def __init__(self, searcher: Any, found: Matches, field: str | None = None, final: Final | None = None) -> None:
        docs, scores = found.docs, found.scores
        if final is not None:
            scores = np.fromiter((final(d, s) for d, s in zip(docs.tolist(), scores.tolist())), np.float64, len(docs))
        if field:
            story = story_numbers(searcher, field)[docs]
            alone = story < 0
            told, told_scores, told_story = docs[~alone], scores[~alone], story[~alone]
            order = np.lexsort((told, -told_scores, told_story))  # by story, best first, then document
            first = np.ones(len(order), bool)
            first[1:] = told_story[order][1:] != told_story[order][:-1]
            best = order[first]
            docs, scores = np.concatenate([docs[alone], told[best]]), np.concatenate([scores[alone], told_scores[best]])
        self._docs, self._scores = docs, scores

    def __len__(self) -> int:
        """Matching articles, each story counted once."""
        return len(self._docs)

    def docs(self) -> Iterator[int]:
        """The document kept for each matching story."""
        return iter(self._docs.tolist())

    def ranked(self, n: int | None = None) -> list[tuple[int, float]]:
        """(docnum, score) of the best ``n`` stories (all with None), best first; equal
        scores in document order."""
        docs, scores = self._docs, self._scores
        if n is not None and n < len(scores):
            if n <= 0:
                return []
            kth = np.partition(scores, len(scores) - n)[len(scores) - n]
            inside = np.flatnonzero(scores >= kth)
            docs, scores = docs[inside], scores[inside]
        order = np.lexsort((docs, -scores))[:n]
        return list(zip(docs[order].tolist(), scores[order].tolist()))


def collect(searcher: Any, query: wq.Query, *, weighting: Any, restrict: wq.Query | None = None,
            collapse: str | None = None, final: Final | None = None) -> Stories:
    """The stories matching ``query`` and ``restrict`` (a filter that scores nothing), scored
    by ``weighting`` for this search only."""
    return Stories(searcher, matches(searcher, query, weighting=weighting, restrict=restrict), collapse, final)


_NO_DATE = 2**63  # an article without a date holds the column's default, 2**64 - 1


def has_date(searcher: Any, field: str) -> bool:
    """Whether a live article has a date in ``field`` (a sortable DATETIME): date_span's
    question, answered at the first dated article and kept while the searcher's reader lives
    (an index without dates would be read whole at every date-sorted or date-filtered search)."""
    by_field = _COLUMNS.setdefault(searcher.reader(), {})
    key = f"{field}#dated"
    dated = by_field.get(key)
    if dated is None:
        dead = deleted_docs(searcher)
        dated = by_field[key] = any(0 < v < _NO_DATE and d not in dead
                                    for d, v in enumerate(index_column(searcher, field, 0)))
    return bool(dated)


def date_span(searcher: Any, field: str) -> tuple[Any, Any]:
    """The earliest and latest dates of ``field`` (a sortable DATETIME) among the live articles,
    read from its column (None, None when no article has one)."""
    values = index_column(searcher, field, 0)
    dead = deleted_docs(searcher)
    dated = [v for d, v in enumerate(values) if 0 < v < _NO_DATE and d not in dead] if dead else \
        [v for v in values if 0 < v < _NO_DATE]
    if not dated:
        return None, None
    return long_to_datetime(min(dated)), long_to_datetime(max(dated))
