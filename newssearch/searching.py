"""Searching: one request in, one page of hits (or every hit) out, parsed once, with no
Whoosh object in what is returned.

By default all query words are required (AND). When no article has them all, the search
falls back to any-word matching (OR) in which articles matching more of the words rank
higher, and says so (``Results.partial``). Questions and long queries let any word match
from the start, and their best candidates are reranked (reranking.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from whoosh import query as wq

from . import engine
from .analysis import analyse
from .config import DEFAULT_LIMIT, DEFAULT_RANKING, MAX_LIMIT, SNIPPET_FRAGMENTS, Ranking
from .errors import QueryError
from .facets import Facets, count_facets
from .filters import DateLike
from .hits import Hit, build_hit, term_matcher
from .queries import ParsedQuery, parse_query
from .reranking import rerank
from .schema import BODY, GROUP, PUBLISHED, TITLE
from .spelling import suggestion

Sort = Literal["relevance", "date"]
Order = Literal["relevance", "date", "index"]  # what Results are in: "index" when nothing orders them
Mode = Literal["auto", "all", "any"]


@dataclass(frozen=True)
class SearchRequest:
    """Everything a search is asked: the query text (Whoosh syntax, French analysis), one page
    of ``limit`` hits (None: every hit, for exports), filters, order, and what to compute.

    ``mode``: "auto" requires all words of a short keyword query (falling back to any word
    when no article has them all) and lets any word match in questions and long queries;
    "all" and "any" force either. Versions of one wire story show once (the best ranked)
    unless ``all_versions``. ``facets`` counts the hits by source and month in the same pass.
    """

    query: str
    limit: int | None = DEFAULT_LIMIT
    page: int = 1
    since: DateLike = None
    until: DateLike = None
    source: str | None = None
    sort: Sort = "relevance"
    mode: Mode = "auto"
    fragments: int = SNIPPET_FRAGMENTS
    ranking: Ranking = DEFAULT_RANKING
    all_versions: bool = False
    facets: bool = False

    def __post_init__(self) -> None:
        if self.limit is not None and not 1 <= self.limit <= MAX_LIMIT:
            raise QueryError(f"limit must be between 1 and {MAX_LIMIT:,}, not {self.limit}.", parameters=("limit",))
        if self.page < 1:
            raise QueryError(f"page must be 1 or more, not {self.page}.", parameters=("page",))
        if self.sort not in ("relevance", "date"):
            raise QueryError(f"Unknown sort {self.sort!r}: use relevance or date.")
        if self.mode not in ("auto", "all", "any"):
            raise QueryError(f"Unknown mode {self.mode!r}: use auto, all or any.")


@dataclass(frozen=True)
class Results:
    """A page of hits; ``total`` counts the matching stories (the versions of a wire story
    once); ``partial``: no article had every word, these have some; ``suggestion``: a "did
    you mean" for words the index does not know; ``facets`` when asked for. ``undated``: no
    article in the index has a date, said when the search sorts or filters by date (a date
    sort then gives the hits best first). ``sort`` is the order the hits are in: by
    relevance, newest first, or "index": the order they were indexed in, when no word
    scores them (filters, excluded words) and no article has a date."""

    hits: list[Hit]
    total: int
    partial: bool = False
    query: str = ""
    suggestion: str | None = None
    facets: Facets | None = None
    sort: Order = "relevance"
    undated: bool = False


@dataclass
class _Run:
    """What one pass over the matches found: the ranked documents and the collector."""

    parsed: ParsedQuery
    found: list[tuple[int, float]]
    stories: engine.Stories
    any_word: bool
    by_date: bool = False

    @property
    def total(self) -> int:
        return len(self.stories)


def search(searcher: Any, request: SearchRequest) -> Results:
    """Run ``request`` on an open Whoosh searcher and build the requested page of hits."""
    run, partial = _search(searcher, request)
    page = _page(searcher, run, request)
    hint = suggestion(searcher, request.query, analyse)
    facets = count_facets(searcher, run.stories.docs()) if request.facets else None
    filtered = request.since or request.until or run.parsed.filters.since or run.parsed.filters.until
    undated = (request.sort == "date" or bool(filtered)) and not run.by_date and not _dated(searcher)
    order: Order = "date" if run.by_date else "index" if run.parsed.unscored else "relevance"
    return Results(hits=page, total=run.total, partial=partial, query=request.query, suggestion=hint,
                   facets=facets, sort=order, undated=undated)


def iter_hits(searcher: Any, request: SearchRequest) -> Iterator[Hit]:
    """Every hit of ``request`` (its limit and page aside), best first, from one pass over
    the matches; snippets are built as the hits are taken."""
    run, _ = _search(searcher, dataclasses.replace(request, limit=None, page=1))
    matcher = _matcher(searcher, run.parsed)
    for rank, (docnum, score) in enumerate(run.found, start=1):
        yield build_hit(searcher, matcher, rank, docnum, score, request.fragments)


def search_query(searcher: Any, q: wq.Query, *, limit: int = DEFAULT_LIMIT,
                 ranking: Ranking = DEFAULT_RANKING) -> list[Hit]:
    """Hits of a query built by the library (more like this), ranked like an any-word search."""
    terms = frozenset(t.text for t in q.leaves() if t.fieldname in (BODY, TITLE) and hasattr(t, "text"))
    parsed = ParsedQuery(q, terms, (), len(terms))
    request = SearchRequest("", limit=limit, ranking=ranking, all_versions=True)
    return _page(searcher, _run(searcher, parsed, request, any_word=True), request)


def _search(searcher: Any, request: SearchRequest) -> tuple[_Run, bool]:
    parsed = parse_query(searcher.schema, request.query, ranking=request.ranking,
                         filtered=bool(request.source or request.since or request.until))
    ranking, mode = request.ranking, request.mode
    any_word = mode == "any" or (mode == "auto" and (parsed.words > ranking.long_query
                                                     or ranking.questions_any_word and parsed.question))
    run = _run(searcher, parsed, request, any_word)
    if mode == "auto" and not any_word and run.total == 0 and parsed.words > 1:
        run = _run(searcher, parsed, request, any_word=True)
        return run, run.total > 0
    return run, False


def _run(searcher: Any, parsed: ParsedQuery, request: SearchRequest, any_word: bool) -> _Run:
    """Every match, scored for this search only: every search reports its exact total (Whoosh's
    block skipping, and its collector's swap of the matcher once its top N is full, leave
    matches uncounted)."""
    ranking = request.ranking
    dates = engine.index_column(searcher, PUBLISHED, 0) if PUBLISHED in searcher.schema else None
    # newest first when asked, or when no word scores the articles; without any date, the
    # index's order: best first instead
    by_date = (request.sort == "date" or parsed.unscored) and _dated(searcher)
    stories = engine.collect(
        searcher, parsed.loose if any_word else parsed.query, weighting=weighting(ranking),
        restrict=parsed.filters.query(request.source, request.since, request.until),
        collapse=None if request.all_versions or GROUP not in searcher.schema else GROUP,
        final=(lambda docnum, score: _timestamp(dates, docnum)) if by_date else None)
    want = None if request.limit is None else request.page * request.limit
    if by_date:  # newest first; no relevance score to show
        return _Run(parsed, [(d, 0.0) for d, _ in stories.ranked(want)], stories, any_word, by_date=True)
    # A little more than needed, so that equal scores can be ordered newest first, and the
    # rerank's depth for any-word searches.
    extra = None if want is None else max(want + 10, ranking.rerank if any_word else 0)
    found = stories.ranked(extra)
    if any_word:
        found = rerank(searcher, found, parsed, ranking, request.query, shown=want)
    ranked = sorted(found, key=lambda d: (-round(d[1], 6), -_timestamp(dates, d[0])))
    return _Run(parsed, ranked if want is None else ranked[:want], stories, any_word)


def weighting(ranking: Ranking = DEFAULT_RANKING) -> engine.BM25F:
    return engine.BM25F(B=ranking.b, K1=ranking.k1, lucene_idf=ranking.lucene_idf, **{f"{TITLE}_B": ranking.title_b})


def _page(searcher: Any, run: _Run, request: SearchRequest) -> list[Hit]:
    limit = request.limit or len(run.found)
    start = (request.page - 1) * limit
    shown = run.found[start:start + limit]
    if not shown:  # nothing to show (and an empty index has no IDF)
        return []
    matcher = _matcher(searcher, run.parsed)
    return [build_hit(searcher, matcher, rank, docnum, score, request.fragments)
            for rank, (docnum, score) in enumerate(shown, start=start + 1)]


def _matcher(searcher: Any, parsed: ParsedQuery) -> Any:
    """The query's terms for snippets, weighted by IDF so that the passages with a query's
    rare words come first (a prefix weighs like its rarest term). PIAF answer-in-snippet@1
    0.523 -> 0.526, with --semantic 0.529 -> 0.533 (benchmarks/relevance.py --peers none)."""
    reader = searcher.reader()
    terms = parsed.terms | {t for text, edits, prefix in parsed.fuzzy for field in (TITLE, BODY)
                            for t in engine.close_terms(reader, field, text, edits, prefix)}
    weights = {term: searcher.idf(BODY, term) for term in terms} if searcher.doc_count() else {}
    weights |= {prefix: max(weights.values(), default=1.0) for prefix in parsed.prefixes}
    return term_matcher(searcher.schema, terms, parsed.prefixes, weights, parsed.stop_phrases)


def _dated(searcher: Any) -> bool:
    """Whether an article of the index has a date."""
    return PUBLISHED in searcher.schema and engine.has_date(searcher, PUBLISHED)


_NO_DATE = 2**63  # an undated article holds the column's default, 2**64 - 1: count it as oldest


def _timestamp(dates: Any, docnum: int) -> float:
    if dates is None:
        return 0.0
    value = dates[docnum] or 0
    return 0.0 if value >= _NO_DATE else float(value)
