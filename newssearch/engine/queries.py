"""Query classes whose matching reaches below Whoosh's public API.

- ``GappedPhrase``: a phrase whose words need not be adjacent. A word that leaves no term
  (nothing of it can be indexed) still takes a position; Whoosh's Phrase would look for the
  others at adjacent positions. GappedPhrase keeps the relative positions, matched as a chain
  of ordered SpanNear queries with exact distances.
- ``CloseTerm``: Whoosh's FuzzyTerm (``word~``), its terms found by ``close_terms``: Whoosh's
  ``terms_within`` computed an edit distance in Python for every term of the same first
  letter (0.3 s a word on 9,000 articles); here the terms sharing a prefix are read once and
  compared in C (rapidfuzz's optimal string alignment: a swap of two letters is one edit).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA
from whoosh import query as wq
from whoosh.matching import NullMatcher
from whoosh.query.spans import SpanNear


PREFIXED_TERMS = 500_000  # terms kept, by prefix, for the next close_terms() (the latest prefixes)
_PREFIXED: weakref.WeakKeyDictionary[Any, OrderedDict[tuple[str, str], list[str]]] = weakref.WeakKeyDictionary()
_PREFIXED_LOCK = threading.Lock()


def _prefixed(reader: Any, fieldname: str, start: str) -> list[str]:
    """The terms of ``fieldname`` that start with ``start``. Kept per reader, up to
    PREFIXED_TERMS terms: "did you mean" reads a prefix for each rare word of a query (15 ms
    for two letters on 9,000 articles), and the same prefixes come back query after query."""
    with _PREFIXED_LOCK:
        kept = _PREFIXED.setdefault(reader, OrderedDict())
        found = kept.get((fieldname, start))
        if found is not None:
            kept.move_to_end((fieldname, start))
            return found
    found = list(map(reader.schema[fieldname].from_bytes, reader.expand_prefix(fieldname, start)))
    with _PREFIXED_LOCK:
        if len(found) <= PREFIXED_TERMS // 4:
            kept[(fieldname, start)] = found
            while sum(map(len, kept.values())) > PREFIXED_TERMS:
                kept.popitem(last=False)
    return found


def close_terms(reader: Any, fieldname: str, text: str, maxdist: int, prefix: int = 2) -> list[str]:
    """The terms of ``fieldname`` within ``maxdist`` edits of ``text`` whose first ``prefix``
    letters are its (at least one), ``text`` included when it is one."""
    candidates = [term for term in _prefixed(reader, fieldname, text[:max(1, prefix)])
                  if abs(len(term) - len(text)) <= maxdist]
    return [term for term, _, _ in process.extract(text, candidates, scorer=OSA.distance,
                                                   score_cutoff=maxdist, limit=None)]


class CloseTerm(wq.FuzzyTerm):
    """``word~``: the terms within ``maxdist`` edits of ``text`` (close_terms)."""

    def _btexts(self, ixreader: Any) -> list[bytes]:
        field = ixreader.schema[self.fieldname]
        return [field.to_bytes(t) for t in close_terms(ixreader, self.fieldname, self.text, self.maxdist,
                                                        self.prefixlength)]


class GappedPhrase(wq.Phrase):
    """A phrase whose words sit at given relative positions (stop words leave gaps)."""

    def __init__(self, fieldname: str, words: list[str], positions: list[int] | None = None,
                 slop: int = 1, boost: float = 1.0, char_ranges: Any = None) -> None:
        super().__init__(fieldname, words, slop=slop, boost=boost, char_ranges=char_ranges)
        self.positions = positions or list(range(len(words)))

    def _gaps(self) -> list[int]:
        return [b - a for a, b in zip(self.positions, self.positions[1:])]

    def normalize(self) -> wq.Query:
        if not self.words:  # every word vanished in analysis ("🙂 ?"): Whoosh's Phrase would fail
            return wq.NullQuery
        if len(self.words) == 1:
            return wq.Term(self.fieldname, self.words[0], boost=self.boost)
        return self

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        if not self.words:
            return NullMatcher()
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
