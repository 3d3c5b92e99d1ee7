"""BM25F exactly as Whoosh computes it, with less work per match.

Whoosh's BM25F scorer asks the segment for the field length of every match (four Python
calls down to a column read) and recomputes the length normalisation each time. Here the
segment's length bytes are read once per segment reader and the normalisation of each of
the 256 length bytes is computed once per (B, K1, average length): a match costs two list
lookups. The arithmetic is Whoosh's, in Whoosh's order, so scores are the same floats
(tested); ranking does not change.
"""

from __future__ import annotations

import math
import weakref
from typing import Any

from whoosh import scoring
from whoosh.codec import whoosh3
from whoosh.util.numeric import byte_to_length

_LENGTHS: weakref.WeakKeyDictionary[Any, dict[str, bytes | None]] = weakref.WeakKeyDictionary()
_NORMS: dict[tuple[float, float, float], list[float]] = {}


def length_bytes(reader: Any, field: str) -> bytes | None:
    """The encoded length of ``field`` for each document of one segment (None: unavailable)."""
    by_field = _LENGTHS.setdefault(reader, {})
    if field not in by_field:
        by_field[field] = _read_lengths(reader, field)
    return by_field[field]


def _read_lengths(reader: Any, field: str) -> bytes | None:
    try:  # Whoosh 2.7's W3 codec keeps one length byte per document in a numeric column
        column = reader._perdoc._cached_reader(whoosh3._lenfield(field), whoosh3.LENGTHS_COLUMN)
        if column is None:
            return None
        raw = bytes(column._dbfile.get(column._basepos, column._count))
    except AttributeError:
        return None
    return raw if len(raw) >= reader.doc_count_all() else None


def norms(b: float, k1: float, avgfl: float) -> list[float]:
    """``K1 * ((1 - B) + B * length / avgfl)`` for each length byte, as Whoosh's bm25 has it."""
    key = (b, k1, avgfl)
    norms = _NORMS.get(key)
    if norms is None:
        if len(_NORMS) > 64:
            _NORMS.clear()
        norms = _NORMS[key] = [k1 * ((1 - b) + b * byte_to_length(n) / avgfl) for n in range(256)]
    return norms


def lucene_idf(searcher: Any, fieldname: str, text: Any) -> float:
    """Lucene's (and tantivy's) BM25 IDF, ``ln(1 + (N - n + 0.5) / (n + 0.5))``: without
    Whoosh's ``+ 1``, a rare word weighs more against a common one. Counted over the whole
    index, as Whoosh's IDF is, when ``searcher`` is one segment's."""
    searcher = searcher.get_parent()
    n = searcher.doc_frequency(fieldname, text)
    total = searcher.doc_count_all()
    return math.log(1 + (total - n + 0.5) / (n + 0.5))


class BM25FScorer(scoring.BM25FScorer):
    def __init__(self, searcher: Any, fieldname: str, text: Any, B: float, K1: float, qf: float = 1,
                 lucene: bool = False) -> None:
        super().__init__(searcher, fieldname, text, B, K1, qf=qf)
        if lucene:
            self.idf = lucene_idf(searcher, fieldname, text)
        self.k1_plus_1 = K1 + 1
        self.norms = norms(B, K1, self.avgfl)
        lengths = length_bytes(searcher.reader(), fieldname)
        if lengths is None:  # another codec: Whoosh's own path
            self.score = super().score  # type: ignore[method-assign]
        self.lengths = lengths or b""

    def score(self, matcher: Any) -> Any:
        tf = matcher.weight()
        return self.idf * ((tf * self.k1_plus_1) / (tf + self.norms[self.lengths[matcher.id()]]))


class BM25F(scoring.BM25F):
    """Whoosh's BM25F model with the scorer above; ``lucene_idf=True`` takes Lucene's IDF."""

    def __init__(self, B: float = 0.75, K1: float = 1.2, lucene_idf: bool = False, **field_B: float) -> None:
        super().__init__(B=B, K1=K1, **field_B)
        self.lucene_idf = lucene_idf

    def scorer(self, searcher: Any, fieldname: str, text: Any, qf: float = 1) -> Any:
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        return BM25FScorer(searcher, fieldname, text, self._field_B.get(fieldname, self.B), self.K1, qf=qf,
                           lucene=self.lucene_idf)
