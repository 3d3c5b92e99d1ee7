"""The embedded API: a NewsIndex facade over an index folder.

    ix = NewsIndex.open("index")
    for hit in ix.search("Ramstein Leopard", limit=5):
        print(hit.title, hit.snippet.text)

A NewsIndex may be shared by threads (a web server, a notebook's workers): each search
borrows a searcher of its own from a small pool, and nothing a search sets is shared.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Any

from . import engine
from .checking import IndexCheck, check_index
from .config import DEFAULT_INDEX_DIR, DEFAULT_LIMIT, DEFAULT_RANKING, INDEX_FORMAT_VERSION, MAX_FILE_BYTES, Ranking
from .documents import Article
from .errors import NewsSearchError
from .facets import Facets
from .folder import IndexFolder
from .hits import Hit
from .feeding import delete_articles, write_articles
from .indexing import IndexReport, Progress, optimize_index, update_index
from .lookup import docnum_of, similar_query
from .queries import parse_query
from .progress import ProgressCallback
from .schema import stored_article
from .searching import Results, SearchRequest, iter_hits, search, search_query
from .snippets import Span
from .stats import IndexStats, index_stats
from .hits import term_matcher

SEARCHERS = 4  # searchers a NewsIndex keeps for concurrent searches (more threads wait their turn)


class _Searchers:
    """Searchers lent to one search at a time, refreshed when the index has changed."""

    def __init__(self, folder: IndexFolder, size: int = SEARCHERS) -> None:
        self.folder = folder
        self.ix: Any = None
        self.idle: list[Any] = []
        self.lock = threading.Lock()
        self.slots = threading.BoundedSemaphore(size)

    def index(self) -> Any:
        with self.lock:
            if self.ix is None:
                self.ix = self.folder.open()
            return self.ix

    @contextmanager
    def borrow(self) -> Iterator[Any]:
        """A searcher for one search. An error in Whoosh's reading is checked against the
        index's files: a damaged file is IndexDamagedError (IndexFolder.damage)."""
        ix = self.index()
        with self.slots:
            searcher = None
            try:
                searcher = self._searcher(ix)
                yield searcher
            except NewsSearchError:
                raise
            except Exception as exc:
                found = self.folder.damage(exc)
                if found is exc:
                    raise
                raise found from exc
            finally:
                if searcher is not None:
                    with self.lock:
                        if self.ix is ix:
                            self.idle.append(searcher)
                        else:  # closed meanwhile
                            searcher.close()

    def _searcher(self, ix: Any) -> Any:
        with self.lock:
            searcher = self.idle.pop() if self.idle else None
        if searcher is not None and not searcher.up_to_date():
            searcher.close()
            searcher = None
        if searcher is None:
            # A new searcher rather than Searcher.refresh(), which fails on an index that was
            # empty when the searcher opened (Whoosh 2.7.5: EmptyReader.segments() is None).
            searcher = ix.searcher()
        return searcher

    def close(self) -> None:
        with self.lock:
            for searcher in self.idle:
                searcher.close()
            self.idle = []
            if self.ix is not None:
                self.ix.close()
                self.ix = None


