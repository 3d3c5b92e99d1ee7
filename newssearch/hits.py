"""Hits: an article as a search shows it, with its matched words, best passages and versions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from whoosh import query as wq

from .schema import BODY, GROUP, PUBLISHED, SOURCE, article_key, stored_article, utc
from .snippets import Snippet, Span, TermMatcher, best_snippets


@dataclass(frozen=True)
class Hit:
    """One search result. Dates are timezone-aware UTC; ``snippets`` come best first.
    ``versions`` counts the articles of its wire story (this one included; 1 when it stands
    alone) and ``first_version`` gives the source and date of the earliest of them."""

    id: str
    rank: int
    score: float
    title: str
    path: str
    published: datetime | None = None
    modified: datetime | None = None
    source: str | None = None
    url: str | None = None
    title_spans: tuple[Span, ...] = ()
    snippets: tuple[Snippet, ...] = ()
    versions: int = 1
    first_version: tuple[str | None, datetime | None] | None = None

    @property
    def key(self) -> str:
        """A short form of the id that show/similar (NewsIndex.article/similar) accept too."""
        return article_key(self.id)

    @property
    def snippet(self) -> Snippet:
        """The first snippet (an empty one when the article has no body)."""
        return self.snippets[0] if self.snippets else Snippet("")


def term_matcher(schema: Any, terms: Iterable[str], prefixes: Iterable[str] = (),
                 weights: Mapping[str, float] | None = None,
                 phrases: tuple[tuple[tuple[int, str], ...], ...] = ()) -> TermMatcher:
    """A matcher of the query's terms and prefixes in text analysed like the body; with
    ``phrases`` (ParsedQuery.stop_phrases), their stop words too where the phrase is."""
    analyzer = schema[BODY].analyzer
    terms, prefixes = frozenset(terms), tuple(prefixes)
    if hasattr(analyzer, "spans_of"):  # the French chain: only the query's words are located
        stop = analyzer.is_stop_term

        def spans(text: str) -> Iterable[tuple[str, int, int]]:
            found: list[tuple[str, int, int]] = analyzer.spans_of(text, terms, prefixes)
            present = {term for term, _, _ in found}  # a phrase whose indexed words are not all here is not here
            held = [phrase for phrase in phrases if all(term in present for _, term in phrase if not stop(term))]
            if held:
                seen = {(start, end) for _, start, end in found}
                found += [span for span in analyzer.phrase_spans(text, held) if span[1:] not in seen]
                found.sort(key=lambda span: span[1])
            return found
    else:  # another analyzer: through its Token objects
        def spans(text: str) -> Iterable[tuple[str, int, int]]:
            return ((t.text, t.startchar, t.endchar) for t in analyzer(text, chars=True))
    return TermMatcher(spans, terms | {term for phrase in phrases for _, term in phrase}, prefixes, weights)


def build_hit(searcher: Any, matcher: TermMatcher, rank: int, docnum: int, score: float, fragments: int) -> Hit:
    """The hit of document ``docnum``, its snippets and title spans found by ``matcher``."""
    stored = searcher.stored_fields(docnum)
    article = stored_article(stored)
    versions, first = versions_of(searcher, stored.get(GROUP))
    return Hit(id=article.id, rank=rank, score=float(score), title=article.title, path=article.path,
               published=article.published, modified=article.modified, source=article.source, url=article.url,
               title_spans=matcher.spans(article.title),
               snippets=tuple(best_snippets(article.body, matcher, fragments=fragments)),
               versions=versions, first_version=first)


def versions_of(searcher: Any, group: str | None) -> tuple[int, tuple[str | None, datetime | None] | None]:
    """How many articles share ``group``, and the source and date of the earliest."""
    if group is None or searcher.doc_frequency(GROUP, group) < 2:  # most stories stand alone
        return 1, None
    docs = list(searcher.docs_for_query(wq.Term(GROUP, group)))
    if len(docs) < 2:
        return 1, None
    dated = [(stored.get(PUBLISHED) or datetime.max, stored.get(SOURCE)) for stored in map(searcher.stored_fields, docs)]
    when, source = min(dated, key=lambda d: d[0])
    return len(docs), (source, utc(when) if when != datetime.max else None)
