"""The Whoosh schema: the only place fields are declared, and their names as constants."""

from __future__ import annotations

from typing import Final

from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema

from .analysis import fold, french_analyzer

ID_FIELD: Final = "id"
PATH: Final = "path"
TITLE: Final = "title"
BODY: Final = "body"
SOURCE: Final = "source"
SOURCE_KEY: Final = "source_key"
URL: Final = "url"
PUBLISHED: Final = "published"
MODIFIED: Final = "modified"
HASH: Final = "hash"

TEXT_FIELDS: Final = (TITLE, BODY)
# Fields a user may name in a query (title:..., source:...), and the field each searches.
QUERY_FIELDS: Final = {TITLE: TITLE, BODY: BODY, SOURCE: SOURCE, "url": URL, "id": ID_FIELD}


def build_schema() -> Schema:
    """Title and body share the French chain; hyphenated query words become phrases."""
    analyzer = french_analyzer()
    return Schema(
        **{
            ID_FIELD: ID(stored=True),
            PATH: ID(stored=True),
            TITLE: TEXT(analyzer=analyzer, stored=True, multitoken_query="phrase"),
            BODY: TEXT(analyzer=analyzer, stored=True, multitoken_query="phrase"),
            SOURCE: TEXT(analyzer=analyzer, stored=True, multitoken_query="phrase"),
            SOURCE_KEY: ID(),
            URL: ID(stored=True),
            PUBLISHED: DATETIME(stored=True, sortable=True),
            MODIFIED: STORED(),
            HASH: STORED(),
        }
    )


def source_key(source: str) -> str:
    """The exact-match form of a source name: case, accents and spacing folded."""
    return " ".join(fold(source).split())
