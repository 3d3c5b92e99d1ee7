"""Second-stage ranking of any-word (OR) searches: passage coordination, proximity, pairs.

BM25 alone lets an article that repeats one rare word of a long question outrank the
one that contains most of the question. Among the best candidates, each score is
multiplied by the share of query words the article holds within its best passage of 50
words (coordination: over a whole news article it rewarded length), and raised when those
words occur close together and in the query's order. Positions come from the index's
postings (engine.term_positions), so they are exactly the indexed terms'. For a query of
``pasted_words`` words or more, the words of a link to another article ("Lire aussi : <its
headline>") are not the article's own, and pasted text found in an article's lead (its first
words) counts more. In an index with article vectors (semantic.py), the query's meaning is
then blended in.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections import deque
from collections.abc import Iterable
from typing import Any

from . import engine
from .analysis import exact_form
from .config import SNIPPET_SCAN_CHARS, Ranking
from .queries import ParsedQuery
from .schema import BODY, TITLE, VECTOR
from .semantic import cosines, question_vector


def closeness(found: list[tuple[int, str]], window: int) -> int:
    """The largest number of distinct terms found within ``window`` consecutive positions."""
    best = 0
    inside: deque[tuple[int, str]] = deque()
    for pos, term in found:
        inside.append((pos, term))
        while inside[0][0] <= pos - window:
            inside.popleft()
        best = max(best, len({t for _, t in inside}))
    return best


def pair_share(found: list[tuple[int, str]], ordered: tuple[str, ...], gap: int = 3) -> float:
    """The share of the query's consecutive word pairs that occur in the same order within
    ``gap`` positions (stop words keep their positions), as in a sequential-dependence model.
    ``found``: (position, term) in position order; for each place of a pair's first word,
    the next place of its second is looked up (comparing every two places of a frequent
    pair was a fiftieth of a headline's time)."""
    pairs = {(a, b) for a, b in zip(ordered, ordered[1:]) if a != b}
    if not pairs:
        return 0.0
    at: dict[str, list[int]] = {}
    for pos, term in found:
        at.setdefault(term, []).append(pos)
    hits = 0
    for a, b in pairs:
        firsts, seconds = at.get(a), at.get(b)
        if firsts and seconds:
            nexts = (bisect_right(seconds, pa) for pa in firsts)
            hits += any(i < len(seconds) and seconds[i] - pa <= gap for i, pa in zip(nexts, firsts))
    return hits / len(pairs)


def rerank(searcher: Any, candidates: Iterable[tuple[int, float]], parsed: ParsedQuery,
           ranking: Ranking, question: str = "", shown: int | None = None) -> list[tuple[int, float]]:
    """Rescore ``candidates`` (docnum, score), best first; only the first ``ranking.rerank``
    are rescored, the rest keep their order after them. ``question``: the query as typed,
    whose vector is compared with the articles' where the index has them. ``shown``: how
    many of the first will be shown (None: all); the order after them may be approximate
    (the link rule, _rescore)."""
    terms = parsed.terms
    candidates = list(candidates)
    head, tail = candidates[: ranking.rerank], candidates[ranking.rerank:]
    if not head:  # nothing found, or reranking off (rerank=0)
        return candidates
    # An index has vectors for all its articles or for none: the first one tells.
    meaning = bool(ranking.semantic and question and searcher.stored_fields(head[0][0]).get(VECTOR))
    if len(terms) < 2:  # nothing to coordinate; the meaning may still count
        if not meaning:
            return candidates
        rescored, vectors = head, [searcher.stored_fields(d).get(VECTOR) for d, _ in head]
    else:
        words = len(question.split())
        pasted = not parsed.question and words >= ranking.pasted_words
        rescored, vectors = _rescore(searcher, head, parsed, ranking, pasted, words, meaning, shown)
    if ranking.semantic and question and any(vectors):
        rescored, tail = blend(rescored, cosines(question_vector(question), vectors), ranking.semantic, tail)
    rescored.sort(key=lambda d: -d[1])
    floor = rescored[-1][1] if rescored else 0.0
    return rescored + [(d, min(s, floor)) for d, s in tail]


LINK_MARKERS = ("lire aussi", "lire également", "voir aussi", "voir également", "regarder aussi", "écouter aussi")


def link_starts(found: list[tuple[int, str]], markers: set[tuple[str, str]]) -> list[int]:
    """The positions right after each link marker (a pair of terms such as those of "Lire
    aussi") in ``found``, the (position, term) of the markers' terms in an article."""
    at = set(found)
    return [pos + 2 for pos, term in found for first, second in markers if term == first and (pos + 1, second) in at]


def outside_links(found: list[tuple[int, str]], starts: list[int], span: int) -> list[tuple[int, str]]:
    """``found`` without the positions within ``span`` words after a link's start."""
    if not starts:
        return found
    return [(pos, term) for pos, term in found if not any(0 <= pos - start < span for start in starts)]


def best_passage(found: list[tuple[int, str]], weights: dict[str, float], width: int) -> float:
    """The largest weight of distinct terms found within ``width`` consecutive positions."""
    best = current = 0.0
    counts: dict[str, int] = {}
    inside: deque[tuple[int, str]] = deque()
    for pos, term in found:
        inside.append((pos, term))
        counts[term] = counts.get(term, 0) + 1
        if counts[term] == 1:
            current += weights[term]
        while inside[0][0] <= pos - width:
            _, gone = inside.popleft()
            counts[gone] -= 1
            if not counts[gone]:
                current -= weights[gone]
        best = max(best, current)
    return best


def _rescore(searcher: Any, head: list[tuple[int, float]], parsed: ParsedQuery, ranking: Ranking,
             pasted: bool, words: int, meaning: bool,
             shown: int | None = None) -> tuple[list[tuple[int, float]], list[bytes | None]]:
    """Coordination, proximity, pairs and exact forms for each (docnum, score) of ``head``,
    with each article's stored vector where ``meaning`` asks for them (None otherwise).
    Positions come from the postings; the stored fields are read only for the words as
    written (``exact``) or the vector: unpickling 50 articles was a tenth of a headline's time.

    The link rule only lowers scores, so it is applied to the articles that can be among
    the first ``shown`` (None: all), best first, until none of those is left unchecked:
    those come out as if every article had been checked, and the others keep a score that
    is at most too high, behind them. The markers' frequent words were a seventh of a
    headline's time when read in all 50 articles."""
    terms, ordered = parsed.terms, parsed.ordered
    exact_weight = ranking.pasted_exact if pasted else ranking.exact
    coordination = ranking.pasted_coordination if pasted else ranking.coordination
    exact = parsed.exact if exact_weight else frozenset()
    analyzer = searcher.schema[BODY].analyzer
    weights = {t: searcher.idf(BODY, t) if ranking.idf_coordination else 1.0 for t in terms}
    total = sum(weights.values()) or 1.0
    docnums = [d for d, _ in head]
    body_at = engine.term_positions(searcher, BODY, terms, docnums)
    title_at = engine.term_positions(searcher, TITLE, terms, docnums)
    stored = {d: searcher.stored_fields(d) if exact or meaning else {} for d in docnums}

    def rescore(docnum: int, score: float, body: list[tuple[int, str]]) -> float:
        title = title_at[docnum]
        in_title = {t for _, t in title}
        if ranking.passage:  # a long article covers many words anywhere: count one passage's
            got = best_passage([(p, t) for p, t in body if t not in in_title], weights, ranking.passage)
            share = (got + sum(weights[t] for t in in_title)) / total
        else:
            share = sum(weights[t] for t in {t for _, t in body} | in_title) / total
        near = (max(closeness(body, ranking.window), closeness(title, ranking.window)) - 1) / (len(terms) - 1)
        score *= share ** coordination * (1 + ranking.proximity * max(near, 0))
        if ranking.pairs and ordered:
            score *= 1 + ranking.pairs * max(pair_share(body, ordered), pair_share(title, ordered))
        if pasted and ranking.lead:  # a headline sums up its article's lead
            lead = {t for p, t in body if p < ranking.lead_words} | in_title
            score *= 1 + ranking.lead * sum(weights[t] for t in lead) / total
        if exact:
            fields = stored[docnum]
            written = {exact_form(word) for word in (analyzer.written(fields.get(BODY, "")[:SNIPPET_SCAN_CHARS], terms)
                                                     | analyzer.written(fields.get(TITLE, ""), terms))}
            score *= 1 + exact_weight * len(exact & written) / len(exact)
        return score

    scores = {d: rescore(d, s, body_at[d]) for d, s in head}
    if ranking.links and words >= ranking.pasted_words:  # a headline quoted as a link is another article's
        first = dict(head)
        span = words + 2
        checked: set[int] = set()
        want = len(scores) if shown is None or meaning else max(shown, 1)  # the blend mixes in unchecked scores
        while True:
            bar = round(scores[heapq.nlargest(want, scores, key=scores.__getitem__)[-1]], 6)
            todo = sorted(d for d, s in scores.items() if d not in checked and round(s, 6) >= bar)
            if not todo:
                break
            checked.update(todo)
            for docnum, starts in _links(searcher, analyzer, todo).items():
                if starts:
                    scores[docnum] = rescore(docnum, first[docnum], outside_links(body_at[docnum], starts, span))
    return [(d, scores[d]) for d in docnums], [stored[d].get(VECTOR) for d in docnums]


def _links(searcher: Any, analyzer: Any, docnums: list[int]) -> dict[int, list[int]]:
    """The positions where a link starts (link_starts) in the body of each of ``docnums``."""
    markers = {(pair[0], pair[1]) for pair in (analyzer.terms(m) for m in LINK_MARKERS) if len(pair) == 2}
    marked = engine.term_positions(searcher, BODY, {first for first, _ in markers}, docnums)
    linking = [d for d in docnums if marked[d]]  # the second words ("aussi") only where a first one is
    if linking:
        seconds = engine.term_positions(searcher, BODY, {second for _, second in markers}, linking)
        marked.update({d: sorted(marked[d] + seconds[d]) for d in linking})
    return {d: link_starts(found, markers) for d, found in marked.items()}


def blend(scored: list[tuple[int, float]], similarities: list[float], weight: float,
          tail: list[tuple[int, float]]) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
    """``(1 - weight) * score / best score + weight * cosine`` for each scored candidate; the
    candidates beyond the reranked ones are scaled alike, without a cosine."""
    best = max((s for _, s in scored), default=0.0) or 1.0
    return ([(d, (1 - weight) * s / best + weight * c) for (d, s), c in zip(scored, similarities)],
            [(d, (1 - weight) * s / best) for d, s in tail])
