"""Snippets as structured data: the best passages of an article, with match spans.

A word matches when its analysed form (folded, stemmed) is one of the query's terms or
starts with one of its prefixes, so ``etats-unis leopard`` highlights ``États-Unis`` and
``Leopard``. Passages are sentences, chosen greedily so that together they show as many
distinct query terms as possible, best first: ``hit.snippet`` is the passage
that shows the most of the query, and gets more room (``first_chars``) than the others,
since it is the one read first and most often holds the answer. Terms can be weighted (the
search weighs them by IDF: a passage with the rare word of a question beats one with two
common ones).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from .config import SNIPPET_CHARS, SNIPPET_FIRST_CHARS, SNIPPET_FRAGMENTS, SNIPPET_SCAN_CHARS

Span = tuple[int, int]
Analyse = Callable[[str], Iterable[tuple[str, int, int]]]


@dataclass(frozen=True)
class Snippet:
    """A passage of an article and the (start, end) character spans of matched words in it."""

    text: str
    spans: tuple[Span, ...] = ()


@dataclass(frozen=True)
class _Match:
    start: int
    end: int
    term: str


# A sentence ends at its closing punctuation, followed by spaces and the start of the next
# one, or at a line's end. The pattern starts with the one set of characters that can start
# a match, which lets the regex engine skip to them (an alternation of two it tried at every
# character): the same ends in every FreSaDa and MasakhaNEWS body, found 3.4 times faster.
_SENTENCE_END = re.compile(r"[.!?…»\n](?:(?<=[.!?…»])\s+(?=[«\"A-ZÀ-ÖØ-Þ0-9])|(?<=\n)\n*)")


class TermMatcher:
    """Finds the words of a text whose analysed form matches the query terms or prefixes."""

    def __init__(self, analyse: Analyse, terms: Iterable[str], prefixes: Iterable[str] = (),
                 weights: Mapping[str, float] | None = None) -> None:
        self.analyse = analyse
        self.terms = frozenset(terms)
        self.prefixes = tuple(prefixes)
        self.weights = dict(weights or {})

    def weight(self, terms: Iterable[str]) -> float:
        """The summed weight of ``terms`` (1 each unless weighted), exactly rounded: the same
        for the same terms in any order, so that equal sentences tie (the first is shown)."""
        return math.fsum(self.weights.get(term, 1.0) for term in terms)

    def _term_of(self, word: str) -> str | None:
        if word in self.terms:
            return word
        for prefix in self.prefixes:
            if word.startswith(prefix):
                return prefix
        return None

    def matches(self, text: str) -> list[_Match]:
        found = []
        for word, start, end in self.analyse(text):
            term = self._term_of(word)
            if term is not None:
                found.append(_Match(start, end, term))
        return found

    def spans(self, text: str) -> tuple[Span, ...]:
        return tuple((m.start, m.end) for m in self.matches(text))


def best_snippets(text: str, matcher: TermMatcher, *, fragments: int = SNIPPET_FRAGMENTS,
                  chars: int = SNIPPET_CHARS, first_chars: int | None = SNIPPET_FIRST_CHARS) -> list[Snippet]:
    """Up to ``fragments`` sentences of ``text`` that together show the most query terms,
    best first, the first cut to about ``first_chars`` (None: ``chars``) and the others to
    ``chars``; never the same sentence twice, and prose before lists of links or headlines.
    With no match, the opening of the text (no spans). Linear in the text's length, of which
    the first SNIPPET_SCAN_CHARS characters are looked at."""
    text = text[:SNIPPET_SCAN_CHARS]
    matches = matcher.matches(text)
    sentences = _sentences(text)
    first = chars if first_chars is None else first_chars
    if not matches:
        return [_cut(text, *sentences[0], [], first)] if sentences and text.strip() else []
    inside = _by_sentence(sentences, matches)
    chosen = _cover(text, sentences, inside, fragments, matcher.weight)
    return [_cut(text, *sentences[index], inside[index], chars if n else first) for n, index in enumerate(chosen)]


def _by_sentence(sentences: list[Span], matches: list[_Match]) -> list[list[_Match]]:
    """The matches inside each sentence (both in text order: one pass)."""
    inside: list[list[_Match]] = [[] for _ in sentences]
    index = 0
    for match in matches:
        while index < len(sentences) and sentences[index][1] <= match.start:
            index += 1
        if index < len(sentences) and sentences[index][0] <= match.start:
            inside[index].append(match)
    return inside


def _cover(text: str, sentences: list[Span], inside: list[list[_Match]], fragments: int,
           weight: Callable[[Iterable[str]], float]) -> list[int]:
    """Greedy cover: each next sentence is prose rather than a list of links or headlines,
    adds the most (weight of) query terms not yet shown, then has the most distinct terms,
    then the most matches, then comes first; a sentence already shown (the same words, as
    where an article repeats its lead) is not shown again."""
    candidates: dict[int, tuple[bool, set[str], float]] = {}
    seen: set[str] = set()
    for index, found in enumerate(inside):
        # A repeated sentence scores as its first occurrence and would lose to it: only the
        # first is a candidate (dropping the others as they came up rescanned every sentence
        # for each: quadratic on an article that repeats one sentence, 1.3 s for 1 MB).
        same = " ".join(text[slice(*sentences[index])].lower().split()) if found else ""
        if found and same not in seen:
            seen.add(same)
            terms = {m.term for m in found}
            candidates[index] = (_is_prose(text, *sentences[index]), terms, weight(terms))
    chosen: list[int] = []
    shown: set[str] = set()
    while len(chosen) < fragments:
        best, best_key = None, (False, 0.0, 0.0, 0)
        for index, (prose, terms, full) in candidates.items():
            key = (prose, full if shown.isdisjoint(terms) else weight(terms - shown), full, len(inside[index]))
            if key > best_key:
                best, best_key = index, key
        if best is None:
            break
        del candidates[best]
        chosen.append(best)
        shown |= {m.term for m in inside[best]}
    return chosen


# A list of links ("Lire aussi : ...", "À lire également", "Voir aussi") or of headlines (a
# short line that does not end like a sentence) is shown only when no prose has the words.
_LINKS = re.compile(r"(?:À|A)?\s*(?:lire|voir|regarder|écouter|ecouter)\s+(?:aussi|également|egalement)\b|"
                    r"(?:sur le même sujet|articles? liés?)\b", re.IGNORECASE)
_HEADLINE_WORDS = 12


def _is_prose(text: str, start: int, end: int) -> bool:
    if _LINKS.match(text, start, end):
        return False
    line_end = text.find("\n", start, end)
    return text[end - 1:end] in ".!?…»\"" or len(text[start:line_end if line_end >= 0 else end].split()) > _HEADLINE_WORDS


def _sentences(text: str) -> list[Span]:
    spans, start = [], 0
    for boundary in _SENTENCE_END.finditer(text):
        end = boundary.start() if text[boundary.start()] == "\n" else boundary.start() + 1  # after the punctuation
        if end > start:
            spans.append((start, end))
        start = boundary.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def _cut(text: str, start: int, end: int, matches: list[_Match], chars: int) -> Snippet:
    """The sentence text[start:end], trimmed to about ``chars`` around its densest matches."""
    if end - start > chars:
        if matches:
            centre = _densest(matches, chars)
            start = max(start, min(centre - chars // 2, end - chars))
        end = min(end, start + chars)
        start, end = _word_bounds(text, start, end)
    piece = text[start:end]
    lead = "…" if start > 0 and not _is_sentence_start(text, start) else ""
    tail = "…" if end < len(text) and not re.match(r"[.!?…»\"]", text[end - 1:end]) else ""
    offset = len(lead) - start
    spans = tuple((m.start + offset, m.end + offset) for m in matches if start <= m.start and m.end <= end)
    return Snippet(lead + piece + tail, spans)


def _densest(matches: list[_Match], width: int) -> int:
    """The centre of the window of ``width`` characters holding the most distinct terms (then
    the most matches), the first such window; one pass with two ends."""
    best, best_key = matches[0].start, (0, 0)
    counts: Counter[str] = Counter()
    last = 0  # the window is matches[i:last]
    for i, first in enumerate(matches):
        while last < len(matches) and matches[last].end - first.start <= width:
            counts[matches[last].term] += 1
            last += 1
        key = (len(counts), last - i)
        if last > i and key > best_key:
            best_key, best = key, (first.start + matches[last - 1].end) // 2
        if last > i:
            counts[first.term] -= 1
            if not counts[first.term]:
                del counts[first.term]
        else:
            last = i + 1
    return best


def _word_bounds(text: str, start: int, end: int) -> Span:
    while start > 0 and not text[start - 1].isspace() and start < end:
        start += 1
    while end < len(text) and not text[end].isspace() and end > start:
        end -= 1
    return start, end


def _is_sentence_start(text: str, at: int) -> bool:
    while at > 0 and text[at - 1] == " ":
        at -= 1
    return at == 0 or text[at - 1] in ".!?…»\n"
