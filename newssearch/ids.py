"""One id, one article: which file holds each article id while a run indexes.

Ids come from different places: a text file's is its path, a JSON record's is its own ``id``,
a feed entry's its guid, an archived page's its URL. They can meet (a record whose id is the
path of a text file, two records or two files with one id). The article that has the id
first keeps it, in the index or earlier in the run; a later one is skipped with the reason,
so that ``show ID`` and every count name one article. The ids of a file being read again
are free for its new articles (and for the others': its old articles are being deleted).

Ids indexed in this run are kept here until they are committed; from then on the index
answers for them. A run that began on an empty index asks it only about the ids it has seen
before (their hashes are kept, 8 bytes each): the others are new, which spares a term lookup
in every segment for every article of a first indexing run.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .intsets import IntSet
from .schema import FILE, ID_FIELD, PATH


class IdRegistry:
    """The ids of one index (``ix``, Whoosh) and of the articles a run is adding to it."""

    def __init__(self, ix: Any) -> None:
        self.ix = ix
        self.searcher: Any = None
        self.pending: dict[str, str] = {}  # id -> path of the file, not committed yet
        self.released: set[int] = set()  # documents of the index whose file is being read again
        self.fresh: bool | None = None  # whether the index held no document when the run began
        self.claimed = IntSet(np.int64)  # the hashes of the ids this run has recorded

    def _search(self) -> Any:
        if self.searcher is None:
            self.searcher = self.ix.searcher()
        return self.searcher

    def release(self, path: str) -> None:
        """The articles of ``path`` are being deleted: their ids are free."""
        searcher = self._search()
        self.released.update(searcher.document_numbers(**{PATH: path}))
        self.released.update(own_articles(searcher, path))

    def claim(self, article_id: str, path: str) -> str | None:
        """Record that an article of ``path`` has ``article_id``; None when the id was free,
        else the path of the file whose article has it (not recorded then)."""
        holder = self.pending.get(article_id)
        if self.fresh is None:
            self.fresh = self.ix.doc_count_all() == 0
        if holder is None and not (self.fresh and hash(article_id) not in self.claimed):
            searcher = self._search()
            # most ids are new: a term lookup per segment says so, without Whoosh's query
            # and its TermNotFound per segment (5% of indexing's main process at 1,000,000)
            indexed = (ID_FIELD, article_id) in searcher.reader()
            docnum = searcher.document_number(**{ID_FIELD: article_id}) if indexed else None
            if docnum is not None and docnum not in self.released:
                stored = searcher.stored_fields(docnum)
                holder = stored.get(FILE) or stored[ID_FIELD]
                holder = None if holder == path else holder  # this file, read again
        if holder is None:
            self.pending[article_id] = path
            self.claimed.add((hash(article_id),))
        return holder

    def committed(self, reading: str | None) -> None:
        """A commit is done: the index now answers for the ids of this run, except those of the
        file being read (``reading``), whose next articles must not repeat its earlier ones."""
        self.pending = {i: p for i, p in self.pending.items() if p == reading} if reading else {}
        self.released.clear()
        self.close()

    def close(self) -> None:
        if self.searcher is not None:
            self.searcher.close()
            self.searcher = None


def own_articles(searcher: Any, path: str) -> list[int]:
    """The documents whose id is ``path`` and that belong to that file (a text file's article:
    no other file recorded), never a record of another file whose id happens to be ``path``."""
    return [docnum for docnum in searcher.document_numbers(**{ID_FIELD: path})
            if FILE not in searcher.stored_fields(docnum)]
