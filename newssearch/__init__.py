"""newssearch: full-text search for French news archives.

The public API is ``__all__``. Names are imported lazily (PEP 562) so that
``newssearch --help`` and other light commands start without loading Whoosh.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .errors import (
    ArticleNotFoundError,
    DocumentError,
    IndexDamagedError,
    IndexLockedError,
    IndexNotFoundError,
    IndexVersionError,
    IndexWriteError,
    NewsSearchError,
    QueryError,
    SemanticUnavailableError,
)

if TYPE_CHECKING:
    from .analysis import french_analyzer
    from .api import NewsIndex
    from .checking import IndexCheck
    from .config import Ranking
    from .documents import Article, Skipped
    from .facets import Facets
    from .hits import Hit
    from .indexing import IndexReport
    from .progress import IndexProgress
    from .searching import Results, SearchRequest
    from .snippets import Snippet
    from .stats import IndexStats

_LAZY = {
    "NewsIndex": "api",
    "Article": "documents",
    "Skipped": "documents",
    "IndexReport": "indexing",
    "IndexProgress": "progress",
    "Hit": "hits",
    "Results": "searching",
    "SearchRequest": "searching",
    "Ranking": "config",
    "Snippet": "snippets",
    "Facets": "facets",
    "IndexStats": "stats",
    "IndexCheck": "checking",
    "french_analyzer": "analysis",
}

__all__ = [
    "NewsIndex", "SearchRequest", "Results", "Hit", "Snippet", "Ranking", "Article", "Skipped", "IndexReport",
    "IndexProgress",
    "Facets", "IndexStats", "IndexCheck", "french_analyzer",
    "NewsSearchError", "IndexNotFoundError", "IndexVersionError", "IndexDamagedError", "IndexLockedError",
    "IndexWriteError",
    "DocumentError", "QueryError", "ArticleNotFoundError", "SemanticUnavailableError", "__version__",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import version

        return version("newssearch")
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'newssearch' has no attribute {name!r}")
