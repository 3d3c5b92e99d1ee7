"""The embedded API: a NewsIndex facade over an index folder.

    ix = NewsIndex.open("index")
    for hit in ix.search("Ramstein Leopard", limit=5):
        print(hit.title, hit.snippet.text)
"""

from __future__ import annotations

import dataclasses
from importlib.metadata import version as package_version
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Any

from . import browsing
from .analysis import analyse
from .browsing import Facets, IndexStats
from .config import (DEFAULT_INDEX_DIR, DEFAULT_LIMIT, DEFAULT_RANKING, INDEX_FORMAT_VERSION, MAX_FILE_BYTES,
                     MAX_LIMIT, SNIPPET_FRAGMENTS, Ranking)
from .documents import Article
from .folders import create_index, is_index, open_index, read_meta, remove_index, was_semantic
from .semantic import require as require_encoder
from .indexing import IndexReport, Progress, update_index
from .queries import ParsedQuery, parse_query
from .snippets import Span
from .schema import BODY, FILE, ID_FIELD, MODIFIED, PUBLISHED, SOURCE, TITLE, URL
from .searching import Hit, Mode, Results, Sort, search, search_parsed, term_matcher

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
            progress: Progress | None = None, max_bytes: int = MAX_FILE_BYTES, wait: float = 0.0,
            group: bool = True, rebuild: bool = False, semantic: bool = False) -> IndexReport:
        """Index the news files under ``paths`` (files and folders, recursively): new files are
        added, changed ones re-indexed, unchanged ones skipped; ``prune`` removes the articles
        of files that vanished. ``wait`` seconds to wait for another writer to finish;
        ``group=False`` skips wire-story grouping (its articles each stand alone);
        ``rebuild=True`` deletes the index first (only its own files); ``semantic=True`` gives
        each article of a new or empty index a sentence vector, which questions are then
        ranked with too (needs ``pip install 'newssearch[semantic]'``; an index built so keeps
        giving its new articles vectors, and keeps the setting when rebuilt)."""
        if rebuild:
            semantic = semantic or was_semantic(self.path)
            if semantic:
                require_encoder()  # before anything is deleted
            self.close()
            remove_index(self.path)
        report = update_index(self.path, [Path(p) for p in paths], prune=prune, strict=strict,
                              progress=progress, max_bytes=max_bytes, wait=wait, group=group, semantic=semantic)
        self._refresh()
        return report

    def search(self, query: str, *, limit: int = DEFAULT_LIMIT, page: int = 1, since: DateLike = None,
               until: DateLike = None, source: str | None = None, sort: Sort = "relevance",
               mode: Mode = "auto", fragments: int = SNIPPET_FRAGMENTS,
               ranking: Ranking = DEFAULT_RANKING, all_versions: bool = False) -> list[Hit]:
        """The hits of ``query`` (Whoosh syntax, French analysis) for one page, best first;
        the versions of one wire story show once unless ``all_versions``."""
        return self.query(query, limit=limit, page=page, since=since, until=until, source=source,
                          sort=sort, mode=mode, fragments=fragments, ranking=ranking, all_versions=all_versions).hits

    def query(self, query: str, *, limit: int = DEFAULT_LIMIT, page: int = 1, since: DateLike = None,
              until: DateLike = None, source: str | None = None, sort: Sort = "relevance",
              mode: Mode = "auto", fragments: int = SNIPPET_FRAGMENTS,
              ranking: Ranking = DEFAULT_RANKING, all_versions: bool = False) -> Results:
        """Like ``search``, with the total number of matches, whether words were optional, and
        a "did you mean" suggestion when a word is unknown to the index."""
        searcher = self._get_searcher()
        results = search(searcher, query, limit=limit, page=page, since=since, until=until, source=source,
                         sort=sort, mode=mode, fragments=fragments, ranking=ranking, all_versions=all_versions)
        if not results.hits or results.partial:
            hint = browsing.suggestion(searcher, query, analyse)
            results = dataclasses.replace(results, suggestion=hint)
        return results

    def export(self, query: str, *, since: DateLike = None, until: DateLike = None, source: str | None = None,
               sort: Sort = "relevance", mode: Mode = "auto", batch: int = 500) -> Iterator[Hit]:
        """Every hit of ``query`` (not one page), best first, each with its best snippet."""
        page = 1
        while True:
            results = self.query(query, limit=batch, page=page, since=since, until=until, source=source,
                                 sort=sort, mode=mode, fragments=1)
            yield from results.hits
            if page * batch >= min(results.total, MAX_LIMIT * 10) or not results.hits:
                return
            page += 1

    def provenance(self, query: str, **filters: Any) -> dict[str, Any]:
        """What is needed to cite and reproduce a search: query, filters, index, versions."""
        meta = read_meta(self.path)
        return {"query": query, "filters": {k: str(v) for k, v in filters.items() if v not in (None, "")},
                "index": str(self.path.resolve()), "index_format": INDEX_FORMAT_VERSION,
                "index_updated": meta.get("updated"), "articles": len(self), "newssearch": package_version("newssearch"),
                "exported": datetime.now(timezone.utc).isoformat(timespec="seconds")}

    def facets(self, query: str, *, since: DateLike = None, until: DateLike = None, source: str | None = None,
               mode: Mode = "auto") -> Facets:
        """Hit counts by source and by month for every hit of ``query``."""
        results = self.query(query, limit=1, since=since, until=until, source=source, mode=mode, fragments=0)
        assert results.parsed is not None
        return browsing.facets(self._get_searcher(), results.parsed.query, results.filter)

    def article(self, article_id: str) -> Article:
        """One article in full; QueryError when the id is unknown."""
        searcher = self._get_searcher()
        stored = searcher.stored_fields(browsing.docnum_of(searcher, article_id))
        published, modified = stored.get(PUBLISHED), stored.get(MODIFIED)
        return Article(id=stored[ID_FIELD], title=stored.get(TITLE, ""), body=stored.get(BODY, ""),
                       path=stored.get(FILE, stored[ID_FIELD]),
                       published=published.replace(tzinfo=timezone.utc) if published else None,
                       modified=datetime.fromisoformat(modified) if modified else None,
                       source=stored.get(SOURCE), url=stored.get(URL))

    def highlight(self, article: Article, query: str) -> tuple[tuple[Span, ...], tuple[Span, ...]]:
        """The spans of ``query``'s words in the article's title and body."""
        schema = self._get_searcher().schema
        parsed = parse_query(schema, query)
        matcher = term_matcher(schema, parsed.terms, parsed.prefixes)
        return matcher.spans(article.title), matcher.spans(article.body)

    def similar(self, article_id: str, *, limit: int = DEFAULT_LIMIT, ranking: Ranking = DEFAULT_RANKING) -> list[Hit]:
        """Articles most like ``article_id`` (more like this), itself excluded."""
        searcher = self._get_searcher()
        q = browsing.similar_query(searcher, browsing.docnum_of(searcher, article_id))
        terms = frozenset(t.text for t in q.leaves() if t.fieldname in (BODY, TITLE) and hasattr(t, "text"))
        parsed = ParsedQuery(q, terms, (), len(terms))
        return search_parsed(searcher, parsed, limit=limit, ranking=ranking, query=f"similar:{article_id}").hits

    def stats(self) -> IndexStats:
        """Articles, sources, date range, size on disk, last update, and whether it has vectors."""
        searcher = self._get_searcher()
        size = sum(p.stat().st_size for p in self.path.iterdir() if p.is_file())
        meta = read_meta(self.path)
        return browsing.stats(searcher, size_bytes=size, updated=meta.get("updated"),
                              segments=len(self._ix._segments()), semantic=bool(meta.get("semantic")))

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
