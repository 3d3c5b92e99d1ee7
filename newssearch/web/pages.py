"""The pages: search (results, filters, facets, timeline), one article, and the export of
a search. The URL carries the whole search, so a page can be bookmarked, shared and reached
again with the back button. Endpoints are plain functions, run in Starlette's thread pool."""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from ..api import NewsIndex
from ..errors import QueryError
from ..exporting import EXPORTS
from ..facets import Facets
from ..hits import Hit
from ..searching import Results
from . import views
from .json_api import index_of
from .params import MODES, SORTS, ParameterError, SearchParams, read_format, read_id, read_search

SIMILAR_SHOWN = 5
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/jsonl; charset=utf-8"}


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    templates = request.app.state.templates
    response: Response = templates.TemplateResponse(request, name, {"views": views, **context},
                                                    status_code=status_code)
    return response


def search_page(request: Request) -> Response:
    """``/?q=...``: the search box; with a query, a page of hits beside filters and counts."""
    items = list(request.query_params.multi_items())
    typed = dict(items).get("q", "")
    try:
        params = read_search(items, strict=False, require_q=False)
    except ParameterError as exc:
        return _search_error(request, SearchParams(q=typed.strip()), str(exc))
    index = index_of(request)
    if not params.q:
        return render(request, "home.html", {"params": params, "stats": index.stats()})
    try:
        results = index.query(params.q, **params.query_kwargs(), facets=True)
        assert results.facets is not None
        counts = results.facets
        # the source list counts every filter but the source: the other sources stay one click away
        by_source = index.facets(params.q, since=params.since, until=params.until, mode=params.mode) \
            if params.source else counts
    except QueryError as exc:
        return _search_error(request, params, str(exc))
    return render(request, "search.html", {
        "params": params, "results": results, "counts": counts, "by_source": by_source,
        "sources": _source_choices(by_source, params.source), "timeline": views.timeline(counts.months),
        "pager": views.pager(results.total, params.page, params.limit, len(results.hits)),
        "sorts": SORTS, "modes": MODES,
    })


def _source_choices(by_source: Facets, chosen: str | None) -> list[tuple[str, int | None]]:
    choices: list[tuple[str, int | None]] = list(by_source.sources)
    if chosen and all(name.casefold() != chosen.casefold() for name, _ in choices):
        choices.insert(0, (chosen, None))  # a source chosen by hand, with no hit
    return choices


def _search_error(request: Request, params: SearchParams, message: str) -> Response:
    empty = Results(hits=[], total=0, query=params.q)
    return render(request, "search.html", {
        "params": params, "results": empty, "error": message, "counts": None, "by_source": None, "sources": [],
        "timeline": None, "pager": views.pager(0, 1, params.limit, 0), "sorts": SORTS, "modes": MODES,
    }, status_code=400)


def article_page(request: Request) -> Response:
    """``/article?id=...``: the whole text, the search's words highlighted (the search rides
    along in the URL, for the way back), its versions and more like this."""
    items = list(request.query_params.multi_items())
    article_id = read_id(items, strict=False)
    params = read_search(items, strict=False, require_q=False)
    index = index_of(request)
    found = index.article(article_id)  # ArticleNotFoundError: a 404
    title_spans, body_spans = _highlight(index, found, params.q)
    like = index.similar(article_id, limit=SIMILAR_SHOWN)
    return render(request, "article.html", {
        "params": params, "article": found, "title": views.segments(found.title, title_spans),
        "body": views.segments(found.body, body_spans), "story": _story(index, article_id), "similar": like,
    })


def _highlight(index: NewsIndex, article: Any, q: str) -> tuple[Any, Any]:
    if not q:
        return (), ()
    try:
        return index.highlight(article, q)
    except QueryError:  # a malformed query still shows the article, unhighlighted
        return (), ()


def _story(index: NewsIndex, article_id: str) -> Hit | None:
    """The article as a hit, for its versions count and first version. The library has no
    "versions of an article" call, so this asks for the article by the ``id:`` field of the
    query syntax; None when the id cannot be written in it."""
    if '"' in article_id or "\\" in article_id:
        return None
    try:
        hits = index.search(f'id:"{article_id}"', limit=1, fragments=0)
    except QueryError:
        return None
    return hits[0] if hits and hits[0].id == article_id else None


def export(request: Request) -> Response:
    """``/export?q=...&format=csv|jsonl``: every hit of the search, streamed: the file that the
    CLI's ``query --format`` writes; its provenance (query, filters, index) in a header."""
    items = list(request.query_params.multi_items())
    params = read_search(items, strict=False, extra=("format",))
    fmt = read_format(items)
    index = index_of(request)
    options: dict[str, Any] = {**params.filters(), "sort": params.sort, "mode": params.mode}
    provenance = json.dumps(index.provenance(params.q, **options), ensure_ascii=True)
    hits = index.export(params.q, **options)
    first = next(hits, None)  # a malformed query is an error page now, not a broken download
    slug = "-".join(re.findall(r"[A-Za-z0-9]+", params.q))[:60] or "search"
    rows = EXPORTS[fmt](itertools.chain([first] if first else [], hits))
    return StreamingResponse(rows, media_type=MEDIA_TYPES[fmt],
                             headers={"Content-Disposition": f'attachment; filename="newssearch-{slug}.{fmt}"',
                                      "X-Newssearch-Provenance": provenance})


ROUTES = [
    Route("/", search_page),
    Route("/article", article_page),
    Route("/export", export),
]
