"""The Whoosh schema, the only place fields are declared, and the one mapping between an
Article and the fields of its Whoosh document (both ways)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Any, Final

from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema

from .analysis import fold, french_analyzer
from .documents import Article
from .engine import FrenchPositions

ID_FIELD: Final = "id"
KEY: Final = "key"  # a short, stable form of the id (article_key), to type in show/similar
PATH: Final = "path"  # indexed when a file holds several articles (JSON), to find them
FILE: Final = "file"  # stored: the file, when it is not already the id
TITLE: Final = "title"
BODY: Final = "body"
SOURCE: Final = "source"
SOURCE_KEY: Final = "source_key"  # the source's exact-match form (source_key()), a column for facets
URL: Final = "url"
AUTHOR: Final = "author"
PUBLISHED: Final = "published"
MODIFIED: Final = "modified"
HASH: Final = "hash"
MONTH: Final = "month"  # "2023-01", a column for the timeline facet
GROUP: Final = "group"  # wire-story group key (grouping.py), a column for collapsing
VECTOR: Final = "vector"  # stored: the article's sentence vector, in --semantic indexes (semantic.py)

# Fields a user may search in a query (title:..., id:...), and the field each searches;
# source: and date: are filters (filters.py).
QUERY_FIELDS: Final = {TITLE: TITLE, BODY: BODY, "id": ID_FIELD}


def _text(**kwargs: Any) -> TEXT:
    field = TEXT(**kwargs)
    field.format = FrenchPositions(field_boost=field.format.field_boost)
    return field


def _date(**kwargs: Any) -> DATETIME:
    """Dates indexed as 4 trie terms (16-bit steps) instead of Whoosh's 8: a smaller index;
    range filters read a few more terms."""
    field = DATETIME(**kwargs)
    field.shift_step = 16
    return field


def build_schema() -> Schema:
    """Title and body share the French chain; hyphenated query words become phrases."""
    analyzer = french_analyzer()
    return Schema(
        **{
            ID_FIELD: ID(stored=True),
            KEY: ID(),
            PATH: ID(),
            FILE: STORED(),
            TITLE: _text(analyzer=analyzer, stored=True, multitoken_query="phrase"),
            BODY: _text(analyzer=analyzer, stored=True, multitoken_query="phrase"),
            SOURCE: STORED(),  # filtered on through SOURCE_KEY, never searched as text
            SOURCE_KEY: ID(sortable=True),
            URL: STORED(),
            AUTHOR: STORED(),
            PUBLISHED: _date(stored=True, sortable=True),
            MODIFIED: STORED(),
            HASH: STORED(),
            MONTH: ID(sortable=True),
            GROUP: ID(stored=True, sortable=True),  # one term, not a numeric trie
            VECTOR: STORED(),
        }
    )


def article_key(article_id: str) -> str:
    """A short, stable name for an article (10 hex digits of a hash of its id), for the ids
    too long to type (a text file's is its path)."""
    return hashlib.blake2b(article_id.encode("utf-8", "surrogatepass"), digest_size=5).hexdigest()


def source_key(source: str) -> str:
    """The exact-match form of a source name: case, accents and spacing folded."""
    return " ".join(fold(word) for word in source.split())


def document(article: Article, group: int | None = None) -> dict[str, Any]:
    """The Whoosh document of one article (dates as naive UTC, as Whoosh wants them)."""
    doc: dict[str, Any] = {ID_FIELD: article.id, KEY: article_key(article.id), TITLE: article.title,
                           BODY: article.body, HASH: article.content_hash}
    if group is not None:
        doc[GROUP] = f"{group:016x}"
    if article.path != article.id:  # a text file's id is its path: no need to index it twice
        doc[FILE] = doc[PATH] = article.path
    if article.source:
        doc[SOURCE] = article.source
        doc[SOURCE_KEY] = source_key(article.source)
    if article.url:
        doc[URL] = article.url
    if article.author:
        doc[AUTHOR] = article.author
    if article.published:
        doc[PUBLISHED] = article.published.astimezone(timezone.utc).replace(tzinfo=None)
        doc[MONTH] = f"{doc[PUBLISHED]:%Y-%m}"
    if article.modified:
        doc[MODIFIED] = article.modified.isoformat()
    return doc


def stored_article(stored: dict[str, Any]) -> Article:
    """The Article whose document has these stored fields."""
    published, modified = stored.get(PUBLISHED), stored.get(MODIFIED)
    return Article(id=stored[ID_FIELD], title=stored.get(TITLE, ""), body=stored.get(BODY, ""),
                   path=stored.get(FILE, stored[ID_FIELD]), published=utc(published),
                   modified=datetime.fromisoformat(modified) if modified else None,
                   source=stored.get(SOURCE), url=stored.get(URL), author=stored.get(AUTHOR))


def utc(value: datetime | None) -> datetime | None:
    """A stored (naive UTC) date as an aware one."""
    return value.replace(tzinfo=timezone.utc) if isinstance(value, datetime) else None
