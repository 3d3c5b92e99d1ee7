"""Term at a time: every match of a query and its score, without Whoosh's matcher tree.

Whoosh scores a query document by document through a tree of matchers, several Python calls
per posting and per step of the tree (a 12-word headline on 9,000 articles: 76 ms to collect
its matches). Most queries are words side by side, each word a term or the same term in a
few fields; for those, each term's postings are read a block at a time, scored with BM25F
as Whoosh's scorer computes it (engine/scoring.py: the same idf, average length and length
normalisation), and summed into a dictionary of documents, as Whoosh's union and
intersection sum their children's scores: about four times faster. The query's other parts
(phrases, prefixes, fuzzy words, groups) are matched by Whoosh, clause by clause, per
segment, and combined the same way. The result is every matching document (deleted ones and
those a filter excludes left out) and its score.
"""

from __future__ import annotations

import zlib
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from itertools import accumulate
from typing import Any

from whoosh import query as wq

from .loading import restricted_loads
from .positions import decode_positions
from .scoring import length_bytes, lucene_idf, norms

Scores = dict[int, float]


def match(searcher: Any, q: wq.Query, *, weighting: Any, restrict: wq.Query | None = None) -> Scores:
    """Every document matching ``q`` (and ``restrict``, a filter that scores nothing), with its
    score under ``weighting`` (engine.BM25F)."""
    allowed = set(searcher.docs_for_query(restrict)) if restrict is not None else None
    if isinstance(q, wq.Every):  # filters alone: every article they let through, unscored
        docs: Iterable[int] = allowed if allowed is not None else _live_docs(searcher)
        return dict.fromkeys(sorted(docs), 0.0)
    scores = _clause(searcher, q, weighting)
    dead = deleted_docs(searcher)
    if dead or allowed is not None:
        scores = {d: s for d, s in scores.items() if d not in dead and (allowed is None or d in allowed)}
    return scores


def _clause(searcher: Any, q: wq.Query, weighting: Any) -> Scores:
    if isinstance(q, wq.And) and q.subqueries:
        positive = [c for c in q.subqueries if not isinstance(c, wq.Not)]
        if positive:
            scores = _intersection([_clause(searcher, c, weighting) for c in positive])
            excluded = [c.query for c in q.subqueries if isinstance(c, wq.Not)]
            for clause in excluded:
                for docnum in _clause(searcher, clause, weighting):
                    scores.pop(docnum, None)
            if excluded:  # Whoosh scores a document that a NOT lets through 1.0 for it
                scores = {docnum: score + len(excluded) for docnum, score in scores.items()}
            return scores
    if isinstance(q, wq.Or) and q.subqueries and not q.minmatch and not q.scale:
        return _union(_clause(searcher, c, weighting) for c in q.subqueries)
    if type(q) is wq.Term:
        return _term(searcher, q, weighting)
    return _whoosh(searcher, q, weighting)


def _union(parts: Iterable[Scores]) -> Scores:
    total: Scores = {}
    for part in parts:
        if not total:
            total = dict(part)
            continue
        get = total.get
        for docnum, score in part.items():
            total[docnum] = get(docnum, 0.0) + score
    return total


def _intersection(parts: list[Scores]) -> Scores:
    smallest: Scores = min(parts, key=len)
    common = set(smallest)
    for part in parts:
        common &= part.keys()
    return {docnum: sum(part[docnum] for part in parts) for docnum in sorted(common)}


