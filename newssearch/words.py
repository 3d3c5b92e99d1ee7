"""Finding the words of French text: letters and digits, joined by apostrophes inside a
word (``aujourd'hui``, ``l'Ukraine``), an elision a word of its own where asked. What the
analysis chain (analysis.py) tokenizes, and the snippets look for."""

from __future__ import annotations

import re
from collections.abc import Iterator

# A word: letters/digits, possibly joined by apostrophes (l'Ukraine, aujourd'hui). Possessive:
# the same matches (every FreSaDa and MasakhaNEWS body), found 11% faster.
WORD = re.compile(r"[^\W_]++(?:['’][^\W_]++)*+")
ELISION = re.compile(r"^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu|quoiqu)['’](?=[^\W_])", re.IGNORECASE)


def words_at(text: str) -> Iterator[tuple[str, int, int]]:
    """(word, start, end) of each word of ``text``, an elision a word of its own."""
    if "'" not in text and "’" not in text:
        for match in WORD.finditer(text):
            yield match.group(), match.start(), match.end()
        return
    for match in WORD.finditer(text):
        word, start = match.group(), match.start()
        elided = ELISION.match(word) if "'" in word or "’" in word else None
        if elided:
            cut = elided.end()
            yield word[:cut], start, start + cut
            word, start = word[cut:], start + cut
        yield word, start, match.end()


def word_list(text: str) -> list[str]:
    """The words of ``text``, as ``words_at`` gives them, without their offsets (faster)."""
    found = WORD.findall(text)
    if "'" not in text and "’" not in text:
        return found
    out: list[str] = []
    for word in found:
        elided = ELISION.match(word) if "'" in word or "’" in word else None
        if elided:
            out += (word[:elided.end()], word[elided.end():])
        else:
            out.append(word)
    return out


_LETTER = re.compile(r"[^\W_]")
_JOINED = re.compile(r"[^\W_]['’]")


def word_at(text: str, at: int, length: int) -> bool:
    """Whether ``WORD.finditer(text)`` has a match of ``length`` characters at ``at``: one
    that no letter (nor a letter and an apostrophe, which joins words) precedes, and that
    does not go on."""
    if at and (_LETTER.match(text, at - 1) or (at > 1 and _JOINED.match(text, at - 2))):
        return False
    found = WORD.match(text, at)
    return found is not None and found.end() == at + length


# Never part of a word: stripped from the ends of a whitespace-separated token before it is
# tested whole (apostrophes are left: inside a word they join it).
_EDGES = ".,;:!?()[]{}«»\"“”…-–—/*"


def distinct_words(text: str) -> set[str]:
    """``set(WORD.findall(text))``, 31% faster on FreSaDa's bodies (a snippet looks for the
    query's words in each hit's body). No word crosses whitespace, so each distinct token of
    ``text.split()``, stripped of the punctuation at its ends, is one word when it is all
    letters and digits (``str.isalnum``, the letters of ``WORD``); only the others go
    through ``WORD``."""
    found: set[str] = set()
    add, findall = found.add, WORD.findall
    for token in set(text.split()):
        core = token if token.isalnum() else token.strip(_EDGES)
        if core.isalnum():
            add(core)
        elif core:
            found.update(findall(core))
    return found
