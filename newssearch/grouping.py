"""Wire-story grouping: the same dispatch republished with small edits is one group.

At index time each article gets a bottom-k sketch of its word 4-grams (the K smallest
CRC-32 values of its shingles), a cheap, well-known MinHash variant: the share of common
values among the K smallest of two sketches estimates the Jaccard similarity of the two
texts. Candidates are found through their few smallest values (an inverted table in a
small SQLite file beside the index); an article whose best candidate resembles it at
``threshold`` or more joins that candidate's group, otherwise it founds its own. The
group key is stored in the Whoosh index, so collapsing versions costs nothing more at
query time than Whoosh's collapse by a column.

Why not datasketch: its MinHash needs NumPy and SciPy, and its LSH index must be kept
in memory or a server between runs; this table does the same job incrementally.
"""

from __future__ import annotations

import hashlib
import heapq
import re
import sqlite3
import zlib
from array import array
from collections.abc import Iterable
from itertools import accumulate
from pathlib import Path

from .documents import Article

SKETCH_SIZE = 32  # K smallest shingle hashes kept per article
LOOKUP_KEYS = 4  # of which the smallest are looked up to find candidates
SHINGLE = 4  # words per shingle
THRESHOLD = 0.5  # estimated Jaccard similarity from which two articles are one story
_WORD = re.compile(r"[^\W_]+")


def group_key(article_id: str) -> int:
    """A stable 63-bit key for the group an article founds."""
    return int.from_bytes(hashlib.blake2b(article_id.encode("utf-8"), digest_size=8).digest(), "big") >> 1


def sketch(text: str) -> list[int]:
    """The SKETCH_SIZE smallest hashes of the text's word 4-grams (case-folded), sorted.
    A shingle is the CRC-32 of its words joined by one space, hashed as a slice of the
    whole text joined that way (encoded once, not once per shingle)."""
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE:
        return []
    data = " ".join(words).encode("utf-8")
    starts = [0, *accumulate(len(word) + 1 for word in data.split(b" "))]  # byte offset of each word
    crc32 = zlib.crc32
    shingles = {crc32(data[starts[i]:starts[i + SHINGLE] - 1]) for i in range(len(words) - SHINGLE + 1)}
    return heapq.nsmallest(SKETCH_SIZE, shingles)


def similarity(a: Iterable[int], b: Iterable[int]) -> float:
    """Estimated Jaccard similarity of two texts from their sketches: the share of the
    SKETCH_SIZE smallest values of both that are in both."""
    mine = a if isinstance(a, (set, frozenset)) else set(a)
    other = b if isinstance(b, (set, frozenset)) else set(b)
    if not mine or not other:
        return 0.0
    union = sorted(mine.union(other))[:SKETCH_SIZE]
    return len(mine.intersection(other).intersection(union)) / len(union)


class Grouper:
    """Assigns group keys during an indexing run; its table (``path``, in the index folder) is
    committed together with the Whoosh index.

    Articles and files are recorded by a 64-bit hash of their id and path, not the text
    (a path of 60 characters was stored twice, in the table and in its unique index), and
    the lookup keys in a table that is its own index: 47 -> 24 MB at 100,000 articles."""

    def __init__(self, path: Path, threshold: float = THRESHOLD) -> None:
        self.threshold = threshold
        self.db = sqlite3.connect(path)
        self.db.executescript("""
            CREATE TABLE IF NOT EXISTS sketches(doc INTEGER PRIMARY KEY, article INTEGER UNIQUE, file INTEGER,
                                                grp INTEGER, sketch BLOB);
            CREATE TABLE IF NOT EXISTS keys(key INTEGER, doc INTEGER, PRIMARY KEY(key, doc)) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS sketches_file ON sketches(file) WHERE file IS NOT NULL;
        """)

    def assign(self, article: Article) -> int:
        """The group key of ``article``, recording its sketch for the articles that follow."""
        own = sketch(article.body or article.title)
        group = group_key(article.id)
        me = _hash(article.id)
        if len(own) >= 8:  # too short a text is no evidence of a shared dispatch
            best = 0.0
            mine = set(own)  # compared with every candidate (tens of them in a large archive)
            for other_group, blob in self._candidates(own[:LOOKUP_KEYS], me):
                score = similarity(mine, array("I", blob))
                if score >= self.threshold and score > best:
                    best, group = score, other_group
        self._drop("article = ?", (me,))  # the article indexed again
        file = None if article.path == article.id else _hash(article.path)  # a text file's id is its path
        doc = self.db.execute("INSERT INTO sketches(article, file, grp, sketch) VALUES (?, ?, ?, ?)",
                              (me, file, group, array("I", own).tobytes())).lastrowid
        self.db.executemany("INSERT OR IGNORE INTO keys VALUES (?, ?)", [(h, doc) for h in own[:LOOKUP_KEYS]])
        return group

    def _candidates(self, keys: list[int], article: int) -> list[tuple[int, bytes]]:
        marks = ",".join("?" * len(keys))
        return self.db.execute(
            f"SELECT DISTINCT s.grp, s.sketch FROM keys k JOIN sketches s ON s.doc = k.doc "
            f"WHERE k.key IN ({marks}) AND s.article != ? LIMIT 50", (*keys, article)).fetchall()

    def _drop(self, where: str, params: tuple[int, ...]) -> None:
        """Delete the sketches matching ``where`` and their lookup keys (the first of the sketch)."""
        rows = self.db.execute(f"SELECT doc, sketch FROM sketches WHERE {where}", params).fetchall()
        if rows:
            self.db.executemany("DELETE FROM keys WHERE key = ? AND doc = ?",
                                [(h, doc) for doc, blob in rows for h in array("I", blob)[:LOOKUP_KEYS]])
            self.db.executemany("DELETE FROM sketches WHERE doc = ?", [(doc,) for doc, _ in rows])

    def forget(self, path: str) -> None:
        """Drop the sketches of a file's articles (the file changed or vanished)."""
        key = _hash(path)
        self._drop("file = ? OR article = ?", (key, key))

    def commit(self) -> None:
        self.db.commit()

    def close(self) -> None:
        self.db.close()


def _hash(text: str) -> int:
    """A 64-bit signed hash of an id or path (SQLite's integer)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big", signed=True)
