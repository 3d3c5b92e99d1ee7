"""The embedded API: a NewsIndex facade over an index folder.

    ix = NewsIndex.open("index")
    for hit in ix.search("Ramstein Leopard", limit=5):
        print(hit.title, hit.snippet.text)
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from .config import DEFAULT_INDEX_DIR, DEFAULT_LIMIT, DEFAULT_RANKING, MAX_FILE_BYTES, SNIPPET_FRAGMENTS, Ranking
from .indexing import IndexReport, Progress, create_index, is_index, open_index, update_index
from .searching import Hit, Mode, Results, Sort, search

DateLike = date | datetime | str | None


class NewsIndex:
    """An index folder: add news files to it, search it. Reuses one searcher between
    searches and refreshes it when another process (or ``add``) has committed changes."""

    def __init__(self, path: Path | str = DEFAULT_INDEX_DIR) -> None:
        self.path = Path(path)
        self._ix: Any = None
        self._searcher: Any = None

    @classmethod
    def open(cls, path: Path | str = DEFAULT_INDEX_DIR, *, create: bool = False) -> NewsIndex:
        """Open the index in ``path``; with ``create=True`` make an empty one if there is none.
        Raises IndexNotFoundError, or IndexVersionError for an index of another format."""
        self = cls(path)
        if create and not is_index(self.path):
            create_index(self.path).close()
        self._ix = open_index(self.path)
        return self

    @classmethod
    def create(cls, path: Path | str = DEFAULT_INDEX_DIR) -> NewsIndex:
        return cls.open(path, create=True)

    def add(self, paths: Iterable[Path | str], *, prune: bool = False, strict: bool = False,
            progress: Progress | None = None, max_bytes: int = MAX_FILE_BYTES, wait: float = 0.0) -> IndexReport:
        """Index the news files under ``paths`` (files and folders, recursively): new files are
        added, changed ones re-indexed, unchanged ones skipped; ``prune`` removes the articles
        of files that vanished. ``wait`` seconds to wait for another writer to finish."""
        report = update_index(self.path, [Path(p) for p in paths], prune=prune, strict=strict,
                              progress=progress, max_bytes=max_bytes, wait=wait)
        self._refresh()
        return report

    def search(self, query: str, *, limit: int = DEFAULT_LIMIT, page: int = 1, since: DateLike = None,
               until: DateLike = None, source: str | None = None, sort: Sort = "relevance",
               mode: Mode = "auto", fragments: int = SNIPPET_FRAGMENTS,
               ranking: Ranking = DEFAULT_RANKING) -> list[Hit]:
        """The hits of ``query`` (Whoosh syntax, French analysis) for one page, best first."""
        return self.query(query, limit=limit, page=page, since=since, until=until, source=source,
                          sort=sort, mode=mode, fragments=fragments, ranking=ranking).hits

    def query(self, query: str, *, limit: int = DEFAULT_LIMIT, page: int = 1, since: DateLike = None,
              until: DateLike = None, source: str | None = None, sort: Sort = "relevance",
              mode: Mode = "auto", fragments: int = SNIPPET_FRAGMENTS,
              ranking: Ranking = DEFAULT_RANKING) -> Results:
        """Like ``search``, with the total number of matches and whether words were optional."""
        return search(self._get_searcher(), query, limit=limit, page=page, since=since, until=until,
                      source=source, sort=sort, mode=mode, fragments=fragments, ranking=ranking)

    def __len__(self) -> int:
        return int(self._get_searcher().doc_count())

    def _get_searcher(self) -> Any:
        if self._ix is None:
            self._ix = open_index(self.path)
        if self._searcher is None:
            self._searcher = self._ix.searcher()
        elif not self._searcher.up_to_date():
            self._refresh()
        return self._searcher

    def _refresh(self) -> None:
        # A new searcher rather than Searcher.refresh(), which fails on an index that was
        # empty when the searcher opened (Whoosh 2.7.5: EmptyReader.segments() is None).
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = self._ix.searcher() if self._ix is not None else None

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        if self._ix is not None:
            self._ix.close()
            self._ix = None

    def __enter__(self) -> NewsIndex:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
