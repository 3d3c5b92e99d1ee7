"""Searching: filters, ranking (BM25F, title above body, newer first on ties), paging, hits.

By default all query words are required (AND). When no article has them all, the search
falls back to any-word matching (OR) in which articles matching more of the words rank
higher, and says so (``Results.partial``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from typing import Any, Literal

from whoosh import query as wq
from whoosh import scoring
from whoosh.collectors import FilterCollector, TopCollector

from .analysis import term_spans
from .collapsing import CollapseVersions
from .config import DEFAULT_LIMIT, DEFAULT_RANKING, MAX_LIMIT, SNIPPET_FRAGMENTS, Ranking
from .errors import QueryError
from .queries import ParsedQuery, is_question, parse_query
from .reranking import rerank
from .schema import BODY, FILE, GROUP, ID_FIELD, MODIFIED, PUBLISHED, SOURCE, SOURCE_KEY, TITLE, URL, source_key
from .snippets import Snippet, Span, TermMatcher, best_snippets
from .weighting import BM25F

Sort = Literal["relevance", "date"]
Mode = Literal["auto", "all", "any"]


@dataclass(frozen=True)
class Hit:
    """One search result. Dates are timezone-aware UTC; ``snippets`` come best first."""

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
    versions: int = 1  # articles of the same wire story (this one included)
    first_version: tuple[str | None, datetime | None] | None = None  # (source, published) of the earliest

    @property
    def snippet(self) -> Snippet:
        """The first snippet (an empty one when the article has no body)."""
        return self.snippets[0] if self.snippets else Snippet("")


@dataclass(frozen=True)
class Results:
    """A page of hits, the number of matching articles, and whether words were optional."""

    hits: list[Hit]
    total: int
    partial: bool = False
    query: str = ""
    suggestion: str | None = None  # "did you mean", when a word is unknown to the index
    parsed: ParsedQuery | None = field(default=None, repr=False, compare=False)
    filter: Any = field(default=None, repr=False, compare=False)


def weighting(ranking: Ranking = DEFAULT_RANKING) -> scoring.WeightingModel:
    return BM25F(B=ranking.b, K1=ranking.k1, **{f"{TITLE}_B": ranking.title_b})


def to_datetime(value: date | datetime | str | None, *, end_of_day: bool = False) -> datetime | None:
    """A date bound as naive UTC (Whoosh's form). A bare date as ``until`` means its end."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value or " " in value.strip() else date.fromisoformat(value)
        except ValueError as exc:
            raise QueryError(f"Invalid date {value!r}: use YYYY-MM-DD.") from exc
    if not isinstance(value, datetime):
        value = datetime.combine(value, time.max if end_of_day else time.min)
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def build_filter(since: Any = None, until: Any = None, source: str | None = None) -> wq.Query | None:
    parts: list[wq.Query] = []
    start, end = to_datetime(since), to_datetime(until, end_of_day=True)
    if start and end and start > end:
        raise QueryError(f"--since {start.date()} is after --until {end.date()}.")
    if start or end:
        parts.append(wq.DateRange(PUBLISHED, start, end))
    if source:
        parts.append(wq.Term(SOURCE_KEY, source_key(source)))
    return wq.And(parts) if len(parts) > 1 else parts[0] if parts else None


def search(searcher: Any, text: str, *, limit: int = DEFAULT_LIMIT, page: int = 1, since: Any = None,
           until: Any = None, source: str | None = None, sort: Sort = "relevance", mode: Mode = "auto",
           fragments: int = SNIPPET_FRAGMENTS, ranking: Ranking = DEFAULT_RANKING,
           all_versions: bool = False) -> Results:
    """Run one query on an open Whoosh searcher and build the requested page of hits. Versions
    of one wire story show once (the best ranked) unless ``all_versions``."""
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError(f"--limit must be between 1 and {MAX_LIMIT}, not {limit}.")
    if page < 1:
        raise QueryError(f"--page must be 1 or more, not {page}.")
    if sort not in ("relevance", "date"):
        raise QueryError(f"Unknown sort {sort!r}: use relevance or date.")
    flt = build_filter(since, until, source)
    collapse = None if all_versions or GROUP not in searcher.schema else GROUP
    want = page * limit
    parsed = parse_query(searcher.schema, text, conjunctive=mode != "any", ranking=ranking)
    any_word = mode == "any" or (mode == "auto" and (parsed.words > ranking.long_query
                                                     or ranking.questions_any_word and is_question(text)))
    if any_word and mode == "auto":
        parsed = parse_query(searcher.schema, text, conjunctive=False, ranking=ranking)
    found, total = _run(searcher, parsed, flt, want, sort, ranking, any_word, collapse, text)
    partial = False
    if mode == "auto" and not any_word and total == 0 and parsed.words > 1:
        parsed = parse_query(searcher.schema, text, conjunctive=False, ranking=ranking)
        found, total = _run(searcher, parsed, flt, want, sort, ranking, True, collapse, text)
        partial = total > 0
    hits = _page(searcher, parsed, found, page, limit, fragments)
    return Results(hits=hits, total=total, partial=partial, query=text, parsed=parsed, filter=flt)


def search_parsed(searcher: Any, parsed: ParsedQuery, *, limit: int = DEFAULT_LIMIT, page: int = 1,
                  fragments: int = SNIPPET_FRAGMENTS, ranking: Ranking = DEFAULT_RANKING,
                  query: str = "") -> Results:
    """Hits of an already built query (more-like-this), ranked like an any-word search."""
    found, total = _run(searcher, parsed, None, page * limit, "relevance", ranking, True)
    return Results(hits=_page(searcher, parsed, found, page, limit, fragments), total=total,
                   query=query, parsed=parsed)


def _page(searcher: Any, parsed: ParsedQuery, found: list[tuple[int, float]], page: int, limit: int,
          fragments: int) -> list[Hit]:
    start = (page - 1) * limit
    shown = found[start:start + limit]
    if not shown:  # nothing to show (and an empty index has no IDF)
        return []
    # Snippets prefer the passages with the query's rare words: terms weighed by IDF, a
    # prefix like its rarest term. PIAF answer-in-snippet@1 0.523 -> 0.526, with --semantic
    # 0.529 -> 0.533 (benchmarks/relevance.py --peers none); one matcher for the page.
    weights = {term: searcher.idf(BODY, term) for term in parsed.terms}
    weights |= {prefix: max(weights.values(), default=1.0) for prefix in parsed.prefixes}
    matcher = term_matcher(searcher.schema, parsed.terms, parsed.prefixes, weights)
    return [_hit(searcher, matcher, rank, docnum, score, fragments)
            for rank, (docnum, score) in enumerate(shown, start=start + 1)]


class _Newest(scoring.WeightingModel):
    """A match's score replaced by its publication time: a ranked search becomes a search
    sorted newest first, with the same collector, filter and collapsing (the newest version
    of a story is kept, and each story counted once). Whoosh's sorted collapse counted every
    version that displaced an older one, and under a filter did not collapse."""

    use_final = True

    def __init__(self, base: scoring.WeightingModel, dates: Any) -> None:
        self.base, self.dates = base, dates

    def scorer(self, searcher: Any, fieldname: str, text: Any, qf: float = 1) -> Any:
        return self.base.scorer(searcher, fieldname, text, qf=qf)

    def final(self, searcher: Any, docnum: int, score: float) -> float:
        return _timestamp(self.dates, docnum)


def _run(searcher: Any, parsed: ParsedQuery, flt: wq.Query | None, n: int, sort: Sort, ranking: Ranking,
         any_word: bool, collapse: str | None = None, question: str = "") -> tuple[list[tuple[int, float]], int]:
    # optimize=False: every search here reports its total, and Whoosh's block skipping
    # (optimize=True) makes it count the matches in a second full pass, which took 40% of the
    # query time on a 100,000-article archive; the skipping itself saved almost nothing.
    reader = searcher.reader()
    dates = reader.column_reader(PUBLISHED, translate=False) if reader.has_column(PUBLISHED) else None
    by_date = sort == "date"
    searcher.weighting = _Newest(weighting(ranking), dates) if by_date else weighting(ranking)
    # Fetch a little more than needed so that equal scores can be ordered newest first.
    # replace=0: once its top N is full, Whoosh's collector swaps the matcher for one that
    # skips what can no longer reach the top N (an OR becomes "this one, maybe that one"),
    # which is right for the top N but not for the total: "campagne présidentielle" as
    # any-word counted 6,212 of 21,193 matches at 100,000 articles. Sorted by date, the
    # scores are dates, and the swap would end the search early.
    limit = n if by_date else max(n + 10, ranking.rerank if any_word else 0)
    top = TopCollector(limit=limit, usequality=False, replace=0)
    collapser = CollapseVersions(top, collapse) if collapse else None
    collector = collapser or top
    if flt is not None:
        collector = FilterCollector(collector, flt)
    searcher.search_with_collector(parsed.query, collector)
    results = collector.results()
    total = collapser.stories() if collapser else len(results)
    if by_date:  # no relevance score to show, as before
        return [(hit.docnum, 0.0) for hit in results], total
    found = [(hit.docnum, hit.score) for hit in results]
    if any_word:
        found = rerank(searcher, found, parsed.terms, ranking, parsed.exact, parsed.ordered, question)
    ranked = sorted(found, key=lambda d: (-round(d[1], 6), -_timestamp(dates, d[0])))
    return ranked[:n], total


def _versions(searcher: Any, group: str | None) -> tuple[int, tuple[str | None, datetime | None] | None]:
    """How many articles share ``group``, and the source and date of the earliest."""
    if group is None or searcher.doc_frequency(GROUP, group) < 2:  # most stories stand alone
        return 1, None
    docs = list(searcher.docs_for_query(wq.Term(GROUP, group)))
    if len(docs) < 2:
        return 1, None
    dated = [(stored.get(PUBLISHED) or datetime.max, stored.get(SOURCE)) for stored in map(searcher.stored_fields, docs)]
    when, source = min(dated, key=lambda d: d[0])
    return len(docs), (source, _utc(when) if when != datetime.max else None)


_NO_DATE = 2**63  # an undated article holds the column's default, 2**64 - 1: count it as oldest


def _timestamp(dates: Any, docnum: int) -> float:
    if dates is None:
        return 0.0
    value = dates[docnum] or 0
    return 0.0 if value >= _NO_DATE else float(value)


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=timezone.utc) if isinstance(value, datetime) else None


