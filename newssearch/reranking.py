"""Second-stage ranking of any-word (OR) searches: coordination and proximity.

BM25 alone lets an article that repeats one rare word of a long question outrank the
one that contains most of the question. Among the best candidates, each score is
multiplied by the share of query words the article contains (coordination) and raised
when those words occur close together (proximity). Both read the stored text through
the same French chain, so they see exactly the indexed terms.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

from .config import Ranking
from .schema import BODY, TITLE


def matched_positions(analyzer: Any, text: str, terms: frozenset[str]) -> list[tuple[int, str]]:
    """(position, term) of every query term in ``text``."""
    return [(t.pos, t.text) for t in analyzer(text, positions=True) if t.text in terms]


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


def rerank(searcher: Any, candidates: Iterable[tuple[int, float]], terms: frozenset[str],
           ranking: Ranking) -> list[tuple[int, float]]:
    """Rescore ``candidates`` (docnum, score), best first; only the first ``ranking.rerank``
    are rescored, the rest keep their order after them."""
    candidates = list(candidates)
    if len(terms) < 2 or not candidates:
        return candidates
    head, tail = candidates[: ranking.rerank], candidates[ranking.rerank:]
    analyzer = searcher.schema[BODY].analyzer
    rescored = []
    for docnum, score in head:
        stored = searcher.stored_fields(docnum)
        body = matched_positions(analyzer, stored.get(BODY, ""), terms)
        title = matched_positions(analyzer, stored.get(TITLE, ""), terms)
        share = len({t for _, t in body} | {t for _, t in title}) / len(terms)
        near = (max(closeness(body, ranking.window), closeness(title, ranking.window)) - 1) / (len(terms) - 1)
        rescored.append((docnum, score * share ** ranking.coordination * (1 + ranking.proximity * max(near, 0))))
    rescored.sort(key=lambda d: -d[1])
    floor = rescored[-1][1] if rescored else 0.0
    return rescored + [(d, min(s, floor)) for d, s in tail]
