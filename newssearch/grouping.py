"""Wire-story grouping: the same dispatch republished with small edits is one group.

At index time each article gets a bottom-k sketch of its own text: the K smallest CRC-32
values of its word 4-grams (a cheap, well-known MinHash variant: the share of common values
among the K smallest of two sketches estimates the Jaccard similarity of the two texts).
An article whose best candidate resembles it enough joins that candidate's group, otherwise
it founds its own. The group key is stored in the Whoosh index, so collapsing versions costs
nothing more at query time than Whoosh's collapse by a column.

What counts is an article's own text, not what it shares with unrelated pages of the archive
(page furniture, cartoon captions, promotions, signatures, scripts, stylesheets):

- lines of fewer than MIN_LINE_WORDS words (menus, tags, bylines, dates, lists of related
  drawings) are left out before shingling;
- a shingle held by FURNITURE groups, or by FURNITURE_ARTICLES articles of one group
  (near-copies aside), is furniture: it is left out of every sketch that follows. The
  postings table (shingle -> articles) keeps the count incrementally; once a shingle is
  furniture, one mark replaces its postings. Counting groups, and not near-copies, keeps a
  dispatch printed again forty times one story's text;
- an article needs MIN_OWN own shingles to join a group;
- titles that differ (TITLE_OVERLAP) need near-identical own text (RETITLED_THRESHOLD) and a
  text that speaks of one of the titles (TOLD): bodies cut after a shared chapeau do not;
- a candidate whose title names someone its own text mentions, and this article's text does
  not, is another story on the same template ("X annonce sa candidature").

Cost per article is bounded whatever the archive's size: at most INSPECT shingles are looked
up, each with at most POSTINGS postings (a shingle is no longer posted after that), and at
most CANDIDATES articles are compared. Furniture marks are also kept in memory (_Marks, 4 bytes
a mark), so that marked shingles, most of those inspected in a large archive, cost no query.

Why not datasketch: its MinHash needs NumPy and SciPy, and its LSH index must be kept
in memory or a server between runs; this table does the same job incrementally.
"""

from __future__ import annotations

import hashlib
import sqlite3
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .documents import Article
from .fingerprints import SKETCH_SIZE, Fingerprint, alike_titles, fingerprint, mentions, similarity
from .intsets import IntSet

LAYOUT = 2  # the tables' layout (PRAGMA user_version); 0: sketches of the whole text, 4 lookup keys each
THRESHOLD = 0.5  # estimated Jaccard similarity of own text from which two articles are one story
RETITLED_THRESHOLD = 0.7  # ... when their titles differ
MIN_OWN = 16  # own shingles an article needs to join a group
FURNITURE = 5  # groups holding a shingle from which it is furniture
FURNITURE_ARTICLES = 24  # ... or articles (near-copies aside): one group that keeps growing on it
COPY = 0.9  # estimated similarity from which an article is a near-copy of the one it joins
POSTINGS = 32  # postings kept per shingle: enough to count FURNITURE articles and find a story
INSPECT = 3 * SKETCH_SIZE  # smallest shingles looked up per article, furniture included
CANDIDATES = 8  # articles compared per article, the ones sharing most own shingles
CACHE_MB = 32  # SQLite page cache of the table (default 2 MB): -10% CPU an article at 40k articles
LOOKUP_KEYS = SKETCH_SIZE  # every own shingle of the sketch is looked up (was the 4 smallest)
_SIGNED = 1 << 31  # hashes are stored as signed 32-bit integers: 4 bytes in SQLite, not 6
_MARK = 0  # the doc of a shingle's one posting once it is furniture (sketches' docs start at 1)


def group_key(article_id: str) -> int:
    """A stable 63-bit key for the group an article founds."""
    return int.from_bytes(hashlib.blake2b(article_id.encode("utf-8"), digest_size=8).digest(), "big") >> 1


@dataclass
class _Own:
    """What the table says about an article's smallest shingles."""

    sketch: list[int]  # its SKETCH_SIZE smallest own shingles
    furniture: set[int]  # inspected shingles held by FURNITURE articles or more
    estimate: int  # own shingles in the whole text, estimated from the share of inspected ones
    votes: Counter[int]  # other articles (doc) -> own shingles shared with this one
    posted: dict[int, int]  # own shingle -> postings it has


