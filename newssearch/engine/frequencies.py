"""Whether a segment has a term and how many articles hold it, remembered by each reader.

A headline query asks Whoosh for the same document frequencies several times: BM25 for each
term, the rerank's weights, "did you mean" for each word, the wire-story count of each hit;
and whether each segment has each term, for BM25 and for each read of positions. Each answer
is a hash-table lookup in every segment (``MultiReader`` sums them): about 5% of a FreSaDa
headline's time for the frequencies, 4% for the terms. A reader is a snapshot of its
segments, so its answers never change: ``install()`` keeps them on the reader, and a new
reader (after a commit) starts afresh.
"""

from __future__ import annotations

from typing import Any

from whoosh import reading

KEPT = 200_000  # answers kept by one reader; past that they are dropped and asked again


def install_frequencies() -> None:
    """Make Whoosh's segment and multi-segment readers remember ``doc_frequency``, and segment
    readers ``(fieldname, text) in reader`` (idempotent)."""
    for cls in (reading.SegmentReader, reading.MultiReader):
        if not getattr(cls.doc_frequency, "remembered", False):
            cls.doc_frequency = _remembered(cls.doc_frequency)
    if not getattr(reading.SegmentReader.__contains__, "remembered", False):
        reading.SegmentReader.__contains__ = _remembered_contains(reading.SegmentReader.__contains__)


def _kept(reader: Any, name: str) -> dict[Any, Any]:
    known: dict[Any, Any] | None = reader.__dict__.get(name)
    if known is None or len(known) >= KEPT:
        known = reader.__dict__[name] = {}
    return known


def _remembered(asked: Any) -> Any:
    def doc_frequency(self: Any, fieldname: str, text: Any) -> int:
        known = _kept(self, "_frequencies")
        key = (fieldname, text)
        found = known.get(key)
        if found is None:
            found = known[key] = asked(self, fieldname, text)
        return int(found)

    doc_frequency.remembered = True  # type: ignore[attr-defined]
    doc_frequency.asked = asked  # type: ignore[attr-defined]
    doc_frequency.__doc__ = asked.__doc__
    return doc_frequency


def _remembered_contains(asked: Any) -> Any:
    def __contains__(self: Any, term: tuple[str, Any]) -> bool:
        if self.is_closed:
            return bool(asked(self, term))  # Whoosh's ReaderClosed
        known = _kept(self, "_has")
        found = known.get(term)
        if found is None:
            found = known[term] = bool(asked(self, term))
        return bool(found)

    __contains__.remembered = True  # type: ignore[attr-defined]
    __contains__.asked = asked  # type: ignore[attr-defined]
    return __contains__
