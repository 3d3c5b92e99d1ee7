"""Did you mean: a query's unknown or rare words replaced by close words the index knows
better (``Leopord`` -> ``Leopard``, ``Sarkosy`` -> ``Sarkozy``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rapidfuzz.distance import OSA
from whoosh import query as wq

from .engine import close_terms
from .schema import BODY, TITLE

Analyse = Callable[[str], list[str]]
RARE = 1_000  # a word in at most one article in RARE (and at least one) is rare...
MORE_FREQUENT = 20  # ...and is corrected to a close word in this many times more articles
_PUNCTUATION = ".,;:!?«»\"()[]'’"


def suggestion(searcher: Any, text: str, analyse: Analyse) -> str | None:
    """``text`` with each word the index does not know, or knows in few articles, replaced by
    the closest word it knows (in MORE_FREQUENT times as many articles for a rare word; at
    most 1 edit away, 2 for words of 6+ letters), shown as written in the articles; None when
    no word is replaced."""
    reader = searcher.reader()
    rare = max(1, reader.doc_count() // RARE)
    changed = False
    words = []
    for word in text.split():
        core = word.strip(_PUNCTUATION)
        terms = analyse(core) if core.isalpha() else []
        known = _frequency(reader, terms[0]) if len(terms) == 1 else rare + 1
        # an unknown word is compared with every word of its first letter; a known one (a
        # rare word: a name, often) only with those of its first two, which costs less
        close = _closest(reader, terms[0], 2 if len(core) >= 6 else 1, max(1, MORE_FREQUENT * known),
                         prefix=2 if known else 1) if known <= rare else None
        surface = _surface(searcher, close, analyse) if close else None
        words.append(word.replace(core, surface) if surface else word)
        changed = changed or surface is not None
    return " ".join(words) if changed else None


def _frequency(reader: Any, term: str) -> int:
    return int(reader.doc_frequency(BODY, term) + reader.doc_frequency(TITLE, term))


def _closest(reader: Any, term: str, distance: int, at_least: int, prefix: int) -> str | None:
    """The known term nearest to ``term`` in at least ``at_least`` articles, the most frequent
    among equals, among those sharing its first ``prefix`` letters."""
    found = {t for f in (BODY, TITLE) for t in close_terms(reader, f, term, distance, prefix)} - {term}
    ranked = sorted((edit_distance(term, t), -_frequency(reader, t), t) for t in found)
    return next((t for _, minus_df, t in ranked if -minus_df >= at_least), None)


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and swaps of
    two adjacent letters each cost one (the usual typos)."""
    return int(OSA.distance(a, b))


def _surface(searcher: Any, term: str, analyse: Analyse) -> str | None:
    """The word as written in the first article that contains ``term``."""
    for fieldname in (TITLE, BODY):
        docs = list(searcher.docs_for_query(wq.Term(fieldname, term)))[:1]
        for docnum in docs:
            text = searcher.stored_fields(docnum).get(fieldname, "")
            for word in text.split():
                stripped = word.strip(_PUNCTUATION)
                if analyse(stripped) == [term]:
                    return str(stripped)
    return None
