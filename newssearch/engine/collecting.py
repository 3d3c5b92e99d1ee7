"""Collecting the matches of one query: every story counted once, the best version of each kept.

Whoosh's TopCollector + CollapseCollector scored each match twice (once for the collapse's
sort key, once for the top N), counted a version that displaced a lower-scored one as well as
the one displaced, and under a FilterCollector (date or source filters) did not collapse at
all. Whoosh's collector also reads the weighting from the searcher, which is shared state
(a searcher used by two threads could score one query with the other's weighting).

``StoryCollector`` scores each match once, with the weighting of the query's own context,
keeps the best-scored article of each wire story (ties: the first, as Whoosh does) and every
article outside a story, and gives the ranked list, the number of stories and every story's
document (for facet counts) from one pass. With no field, nothing is collapsed.

The keys of a segment are read once per segment reader and kept while the reader lives:
Whoosh's categorizer decoded the column's offsets again for every segment of every query
(0.7 ms a segment of 25,000 articles) and seeked into it for every match.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
import weakref
from array import array
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from whoosh.collectors import FilterCollector, ScoredCollector

_COLUMNS: weakref.WeakKeyDictionary[Any, dict[str, Sequence[Any]]] = weakref.WeakKeyDictionary()

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


class StoryCollector(ScoredCollector):
    """One pass over a query's matches: the best article of each story (``field``, a sortable
    column; None: no collapsing), every match scored once; ``final`` replaces a match's score
    by what to rank it by (e.g. its date)."""

    def __init__(self, field: str | None = None, final: Final | None = None) -> None:
        super().__init__(replace=0)  # never swap the matcher: totals stay exact
        self.field, self.final = field, final
        self.keys: Sequence[bytes] = ()
        self.best: dict[bytes, tuple[float, int]] = {}
        self.scores, self.docs = array("d"), array("q")

    def prepare(self, top_searcher: Any, q: Any, context: Any) -> None:
        super().prepare(top_searcher, q, context)
        self.final_fn = None  # set from the shared searcher by Whoosh; ours is self.final
        self.best, self.scores, self.docs = {}, array("d"), array("q")

    def set_subsearcher(self, subsearcher: Any, offset: int) -> None:
        super().set_subsearcher(subsearcher, offset)
        self.keys = segment_column(subsearcher.reader(), self.field) if self.field else ()

    def collect_matches(self) -> None:
        collect = self.collect
        for sub_docnum in self.matches():
            collect(sub_docnum)

    def collect(self, sub_docnum: int) -> Any:  # also called by a FilterCollector around this one
        docnum = self.offset + sub_docnum
        score = self.matcher.score()
        if self.final is not None:
            score = self.final(docnum, score)
        key = self.keys[sub_docnum] if self.keys else b""
        if key:
            kept = self.best.get(key)
            if kept is None or score > kept[0]:
                self.best[key] = (score, docnum)
        else:
            self.scores.append(score)
            self.docs.append(docnum)

    def stories(self) -> int:
        """Matching articles, each story counted once."""
        return len(self.best) + len(self.docs)

    def story_docs(self) -> Iterator[int]:
        """The document kept for each matching story."""
        yield from self.docs
        for _, docnum in self.best.values():
            yield docnum

    def ranked(self, n: int | None = None) -> list[tuple[int, float]]:
        """(docnum, score) of the best ``n`` stories (all with None), best first; equal
        scores in document order."""
        pairs = [(score, -docnum) for score, docnum in zip(self.scores, self.docs)]
        pairs += [(score, -docnum) for score, docnum in self.best.values()]
        top = sorted(pairs, reverse=True) if n is None or n >= len(pairs) else heapq.nlargest(n, pairs)
        return [(-negated, score) for score, negated in top]


def collect(searcher: Any, query: Any, *, weighting: Any, restrict: Any = None, collapse: str | None = None,
            final: Final | None = None) -> StoryCollector:
    """Run ``query`` on ``searcher`` scored by ``weighting`` (for this search only), keeping
    the documents that also match ``restrict`` (a filter query that scores nothing)."""
    collector = StoryCollector(collapse, final)
    outer = FilterCollector(collector, allow=restrict) if restrict is not None else collector
    searcher.search_with_collector(query, outer, context=searcher.context(weighting=weighting))
    return collector


def column_values(searcher: Any, field: str, docnums: Sequence[int]) -> list[Any]:
    """The raw column values of ``field`` for the top-level document numbers ``docnums``
    (b'' where a document has none)."""
    leaves = searcher.leaf_searchers()
    offsets = [offset for _, offset in leaves]
    columns = [segment_column(sub.reader(), field) for sub, _ in leaves]
    out = []
    for docnum in docnums:
        i = bisect_right(offsets, docnum) - 1
        out.append(columns[i][docnum - offsets[i]])
    return out
