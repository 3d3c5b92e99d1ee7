"""Reading around a search: one article in full, articles like it, facet counts, index
statistics and "did you mean" suggestions."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from whoosh import query as wq
from whoosh import sorting

from .errors import QueryError
from .schema import BODY, ID_FIELD, MONTH, PUBLISHED, SOURCE, SOURCE_KEY, TITLE


@dataclass(frozen=True)
class Facets:
    """Hit counts of one query by source and by month ("2023-01"), over all its hits."""

    total: int
    sources: list[tuple[str, int]] = field(default_factory=list)
    months: list[tuple[str, int]] = field(default_factory=list)

    @property
    def years(self) -> list[tuple[str, int]]:
        counts: Counter[str] = Counter()
        for month, n in self.months:
            counts[month[:4]] += n
        return sorted(counts.items())


@dataclass(frozen=True)
class IndexStats:
    """What an index holds."""

    articles: int
    sources: int
    first: datetime | None
    last: datetime | None
    size_bytes: int
    updated: str | None
    segments: int
    semantic: bool = False  # articles have sentence vectors (index --semantic)


def docnum_of(searcher: Any, article_id: str) -> int:
    """The document number of ``article_id``; QueryError when the index has no such article."""
    docnum = searcher.document_number(**{ID_FIELD: article_id})
    if docnum is None:
        raise QueryError(f"No article with id {article_id!r} in the index.")
    return int(docnum)


def facets(searcher: Any, q: wq.Query, flt: wq.Query | None) -> Facets:
    """Counts by source (display names as stored) and by month, over every hit of ``q``."""
    results = searcher.search(q, filter=flt, limit=1, optimize=False,  # counted in one pass (searching._run)
                              groupedby={"source": sorting.FieldFacet(SOURCE_KEY),
                                         "month": sorting.FieldFacet(MONTH, maptype=sorting.Count)})
    by_source = results.groups("source")
    sources = [(searcher.stored_fields(docs[0]).get(SOURCE) or key, len(docs))
               for key, docs in by_source.items() if key is not None]
    months = [(str(m), int(n)) for m, n in results.groups("month").items() if m is not None]
    return Facets(total=len(results), sources=sorted(sources, key=lambda s: (-s[1], s[0])),
                  months=sorted(months))


def stats(searcher: Any, *, size_bytes: int, updated: str | None, segments: int,
          semantic: bool = False) -> IndexStats:
    reader = searcher.reader()
    first = last = None
    if reader.has_column(PUBLISHED):
        column = reader.column_reader(PUBLISHED)
        found = [when for when in (_date_of(column, d) for d in reader.all_doc_ids()) if when]
        if found:
            first, last = min(found), max(found)
    return IndexStats(articles=reader.doc_count(), sources=len(list(reader.lexicon(SOURCE_KEY))),
                      first=first, last=last, size_bytes=size_bytes, updated=updated,
                      segments=segments, semantic=semantic)


def _date_of(column: Any, docnum: int) -> datetime | None:
    try:
        value = column[docnum]
    except (OverflowError, ValueError):
        return None
    # An article without a date holds the column's default, which is no real date.
    return value.replace(tzinfo=timezone.utc) if isinstance(value, datetime) and value.year > 1 else None


def similar_query(searcher: Any, docnum: int, *, terms: int = 20) -> wq.Query:
    """The most characteristic words of an article, as a weighted any-word query."""
    keywords = searcher.key_terms([docnum], BODY, numterms=terms)
    keywords += searcher.key_terms([docnum], TITLE, numterms=5)
    if not keywords:
        raise QueryError("This article has no words to compare with.")
    parts = [wq.Term(fieldname, word, boost=weight)
             for (word, weight), fieldname in zip(keywords, [BODY] * terms + [TITLE] * 5)]
    return wq.And([wq.Or(parts), wq.Not(wq.Term(ID_FIELD, searcher.stored_fields(docnum)[ID_FIELD]))])


def suggestion(searcher: Any, text: str, analyse: Any) -> str | None:
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


def _surface(searcher: Any, term: str, analyse: Any) -> str | None:
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
