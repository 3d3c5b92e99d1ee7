"""The French analysis chain, one for index and query time. Whoosh analysis API only.

``french_analyzer()`` = ``FrenchTokenizer() | FrenchFilter()``:

- the tokenizer splits on whitespace and punctuation (hyphens too: ``États-Unis`` is two
  words at adjacent positions), keeps apostrophes inside a word (``aujourd'hui`` is one
  word), and gives an elision its own position (``l’Ukraine`` is ``l’`` then ``Ukraine``);
- the filter lowercases, expands the ligatures œ/æ, folds accents (unidecode) and stems
  with the French Snowball stemmer (PyStemmer, the C implementation). The result for each
  distinct word is cached, so each word of an archive is analysed once per process.
- French stop words (and elisions) are indexed too, as terms of their own marked with a
  leading ``_`` (``_le``, ``_l``), which no other term holds: phrases match exactly their
  words (``"Le Monde"`` is not "du monde", ``Notre-Dame`` is not "dame"). They count for
  nothing in a field's length, so BM25 scores are those of an index without them, and a
  query leaves them out unless they are part of a phrase or a hyphenated name (the filter
  drops them when the tokens ask ``removestops``, as Whoosh's query parser does).
- a word written with accents is a stop word only if its accented form is one ("né" and
  "dû" are words, not "ne" and "du"); a word written without accents is compared folded.
- Snowball's French rules read accents (``sécurité`` -> ``sécur``, ``créée`` -> ``cré``),
  but queries are often typed without them. So that terms stay accent-insensitive, the
  folded word gets back the accents of the suffixes -ée(s) and -ité(s) before stemming
  (``securite`` and ``sécurité`` both give ``secur``).

The classes are pickled into the index schema by Whoosh: keep them at this import path.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from typing import Any

import Stemmer
from unidecode import unidecode
from whoosh.analysis import CompositeAnalyzer, Filter, Token, Tokenizer

from .words import ELISION, distinct_words, word_at, word_list, words_at

STOP_MARK = "_"  # a stop word's term: "_" and its folded form (fold() never leaves a "_" in a term)
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "’": "'"})

# French stop words (the Snowball list, plus common elided forms), written with accents;
# they are folded below exactly like the text is. Deliberately not Whoosh's list, which
# also removes English words such as "us", "an", "on", "may". Not Snowball's "avions"
# (news says "des avions" more than "nous avions": "avions de chasse" searched "chasse"),
# nor "étés", "étée", "étées", which no verb is ("été" stays: "a été" is in most articles).
_FRENCH_STOP_WORDS = """
au aux avec ce ces dans de des du elle en et eux il ils je la le les leur lui ma mais me même
mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton
tu un une vos votre vous c d j l à m n s t y été étant étante étants étantes suis
es est sommes êtes sont serai seras sera serons serez seront serais serait serions seriez
seraient étais était étions étiez étaient fus fut fûmes fûtes furent sois soit soyons soyez
soient fusse fusses fût fussions fussiez fussent ayant ayante ayantes ayants eu eue eues eus ai
as avons avez ont aurai auras aura aurons aurez auront aurais aurait aurions auriez auraient
avais avait aviez avaient eut eûmes eûtes eurent aie aies ait ayons ayez aient eusse
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
    return fold(ELISION.sub("", word))


def is_stop_term(term: str) -> bool:
    """Whether an indexed term is a stop word's (or an elision's)."""
    return term.startswith(STOP_MARK)


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
        t.verbatim = not tokenize  # a whole text: a prefix or a range bound, never a stop term
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return
        for pos, (word, start, end) in enumerate(words_at(value), start=start_pos):
            t.text = word
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = t.text
            if positions:
                t.pos = pos
            if chars:
                t.startchar = start_char + start
                t.endchar = start_char + end
            yield t


