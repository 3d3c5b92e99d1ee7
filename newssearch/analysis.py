"""The French analysis chain, one for index and query time. Whoosh analysis API only.

``french_analyzer()`` = ``FrenchTokenizer() | FrenchFilter()``:

- the tokenizer splits on whitespace and punctuation (hyphens too: ``États-Unis`` is two
  words at adjacent positions) but keeps apostrophes inside a word, so that the filter can
  remove elisions (``l'``, ``qu’``, ``jusqu'``...) and keep ``aujourd'hui`` whole;
- the filter lowercases, expands the ligatures œ/æ, folds accents (unidecode), drops French
  stop words *without renumbering positions* (so phrase queries stay exact), and stems with
  the French Snowball stemmer (PyStemmer, the C implementation). The result for each
  distinct word is cached, so each word of an archive is analysed once per process.
- a word written with accents is a stop word only if its accented form is one ("né" and
  "dû" are words, not "ne" and "du"); a word written without accents is compared folded.
- Snowball's French rules read accents (``sécurité`` -> ``sécur``, ``créée`` -> ``cré``),
  but queries are often typed without them. So that terms stay accent-insensitive, the
  folded word gets back the accents of the suffixes -ée(s) and -ité(s) before stemming
  (``securite`` and ``sécurité`` both give ``secur``).

Both classes are pickled into the index schema by Whoosh: keep them at this import path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import Stemmer
from unidecode import unidecode
from whoosh.analysis import CompositeAnalyzer, Filter, Token, Tokenizer

# A word: letters/digits, possibly joined by apostrophes (l'Ukraine, aujourd'hui).
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_ELISION = re.compile(r"^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu|quoiqu)['’](?=[^\W_])", re.IGNORECASE)
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "’": "'"})

# French stop words (the Snowball list, plus common elided forms), written with accents;
# they are folded below exactly like the text is. Deliberately not Whoosh's list, which
# also removes English words such as "us", "an", "on", "may".
_FRENCH_STOP_WORDS = """
au aux avec ce ces dans de des du elle en et eux il ils je la le les leur lui ma mais me même
mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton
tu un une vos votre vous c d j l à m n s t y été étée étées étés étant étante étants étantes suis
es est sommes êtes sont serai seras sera serons serez seront serais serait serions seriez
seraient étais était étions étiez étaient fus fut fûmes fûtes furent sois soit soyons soyez
soient fusse fusses fût fussions fussiez fussent ayant ayante ayantes ayants eu eue eues eus ai
as avons avez ont aurai auras aura aurons aurez auront aurais aurait aurions auriez auraient
avais avait avions aviez avaient eut eûmes eûtes eurent aie aies ait ayons ayez aient eusse
eusses eût eussions eussiez eussent ceci cela celà cet cette ici ils les leurs quel quels quelle
quelles sans soi où là dès
"""


_NOT_TERM = re.compile(r"[^a-z0-9'*]+")  # '*' survives for wildcard patterns


def fold(word: str) -> str:
    """Lowercase, expand œ/æ, fold accents to ASCII, normalise the apostrophe. Other scripts
    are transliterated (unidecode) and anything but letters, digits and ' is dropped."""
    lowered = word.lower().translate(_LIGATURES)
    if lowered.isascii() and lowered.isalnum():
        return lowered
    return _NOT_TERM.sub("", unidecode(lowered).lower())


FRENCH_STOP_WORDS: frozenset[str] = frozenset(fold(w) for w in _FRENCH_STOP_WORDS.split())
# What FrenchFilter tests: the folded forms for words written without accents, and the
# accented forms for words written with them.
_STOP_LIST: frozenset[str] = FRENCH_STOP_WORDS | frozenset(_FRENCH_STOP_WORDS.split())
_ACCENTED_SUFFIX = re.compile(r"(?<=[a-z])(?:ee|ite)(?=s?$)")


def _stop_key(lowered: str, folded: str) -> str:
    """The form compared with the stop list: accented if the word was written with accents."""
    return folded if lowered.isascii() else lowered


def _accented_suffix(folded: str) -> str:
    """Restore the accent of a final -ee(s)/-ite(s) for the stemmer: annee -> année."""
    return _ACCENTED_SUFFIX.sub(lambda m: "ée" if m.group() == "ee" else "ité", folded, count=1)


def exact_form(word: str) -> str:
    """A word as written, without its elision and folded, but not stemmed (l’État -> etat)."""
    return fold(_ELISION.sub("", word))