@dataclass
class _Candidate:
    doc: int
    group: int
    estimate: int
    sketch: set[int]
    title: set[int]
    names: list[str]
    told: bool


class Grouper:
    """Assigns group keys during an indexing run; its tables live in the index folder and
    are committed together with the Whoosh index.

    ``sketches`` holds one row per article (by a 64-bit hash of its id and of its file's
    path, not the texts): its group, whether it joined it as a near-copy, its estimated own
    shingles, its own-text sketch, its title's words and names, and whether its text speaks of
    its title. ``postings`` maps each own shingle to the articles whose sketch holds it (the
    first POSTINGS of them), or to _MARK once it is furniture: it finds the candidates and
    counts who holds a shingle."""

    def __init__(self, path: Path, threshold: float = THRESHOLD) -> None:
        self.threshold = threshold
        self.db = sqlite3.connect(path)
        self.db.execute(f"PRAGMA cache_size = -{CACHE_MB * 1024}")  # KiB: its postings are read at random
        if self.db.execute("PRAGMA user_version").fetchone()[0] < LAYOUT:
            # An older layout (rebuilt indexes never have one): its rows cannot be read as ours.
            self.db.executescript("DROP TABLE IF EXISTS keys; DROP TABLE IF EXISTS sketches; "
                                  "DROP TABLE IF EXISTS postings;")
        self.db.executescript(f"""
            CREATE TABLE IF NOT EXISTS sketches(doc INTEGER PRIMARY KEY, article INTEGER UNIQUE, file INTEGER,
                                                grp INTEGER, copy INTEGER, own INTEGER, sketch BLOB, title BLOB,
                                                names TEXT, told INTEGER);
            CREATE TABLE IF NOT EXISTS postings(key INTEGER, doc INTEGER, PRIMARY KEY(key, doc)) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS sketches_file ON sketches(file) WHERE file IS NOT NULL;
            CREATE INDEX IF NOT EXISTS sketches_grp ON sketches(grp);
            CREATE INDEX IF NOT EXISTS postings_marks ON postings(doc) WHERE doc = {_MARK};
            PRAGMA user_version = {LAYOUT};
        """)
        self.marks = _Marks(self.db)
        self.docs = _Docs(self.db)

    def assign(self, article: Article) -> int:
        """The group key of ``article``, recording its sketch for the articles that follow."""
        me = _hash(article.id)
        self._drop("article = ?", (me,))  # the article indexed again: compared with the others only
        text = article.body or article.title
        fprint = fingerprint(article.title, text)
        own = self._own(fprint.shingles)
        group, score = self._match(own, fprint, text) if len(own.sketch) >= MIN_OWN else (None, 0.0)
        copy = score >= COPY
        if group is None:
            group = self._found(article.id)
        file = None if article.path == article.id else _hash(article.path)  # a text file's id is its path
        doc = self.db.execute(
            "INSERT INTO sketches(article, file, grp, copy, own, sketch, title, names, told) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (me, file, group, copy, own.estimate, array("I", own.sketch).tobytes(),
             array("I", sorted(fprint.title)).tobytes(), " ".join(fprint.names), fprint.told)).lastrowid
        assert doc is not None  # an INSERT's rowid
        self.docs.keep(doc, group, copy)
        self.db.executemany("INSERT INTO postings VALUES (?, ?)",
                            [(h - _SIGNED, doc) for h in own.sketch if own.posted.get(h, 0) < POSTINGS])
        return group

    def _own(self, values: list[int]) -> _Own:
        """Split the smallest shingles into own text and furniture, and count the own
        shingles each article already in the table shares with this one. Shingles marked as
        furniture are known without a query; the others are looked up a batch at a time, as
        many as the sketch still lacks and a few more."""
        own = _Own([], set(), 0, Counter(), {})
        newly: list[int] = []  # shingles found to be furniture now
        inspected = values[:INSPECT]
        marked = self.marks.among(inspected)
        seen = 0
        while len(own.sketch) < SKETCH_SIZE and seen < len(inspected):
            wanted, end = SKETCH_SIZE - len(own.sketch) + 4, seen
            batch: list[int] = []
            while end < len(inspected) and len(batch) < wanted:
                if inspected[end] not in marked:
                    batch.append(inspected[end])
                end += 1
            postings = self._postings(batch) if batch else {}
            for h in inspected[seen:end]:
                seen += 1
                found = postings.get(h)
                if found is None or _furniture(found):
                    own.furniture.add(h)
                    if found is not None:
                        newly.append(h)
                    continue
                own.sketch.append(h)
                own.posted[h] = len(found)
                own.votes.update(doc for doc, _, _ in found)
                if len(own.sketch) == SKETCH_SIZE:
                    break
        if newly:  # its postings give way to one mark: the articles that held it are no evidence
            marks = [(h - _SIGNED,) for h in newly]
            self.db.executemany("DELETE FROM postings WHERE key = ?", marks)
            self.db.executemany(f"INSERT OR IGNORE INTO postings VALUES (?, {_MARK})", marks)
            self.marks.add(newly)
        own.estimate = len(values) if seen == len(values) else len(own.sketch) * len(values) // max(seen, 1)
        return own

    def _postings(self, keys: list[int]) -> dict[int, list[tuple[int, int, int]]]:
        """The postings (doc, group, near-copy) of each of ``keys`` not marked as furniture
        (those are left out of the answer). The group and near-copy flag are read only for
        shingles with FURNITURE postings or more, the only ones they can make furniture."""
        docs: dict[int, list[int]] = {h: [] for h in keys}
        for key, doc in self.db.execute(f"SELECT key, doc FROM postings WHERE key IN ({','.join('?' * len(keys))})",
                                        [h - _SIGNED for h in keys]):
            docs[key + _SIGNED].append(doc)
        crowded = {doc for found in docs.values() if len(found) >= FURNITURE for doc in found}
        about = self.docs.about(crowded) if crowded else {}
        return {h: [(doc, *about.get(doc, (doc, 0))) for doc in found] for h, found in docs.items()
                if _MARK not in found}

    def _match(self, own: _Own, fprint: Fingerprint, text: str) -> tuple[int | None, float]:
        """The group of the most similar candidate that passes, if any, and its similarity.
        A candidate whose title names someone (or somewhere) that its text mentions and this
        text does not is another story on the same template ("X annonce sa candidature")."""
        best, group = 0.0, None
        mine = set(own.sketch)
        for other in self._candidates(own):
            retitled = not alike_titles(fprint.title, other.title)
            if min(own.estimate, other.estimate) < MIN_OWN:
                continue
            if retitled and not (fprint.told or other.told):
                continue
            score = similarity(mine, other.sketch - own.furniture)  # what is furniture now, was not then
            if score < (max(RETITLED_THRESHOLD, self.threshold) if retitled else self.threshold) or score <= best:
                continue
            if all(mentions(text, name) for name in other.names):
                best, group = score, other.group
        return group, best

    def _candidates(self, own: _Own) -> list[_Candidate]:
        """The CANDIDATES articles sharing most own shingles with this one. The similarity of
        two sketches cannot pass the shingles they share over the sketch's size, so those
        sharing less than half what the threshold asks are not read (half: postings are capped)."""
        least = max(2, self.threshold * len(own.sketch) / 2)
        docs = [doc for doc, n in own.votes.most_common(CANDIDATES) if n >= least]
        if not docs:
            return []
        rows = self.db.execute(f"SELECT doc, grp, own, sketch, title, names, told FROM sketches WHERE doc IN "
                               f"({','.join('?' * len(docs))})", docs).fetchall()
        return [_Candidate(doc, grp, estimate, set(array("I", blob)), set(array("I", words)), names.split(),
                           bool(told)) for doc, grp, estimate, blob, words, names, told in rows]

    def _found(self, article_id: str) -> int:
        """A new group's key: the article's own, unless other articles still hold it (this one,
        indexed again, no longer resembles what they joined)."""
        key, n = group_key(article_id), 0
        while self.db.execute("SELECT 1 FROM sketches WHERE grp = ? LIMIT 1", (key,)).fetchone():
            n += 1
            key = group_key(f"{article_id}\x1f{n}")
        return key

    def _drop(self, where: str, params: tuple[int, ...]) -> None:
        """Delete the sketches matching ``where`` and their postings."""
        rows = self.db.execute(f"SELECT doc, sketch FROM sketches WHERE {where}", params).fetchall()
        if rows:
            self.db.executemany("DELETE FROM postings WHERE key = ? AND doc = ?",
                                [(h - _SIGNED, doc) for doc, blob in rows for h in array("I", blob)])
            self.db.executemany("DELETE FROM sketches WHERE doc = ?", [(doc,) for doc, _ in rows])
            self.docs.forget(doc for doc, _ in rows)

    def forget(self, path: str) -> None:
        """Drop the sketches of a file's articles (the file changed or vanished): those of
        its records, and a text file's (whose id is its path), never another file's record
        whose id is that path."""
        key = _hash(path)
        self._drop("file = ? OR (article = ? AND file IS NULL)", (key, key))

    def commit(self) -> None:
        self.db.commit()

    def close(self) -> None:
        self.db.close()


