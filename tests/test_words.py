"""Finding words: the distinct words of a text, as the snippets look for them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newssearch.words import WORD, distinct_words


@pytest.mark.parametrize("text, words", [
    ("", set()),
    ("Le chat, le chat.", {"Le", "le", "chat"}),
    ("«Bonjour» (AFP) - États-Unis", {"Bonjour", "AFP", "États", "Unis"}),
    ("l’État aujourd'hui qu'il", {"l’État", "aujourd'hui", "qu'il"}),
    ("'guillemets' fin' x_y 1,5 %", {"guillemets", "fin", "x", "y", "1", "5"}),
    ("a\u00a0b\tc\u200bd 2²", {"a", "b", "c", "d", "2²"}),
])
def test_distinct_words(text: str, words: set[str]) -> None:
    assert distinct_words(text) == words


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["l'", "d’", "État", "x", "_", "2", "²", "'", "’", " ", "\u00a0", "\n", "-", ".", ",",
                                 "«", "»", "(", ")", "…", "\u200b", "/", "*", "é", "aujourd'hui"]), max_size=30))
def test_distinct_words_are_those_the_word_pattern_finds(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert distinct_words(text) == set(WORD.findall(text))
