"""How many articles hold a term, remembered by each reader.

A headline query asks Whoosh for the same document frequencies several times: BM25 for each
term, the rerank's weights, "did you mean" for each word, the wire-story count of each hit.
Each answer is a hash-table lookup in every segment (``MultiReader`` sums them), about 5% of
a FreSaDa headline's time. A reader is a snapshot of its segments, so its answers never
change: ``install()`` keeps them on the reader, and a new reader (after a commit) starts
afresh.
"""

from __future__ import annotations

from typing import Any

from whoosh import reading

KEPT = 200_000  # answers kept by one reader; past that they are dropped and asked again


def install_frequencies() -> None:
    """Make Whoosh's segment and multi-segment readers remember ``doc_frequency`` (idempotent)."""
    for cls in (reading.SegmentReader, reading.MultiReader):
        if not getattr(cls.doc_frequency, "remembered", False):
            cls.doc_frequency = _remembered(cls.doc_frequency)


def _remembered(asked: Any) -> Any:
    def doc_frequency(self: Any, fieldname: str, text: Any) -> int:
        known = self.__dict__.get("_frequencies")
        if known is None:
            known = self.__dict__["_frequencies"] = {}
        key = (fieldname, text)
        found = known.get(key)
        if found is None:
            if len(known) >= KEPT:
                known.clear()
            found = known[key] = asked(self, fieldname, text)
        return int(found)

    doc_frequency.remembered = True  # type: ignore[attr-defined]
    doc_frequency.__doc__ = asked.__doc__
    return doc_frequency