class _Marks:
    """The shingles marked as furniture in the postings table, read once (on first use) and
    then kept up to date in memory (an IntSet, 4 bytes a mark)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.marks: IntSet | None = None

    def _read(self) -> IntSet:
        if self.marks is None:
            self.marks = IntSet(np.uint32, np.fromiter((key + _SIGNED for (key,) in self.db.execute(
                f"SELECT key FROM postings WHERE doc = {_MARK}")), dtype=np.uint32))
        return self.marks

    def among(self, values: list[int]) -> set[int]:
        """Those of ``values`` that are marked."""
        return self._read().among(values)

    def add(self, values: list[int]) -> None:
        self._read().add(values)


class _Docs:
    """Each sketch's group and near-copy flag (sketches' grp and copy, which never change),
    kept in memory (9 bytes a doc) for the docs this run wrote or read: the postings of
    shingles on their way to being furniture ask for them at every article."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.group = np.zeros(0, dtype=np.int64)
        self.copy = np.zeros(0, dtype=np.int8)  # 0 or 1 once known, -1 unknown

    def about(self, docs: set[int]) -> dict[int, tuple[int, int]]:
        """The group and near-copy flag of each of ``docs`` (those without a sketch left out)."""
        found: dict[int, tuple[int, int]] = {}
        unknown = []
        for doc in docs:
            if doc < len(self.copy) and (copy := int(self.copy[doc])) >= 0:
                found[doc] = (int(self.group[doc]), copy)
            else:
                unknown.append(doc)
        if unknown:
            for doc, group, copy in self.db.execute(
                    f"SELECT doc, grp, copy FROM sketches WHERE doc IN ({','.join('?' * len(unknown))})", unknown):
                found[doc] = (group, copy)
                self.keep(doc, group, copy)
        return found

    def keep(self, doc: int, group: int, copy: int) -> None:
        if doc >= len(self.copy):
            size = max(doc + 1, 2 * len(self.copy), 1024)
            self.group = np.concatenate((self.group, np.zeros(size - len(self.group), dtype=np.int64)))
            self.copy = np.concatenate((self.copy, np.full(size - len(self.copy), -1, dtype=np.int8)))
        self.group[doc], self.copy[doc] = group, copy

    def forget(self, docs: Iterable[int]) -> None:
        for doc in docs:
            if doc < len(self.copy):
                self.copy[doc] = -1


def _furniture(postings: list[tuple[int, int, int]]) -> bool:
    """Whether a shingle with these postings (doc, group, near-copy) is furniture."""
    if len(postings) < FURNITURE:
        return False
    return (len({grp for _, grp, _ in postings}) >= FURNITURE
            or len(postings) - sum(copy for _, _, copy in postings) >= FURNITURE_ARTICLES)


def _hash(text: str) -> int:
    """A 64-bit signed hash of an id or path (SQLite's integer)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big", signed=True)
