"""One article per wire story in a ranked search: a leaner, exact Whoosh CollapseCollector.

Whoosh's CollapseCollector decides whether a match is the best of its key with a sort key
that scores the document, then has its child collector score it again: every match of a
collapsed search was scored twice (a quarter of the time of a common-word query on
100,000 articles). Its results also count a version that displaces a lower-scored one as
well as the one displaced, and under a FilterCollector (date or source filters) it did not
collapse at all: the filter calls ``collect`` for each match, which CollapseCollector
passes straight to its child. This collector keeps the best-scored article of each key
(ties: the first, as Whoosh does), scores each match once, collapses under a filter too,
and ``stories()`` counts each story once.

The keys of a segment are read once per segment reader and kept as a list while the reader
lives: Whoosh's categorizer decoded the column's offsets again for every segment of every
query (0.7 ms a segment of 25,000 articles) and seeked into it for every match.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

from whoosh.collectors import CollapseCollector, WrappingCollector

_KEYS: weakref.WeakKeyDictionary[Any, dict[str, Sequence[bytes]]] = weakref.WeakKeyDictionary()


def segment_keys(reader: Any, field: str) -> Sequence[bytes]:
    """The raw column values of ``field`` in one segment (b'': no key), cached per reader."""
    by_field = _KEYS.setdefault(reader, {})
    keys = by_field.get(field)
    if keys is None:
        keys = list(reader.column_reader(field, translate=False)) if reader.has_column(field) \
            else [b""] * reader.doc_count_all()
        by_field[field] = keys
    return keys


class CollapseVersions(CollapseCollector):
    """Keeps one article per value of ``field`` (a sortable column), the best scored; the
    child must be a scored collector (TopCollector or UnlimitedCollector)."""

    def __init__(self, child: Any, field: str) -> None:
        super().__init__(child, field, limit=1)
        self.field = field
        self.best: dict[Any, tuple[float, int]] = {}
        self.collected = self.displaced = 0
        self.keys: Sequence[bytes] = ()

    def prepare(self, top_searcher: Any, q: Any, context: Any) -> None:
        super().prepare(top_searcher, q, context)
        self.best, self.collected, self.displaced = {}, 0, 0

    def set_subsearcher(self, subsearcher: Any, offset: int) -> None:
        WrappingCollector.set_subsearcher(self, subsearcher, offset)
        self.keys = segment_keys(subsearcher.reader(), self.field)

    def collect(self, sub_docnum: int) -> Any:
        child = self.child
        docnum = child.offset + sub_docnum
        score = child.matcher.score()
        if child.final_fn:
            score = child.final_fn(child.top_searcher, docnum, score)
        key = self.keys[sub_docnum]
        if key:
            kept = self.best.get(key)
            if kept is not None:
                self.collapsed_counts[key] += 1
                if score <= kept[0]:
                    self.collapsed_total += 1
                    return None
                child.remove(kept[1])
                self.displaced += 1
            self.best[key] = (score, docnum)
        self.collected += 1
        return child._collect(docnum, score)

    def collect_matches(self) -> None:
        collect = self.collect
        for sub_docnum in self.child.matches():
            collect(sub_docnum)

    def stories(self) -> int:
        """Matching articles, each story counted once."""
        return self.collected - self.displaced
