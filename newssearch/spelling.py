"""Did you mean: a query's unknown words replaced by the closest words the index knows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from whoosh import query as wq

from .schema import BODY, TITLE

Analyse = Callable[[str], list[str]]


def suggestion(searcher: Any, text: str, analyse: Analyse) -> str | None:
    """``text`` with each word that the index does not know replaced by the closest known
    word (edit distance 1, or 2 for words of 6+ letters), shown as it appears in articles;
    None when every word is known or nothing close exists."""
    reader = searcher.reader()
    changed = False
    words = []
    for word in text.split():
        terms = analyse(word)
        if len(terms) != 1 or any((f, terms[0]) in reader for f in (BODY, TITLE)) or not word.isalpha():
            words.append(word)
            continue
        close = _closest(reader, terms[0], 2 if len(word) >= 6 else 1)
        surface = _surface(searcher, close, analyse) if close else None
        words.append(surface or word)
        changed = changed or surface is not None
    return " ".join(words) if changed else None


def _closest(reader: Any, term: str, distance: int) -> str | None:
    """The known term nearest to ``term`` (a swap of two letters counts as one edit), the
    most frequent among equals."""
    found = {t for f in (BODY, TITLE) for t in reader.terms_within(f, term, distance, prefix=1)}
    if not found:
        return None
    return str(min(sorted(found), key=lambda t: (edit_distance(term, t),
                                                 -reader.doc_frequency(BODY, t) - reader.doc_frequency(TITLE, t))))


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and swaps of
    two adjacent letters each cost one (the usual typos)."""
    rows = [list(range(len(b) + 1))] + [[i] + [0] * len(b) for i in range(1, len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[len(a)][len(b)]


def _surface(searcher: Any, term: str, analyse: Analyse) -> str | None:
    """The word as written in the first article that contains ``term``."""
    for fieldname in (TITLE, BODY):
        docs = list(searcher.docs_for_query(wq.Term(fieldname, term)))[:1]
        for docnum in docs:
            text = searcher.stored_fields(docnum).get(fieldname, "")
            for word in text.split():
                stripped = word.strip(".,;:!?«»\"()[]'’")
                if analyse(stripped) == [term]:
                    return str(stripped)
    return None
