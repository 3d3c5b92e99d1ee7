"""Peer search engines that the newssearch benchmarks compare against.

Each peer wraps a third-party full-text engine configured the way a competent user would
set it up for French news, behind one small interface (:class:`Peer`):

- ``tantivy``: tantivy-py with a custom French analyzer (stop words, Snowball stemmer,
  accent folding), title boosted x2, OR queries, its own SnippetGenerator;
- ``sqlite-fts5``: SQLite FTS5 (stdlib ``sqlite3``), ``unicode61 remove_diacritics 2``
  tokenizer (no stemmer exists for FTS5), BM25 with title weight 2, ``snippet()``;
- ``whoosh-plain``: Whoosh as commonly configured: ``LanguageAnalyzer("fr")`` plus accent
  folding, BM25F, ``MultifieldParser`` with OR grouping, ``hit.highlights()``.

Natural-language questions are not valid query syntax for tantivy or FTS5, so both build
their query from :func:`query_words` (punctuation, elisions and French stop words removed),
each word quoted and OR-ed. Whoosh's parser is lenient and gets the raw query.

``build()`` replaces whatever ``folder`` held. ``available_peers()`` returns the peers
whose library imports (missing ones are skipped).
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Protocol

try:
    import tantivy
except ImportError:  # pragma: no cover - optional peer
    tantivy = None  # type: ignore[assignment]

try:
    from whoosh import highlight, index as whoosh_index, scoring
    from whoosh.analysis import CharsetFilter, LanguageAnalyzer
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.qparser import MultifieldParser, OrGroup, WildcardPlugin
    from whoosh.support.charset import accent_map
except ImportError:  # pragma: no cover - optional peer
    whoosh_index = None


class Peer(Protocol):
    """What the benchmarks need from a search engine."""

    name: str
    setup: str

    def build(self, docs: Iterable[dict[str, Any]], folder: Path) -> None: ...
    def open(self, folder: Path) -> None: ...
    def search(self, query: str, k: int = 10) -> list[tuple[str, str]]: ...
    def close(self) -> None: ...


# The Snowball French stop list, plus "a", "ils" and "les" (which it lacks).
FRENCH_STOP_WORDS = frozenset("""
a au aux avec ce ces dans de des du elle en et eux il ils je la le les leur lui ma mais me même
mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi
ton tu un une vos votre vous c d j l à m n s t y été étée étées étés étant étante étants
étantes suis es est sommes êtes sont serai seras sera serons serez seront serais serait
serions seriez seraient étais était étions étiez étaient fus fut fûmes fûtes furent sois soit
soyons soyez soient fusse fusses fût fussions fussiez fussent ayant ayante ayantes ayants eu
eue eues eus ai as avons avez ont aurai auras aura aurons aurez auront aurais aurait aurions
auriez auraient avais avait avions aviez avaient eut eûmes eûtes eurent aie aies ait ayons
ayez aient eusse eusses eût eussions eussiez eussent
""".split())

_ELISION = re.compile(r"\b(?:jusqu|lorsqu|puisqu|quoiqu|qu|[cdjlmnst])'(?=\w)", re.IGNORECASE)
# A word, possibly joined by apostrophes or hyphens (aujourd'hui, États-Unis): both engines
# treat a quoted multi-token word as a phrase.
_WORD = re.compile(r"[^\W_]+(?:['-][^\W_]+)*")


def query_words(query: str) -> list[str]:
    """Lowercased content words of a free-text query, deduplicated, in order."""
    text = _ELISION.sub("", query.replace("’", "'").replace("ʼ", "'"))
    words = (w.lower() for w in _WORD.findall(text))
    return list(dict.fromkeys(w for w in words if w not in FRENCH_STOP_WORDS))


def or_of_quoted(words: list[str]) -> str:
    """``"a" OR "b"``: valid in both the tantivy and the FTS5 query languages."""
    return " OR ".join(f'"{w}"' for w in words)


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


def _fresh_folder(folder: Path) -> Path:
    """Empty ``folder`` (a rebuild must not leave the previous index's files behind)."""
    folder = Path(folder)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


class TantivyPeer:
    name = "tantivy"
    setup = (
        "tantivy-py {v}: simple tokenizer > lowercase > custom_stopword(Snowball French) > "
        "stemmer(french) > ascii_fold (stop/stem before folding: both expect accents; the "
        "built-in stopword('french') keeps est, son, été...); "
        "parse_query_lenient on the OR of quoted query words, title boost {boost:g}; "
        "SnippetGenerator on body"
    )

    def __init__(self, title_boost: float = 2.0) -> None:
        self.title_boost = title_boost
        self.setup = self.setup.format(v=_version("tantivy"), boost=title_boost)
        self._index: Any = None
        self._searcher: Any = None
        self._schema: Any = None

    def _analyzer(self) -> Any:
        f = tantivy.Filter
        return (
            tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(f.lowercase())
            .filter(f.custom_stopword(sorted(FRENCH_STOP_WORDS)))
            .filter(f.stemmer("french"))
            .filter(f.ascii_fold())
            .build()
        )

    def _attach(self, index: Any) -> None:
        # Custom analyzers are not persisted in the index: register on every open.
        index.register_tokenizer("fr", self._analyzer())
        index.reload()
        self._index, self._schema, self._searcher = index, index.schema, index.searcher()

    def build(self, docs: Iterable[dict[str, Any]], folder: Path) -> None:
        sb = tantivy.SchemaBuilder()
        sb.add_text_field("id", stored=True, tokenizer_name="raw")
        sb.add_text_field("title", stored=True, tokenizer_name="fr")
        sb.add_text_field("body", stored=True, tokenizer_name="fr")
        index = tantivy.Index(sb.build(), path=str(_fresh_folder(folder)), reuse=False)
        index.register_tokenizer("fr", self._analyzer())
        writer = index.writer()
        for d in docs:
            writer.add_document(tantivy.Document(
                id=str(d["id"]), title=d.get("title") or "", body=d.get("body") or ""))
        writer.commit()
        writer.wait_merging_threads()
        self._attach(index)

    def open(self, folder: Path) -> None:
        self._attach(tantivy.Index.open(str(folder)))

    def search(self, query: str, k: int = 10) -> list[tuple[str, str]]:
        words = query_words(query)
        if not words:
            return []
        parsed, _errors = self._index.parse_query_lenient(
            or_of_quoted(words), ["title", "body"], field_boosts={"title": self.title_boost})
        hits = self._searcher.search(parsed, k, count=False).hits
        snippets = tantivy.SnippetGenerator.create(self._searcher, parsed, self._schema, "body")
        out = []
        for _score, address in hits:
            doc = self._searcher.doc(address)
            # fragment() is the plain text; to_html() would add <b> tags and HTML escapes.
            out.append((doc["id"][0], snippets.snippet_from_doc(doc).fragment().strip()))
        return out

    def close(self) -> None:
        self._index = self._searcher = self._schema = None


class Fts5Peer:
    name = "sqlite-fts5"
    setup = (
        "SQLite {v} FTS5, tokenize 'unicode61 remove_diacritics 2' (FTS5 has no stemmer "
        "and no stop list); OR of quoted query words (elisions, punctuation, French stop "
        "words removed); bm25 title weight 2; snippet() on body"
    )
    _FILE = "fts5.sqlite"

    def __init__(self) -> None:
        self.setup = self.setup.format(v=sqlite3.sqlite_version)
        self._db: sqlite3.Connection | None = None

    def build(self, docs: Iterable[dict[str, Any]], folder: Path) -> None:
        db = sqlite3.connect(_fresh_folder(folder) / self._FILE)
        with db:
            db.execute("CREATE VIRTUAL TABLE t USING fts5(id UNINDEXED, title, body, "
                       "tokenize = 'unicode61 remove_diacritics 2')")
            db.executemany("INSERT INTO t(id, title, body) VALUES (?, ?, ?)", (
                (str(d["id"]), d.get("title") or "", d.get("body") or "") for d in docs))
            db.execute("INSERT INTO t(t) VALUES ('optimize')")
        self._db = db

    def open(self, folder: Path) -> None:
        self._db = sqlite3.connect(Path(folder) / self._FILE)

    def search(self, query: str, k: int = 10) -> list[tuple[str, str]]:
        words = query_words(query)
        if not words or self._db is None:
            return []
        rows = self._db.execute(
            "SELECT id, snippet(t, 2, '', '', '…', 24) FROM t WHERE t MATCH ? "
            "ORDER BY bm25(t, 0, 2.0, 1.0) LIMIT ?", (or_of_quoted(words), k))
        return [(doc_id, snippet.strip()) for doc_id, snippet in rows]

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


if whoosh_index is not None:
    class _PlainFormatter(highlight.Formatter):  # type: ignore[misc]
        """Whoosh formatter that leaves matched words unmarked (plain-text snippets)."""

        between = " … "

        def format_token(self, text: str, token: Any, replace: bool = False) -> str:
            return str(highlight.get_text(text, token, replace))


class WhooshPeer:
    name = "whoosh-plain"
    setup = (
        "Whoosh {v}: LanguageAnalyzer('fr') | CharsetFilter(accent_map) (pure-Python "
        "Snowball), BM25F, MultifieldParser(title, body) with OrGroup (the default AND "
        "finds nothing for most questions) minus WildcardPlugin (' ?' would match every "
        "1-letter term), no field boost, default ix.writer(); "
        "hit.highlights('body', top=1)"
    )

    def __init__(self) -> None:
        self.setup = self.setup.format(v=_version("whoosh-reloaded"))
        self._ix: Any = None
        self._searcher: Any = None
        self._parser: Any = None

    def _attach(self, ix: Any) -> None:
        self._ix = ix
        self._searcher = ix.searcher(weighting=scoring.BM25F())
        self._parser = MultifieldParser(["title", "body"], ix.schema, group=OrGroup)
        # Questions end in " ?", which Whoosh reads as a wildcard matching every one-letter
        # term (and highlighting then scans the whole lexicon): free text needs no wildcards.
        self._parser.remove_plugin_class(WildcardPlugin)

    def build(self, docs: Iterable[dict[str, Any]], folder: Path) -> None:
        analyzer = LanguageAnalyzer("fr") | CharsetFilter(accent_map)
        schema = Schema(id=ID(stored=True), title=TEXT(analyzer=analyzer, stored=True),
                        body=TEXT(analyzer=analyzer, stored=True))
        ix = whoosh_index.create_in(str(_fresh_folder(folder)), schema)
        writer = ix.writer()
        for d in docs:
            writer.add_document(id=str(d["id"]), title=d.get("title") or "",
                                body=d.get("body") or "")
        writer.commit()
        self._attach(ix)

    def open(self, folder: Path) -> None:
        self._attach(whoosh_index.open_dir(str(folder)))

    def search(self, query: str, k: int = 10) -> list[tuple[str, str]]:
        try:
            parsed = self._parser.parse(query)
            results = self._searcher.search(parsed, limit=k)
        except Exception:  # whoosh raises assorted errors on odd syntax
            return []
        results.formatter = _PlainFormatter()
        return [(hit["id"], hit.highlights("body", top=1).strip()) for hit in results]

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
        if self._ix is not None:
            self._ix.close()
        self._ix = self._searcher = self._parser = None


def _has_fts5() -> bool:
    try:
        with closing(sqlite3.connect(":memory:")) as db:
            db.execute("CREATE VIRTUAL TABLE x USING fts5(a)")
    except sqlite3.Error:
        return False
    return True


def available_peers() -> list[Peer]:
    """Fresh instances of every peer whose engine is importable, in a fixed order."""
    peers: list[Peer] = []
    if tantivy is not None:
        peers.append(TantivyPeer())
    if _has_fts5():
        peers.append(Fts5Peer())
    if whoosh_index is not None:
        peers.append(WhooshPeer())
    return peers
