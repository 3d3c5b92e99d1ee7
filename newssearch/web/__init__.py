"""The web front end of ``newssearch serve``: a search page, article pages and a JSON API
over one shared NewsIndex. A sibling of the CLI over the library; needs the ``web`` extra
(Starlette, uvicorn, Jinja2). The library never imports it."""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
