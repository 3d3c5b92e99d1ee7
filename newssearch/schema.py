"""The Whoosh schema: the only place fields are declared, and their names as constants."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any, Final

from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema
from whoosh.formats import Positions

from .analysis import fold, french_analyzer, index_terms
from .blocks import count_positions, decode_positions, encode_positions

ID_FIELD: Final = "id"
PATH: Final = "path"  # indexed when a file holds several articles (JSON), to find them
FILE: Final = "file"  # stored: the file, when it is not already the id
TITLE: Final = "title"
BODY: Final = "body"
SOURCE: Final = "source"
SOURCE_KEY: Final = "source_key"
URL: Final = "url"
AUTHOR: Final = "author"
PUBLISHED: Final = "published"
MODIFIED: Final = "modified"
HASH: Final = "hash"
MONTH: Final = "month"  # "2023-01", for the timeline facet
GROUP: Final = "group"  # wire-story group key (grouping.py)
VECTOR: Final = "vector"  # stored: the article's sentence vector, in --semantic indexes (semantic.py)

TEXT_FIELDS: Final = (TITLE, BODY)
# Fields a user may name in a query (title:..., source:...), and the field each searches.
QUERY_FIELDS: Final = {TITLE: TITLE, BODY: BODY, SOURCE: SOURCE, "id": ID_FIELD}


class FrenchPositions(Positions):
    """Whoosh's Positions format with a fast path for the French chain: the terms of a
    document are computed in one list comprehension over cached words, instead of one
    Token object per word through a generator pipeline. Same postings, same positions,
    encoded compactly (blocks.py)."""

    joins_values = True  # a block's values are one byte string (blocks.install)

    def encode(self, poslist: list[int]) -> bytes:
        return encode_positions(poslist)

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return decode_positions(valuestring)

    def decode_frequency(self, valuestring: bytes) -> int:
        return count_positions(valuestring)

    def decode_weight(self, valuestring: bytes) -> float:
        return float(count_positions(valuestring) * self.field_boost)

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[tuple[str, int, float, bytes]]:
        terms = index_terms(analyzer, value) if isinstance(value, str) else None
        if terms is None:
            yield from super().word_values(value, analyzer, **kwargs)
            return
        positions: defaultdict[str, list[int]] = defaultdict(list)
        for pos, term in enumerate(terms):
            if term:
                positions[term].append(pos)
        boost = self.field_boost
        for term, poslist in positions.items():
            yield term, len(poslist), len(poslist) * boost, self.encode(poslist)


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
            PATH: ID(),
            FILE: STORED(),
            TITLE: _text(analyzer=analyzer, stored=True, multitoken_query="phrase"),
            BODY: _text(analyzer=analyzer, stored=True, multitoken_query="phrase"),
            SOURCE: _text(analyzer=analyzer, stored=True, multitoken_query="phrase"),
            SOURCE_KEY: ID(),
            URL: STORED(),
            AUTHOR: STORED(),
            PUBLISHED: _date(stored=True, sortable=True),
            MODIFIED: STORED(),
            HASH: STORED(),
            MONTH: ID(),
            GROUP: ID(stored=True, sortable=True),  # one term, not a numeric trie
            VECTOR: STORED(),
        }
    )


def source_key(source: str) -> str:
    """The exact-match form of a source name: case, accents and spacing folded."""
    return " ".join(fold(word) for word in source.split())
