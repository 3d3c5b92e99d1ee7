"""The JSON API: the CLI's ``--json`` over HTTP, for tools that would rather not embed
Python. Each hit, article and figure has the fields of the CLI's (exporting.py makes both).
Endpoints are plain functions: Starlette runs them in its thread pool, so the library's
blocking calls never hold the event loop."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..api import NewsIndex
from ..exporting import article_record, hit_record, stats_record
from .params import ParameterError, read_id, read_int, read_search

FACET_NAMES = ("q", "since", "until", "source", "mode")
SIMILAR_LIMIT = 1_000  # as the CLI's similar --limit


def index_of(request: Request) -> NewsIndex:
    index: NewsIndex = request.app.state.index
    return index


def search(request: Request) -> JSONResponse:
    """``/api/search?q=...`` with the CLI's filters: since, until, source, sort, mode, limit,
    page, all_versions."""
    params = read_search(list(request.query_params.multi_items()), strict=True)
    results = index_of(request).query(params.q, **params.query_kwargs())
    return JSONResponse({"query": params.q, "total": results.total, "page": params.page, "limit": params.limit,
                         "partial": results.partial, "suggestion": results.suggestion, "sort": results.sort,
                         "undated": results.undated, "hits": [hit_record(hit) for hit in results.hits]})


def article(request: Request) -> JSONResponse:
    """``/api/article?id=...``: the fields of ``show --json``; with ``q``, also the spans of
    its words in the title and body."""
    items = list(request.query_params.multi_items())
    article_id = read_id(items, strict=True, extra=("q",))
    index = index_of(request)
    found = index.article(article_id)  # ArticleNotFoundError: a 404
    record: dict[str, Any] = article_record(found)
    q = dict(items).get("q", "").strip()
    if q:
        title_spans, body_spans = index.highlight(found, q)
        record.update(title_spans=[list(s) for s in title_spans], body_spans=[list(s) for s in body_spans])
    return JSONResponse(record)


def similar(request: Request) -> JSONResponse:
    """``/api/similar?id=...&limit=10``: more like this, as hits."""
    items = list(request.query_params.multi_items())
    article_id = read_id(items, strict=True, extra=("limit",))
    limit = read_int(dict(items), "limit", 10, 1, SIMILAR_LIMIT)
    index = index_of(request)
    hits = index.similar(article_id, limit=limit)  # ArticleNotFoundError: a 404
    return JSONResponse({"id": article_id, "hits": [hit_record(hit) for hit in hits]})


def facets(request: Request) -> JSONResponse:
    """``/api/facets?q=...``: hit counts by source and by month, over every hit."""
    params = read_search(list(request.query_params.multi_items()), strict=True, names=FACET_NAMES)
    counts = index_of(request).facets(params.q, **params.filters(), mode=params.mode)
    return JSONResponse({"query": params.q, "total": counts.total,
                         "sources": [{"source": name, "count": n} for name, n in counts.sources],
                         "months": [{"month": month, "count": n} for month, n in counts.months]})


def stats(request: Request) -> JSONResponse:
    """``/api/stats``: the fields of ``stats --json``."""
    if request.query_params:
        raise ParameterError(f"Unknown parameter {next(iter(request.query_params))[:40]!r}: /api/stats takes none.")
    index = index_of(request)
    return JSONResponse(stats_record(index.stats(), str(index.path)))


ROUTES = [
    Route("/api/search", search),
    Route("/api/article", article),
    Route("/api/similar", similar),
    Route("/api/facets", facets),
    Route("/api/stats", stats),
]
