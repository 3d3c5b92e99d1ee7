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
from pathlib import Path

from .documents import Article

GROUPS_FILE = "groups.sqlite"
SKETCH_SIZE = 32  # K smallest shingle hashes kept per article
LOOKUP_KEYS = 4  # of which the smallest are looked up to find candidates
SHINGLE = 4  # words per shingle
THRESHOLD = 0.5  # estimated Jaccard similarity from which two articles are one story
_WORD = re.compile(r"[^\W_]+")


def group_key(article_id: str) -> int:
    """A stable 63-bit key for the group an article founds."""
    return int.from_bytes(hashlib.blake2b(article_id.encode("utf-8"), digest_size=8).digest(), "big") >> 1


def sketch(text: str) -> list[int]:
    """The SKETCH_SIZE smallest hashes of the text's word 4-grams (case-folded), sorted."""
    words = _WORD.findall(text.lower())
    shingles = {zlib.crc32(" ".join(words[i:i + SHINGLE]).encode("utf-8"))
                for i in range(max(0, len(words) - SHINGLE + 1))}
    return heapq.nsmallest(SKETCH_SIZE, shingles)


def similarity(a: list[int], b: list[int]) -> float:
    """Estimated Jaccard similarity of two texts from their sketches."""
    if not a or not b:
        return 0.0
    union = heapq.nsmallest(SKETCH_SIZE, set(a) | set(b))
    common = set(a) & set(b)
    return sum(1 for h in union if h in common) / len(union)


class Grouper:
    """Assigns group keys during an indexing run; its table lives in the index folder and
    is committed together with the Whoosh index."""

    def __init__(self, folder: Path, threshold: float = THRESHOLD) -> None:
        self.threshold = threshold
        self.db = sqlite3.connect(folder / GROUPS_FILE)
        self.db.executescript("""
            CREATE TABLE IF NOT EXISTS sketches(doc INTEGER PRIMARY KEY, id TEXT UNIQUE, path TEXT,
                                                grp INTEGER, sketch BLOB);
            CREATE TABLE IF NOT EXISTS keys(key INTEGER, doc INTEGER);
            CREATE INDEX IF NOT EXISTS keys_key ON keys(key);
            CREATE INDEX IF NOT EXISTS keys_doc ON keys(doc);
            CREATE INDEX IF NOT EXISTS sketches_path ON sketches(path);
        """)

    def assign(self, article: Article) -> int:
        """The group key of ``article``, recording its sketch for the articles that follow."""
        own = sketch(article.body or article.title)
        group = group_key(article.id)
        if len(own) >= 8:  # too short a text is no evidence of a shared dispatch
            best = 0.0
            for other, other_group, blob in self._candidates(own[:LOOKUP_KEYS], article.id):
                score = similarity(own, list(array("I", blob)))
                if score >= self.threshold and score > best:
                    best, group = score, other_group
        self.db.execute("DELETE FROM keys WHERE doc IN (SELECT doc FROM sketches WHERE id = ?)", (article.id,))
        doc = self.db.execute("INSERT OR REPLACE INTO sketches(id, path, grp, sketch) VALUES (?, ?, ?, ?)",
                              (article.id, None if article.path == article.id else article.path, group,
                               array("I", own).tobytes())).lastrowid  # a text file's id is its path
        self.db.executemany("INSERT INTO keys VALUES (?, ?)", [(h, doc) for h in own[:LOOKUP_KEYS]])
        return group

    def _candidates(self, keys: list[int], article_id: str) -> list[tuple[str, int, bytes]]:
        marks = ",".join("?" * len(keys))
        return self.db.execute(
            f"SELECT DISTINCT s.id, s.grp, s.sketch FROM keys k JOIN sketches s ON s.doc = k.doc "
            f"WHERE k.key IN ({marks}) AND s.id != ? LIMIT 50", (*keys, article_id)).fetchall()

    def forget(self, path: str) -> None:
        """Drop the sketches of a file's articles (the file changed or vanished)."""
        self.db.execute("DELETE FROM keys WHERE doc IN (SELECT doc FROM sketches WHERE path = ? OR id = ?)",
                        (path, path))
        self.db.execute("DELETE FROM sketches WHERE path = ? OR id = ?", (path, path))

    def commit(self) -> None:
        self.db.commit()

    def close(self) -> None:
        self.db.close()
