"""newssearch: full-text search for French news archives.

The public API is ``__all__``. Names are imported lazily (PEP 562) so that
``newssearch --help`` and other light commands start without loading Whoosh.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .errors import (
    DocumentError,
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
    from .browsing import Facets, IndexStats
    from .documents import Article, Skipped
    from .indexing import IndexReport
    from .searching import Hit, Results
    from .snippets import Snippet

__version__ = "0.1.0"

_LAZY = {
    "NewsIndex": "api",
    "Article": "documents",
    "Skipped": "documents",
    "IndexReport": "indexing",
    "Hit": "searching",
    "Results": "searching",
    "Snippet": "snippets",
    "Facets": "browsing",
    "IndexStats": "browsing",
    "french_analyzer": "analysis",
}

__all__ = [
    "NewsIndex", "Article", "Skipped", "IndexReport", "Hit", "Results", "Snippet", "Facets", "IndexStats",
    "french_analyzer",
    "NewsSearchError", "IndexNotFoundError", "IndexVersionError", "IndexLockedError", "IndexWriteError",
    "DocumentError", "QueryError", "SemanticUnavailableError", "__version__",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'newssearch' has no attribute {name!r}")
