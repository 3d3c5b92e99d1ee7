"""The one door to Whoosh's internals.

Everything that reaches below Whoosh's public API (its codec, segment writer, pool of
postings, memory-mapped reading, scorer, collectors, writer lock and multi-process writer)
lives in this package; the rest of newssearch uses Whoosh's public API (fields, analysis,
query, qparser) and what this package exports. ``install()`` applies every patch once and
refuses any Whoosh but the pinned one; the functions here that open or write an index call it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from whoosh.index import EmptyIndexError

from .checking import counts, describe, problems, quick_problems, toc_file
from .loading import UnsafePickleError
from .collecting import Stories, collect, column_values, date_span, has_date, index_column, segment_column
from .matching import match, unscored
from .termpositions import term_positions
from .patching import PINNED_WHOOSH, WhooshVersionError, check_version, install
from .queries import CloseTerm, GappedPhrase, close_terms
from .positions import FrenchPositions
from .scoring import BM25F

if TYPE_CHECKING:
    from .compaction import CompactionReport, MergePolicy, compact
    from .merging import MergeFailedError
    from .writers import WorkerError, open_writer, writer_lock

# What only writing an index needs is imported when first used: a query from the command
# line started in 0.93 s; without importing the merger's modules, 0.85 s (docs/speed.md).
_WRITING = {"CompactionReport": "compaction", "MergePolicy": "compaction", "compact": "compaction",
            "MergeFailedError": "merging", "WorkerError": "writers", "open_writer": "writers", "writer_lock": "writers"}


def __getattr__(name: str) -> Any:
    module = _WRITING.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    found = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = found
    return found

__all__ = [
    "BM25F", "CloseTerm", "CompactionReport", "MergeFailedError", "MergePolicy", "compact", "EmptyIndexError", "FrenchPositions", "GappedPhrase", "PINNED_WHOOSH", "Stories", "UnsafePickleError", "WhooshVersionError",
    "WorkerError", "check_version", "counts", "describe", "problems", "quick_problems", "toc_file", "close_terms", "commit_generation", "collect", "column_values", "date_span", "has_date", "index_column", "create_index", "install", "match", "open_index", "open_writer",
    "remove_orphans", "segment_column", "segment_count", "term_positions", "unscored", "writer_lock",
]


def open_index(folder: str, indexname: str = "MAIN") -> Any:
    """Whoosh's ``open_dir``, patched first."""
    from whoosh import index

    install()
    return index.open_dir(folder, indexname=indexname)


def create_index(folder: str, schema: Any, indexname: str = "MAIN") -> Any:
    """Whoosh's ``create_in``, patched first."""
    from whoosh import index

    install()
    return index.create_in(folder, schema, indexname=indexname)


def commit_generation(writer: Any) -> int:
    """The index generation that the writer's commit will write (the writer lock is held)."""
    return int(writer.generation)


def segment_count(ix: Any) -> int:
    """How many segments the index's latest generation has."""
    return len(ix._segments())


def remove_orphans(ix: Any) -> int:
    """Delete what killed writers left in an index folder (their segment files, temporary
    TOCs, spill files, the partial files of a merge), keeping what the latest generation
    uses; the writer lock must be held. Returns the number of files deleted."""
    import re
    import shutil

    from whoosh.index import clean_files

    from .compaction import remove_partials

    storage, name = ix.storage, ix.indexname
    before = set(storage.list())
    clean_files(storage, name, ix.latest_generation(), ix._segments())
    temp_toc = re.compile(rf"^_{re.escape(name)}_\d+\.toc\..+$")
    for filename in storage.list():
        if temp_toc.match(filename):
            storage.delete_file(filename)
    spill = f"{storage.folder}/{name}.tmp"
    shutil.rmtree(spill, ignore_errors=True)
    remove_partials(storage.folder)
    return len(before - set(storage.list()))
