"""Phrases whose words need not be adjacent: the gaps that stop words leave stay gaps.

``"envoi de chars"`` is analysed to ``envoi`` at 0 and ``char`` at 2 (``de`` is a stop word);
Whoosh's Phrase would look for them at adjacent positions. ``GappedPhrase`` keeps the
relative positions, matched as a chain of ordered SpanNear queries with exact distances.
"""

from __future__ import annotations

from typing import Any

from whoosh import query as wq
from whoosh.matching import NullMatcher
from whoosh.query.spans import SpanNear


class GappedPhrase(wq.Phrase):
    """A phrase whose words sit at given relative positions (stop words leave gaps)."""

    def __init__(self, fieldname: str, words: list[str], positions: list[int] | None = None,
                 slop: int = 1, boost: float = 1.0, char_ranges: Any = None) -> None:
        super().__init__(fieldname, words, slop=slop, boost=boost, char_ranges=char_ranges)
        self.positions = positions or list(range(len(words)))

    def _gaps(self) -> list[int]:
        return [b - a for a, b in zip(self.positions, self.positions[1:])]

    def normalize(self) -> wq.Query:
        if len(self.words) == 1:
            return wq.Term(self.fieldname, self.words[0], boost=self.boost)
        return self

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        gaps = self._gaps()
        if self.slop != 1 or all(g == 1 for g in gaps):
            return super().matcher(searcher, context)
        reader = searcher.reader()
        field = searcher.schema[self.fieldname]
        if any((self.fieldname, field.to_bytes(w)) not in reader for w in self.words):
            return NullMatcher()
        span: Any = wq.Term(self.fieldname, self.words[0])
        for word, gap in zip(self.words[1:], gaps):
            span = SpanNear(span, wq.Term(self.fieldname, word), slop=gap, ordered=True, mindist=gap)
        return span.matcher(searcher, context)
