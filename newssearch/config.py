"""Named defaults, defined once. Library functions take them as keyword defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Final

DEFAULT_INDEX_DIR: Final = Path("index")
DEFAULT_LIMIT: Final = 10
MAX_LIMIT: Final = 10_000
MAX_QUERY_CHARS: Final = 2_000

# Ranking: BM25F parameters and how much a title match weighs against a body match.
TITLE_BOOST: Final = 2.0
BODY_BOOST: Final = 1.0
BM25_K1: Final = 1.2
BM25_B: Final = 0.75
TITLE_B: Final = 0.5

# Snippets: how many fragments, and roughly how many characters each.
SNIPPET_FRAGMENTS: Final = 3
SNIPPET_CHARS: Final = 220

# Files: which suffixes are read, and the largest file read (bigger ones are skipped).
TEXT_SUFFIXES: Final = frozenset({".txt"})
JSON_SUFFIXES: Final = frozenset({".json", ".jsonl"})
MAX_FILE_BYTES: Final = 20 * 1024 * 1024

# Indexing: articles per committed batch, and memory given to the Whoosh writer.
COMMIT_EVERY: Final = 5_000
WRITER_LIMIT_MB: Final = 256

INDEX_FORMAT_VERSION: Final = 1
