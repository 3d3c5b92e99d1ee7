"""What wire-story grouping (grouping.py) reads of an article's text: the hashes of its word
4-grams (shingles), its bottom-k sketch, its title's words and names, and whether its text
speaks of its title. Pure functions of the text, with no table.

The shingles are the CRC-32s of 4 words joined by one space: the groups table of an index
holds them, so they must never change (tested on fixed texts).
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

SKETCH_SIZE = 32  # K smallest own shingle hashes kept per article
SHINGLE = 4  # words per shingle
MIN_LINE_WORDS = 5  # shorter lines are page furniture, left out of the text
TITLE_OVERLAP = 0.5  # Jaccard similarity of two titles' words from which they are alike
TOLD = 0.5  # share of a title's words its text must have for the title to be its text's
_WORD = re.compile(r"[^\W_]+")
_CLAUSE = frozenset(":.!?«\"“”(–—-|")  # a capital after these opens a clause, it is not a name
_TITLE_STOP = frozenset("""les des une aux dans pour par avec sur sous chez vers entre sans apres avant
    est sont etait ont eux elle elles ils nous vous etes son ses leur leurs qui que quoi dont plus pas
    mais comme tout tous toute cette ces cet aussi tres fait faut peut""".split())


@dataclass(frozen=True)
class Fingerprint:
    """What grouping reads of an article, in one pass over its text."""

    shingles: list[int]  # distinct hashes of the word 4-grams of its lines of MIN_LINE_WORDS+ words, ascending
    title: set[int]  # title_words
    names: list[str]  # title_names
    told: bool  # told_title: its text speaks of its title


def fingerprint(title: str, text: str) -> Fingerprint:
    low = text.lower()
    return Fingerprint(_shingles(_kept_words(low)), title_words(title), title_names(title, text),
                       told_title(title, low))


def _kept_words(low: str) -> list[str]:
    """The words of the lines of MIN_LINE_WORDS words or more of a case-folded text."""
    kept: list[str] = []
    for line in low.split("\n"):
        found = _WORD.findall(line)
        if len(found) >= MIN_LINE_WORDS:
            kept += found
    return kept


def shingles(text: str) -> list[int]:
    """The distinct hashes of the word 4-grams of the text's lines of MIN_LINE_WORDS words or
    more (case-folded), ascending."""
    return _shingles(_kept_words(text.lower()))


def _shingles(words: list[str]) -> list[int]:
    """A shingle is the CRC-32 of its words joined by one space (the words are encoded once,
    not once per shingle)."""
    if len(words) < SHINGLE:
        return []
    encoded = " ".join(words).encode("utf-8").split(b" ")
    hashes = map(zlib.crc32, map(b" ".join, zip(*(encoded[i:] for i in range(SHINGLE)))))
    ordered = np.sort(np.fromiter(hashes, dtype=np.uint32, count=len(words) - SHINGLE + 1))
    distinct: list[int] = ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))].tolist()
    return distinct  # 17 us for 470 shingles: sorted(set()) takes 95, np.unique 70 (hashing first)


def sketch(text: str) -> list[int]:
    """The SKETCH_SIZE smallest shingle hashes of the text, sorted (before furniture is
    known: Grouper leaves out the shingles of other stories' furniture too)."""
    return shingles(text)[:SKETCH_SIZE]


def similarity(a: Iterable[int], b: Iterable[int]) -> float:
    """Estimated Jaccard similarity of two texts from their sketches: the share of the
    SKETCH_SIZE smallest values of both that are in both."""
    mine = a if isinstance(a, (set, frozenset)) else set(a)
    other = b if isinstance(b, (set, frozenset)) else set(b)
    if not mine or not other:
        return 0.0
    union = sorted(mine.union(other))[:SKETCH_SIZE]
    return len(mine.intersection(other).intersection(union)) / len(union)


def title_words(title: str) -> set[int]:
    """CRC-32s of a title's content words: accents folded, 3 letters or more, no function word."""
    folded = _fold(title.lower())
    return {zlib.crc32(w.encode("ascii")) for w in _WORD.findall(folded) if len(w) >= 3 and w not in _TITLE_STOP}


def told_title(title: str, low: str) -> bool:
    """Whether an article's text (``low``, case-folded) speaks of its title: half the title's
    content words or more start as one of its words do (5 letters: "relancé", "relance").
    A page cut after a chapeau or a promotion, or made of furniture, does not."""
    wanted = {w[:5] for w in _WORD.findall(title.lower()) if len(w) >= 3 and _fold(w) not in _TITLE_STOP}
    return bool(wanted) and sum(_has_word(low, start, whole=len(start) < 5) for start in wanted) >= TOLD * len(wanted)


def _fold(word: str) -> str:
    return unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode("ascii")


def title_names(title: str, text: str) -> list[str]:
    """The proper names of a title that its article's ``text`` mentions: capitalised words of
    3 letters or more that do not open the title or one of its clauses, found capitalised in
    the text ("Bruno Le Maire" names Maire; "le maire de Meaux" does not mention him)."""
    return sorted({w for w in _names(title) if mentions(text, w)})


def _names(title: str) -> Iterator[str]:
    for found in _WORD.finditer(title):
        word, before = found.group(), title[:found.start()]
        opens = not before.endswith("-") and (not before.strip() or before.rstrip()[-1] in _CLAUSE)
        if len(word) >= 3 and word[0].isupper() and not opens:  # "Copé-Fillon": Fillon is a name
            yield word


def mentions(text: str, name: str) -> bool:
    """Whether ``text`` has ``name`` as a word, with its capitals."""
    return _has_word(text, name, whole=True)


def _has_word(text: str, word: str, whole: bool) -> bool:
    """Whether a word of ``text`` begins with ``word`` (letters and digits), or with ``whole``
    is it."""
    at = text.find(word)
    while at >= 0:
        end = at + len(word)
        if not (at and text[at - 1].isalnum()) and not (whole and end < len(text) and text[end].isalnum()):
            return True
        at = text.find(word, at + 1)
    return False


def alike_titles(a: set[int], b: set[int]) -> bool:
    """Whether two titles (title_words) name the same story: half their words or more are
    common ("ENQUÊTE. X" is X; "Siné Madame : la publicité" is not "Siné Madame : l'été")."""
    if not a or not b:
        return False
    return len(a & b) >= TITLE_OVERLAP * len(a | b)
