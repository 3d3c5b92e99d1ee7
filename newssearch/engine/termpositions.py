"""The positions of some terms in some documents, read from the postings: what the rerank
of a headline needs (the words of 50 articles near each other), without analysing their text."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .positions import decode_positions
from .postings import kept_ids, postings


def term_positions(searcher: Any, fieldname: str, terms: Iterable[str],
                   docnums: Iterable[int]) -> dict[int, list[tuple[int, str]]]:
    """(position, term) of each of ``terms`` in ``fieldname`` of each of ``docnums``, in
    position order, read from the postings: what analysing the stored text would find,
    without analysing it (the rerank of a headline read 50 articles' text per query). Only
    the posting blocks that may hold a wanted document are read (by their last id), and
    only those that do when the term's document numbers are kept (``kept_ids``: the
    first stage decoded them)."""
    field = searcher.schema[fieldname]
    found: dict[int, list[tuple[int, str]]] = {d: [] for d in docnums}
    wanted = sorted(found)
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        local = [d - offset for d in wanted if offset <= d < offset + reader.doc_count_all()]
        if not local:
            continue
        for term in terms:
            btext = field.to_bytes(term)
            if (fieldname, btext) not in reader:
                continue
            ids = kept_ids(reader, fieldname, btext)
            holding = local if ids is None else _holding(ids, local)
            for docnum, (_, value) in postings(reader, fieldname, btext, field.format, holding).items():
                found[docnum + offset].extend((pos, term) for pos in decode_positions(value))
    for positions in found.values():
        positions.sort()
    return found


def _holding(ids: Any, docnums: list[int]) -> list[int]:
    """Those of ``docnums`` (ascending) that are in ``ids`` (a sorted array): a search for
    each of the few docnums, where ``np.intersect1d`` would sort all of a common word's ids."""
    wanted = np.array(docnums, np.int64)
    at = np.searchsorted(ids, wanted)
    inside = at < len(ids)
    inside[inside] = ids[at[inside]] == wanted[inside]
    held: list[int] = wanted[inside].tolist()
    return held