def _term(searcher: Any, q: wq.Term, weighting: Any) -> Scores:
    """One term's postings in every segment, scored as Whoosh's BM25F scorer scores them."""
    field = searcher.schema[q.fieldname]
    if not field.scorable or not hasattr(weighting, "_field_B"):
        return _whoosh(searcher, q, weighting)
    try:
        btext = field.to_bytes(q.text)
    except ValueError:
        return {}
    leaves = [(sub, offset) for sub, offset in searcher.leaf_searchers() if (q.fieldname, btext) in sub.reader()]
    if not leaves:
        return {}
    idf = (lucene_idf(searcher, q.fieldname, q.text) if getattr(weighting, "lucene_idf", False)
           else searcher.idf(q.fieldname, q.text))
    table = norms(weighting._field_B.get(q.fieldname, weighting.B), weighting.K1,
                  searcher.avg_field_length(q.fieldname) or 1)
    k1_plus_1, boost, scores = weighting.K1 + 1, q.boost, {}
    for sub, offset in leaves:
        reader = sub.reader()
        lengths = length_bytes(reader, q.fieldname)
        if lengths is None:
            scores.update(_whoosh(sub, q, weighting, offset))
            continue
        for ids, weights in _blocks(reader, q.fieldname, btext, field.format):
            for docnum, tf in zip(ids, weights):
                score = idf * ((tf * k1_plus_1) / (tf + table[lengths[docnum]]))
                scores[docnum + offset] = score * boost if boost != 1.0 else score
    return scores


def _blocks(reader: Any, fieldname: str, btext: bytes, fmt: Any) -> Iterator[tuple[Iterable[int], Iterable[float]]]:
    """(document numbers, weights) of each posting block of a term in one segment."""
    m = reader._terms.matcher(fieldname, btext, fmt)
    while m.is_active():
        if m._data is None:
            datalen = m._nextoffset - m._dataoffset
            raw = m._postfile.get(m._dataoffset, datalen)
            m._data = restricted_loads(zlib.decompress(raw) if m._compression else raw)
        deltas, weights = m._data[0], m._data[1]
        ids = accumulate(deltas)
        if weights is None or isinstance(weights, float):
            yield ids, [1.0 if weights is None else weights] * m._blocklength
        else:
            yield ids, weights
        m._next_block()


def _whoosh(searcher: Any, q: wq.Query, weighting: Any, offset: int = 0) -> Scores:
    """Whoosh's own matching of ``q``, segment by segment (``offset``: of ``searcher``'s
    first document when it is already one segment of a larger index)."""
    scores: Scores = {}
    context = searcher.context(weighting=weighting)
    leaves = [(searcher, offset)] if offset else searcher.leaf_searchers()
    for sub, start in leaves:
        m = q.matcher(sub, context)
        while m.is_active():
            scores[start + m.id()] = m.score()
            m.next()
    return scores


def deleted_docs(searcher: Any) -> set[int]:
    """The deleted documents of every segment (top-level numbers)."""
    dead: set[int] = set()
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        if reader.has_deletions():
            dead.update(offset + d for d in reader.deleted_docs_set)  # a cached property
    return dead


def _live_docs(searcher: Any) -> Iterator[int]:
    for sub, offset in searcher.leaf_searchers():
        yield from (offset + d for d in sub.reader().all_doc_ids())


def term_positions(searcher: Any, fieldname: str, terms: Iterable[str],
                   docnums: Iterable[int]) -> dict[int, list[tuple[int, str]]]:
    """(position, term) of each of ``terms`` in ``fieldname`` of each of ``docnums``, in
    position order, read from the postings: what analysing the stored text would find,
    without analysing it (the rerank of a headline read 50 articles' text per query). Only
    the posting blocks that hold a wanted document are read (by their last id)."""
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
            m = reader._terms.matcher(fieldname, btext, field.format)
            for docnum in local:
                while m.is_active() and m._maxid < docnum:
                    m._next_block()
                if not m.is_active():
                    break
                if m._ids is None:
                    m._read_ids()
                i = bisect_left(m._ids, docnum)
                if i < len(m._ids) and m._ids[i] == docnum:
                    if m._values is None:
                        m._read_values()
                    found[docnum + offset].extend((pos, term) for pos in decode_positions(m._values[i]))
    for positions in found.values():
        positions.sort()
    return found