class FrenchTokenizer(Tokenizer):
    """Words of letters and digits; apostrophes inside a word are kept for FrenchFilter."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self).__name__)

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, tokenize: bool = True, mode: str = "", **kwargs: Any) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return
        for pos, match in enumerate(_WORD.finditer(value), start=start_pos):
            t.text = match.group()
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = t.text
            if positions:
                t.pos = pos
            if chars:
                t.startchar = start_char + match.start()
                t.endchar = start_char + match.end()
            yield t


class FrenchFilter(Filter):
    """Elision, case, ligatures, accents, stop words (positions kept), Snowball stemming."""

    def __init__(self, stoplist: frozenset[str] = _STOP_LIST, cache_size: int = 500_000) -> None:
        self.stoplist = stoplist
        self.cache_size = cache_size
        self._cache: dict[str, str] = {}
        self._stemmer: Any = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FrenchFilter) and other.stoplist == self.stoplist

    def __hash__(self) -> int:
        return hash(self.stoplist)

    # The cache and the C stemmer are rebuilt after unpickling, never stored in the schema.
    def __getstate__(self) -> dict[str, Any]:
        return {"stoplist": self.stoplist, "cache_size": self.cache_size}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    def term(self, word: str) -> str:
        """The indexed form of one word ('' for a stop word or an elision alone)."""
        found = self._cache.get(word)
        if found is None:
            found = self._analyse(word)
            if len(self._cache) >= self.cache_size:
                self._cache.clear()
            self._cache[word] = found
        return found

    def _analyse(self, word: str) -> str:
        lowered = _ELISION.sub("", word).lower().translate(_LIGATURES)
        folded = fold(lowered)
        if _stop_key(lowered, folded) in self.stoplist:
            return ""
        if self._stemmer is None:
            self._stemmer = Stemmer.Stemmer("french")
        return fold(str(self._stemmer.stemWord(_accented_suffix(folded)))) or folded

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        cache = self._cache
        for t in tokens:
            word = t.text
            found = cache.get(word)
            if found is None:
                found = self.term(word)
            if not found:
                if t.removestops:
                    continue
                found = fold(word)
            if t.chars and found is not word:
                elided = _ELISION.match(word)
                if elided:
                    t.startchar += elided.end()
            t.text = found
            yield t


def _french_filter(analyzer: Any) -> FrenchFilter | None:
    """The FrenchFilter of ``analyzer`` when it is exactly the French chain, else None."""
    items = getattr(analyzer, "items", None)
    if not items or len(items) != 2 or type(items[0]) is not FrenchTokenizer \
            or type(items[1]) is not FrenchFilter:
        return None
    return items[1]


def index_terms(analyzer: Any, text: str) -> list[str] | None:
    """The term at each position of ``text`` ('' where a stop word was), computed without
    Token objects: the indexing fast path. None when ``analyzer`` is not the French chain."""
    french = _french_filter(analyzer)
    if french is None:
        return None
    get, term = french._cache.get, french.term
    return [found if (found := get(word)) is not None else term(word) for word in _WORD.findall(text)]


def term_spans(analyzer: Any, text: str) -> list[tuple[str, int, int]] | None:
    """(term, start, end) of each word of ``text`` that is not a stop word, the elision left
    out of the span: what ``analyzer(text, chars=True)`` gives, without Token objects (the
    snippet fast path). None when ``analyzer`` is not the French chain."""
    french = _french_filter(analyzer)
    if french is None:
        return None
    get, term = french._cache.get, french.term
    spans = []
    for match in _WORD.finditer(text):
        word = match.group()
        found = get(word)
        if found is None:
            found = term(word)
        if found:
            start = match.start()
            if "'" in word or "’" in word:
                elided = _ELISION.match(word)
                if elided:
                    start += elided.end()
            spans.append((found, start, match.end()))
    return spans


def french_analyzer() -> CompositeAnalyzer:
    """The one analysis chain used for indexing and for queries."""
    return FrenchTokenizer() | FrenchFilter()


def analyse(text: str) -> list[str]:
    """The indexed terms of ``text``, in order (stop words left out). For tests and tools."""
    return [t.text for t in _shared_analyzer()(text)]


_ANALYZER: list[CompositeAnalyzer] = []


def _shared_analyzer() -> CompositeAnalyzer:
    if not _ANALYZER:
        _ANALYZER.append(french_analyzer())
    return _ANALYZER[0]
