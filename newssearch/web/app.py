"""The web application: one NewsIndex shared by every request, the pages and the JSON API,
and one place that turns errors into one-line messages (JSON under /api/, a page elsewhere).
Read-only: no route writes to the index."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..api import NewsIndex
from ..errors import ArticleNotFoundError, NewsSearchError, QueryError
from . import json_api, pages
from .params import ParameterError

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")
# Nothing is fetched from elsewhere, nothing runs inline: article text cannot become script.
HEADERS = {
    "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",  # a click to a news site does not tell it the search
    "x-frame-options": "DENY",
}


def create_app(index: NewsIndex, *, allowed_hosts: Sequence[str] = LOOPBACK_HOSTS) -> Starlette:
    """The app over ``index`` (opened by the caller, shared by all requests). Requests whose
    Host is not in ``allowed_hosts`` are refused, so that a web page cannot reach a server on
    127.0.0.1 through a DNS name of its own (DNS rebinding); ``["*"]`` allows any."""
    routes = [*pages.ROUTES, *json_api.ROUTES,
              Mount("/static", StaticFiles(packages=[("newssearch.web", "static")]), name="static")]
    handlers: dict[Any, Any] = {ParameterError: _bad_request, QueryError: _bad_request,
                                ArticleNotFoundError: _not_found, NewsSearchError: _unavailable,
                                HTTPException: _http_error, Exception: _internal_error}
    app = Starlette(routes=routes, exception_handlers=handlers,
                    middleware=[Middleware(SecurityHeaders),
                                Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))])
    app.state.index = index
    app.state.templates = Jinja2Templates(env=_environment())
    return app


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("newssearch.web", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["thousands"] = lambda n: f"{n:,}"
    return env


class SecurityHeaders:
    """Adds HEADERS to every response (pure ASGI, so that streaming is untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k.encode(), v.encode()) for k, v in HEADERS.items() if k.encode() not in names]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def _error(request: Request, status: int, message: str) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": one_line(message)}, status_code=status)
    templates = request.app.state.templates
    response: Response = templates.TemplateResponse(request, "error.html",
                                                    {"status": status, "message": one_line(message)},
                                                    status_code=status)
    return response


async def _bad_request(request: Request, exc: Exception) -> Response:
    return _error(request, 400, str(exc))


async def _not_found(request: Request, exc: Exception) -> Response:
    return _error(request, 404, str(exc))


async def _unavailable(request: Request, exc: Exception) -> Response:
    return _error(request, 503, str(exc))  # the index went away or changed format under the server


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {404: f"Nothing at {request.url.path[:200]}.", 405: f"{request.method} is not allowed here: use GET."}
    response = _error(request, exc.status_code, messages.get(exc.status_code, exc.detail))
    response.headers.update(exc.headers or {})
    return response


async def _internal_error(request: Request, exc: Exception) -> Response:
    # Starlette re-raises the exception after this answer, so the server logs its traceback.
    return _error(request, 500, "Internal error; the server's log has the details.")