def _hit(searcher: Any, matcher: TermMatcher, rank: int, docnum: int, score: float, fragments: int) -> Hit:
    stored = searcher.stored_fields(docnum)
    title = stored.get(TITLE, "")
    modified = stored.get(MODIFIED)
    versions, first = _versions(searcher, stored.get(GROUP))
    return Hit(id=stored[ID_FIELD], rank=rank, score=float(score), title=title, path=stored.get(FILE, stored[ID_FIELD]),
               published=_utc(stored.get(PUBLISHED)),
               modified=datetime.fromisoformat(modified) if modified else None,
               source=stored.get(SOURCE), url=stored.get(URL), title_spans=matcher.spans(title),
               snippets=tuple(best_snippets(stored.get(BODY, ""), matcher, fragments=fragments)),
               versions=versions, first_version=first)


def term_matcher(schema: Any, terms: Iterable[str], prefixes: Iterable[str] = (),
                 weights: Mapping[str, float] | None = None) -> TermMatcher:
    analyzer = schema[BODY].analyzer

    def analyse(text: str) -> Iterable[tuple[str, int, int]]:
        spans = term_spans(analyzer, text)
        if spans is not None:
            return spans
        return ((t.text, t.startchar, t.endchar) for t in analyzer(text, chars=True))

    return TermMatcher(analyse, terms, prefixes, weights)
