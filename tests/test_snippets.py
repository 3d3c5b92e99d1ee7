"""Snippets: passages around the matches, with spans on every matched form."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newssearch.analysis import french_analyzer
from newssearch.hits import term_matcher
from newssearch.schema import build_schema
from newssearch.snippets import TermMatcher, best_snippets

from .conftest import SEED

SCHEMA = build_schema()


def matcher(*terms: str, prefixes: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    analysed = [t.text for word in terms for t in french_analyzer()(word)]
    return term_matcher(SCHEMA, analysed, prefixes)


def marked(snippet) -> list[str]:  # type: ignore[no-untyped-def]
    return [snippet.text[s:e] for s, e in snippet.spans]


def test_every_form_is_highlighted() -> None:
    text = "Les États-Unis et les Etats-Unis d’Amérique ; les chars Leopard et un char."
    [snippet] = best_snippets(text, matcher("etats-unis", "leopard", "chars"))
    assert marked(snippet) == ["États", "Unis", "Etats", "Unis", "chars", "Leopard", "char"]


def test_elided_word_highlight_excludes_the_article() -> None:
    [snippet] = best_snippets("Aide militaire à l’Ukraine.", matcher("Ukraine"))
    assert marked(snippet) == ["Ukraine"]


def test_prefix_matches_are_highlighted() -> None:
    [snippet] = best_snippets("Medvedev a parlé à Medvedeva.", matcher(prefixes=("medved",)))
    assert marked(snippet) == ["Medvedev", "Medvedeva"]


def test_snippets_cover_the_query_terms_best_first() -> None:
    body = SEED.read_text(encoding="utf-8").split("\n\n", 1)[1]
    snippets = best_snippets(body, matcher("Ramstein", "Leopard"))
    assert 1 <= len(snippets) <= 3
    texts = " ".join(s.text for s in snippets)
    assert "Leopard" in texts and "Ramstein" in texts  # no sentence has both: two are shown
    assert all(body.find(s.text.strip("…")[:30]) >= 0 for s in snippets)
    assert "Leopard" in snippets[0].text or "Ramstein" in snippets[0].text


@pytest.mark.parametrize("weights, first", [
    (None, "Le président et le gouvernement"),  # two terms beat one
    ({"president": 1.0, "gouvern": 1.0, "dissolu": 5.0}, "La dissolution"),  # the rare term wins
    ({"president": 3.0, "gouvern": 3.0, "dissolu": 5.0}, "Le président et le gouvernement"),
])
def test_weighted_terms_choose_the_first_snippet(weights: dict[str, float] | None, first: str) -> None:
    text = "Le président et le gouvernement se sont réunis. La dissolution a été annoncée hier soir."
    plain = matcher("président", "gouvernement", "dissolution")
    weighted = term_matcher(SCHEMA, plain.terms, (), weights)
    assert sorted(plain.terms) == ["dissolu", "gouvern", "president"]
    assert best_snippets(text, weighted)[0].text.startswith(first)


def test_long_sentence_is_cut_around_the_matches() -> None:
    body = "Début " + "mot " * 200 + "Ramstein au milieu " + "mot " * 200 + "fin."
    [snippet] = best_snippets(body, matcher("Ramstein"), chars=120, first_chars=None)
    assert len(snippet.text) <= 122 and snippet.text.startswith("…") and snippet.text.endswith("…")
    assert marked(snippet) == ["Ramstein"]


def test_no_match_gives_the_opening() -> None:
    [snippet] = best_snippets("Première phrase. Seconde phrase.", matcher("absent"))
    assert snippet.text.startswith("Première phrase.") and snippet.spans == ()
    assert best_snippets("", matcher("absent")) == []


def test_the_first_snippet_gets_more_room() -> None:
    body = ("Ramstein " + "mot " * 150 + "fin. ") + ("Leopard " + "mot " * 150 + "fin.")
    first, second = best_snippets(body, matcher("Ramstein", "Leopard"), chars=100, first_chars=300)
    assert 250 <= len(first.text) <= 302 and len(second.text) <= 102


def test_a_repeated_sentence_is_shown_once() -> None:
    lead = "Le gouvernement annonce une réforme des retraites pour 2025."
    text = f"{lead}\n\n{lead}\n\nLa réforme des retraites sera votée en juin. Les syndicats protestent."
    shown = [s.text for s in best_snippets(text, matcher("réforme", "retraites"))]
    assert shown == [lead, "La réforme des retraites sera votée en juin."]


@pytest.mark.parametrize("links", [
    "Lire aussi : CAN 2019 : l'Algérie en quarts, une équipe à surveiller Sénégal-Algérie, un duel",
    "À lire aussi CAN 2019 Algérie : les Fennecs au Caire",
    "Voir aussi CAN 2019 : Algérie - Guinée",
    "CAN 2019 : l'Algérie bat la Guinée",  # a headline: a short line that does not end like a sentence
])
def test_prose_comes_before_lists_of_links_or_headlines(links: str) -> None:
    prose = "L'Algérie accède aux quarts de finale de la CAN après sa victoire, dimanche au Caire."
    text = f"{links}\n{prose}"
    first = best_snippets(text, matcher("CAN", "2019", "Algérie"))[0]
    assert first.text == prose


def test_a_list_of_links_is_shown_when_nothing_else_has_the_words() -> None:
    text = "Le match a eu lieu au Caire.\nLire aussi : CAN 2019, les Fennecs"
    assert best_snippets(text, matcher("Fennecs"))[0].text == "Lire aussi : CAN 2019, les Fennecs"


def test_sentences_and_windows_match_a_plain_reading() -> None:
    """The one-pass helpers give what comparing everything with everything gives."""
    import random

    from newssearch.snippets import _by_sentence, _densest, _Match, _sentences

    rng = random.Random(5)
    words = ["char", "le", "Leopard", "de", "Ukraine", "livre", "Berlin", "x"]
    for _ in range(200):
        text = " ".join(rng.choice(words) + rng.choice(["", "", ".", ". ", "\n"]) for _ in range(rng.randint(1, 60)))
        found = matcher("char", "Leopard", "Ukraine", "Berlin").matches(text)
        sentences = _sentences(text)
        assert _by_sentence(sentences, found) == [[m for m in found if a <= m.start < b] for a, b in sentences]
        if found:
            width = rng.randint(5, 80)
            best, key = found[0].start, (0, 0)
            for i, first in enumerate(found):
                window = [m for m in found[i:] if m.end - first.start <= width]
                if window and (len({m.term for m in window}), len(window)) > key:
                    key, best = (len({m.term for m in window}), len(window)), (first.start + window[-1].end) // 2
            assert _densest(found, width) == best
        assert isinstance(found, list) and all(isinstance(m, _Match) for m in found)


def _sentences_by_lookbehind(text: str) -> list[tuple[int, int]]:
    """Sentences as the lookbehind expression split them (the rule written the plain way)."""
    import re

    spans, start = [], 0
    for boundary in re.finditer(r"(?<=[.!?…»])\s+(?=[«\"A-ZÀ-ÖØ-Þ0-9])|\n+", text):
        if boundary.start() > start:
            spans.append((start, boundary.start()))
        start = boundary.end()
    return spans + [(start, len(text))] if start < len(text) else spans


@pytest.mark.parametrize("text", [
    "", ".", "\n", "Fin. Début", "fin. début", "x.\n\nY", "a.. B", "\n. Y", "!\n\nx", " .\n a", "», A",
    "…\n\n\n2", ".  \n  É", ". A", "A. \nb", "x.\n", ". . A", ".\n x", ".\n A", "« Oui ! » Non. « Si. »",
    "Il dit : « Non. » Puis\nLire aussi : x\n\n", "Fin?Début. 2023 ! «Ah»",
])
def test_sentences_end_where_the_plain_rule_ends_them(text: str) -> None:
    from newssearch.snippets import _sentences

    assert _sentences(text) == _sentences_by_lookbehind(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "A", "É", "2", ".", "!", "?", "…", "»", "«", '"', " ", "  ", "\n", "\t"]),
                max_size=30))
def test_sentences_end_where_the_plain_rule_ends_them_in_any_text(pieces: list[str]) -> None:
    from newssearch.snippets import _sentences

    text = "".join(pieces)
    assert _sentences(text) == _sentences_by_lookbehind(text)


def test_only_the_start_of_a_huge_article_is_read() -> None:
    from newssearch.config import SNIPPET_SCAN_CHARS

    text = "Une phrase sans rapport. " * (SNIPPET_SCAN_CHARS // 20) + "Le char Leopard arrive."
    assert len(text) > SNIPPET_SCAN_CHARS
    [snippet] = best_snippets(text, matcher("Leopard"))
    assert snippet.spans == () and snippet.text.startswith("Une phrase sans rapport.")


def test_an_article_repeating_one_sentence_is_read_once_per_fragment() -> None:
    """Repeated sentences were dropped one by one as they came up, each time after scoring
    every sentence again: quadratic (1.3 s a query for 1 MB of one repeated sentence)."""
    text = "Le char Leopard arrive en Ukraine. " * 2_000 + "Ramstein accueille la réunion."
    calls = 0
    m = matcher("Leopard", "Ramstein")

    def counted(terms: object) -> float:
        nonlocal calls
        calls += 1
        return type(m).weight(m, terms)  # type: ignore[no-any-return]

    m.weight = counted  # type: ignore[method-assign]
    snippets = best_snippets(text, m)
    assert [s.text for s in snippets] == ["Le char Leopard arrive en Ukraine.", "Ramstein accueille la réunion."]
    assert calls <= 2 * 3 * 3  # (two weights) x (fragments) x (distinct sentences with matches)


def test_equal_terms_weigh_the_same_in_any_order() -> None:
    # Summed in the order a set gives them, 0.1 + 0.2 + 0.3 and 0.3 + 0.2 + 0.1 differ in the
    # last bit, and two sentences with the same words did not tie: the later or the one
    # with fewer matches could be shown first.
    matcher = TermMatcher(lambda text: [], ["a", "b", "c"], weights={"a": 0.1, "b": 0.2, "c": 0.3})
    assert matcher.weight(["a", "b", "c"]) == matcher.weight(["c", "b", "a"]) == 0.6