class FrenchWords:
    """The indexed form of a word, cached: case, ligatures, accents, the Snowball stem, and
    the marked term of a stop word or an elision; each word of an archive analysed once."""

    def __init__(self, stoplist: frozenset[str] = _STOP_LIST, cache_size: int = 500_000) -> None:
        self.stoplist = stoplist
        self.cache_size = cache_size
        self._cache: dict[str, str] = {}
        self._stemmer: Any = None
        self.joined: dict[str, tuple[tuple[int, int, str], ...]] = {}  # FrenchAnalyzer._pieces
        self._forms: dict[str, list[str]] | None = None  # forms(): kept once asked for
        self.elided: set[str] = set()  # the words of the cache written with an apostrophe
        # A web server's threads share the cache: words are added and forms built under the lock; a
        # full cache is replaced, not emptied, so that a scan keeps the cache and forms it took.
        self._lock = threading.Lock()

    def term(self, word: str) -> str:
        """The term of one word ('' when nothing of it is left to index)."""
        found = self._cache.get(word)
        if found is None:
            found = self._analyse(word)
            with self._lock:
                if word not in self._cache:
                    if len(self._cache) >= self.cache_size:
                        self._cache, self._forms, self.elided = {}, None, set()
                    self._cache[word] = found
                    if "'" in word or "’" in word:
                        self.elided.add(word)
                    elif self._forms is not None:
                        self._forms.setdefault(found, []).append(word)
        return found

    def forms(self) -> tuple[dict[str, str], dict[str, list[str]], set[str]]:
        """The cache, its words by term ("char": ["chars", "Char"...], those with an apostrophe
        left out) and those (``elided``), together. The forms are built when a query-time scan
        first asks (indexing never does, and its cache is the largest), then kept with the cache."""
        with self._lock:
            if self._forms is None:
                built: dict[str, list[str]] = {}
                for word, term in self._cache.items():
                    if word not in self.elided:
                        built.setdefault(term, []).append(word)
                self._forms = built
            return self._cache, self._forms, self.elided

    def _analyse(self, word: str) -> str:
        lowered = word.lower().translate(_LIGATURES)
        if lowered.endswith("'"):  # an elision (its own word: see words_at())
            return STOP_MARK + fold(lowered[:-1])
        folded = fold(lowered)
        if _stop_key(lowered, folded) in self.stoplist:
            return STOP_MARK + folded
        if self._stemmer is None:
            self._stemmer = Stemmer.Stemmer("french")
        return fold(str(self._stemmer.stemWord(_accented_suffix(folded)))) or folded


class FrenchFilter(Filter):
    """Applies FrenchWords to a token stream; stop words keep their positions and are dropped
    when the tokens ask it (``removestops``)."""

    def __init__(self, stoplist: frozenset[str] = _STOP_LIST, cache_size: int = 500_000) -> None:
        self.stoplist = stoplist
        self.cache_size = cache_size
        self.words = FrenchWords(stoplist, cache_size)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FrenchFilter) and other.stoplist == self.stoplist

    def __hash__(self) -> int:
        return hash(self.stoplist)

    # The word cache and the C stemmer are rebuilt after unpickling, never stored in the schema.
    def __getstate__(self) -> dict[str, Any]:
        return {"stoplist": self.stoplist, "cache_size": self.cache_size}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        term_of = self.words.term
        for t in tokens:
            term = term_of(t.text)
            if term[:1] == STOP_MARK:
                if t.removestops:
                    continue
                if getattr(t, "verbatim", False):
                    term = term[1:]
            if term:
                t.text = term
                yield t