class NewsIndex:
    """An index folder: add news files to it, search it."""

    def __init__(self, path: Path | str = DEFAULT_INDEX_DIR) -> None:
        self.path = Path(path)
        self.folder = IndexFolder(self.path)
        self._searchers = _Searchers(self.folder)

    @classmethod
    def open(cls, path: Path | str = DEFAULT_INDEX_DIR, *, create: bool = False) -> NewsIndex:
        """Open the index in ``path``; with ``create=True`` make an empty one if there is none.
        Raises IndexNotFoundError, or IndexVersionError for an index of another format."""
        self = cls(path)
        if create and not self.folder.exists():
            with self.folder.writing():
                pass
        self._searchers.index()
        return self

    @classmethod
    def create(cls, path: Path | str = DEFAULT_INDEX_DIR) -> NewsIndex:
        return cls.open(path, create=True)

    def add(self, paths: Iterable[Path | str], *, prune: bool = False, strict: bool = False,
            progress: ProgressCallback | None = None, max_bytes: int = MAX_FILE_BYTES, wait: float = 0.0,
            group: bool = True, rebuild: bool = False, semantic: bool = False,
            follow_links: bool = False, merge_progress: Progress | None = None) -> IndexReport:
        """Index the news files under ``paths`` (files and folders, recursively): new files are
        added, changed ones re-indexed, unchanged ones skipped; ``prune`` removes the articles
        of files that vanished. ``wait`` seconds to wait for another writer to finish;
        ``group=False`` skips wire-story grouping (its articles each stand alone);
        ``rebuild=True`` empties the index first (only its own files); ``semantic=True`` gives
        each article of a new or empty index a sentence vector, which questions are then
        ranked with too (needs ``pip install 'newssearch[semantic]'``; an index built so keeps
        giving its new articles vectors, and keeps the setting when rebuilt). Symbolic links
        met in a folder that lead outside the folders given are skipped (reported) unless
        ``follow_links=True``. Segments are merged after each commit; ``merge_progress(done,
        total)`` follows that in input bytes."""
        if rebuild:
            self.close()
        return update_index(self.path, [Path(p) for p in paths], prune=prune, strict=strict, progress=progress,
                            max_bytes=max_bytes, wait=wait, group=group, semantic=semantic, rebuild=rebuild,
                            follow_links=follow_links, merge_progress=merge_progress)

    def add_articles(self, articles: Iterable[Article | dict[str, Any]], *, strict: bool = False, wait: float = 0.0,
                     group: bool = True) -> IndexReport:
        """Index articles that come from no file (a scraper, a notebook): ``Article`` objects
        or dicts with the keys of a JSON record (``id, title, date, source, url, body``). An
        article whose id is indexed already is replaced; wire-story versions are grouped as
        ``add`` groups them (``group=False``: not). The report counts articles; invalid dicts
        are in ``skipped`` (DocumentError with ``strict``)."""
        return write_articles(self.path, articles, strict=strict, wait=wait, group=group)

    def delete(self, ids: Iterable[str], *, wait: float = 0.0) -> int:
        """Delete the articles with these ids; how many there were (unknown ids count 0)."""
        return delete_articles(self.path, [ids] if isinstance(ids, str) else ids, wait=wait)

    def optimize(self, *, wait: float = 0.0, progress: Progress | None = None) -> engine.CompactionReport:
        """Merge the index's segments into one: slightly faster searches after a long write
        (indexing keeps segments few already). Searches meanwhile see the index as it was, and
        an interrupted merge leaves it so. ``progress(done, total)`` follows it in input
        bytes; ``wait``: as for ``add``. Returns ``.merges``, ``.segments_before``,
        ``.segments_after``, ``.bytes_read``, ``.seconds``."""
        return optimize_index(self.path, wait=wait, progress=progress)

    def query(self, request: SearchRequest | str, **options: Any) -> Results:
        """One page of hits of ``request`` (a SearchRequest, or a query text and the
        SearchRequest fields as keywords: ``limit``, ``page``, ``since``, ``until``,
        ``source``, ``sort``, ``mode``, ``fragments``, ``ranking``, ``all_versions``,
        ``facets``), with the total number of matching stories, whether words were optional,
        and a "did you mean" suggestion when a word is unknown to the index."""
        request = _request(request, options)
        with self._searchers.borrow() as searcher:
            return search(searcher, request)

    def search(self, request: SearchRequest | str, **options: Any) -> list[Hit]:
        """The hits of one page, best first (``query`` without the totals)."""
        return self.query(request, **options).hits

    def export(self, request: SearchRequest | str, **options: Any) -> Iterator[Hit]:
        """Every hit of ``request`` (not one page), best first, each with its best snippet
        (``fragments=1`` unless given), from one pass over the matches, however many."""
        request = _request(request, {"fragments": 1, **options})
        with self._searchers.borrow() as searcher:
            yield from iter_hits(searcher, request)

    def facets(self, request: SearchRequest | str, **options: Any) -> Facets:
        """Hit counts by source and by month over every hit of ``request``."""
        request = dataclasses.replace(_request(request, options), limit=1, page=1, fragments=0, facets=True)
        facets = self.query(request).facets
        assert facets is not None
        return facets

    def provenance(self, query: str, **filters: Any) -> dict[str, Any]:
        """What is needed to cite and reproduce a search: query, filters, index, versions."""
        meta = self.folder.settings()
        return {"query": query, "filters": {k: str(v) for k, v in filters.items() if v not in (None, "")},
                "index": str(self.path.resolve()), "index_format": INDEX_FORMAT_VERSION,
                "index_updated": meta.get("updated"), "articles": len(self),
                "newssearch": _package_version(),
                "exported": datetime.now(timezone.utc).isoformat(timespec="seconds")}

    def article(self, article_id: str) -> Article:
        """One article in full; ArticleNotFoundError (a KeyError) when the id is unknown."""
        with self._searchers.borrow() as searcher:
            return stored_article(searcher.stored_fields(docnum_of(searcher, article_id)))

    def highlight(self, article: Article, query: str) -> tuple[tuple[Span, ...], tuple[Span, ...]]:
        """The spans of ``query``'s words in the article's title and body."""
        schema = self._searchers.index().schema
        parsed = parse_query(schema, query)
        matcher = term_matcher(schema, parsed.terms, parsed.prefixes, phrases=parsed.stop_phrases)
        return matcher.spans(article.title), matcher.spans(article.body)

    def similar(self, article_id: str, *, limit: int = DEFAULT_LIMIT, ranking: Ranking = DEFAULT_RANKING) -> list[Hit]:
        """Articles most like ``article_id`` (more like this), itself excluded."""
        with self._searchers.borrow() as searcher:
            q = similar_query(searcher, docnum_of(searcher, article_id))
            return search_query(searcher, q, limit=limit, ranking=ranking) if q is not None else []

    def stats(self) -> IndexStats:
        """Articles, sources, date range, size on disk, last update, and whether it has vectors."""
        meta = self.folder.settings()
        with self._searchers.borrow() as searcher:
            return index_stats(searcher, size_bytes=self.folder.size_bytes(), updated=meta.get("updated"),
                               segments=engine.segment_count(self._searchers.index()),
                               semantic=bool(meta.get("semantic")))

    def check(self, *, wait: float = 0.0) -> IndexCheck:
        """Verify every file of the index: each segment against its checksums (or read through),
        the manifest and the wire-story table; the problems found, by file. Holds the writer
        lock while it reads (``wait``: as for ``add``)."""
        return check_index(self.folder, wait=wait)

    def __len__(self) -> int:
        with self._searchers.borrow() as searcher:
            return int(searcher.doc_count())

    def close(self) -> None:
        self._searchers.close()

    def __enter__(self) -> NewsIndex:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _request(request: SearchRequest | str, options: dict[str, Any]) -> SearchRequest:
    if isinstance(request, SearchRequest):
        return dataclasses.replace(request, **options) if options else request
    return SearchRequest(request, **options)


def _package_version() -> str:
    from importlib.metadata import version  # imported when asked: a tenth of a query's start-up

    return version("newssearch")
