"""Term at a time, on arrays: every match of a query and its score, without Whoosh's matcher tree.

Whoosh scores a query document by document through a tree of matchers, several Python calls
per posting and per step of the tree (a 12-word headline on 9,000 articles: 76 ms to collect
its matches). Most queries are words side by side, each word a term or the same term in a
few fields; for those, each term's postings are decoded into numpy arrays, scored with BM25F
as Whoosh's scorer computes it (engine/scoring.py: the same idf, average length and length
normalisation, the same arithmetic in the same order), and summed, intersected and
filtered as arrays, as Whoosh's union and intersection sum their children's scores.
Phrases are checked only in the documents that hold their rarest word (and, among required
words, that the other words matched), the other words' postings read by block through a
block directory kept per term. Decoded postings of the terms used last are kept for the next
queries (DECODED_BYTES). Prefixes, fuzzy words and the rest are matched by Whoosh, clause by
clause, per segment, and combined the same way. The result is every matching document
(deleted ones and those a filter excludes left out) and its score.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

import numpy as np
from whoosh import query as wq

from .positions import decode_positions, position_keys
from .postings import Posting, arrays, length_array, positions_of, postings
from .queries import GappedPhrase
from .scoring import length_bytes, lucene_idf, norms

Scores = dict[int, float]


class Matches(NamedTuple):
    """Matching documents (top-level numbers, ascending, int64) and their scores (float64)."""

    docs: Any
    scores: Any

    def as_dict(self) -> Scores:
        return dict(zip(self.docs.tolist(), self.scores.tolist()))

    def __len__(self) -> int:
        return len(self.docs)


def _matches(scores: Scores) -> Matches:
    docs = np.fromiter(scores.keys(), np.int64, len(scores))
    values = np.fromiter(scores.values(), np.float64, len(scores))
    order = np.argsort(docs, kind="stable")
    return Matches(docs[order], values[order])


def _sorted_array(docnums: Iterable[int]) -> Any:
    return np.unique(np.fromiter(docnums, np.int64))


def match(searcher: Any, q: wq.Query, *, weighting: Any, restrict: wq.Query | None = None) -> Scores:
    """Every document matching ``q`` (and ``restrict``, a filter that scores nothing), with its
    score under ``weighting`` (engine.BM25F)."""
    return matches(searcher, q, weighting=weighting, restrict=restrict).as_dict()


def matches(searcher: Any, q: wq.Query, *, weighting: Any, restrict: wq.Query | None = None) -> Matches:
    """``match`` as arrays (documents ascending)."""
    allowed = _sorted_array(searcher.docs_for_query(restrict)) if restrict is not None else None
    if unscored(q):  # filters alone: every article they let through, unscored
        docs = allowed if allowed is not None else _sorted_array(_live_docs(searcher))
        for clause in q.subqueries[1:] if isinstance(q, wq.And) else ():  # but those with excluded words
            docs = docs[~np.isin(docs, _clause(searcher, clause.query, weighting).docs, assume_unique=True)]
        return Matches(docs, np.zeros(len(docs)))
    found = _clause(searcher, q, weighting)
    dead = deleted_docs(searcher)
    keep = None
    if dead:
        keep = ~np.isin(found.docs, _sorted_array(dead), assume_unique=True)
    if allowed is not None:
        inside = np.isin(found.docs, allowed, assume_unique=True)
        keep = inside if keep is None else keep & inside
    return found if keep is None else Matches(found.docs[keep], found.scores[keep])


def unscored(q: wq.Query) -> bool:
    """Whether ``q`` is ``Every()`` (filters alone) or ``And([Every(), Not(...), ...])`` (a
    query that only excludes words, under filters: queries.parse_query): no word scores it."""
    return isinstance(q, wq.Every) or isinstance(q, wq.And) and bool(q.subqueries) and \
        isinstance(q.subqueries[0], wq.Every) and all(isinstance(c, wq.Not) for c in q.subqueries[1:])


def _clause(searcher: Any, q: wq.Query, weighting: Any, within: Any = None) -> Matches:
    """The matches of ``q``; ``within`` (sorted documents, or None): only these are wanted
    (the others may be left out), for a phrase whose other words are required."""
    if isinstance(q, wq.And) and q.subqueries:
        positive = [c for c in q.subqueries if not isinstance(c, wq.Not)]
        if positive:  # phrases last, looked for only where the other clauses matched
            parts: dict[int, Matches] = {}
            for i in sorted(range(len(positive)), key=lambda i: _has_phrase(positive[i])):
                parts[i] = _clause(searcher, positive[i], weighting, within)
                within = parts[i].docs if within is None else np.intersect1d(within, parts[i].docs, assume_unique=True)
            found = _intersection([parts[i] for i in range(len(positive))], within)
            excluded = [c.query for c in q.subqueries if isinstance(c, wq.Not)]
            for clause in excluded:
                keep = ~np.isin(found.docs, _clause(searcher, clause, weighting).docs, assume_unique=True)
                found = Matches(found.docs[keep], found.scores[keep])
            if excluded:  # Whoosh scores a document that a NOT lets through 1.0 for it
                found = Matches(found.docs, found.scores + len(excluded))
            return found
    if type(q) is wq.AndMaybe:  # the required clause's matches, scored for the optional one too
        required = _clause(searcher, q.a, weighting, within)
        return _maybe(required, _clause(searcher, q.b, weighting, required.docs))
    if isinstance(q, wq.Or) and q.subqueries and not q.minmatch and not q.scale:
        return _union([_clause(searcher, c, weighting, within) for c in q.subqueries], searcher.doc_count_all())
    if type(q) is wq.Term:
        return _term(searcher, q, weighting)
    if type(q) in (wq.Phrase, GappedPhrase):
        return _matches(_phrase(searcher, q, weighting, within))
    return _matches(_whoosh(searcher, q, weighting))


def _maybe(required: Matches, optional: Matches) -> Matches:
    """``required`` with the scores of the documents ``optional`` also has added to theirs
    (Whoosh's AndMaybe: the first clause's score, plus the second's where it matches)."""
    if not len(optional) or not len(required):
        return required
    at = np.minimum(np.searchsorted(optional.docs, required.docs), len(optional) - 1)
    held = optional.docs[at] == required.docs
    return Matches(required.docs, np.where(held, required.scores + optional.scores[at], required.scores))


def _has_phrase(q: wq.Query) -> bool:
    return any(isinstance(leaf, wq.Phrase) for leaf in ([q] if q.is_leaf() else q.leaves()))


def _union(parts: list[Matches], size: int) -> Matches:
    """Every document of ``parts``, its scores summed in the parts' order (as Whoosh's union)."""
    parts = [part for part in parts if len(part)]
    if len(parts) <= 1:
        return parts[0] if parts else _EMPTY
    total = sum(len(part) for part in parts)
    if total * 8 < size:  # few: sort them
        docs, where = np.unique(np.concatenate([part.docs for part in parts]), return_inverse=True)
        return Matches(docs, np.bincount(where, np.concatenate([part.scores for part in parts]), len(docs)))
    scores, seen = np.zeros(size), np.zeros(size, bool)
    for part in parts:  # a part has each document once
        scores[part.docs] += part.scores
        seen[part.docs] = True
    docs = np.flatnonzero(seen)
    return Matches(docs, scores[docs])


def _intersection(parts: list[Matches], common: Any) -> Matches:
    """The documents of ``common`` (those of every part, already intersected), their scores
    summed in the parts' order."""
    total = np.zeros(len(common))
    for part in parts:
        total += part.scores[np.searchsorted(part.docs, common)]
    return Matches(common, total)


_EMPTY = Matches(np.empty(0, np.int64), np.empty(0))


class _Bm25(NamedTuple):
    """What scoring one term's postings in one field needs."""

    idf: float
    norms: list[float]  # by length byte
    k1_plus_1: float

    def score(self, tf: float, length: int) -> float:
        return self.idf * ((tf * self.k1_plus_1) / (tf + self.norms[length]))

    def scores(self, tf: Any, lengths: Any) -> Any:
        """``score`` on arrays: the same arithmetic, each ``tf`` with its length byte."""
        return self.idf * ((tf * self.k1_plus_1) / (tf + np.array(self.norms)[lengths]))


def _bm25(searcher: Any, fieldname: str, text: str, weighting: Any) -> _Bm25 | None:
    """The BM25F parameters of a term as Whoosh's scorer has them (None: not our weighting)."""
    if not searcher.schema[fieldname].scorable or not hasattr(weighting, "_field_B"):
        return None
    idf = (lucene_idf(searcher, fieldname, text) if getattr(weighting, "lucene_idf", False)
           else searcher.idf(fieldname, text))
    table = norms(weighting._field_B.get(fieldname, weighting.B), weighting.K1,
                  searcher.avg_field_length(fieldname) or 1)
    return _Bm25(idf, table, weighting.K1 + 1)


def _term(searcher: Any, q: wq.Term, weighting: Any) -> Matches:
    """One term's postings in every segment, scored as Whoosh's BM25F scorer scores them
    (the same arithmetic in the same order, on arrays)."""
    field = searcher.schema[q.fieldname]
    bm25 = _bm25(searcher, q.fieldname, q.text, weighting)
    if bm25 is None:
        return _matches(_whoosh(searcher, q, weighting))
    try:
        btext = field.to_bytes(q.text)
    except ValueError:
        return _EMPTY
    leaves = [(sub, offset) for sub, offset in searcher.leaf_searchers() if (q.fieldname, btext) in sub.reader()]
    if not leaves:
        return _EMPTY
    docs, scores = [], []
    for sub, offset in leaves:
        reader = sub.reader()
        lengths = length_array(reader, q.fieldname)
        if lengths is None:
            found = _matches(_whoosh(sub, q, weighting, offset))
            docs.append(found.docs)
            scores.append(found.scores)
            continue
        ids, tf = arrays(reader, q.fieldname, btext, field.format)
        score = bm25.scores(tf, lengths[ids])
        docs.append(ids + offset)
        scores.append(score * q.boost if q.boost != 1.0 else score)
    return Matches(np.concatenate(docs), np.concatenate(scores)) if len(docs) > 1 else Matches(docs[0], scores[0])


def _phrase(searcher: Any, q: wq.Phrase, weighting: Any, within: Any = None) -> Scores:
    """A phrase as Whoosh's span matchers match and score it (each document holding its
    words in order, at the distances asked; scored the sum of its words' BM25F), but only
    the documents holding its rarest word are looked at, in the other words' postings by
    block: a quotation pasted with its stop words read every posting of ``le`` with Whoosh."""
    words, field = list(q.words), searcher.schema[q.fieldname]
    gaps = q._gaps() if isinstance(q, GappedPhrase) and q.slop == 1 else []
    exact = bool(gaps) and any(g != 1 for g in gaps)  # Whoosh's chain of SpanNear: no boost
    found = {w: _bm25(searcher, q.fieldname, w, weighting) for w in set(words)}
    scorers = {w: s for w, s in found.items() if s is not None}
    if not words or len(scorers) < len(found):
        return _whoosh(searcher, q, weighting)
    try:
        btexts = {w: field.to_bytes(w) for w in scorers}
    except ValueError:
        return {}
    distances = [range(g, g + 1) for g in gaps] if exact else [range(1, max(q.slop, 1) + 1)] * (len(words) - 1)
    boost = 1.0 if exact else q.boost
    scores: Scores = {}
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        lengths = length_bytes(reader, q.fieldname)
        if any((q.fieldname, b) not in reader for b in btexts.values()):
            continue
        if lengths is None:
            scores.update(_whoosh(sub, q, weighting, offset))
            continue
        ordered = sorted(btexts, key=lambda w: reader.doc_frequency(q.fieldname, btexts[w]))
        rarest = ordered[0]
        candidates = arrays(reader, q.fieldname, btexts[rarest], field.format)[0]
        if within is not None:
            candidates = np.intersect1d(candidates, within[(within >= offset) & (within < offset + reader.doc_count_all())]
                                        - offset, assume_unique=True)
        if len(candidates) >= _MANY:
            together = _phrase_arrays(reader, q.fieldname, btexts, ordered, field.format, candidates, words, distances)
            if together is not None:
                matched, weights = together
                of_matched = length_array(reader, q.fieldname)[matched]
                total = np.zeros(len(matched))
                for w in words:  # summed in the words' order, as sum() does below
                    total += scorers[w].scores(weights[w], of_matched)
                scores.update(zip((matched + offset).tolist(), (total * boost if boost != 1.0 else total).tolist()))
                continue
        candidates = candidates.tolist()
        held: dict[str, dict[int, Posting]] = {}
        for word in ordered:
            held[word] = postings(reader, q.fieldname, btexts[word], field.format, candidates)
            candidates = [d for d in candidates if d in held[word]]
            if not candidates:
                break
        matched = _sequences(held, words, candidates, distances) if len(candidates) >= _MANY else None
        for docnum in candidates if matched is None else matched:
            if matched is None:
                at = {w: decode_positions(held[w][docnum][1]) for w in scorers}
                if not _in_sequence([at[w] for w in words], distances):
                    continue
            score = sum(scorers[w].score(held[w][docnum][0], lengths[docnum]) for w in words)
            scores[docnum + offset] = score * boost if boost != 1.0 else score
    return scores


_MANY = 256  # candidates of a phrase checked together (_phrase_arrays) rather than one by one


def _phrase_arrays(reader: Any, fieldname: str, btexts: dict[str, bytes], ordered: list[str], fmt: Any,
                   candidates: Any, words: list[str], distances: list[range]) -> tuple[Any, dict[str, Any]] | None:
    """The documents among ``candidates`` (an ascending array, of one segment) holding the
    phrase ``words`` at ``distances`` (as ``_in_sequence`` says), and the weight of each
    word in each (arrays): the postings read and checked as arrays (``positions_of``),
    rarest word first. None when some block has a layout ``positions_of`` leaves to
    ``postings``."""
    found = {}
    for word in ordered:
        read = positions_of(reader, fieldname, btexts[word], fmt, candidates)
        if read is None:
            return None
        found[word], candidates = read, read.ids
        if not len(candidates):
            return candidates, {w: np.zeros(0) for w in words}
    ends = _follow({w: found[w].keys for w in found}, words, distances)
    matched = np.unique(ends >> 32)
    return matched, {w: found[w].weights[np.searchsorted(found[w].ids, matched)] for w in found}


def _follow(keys: dict[str, Any], words: list[str], distances: list[range]) -> Any:
    """The keys (``docnum << 32 | position``) of the last word of each sequence of ``words``
    in which each word follows the one before at one of ``distances[i]``."""
    ends = keys[words[0]]
    for allowed, word in zip(distances, words[1:]):
        following, reached = keys[word], np.zeros(len(keys[word]), bool)
        for distance in allowed:
            if len(ends):
                wanted = following - distance
                at = np.minimum(np.searchsorted(ends, wanted), len(ends) - 1)
                reached |= ends[at] == wanted
        ends = following[reached]
    return ends


def _sequences(held: dict[str, dict[int, Posting]], words: list[str], docnums: list[int],
               distances: list[range]) -> list[int] | None:
    """Those of ``docnums`` (ascending) whose positions of ``words`` (in ``held``) come in
    sequence as ``_in_sequence`` says, all checked together on arrays of (document,
    position) keys: a phrase of stop words ("La Une") has tens of thousands of candidates at
    100,000 articles, and decoding and checking them one by one took it a second. None when
    some posting has a layout that ``position_keys`` leaves to ``decode_positions``."""
    keys = {}
    for word in set(words):
        keys[word] = position_keys([held[word][d][1] for d in docnums], docnums)
        if keys[word] is None:
            return None
    found: list[int] = np.unique(_follow(keys, words, distances) >> 32).tolist()
    return found


def _in_sequence(positions: list[list[int]], distances: list[range]) -> bool:
    """Whether some position of each list follows one of the previous list's at one of
    ``distances[i]`` after the ``i``-th word."""
    ends = set(positions[0])
    for allowed, following in zip(distances, positions[1:]):
        ends = {p for p in following if any(p - d in ends for d in allowed)}
        if not ends:
            return False
    return True


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
