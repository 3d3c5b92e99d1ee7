"""Names written with their stop words, in a keyword query: ``Le Monde``, ``Grand Est``,
``Marine Le Pen``, ``Europe de l'Est``, ``Côte d'Ivoire``. The stop words of words side by
side are left out (``Le Monde`` is "monde", ``Grand Est`` is "grand"); the names found here
are also searched as the phrases they are, stop words included (they are indexed with their
positions), and the articles that hold them rank first (queries.py: the words as before,
``ANDMAYBE`` the names), so that nothing is lost to a name wrongly seen. A name is told by its
capitals, as typed:

- a capitalised article (Le, La, Les, L', De, Du, Des, D') and the capitalised word after it:
  ``Le Pen``, ``La Croix``, ``L'Équipe``, ``Les Échos``;
- lowercase articles between two capitalised words: ``Charles de Gaulle``, ``Côte d'Ivoire``,
  ``Europe de l'Est``;
- another capitalised stop word after a capitalised word: ``Grand Est``.

In ``Macron Le Pen`` the name is "Le Pen"; ``L'armée`` or ``le monde`` (no capital on the
second word) hold none. Only keyword queries are read so: a question or pasted text keeps
its words alone (the first word of a sentence has a capital too).

Also here: an excluded stop word (``NOT été``) is quoted, so that it excludes.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from .analysis import is_stop_term
from .words import words_at

ARTICLES = frozenset({"le", "la", "les", "l'", "de", "du", "des", "d'"})  # lowercase, straight apostrophe
_CHUNK = re.compile(r"\S+")
_WORD_CHUNK = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")  # letters, maybe an elision: no syntax, no hyphen
_TRAILING = ",;.!"  # punctuation that ends a chunk, and a name
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"})
_EXCLUDED_WORD = re.compile(r"(?<![\w\"])NOT\s+([^\W\d_][\w'’-]*)(?![\w:*~])")


class _Word(NamedTuple):
    start: int
    end: int
    capital: bool
    stop: bool
    article: bool
    run: int  # words of one run are side by side (whitespace or an elision between them)


def _stop_word(analyzer: Any, word: str) -> bool:
    """Whether ``analyzer`` makes a stop word (or an elision) of ``word``."""
    terms = analyzer.terms(word)
    return bool(terms) and all(map(is_stop_term, terms))


def names_in(text: str, analyzer: Any) -> list[str]:
    """The names (module docstring) of the unquoted parts of ``text``, as written, told by
    ``analyzer``'s stop words; none for an analyzer without ``terms``."""
    if not hasattr(analyzer, "terms"):
        return []
    return [name for part in text.split('"')[::2] for name in _names(part, analyzer)]


def quote_excluded_stop_words(text: str, analyzer: Any) -> str:
    """``NOT été`` (or ``-été``) with the excluded word quoted when ``analyzer`` makes a stop
    word of it ("été" is also "a été"): stop words are indexed with their positions, so the
    quoted word excludes the articles that have it, as a name made of stop words is found
    ("La Une"). Unquoted, the parser dropped it: the exclusion was ignored, or alone under a
    filter the query became the phrase "not été". An excluded word that starts a name is
    quoted with the name: ``Macron NOT Le Pen`` excluded every article with "le"."""
    if not hasattr(analyzer, "terms"):
        return text
    parts = text.split('"')
    for i in range(0, len(parts), 2):  # outside quotes
        parts[i] = _quote_excluded(parts[i], analyzer)
    return '"'.join(parts)


def _quote_excluded(text: str, analyzer: Any) -> str:
    out, done = [], 0
    for match in _EXCLUDED_WORD.finditer(text):
        if match.start() < done:  # inside a name quoted already
            continue
        start = match.start(1)
        name = next((end for begin, end in _spans(text[start:], analyzer) if begin == 0), None)
        if name is not None:
            out += [text[done:match.start()], f'NOT "{text[start:start + name]}"']
            done = start + name
        elif _stop_word(analyzer, match.group(1)):
            out += [text[done:match.start()], f'NOT "{match.group(1)}"']
            done = match.end()
    return "".join(out) + text[done:]


def _names(text: str, analyzer: Any) -> list[str]:
    return [text[start:end] for start, end in _spans(text, analyzer)]


def _spans(text: str, analyzer: Any) -> list[tuple[int, int]]:
    """(start, end) of each name of ``text``."""
    words = _words(text, analyzer)
    spans = sorted(span for k in range(len(words)) if (span := _name_at(words, k)) is not None)
    merged: list[list[int]] = []
    for first, last in spans:
        if merged and first <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], last)
        else:
            merged.append([first, last])
    return [(words[first].start, words[last].end) for first, last in merged]


def _words(text: str, analyzer: Any) -> list[_Word]:
    """The plain words of ``text`` (elisions apart) with what names are told by; a chunk
    with query syntax (field:, word*, word~, brackets, an operator, a hyphen) breaks a run."""
    found: list[_Word] = []
    run = 0
    for chunk in _CHUNK.finditer(text):
        core = chunk.group().rstrip(_TRAILING)
        if core in _OPERATORS or not _WORD_CHUNK.fullmatch(core):
            run += 1
            continue
        for word, start, end in words_at(core):
            article = word.lower().replace("’", "'") in ARTICLES
            found.append(_Word(chunk.start() + start, chunk.start() + end, word[:1].isupper(),
                               _stop_word(analyzer, word), article, run))
        if len(core) < len(chunk.group()):
            run += 1
    return found


def _name_at(words: list[_Word], k: int) -> tuple[int, int] | None:
    """The first and last word of the name that the stop word ``words[k]`` is part of."""
    word = words[k]
    if not word.stop:
        return None

    def named(i: int) -> bool:  # a capitalised word of the run, not a stop word
        return 0 <= i < len(words) and words[i].run == word.run and words[i].capital and not words[i].stop

    if word.capital and word.article:
        return (k, k + 1) if named(k + 1) else None
    if word.article:  # lowercase articles between two capitalised words
        def lowercase_article(i: int) -> bool:
            return 0 <= i < len(words) and words[i].run == word.run and words[i].article and not words[i].capital

        first, last = k, k
        while lowercase_article(first - 1):
            first -= 1
        while lowercase_article(last + 1):
            last += 1
        after = last + 1
        closing = after < len(words) and words[after].run == word.run and words[after].capital
        return (first - 1, after) if named(first - 1) and closing else None
    if word.capital:
        return (k - 1, k) if named(k - 1) else None
    return None