class FrenchAnalyzer(CompositeAnalyzer):
    """``FrenchTokenizer() | FrenchFilter()``, with two fast paths that give what the chain
    gives without a Token object per word: ``terms`` (indexing) and ``spans_of`` (snippets)."""

    def __init__(self) -> None:
        super().__init__(FrenchTokenizer(), FrenchFilter())

    is_stop_term = staticmethod(is_stop_term)

    def terms(self, text: str) -> list[str]:
        """The term at each position of ``text``, stop words' terms included."""
        return self.words_and_terms(text)[1]

    def words_and_terms(self, text: str) -> tuple[list[str], list[str]]:
        """The word at each position of ``text`` as written, and its term."""
        found = word_list(text)
        words = self.items[1].words
        get, term_of = words._cache.get, words.term  # the cache first: most words are in it
        return found, [get(word) or term_of(word) for word in found]

    def spans_of(self, text: str, terms: frozenset[str], prefixes: tuple[str, ...] = ()) -> list[tuple[str, int, int]]:
        """(term, start, end) of each word of ``text`` whose term is one of ``terms`` or starts
        with one of ``prefixes``, stop words left out: what ``self(text, chars=True)`` gives,
        filtered. Snippets call it on every hit, so each distinct word is looked up once,
        and only the wanted ones are found again (``str.find``, kept where ``WORD`` would
        match them whole): analysing every word was a third of a query's time."""
        spans: list[tuple[str, int, int]] = []
        for raw, found in self._wanted(text, terms, prefixes):
            at = text.find(raw)
            while at >= 0:
                if word_at(text, at, len(raw)):
                    spans += [(term, at + start, at + end) for start, end, term in found]
                at = text.find(raw, at + 1)
        spans.sort(key=lambda span: span[1])
        return spans

    def phrase_spans(self, text: str, phrases: Iterable[tuple[tuple[int, str], ...]]) -> list[tuple[str, int, int]]:
        """(term, start, end) of each word of the places where ``text`` holds one of
        ``phrases``, each a sequence of (relative position, term), stop words' marked terms
        included ("La Une", Notre-Dame): what ``spans_of`` leaves out of a phrase. Every word
        is analysed (only queries with such a phrase ask for it), and the words' offsets are
        found only where a phrase is (in one hit's text in fifteen on FreSaDa's headlines)."""
        terms = self.words_and_terms(text)[1]
        places: dict[int, str] = {}  # the index of each word of a phrase found, and its term
        for phrase in phrases:
            (first, head), length = phrase[0], phrase[-1][0] - phrase[0][0] + 1
            for i in range(len(terms) - length + 1):
                if terms[i] == head and all(terms[i + at - first] == term for at, term in phrase):
                    places.update((i + at - first, term) for at, term in phrase)
        if not places:
            return []
        spans = [(places[i], start, end) for i, (_, start, end) in enumerate(words_at(text)) if i in places]
        return sorted(spans, key=lambda span: span[1])

    def written(self, text: str, terms: frozenset[str]) -> set[str]:
        """The words of ``text`` whose term is one of ``terms``, as written (an elision cut
        off): each distinct word looked up once, as in ``spans_of``."""
        return {raw[start:end] for raw, found in self._wanted(text, terms, ()) for start, end, _ in found}

    def _wanted(self, text: str, terms: frozenset[str],
                prefixes: tuple[str, ...]) -> Iterator[tuple[str, list[tuple[int, int, str]]]]:
        """Each distinct ``WORD`` match of ``text`` that holds a wanted word, with the
        (start, end, term) of its wanted words (two with an elision). Known words are found
        through the cache's forms of the wanted terms; only new words and words with an
        apostrophe are looked at one by one (a loop over every word was a quarter of a headline)."""
        words, present = self.items[1].words, distinct_words(text)
        known: dict[str, str] = {}
        if prefixes:  # a word* query: every distinct word's term is tested
            cache, unknown = words._cache, present
        else:  # the wanted terms' known forms, met in the text: set operations, not a loop
            cache, forms, elided = words.forms()
            unknown = present.difference(cache) | (present & elided)
            known = {raw: term for term in terms if term and term[0] != STOP_MARK  # (added since: in unknown)
                     for raw in forms.get(term, ()) if raw in present and raw not in unknown}
        get, joined = cache.get, words.joined
        for raw in unknown:
            term = get(raw)
            if term is None or "'" in raw or "’" in raw:  # not analysed yet, or an elision
                pieces = joined.get(raw)
                if pieces is None:
                    pieces = self._pieces(raw)
                found = [(start, end, term) for start, end, term in pieces
                         if term in terms or (prefixes and term.startswith(prefixes))]
                if found:
                    yield raw, found
            elif term and term[0] != STOP_MARK and (term in terms or (prefixes and term.startswith(prefixes))):
                yield raw, [(0, len(raw), term)]
        for raw, term in known.items():
            yield raw, [(0, len(raw), term)]

    def _pieces(self, raw: str) -> tuple[tuple[int, int, str], ...]:
        """(start, end, term) of the indexed words (not stop words) of one ``WORD`` match:
        two with an elision. Kept for the matches with an apostrophe (``l'État``), which the
        word cache does not hold whole."""
        words, pieces, start = self.items[1].words, [], 0
        for word in word_list(raw):  # the match itself, or its elision and the rest
            pieces.append((start, start + len(word), word))
            start += len(word)
        found = tuple((start, end, term) for start, end, word in pieces
                      if (term := words.term(word)) and term[0] != STOP_MARK)
        if "'" in raw or "’" in raw:
            if len(words.joined) >= words.cache_size:
                words.joined.clear()
            words.joined[raw] = found
        return found


def french_analyzer() -> FrenchAnalyzer:
    """The one analysis chain used for indexing and for queries."""
    return FrenchAnalyzer()


def analyse(text: str) -> list[str]:
    """The indexed terms of ``text``, in order (stop words left out). For tests and tools."""
    return [t.text for t in _shared_analyzer()(text)]


_ANALYZER: list[FrenchAnalyzer] = []


def _shared_analyzer() -> FrenchAnalyzer:
    if not _ANALYZER:
        _ANALYZER.append(french_analyzer())
    return _ANALYZER[0]
