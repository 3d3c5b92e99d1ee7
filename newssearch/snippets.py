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

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from .config import SNIPPET_CHARS, SNIPPET_FIRST_CHARS, SNIPPET_FRAGMENTS

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


_SENTENCE_END = re.compile(r"(?<=[.!?…»])\s+(?=[«\"A-ZÀ-ÖØ-Þ0-9])|\n+")


class TermMatcher:
    """Finds the words of a text whose analysed form matches the query terms or prefixes."""

    def __init__(self, analyse: Analyse, terms: Iterable[str], prefixes: Iterable[str] = (),
                 weights: Mapping[str, float] | None = None) -> None:
        self.analyse = analyse
        self.terms = frozenset(terms)
        self.prefixes = tuple(prefixes)
        self.weights = dict(weights or {})

    def weight(self, terms: Iterable[str]) -> float:
        """The summed weight of ``terms`` (1 each unless weighted)."""
        return sum(self.weights.get(term, 1.0) for term in terms)

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
    ``chars``. With no match, the opening of the text (no spans)."""
    matches = matcher.matches(text)
    sentences = _sentences(text)
    first = chars if first_chars is None else first_chars
    if not matches:
        return [_cut(text, *sentences[0], [], first)] if sentences and text.strip() else []
    inside = [[m for m in matches if start <= m.start < end] for start, end in sentences]
    chosen = _cover(inside, fragments, matcher.weight)
    return [_cut(text, *sentences[index], inside[index], chars if n else first) for n, index in enumerate(chosen)]


def _cover(inside: list[list[_Match]], fragments: int, weight: Callable[[Iterable[str]], float]) -> list[int]:
    """Greedy cover: each next sentence adds the most (weight of) query terms not yet shown,
    then has the most distinct terms, then the most matches, then comes first."""
    chosen: list[int] = []
    shown: set[str] = set()
    for _ in range(fragments):
        best, best_key = None, (0.0, 0.0, 0)
        for index, found in enumerate(inside):
            if index in chosen or not found:
                continue
            terms = {m.term for m in found}
            key = (weight(terms - shown), weight(terms), len(found))
            if key > best_key:
                best, best_key = index, key
        if best is None:
            break
        chosen.append(best)
        shown |= {m.term for m in inside[best]}
    return chosen


def _sentences(text: str) -> list[Span]:
    spans, start = [], 0
    for boundary in _SENTENCE_END.finditer(text):
        if boundary.start() > start:
            spans.append((start, boundary.start()))
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
    """The centre of the window of ``width`` characters holding the most distinct terms."""
    best, best_key = matches[0].start, (0, 0)
    for i, first in enumerate(matches):
        window = [m for m in matches[i:] if m.end - first.start <= width]
        key = (len({m.term for m in window}), len(window))
        if key > best_key:
            best_key, best = key, (first.start + window[-1].end) // 2
    return best


def _word_bounds(text: str, start: int, end: int) -> Span:
    while start > 0 and not text[start - 1].isspace() and start < end:
        start += 1
    while end < len(text) and not text[end].isspace() and end > start:
        end -= 1
    return start, end


def _is_sentence_start(text: str, at: int) -> bool:
    before = text[:at].rstrip(" ")
    return not before or before[-1] in ".!?…»\n"
