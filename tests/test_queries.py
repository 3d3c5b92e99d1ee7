"""Questions versus keywords: detection, words dropped from questions, lenient syntax."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newssearch.queries import is_question, parse_query, plain_words
from newssearch.schema import build_schema

SCHEMA = build_schema()


@pytest.mark.parametrize(
    "text, question",
    [
        ("Ramstein Leopard", False),
        ("chars Leopard Ukraine Berlin", False),
        ('"envoi de chars" Ramstein', False),
        ("chars Leopard ?", True),  # a question mark is enough
        ("Quels chars pour l'Ukraine", True),
        ("Combien d'employeurs", True),
        ("Qu’est-ce que le Leopard", True),
        ("Où se sont réunis les ministres", True),
        ("Un évènement a eu lieu à quel moment", True),  # quel is asked anywhere
        ("Ou sera fixé Roubaix", False),  # ou (or), not où
        ("la ville où il est né", False),  # où inside a phrase is a relative
        ("", False),
    ],
)
def test_is_question(text: str, question: bool) -> None:
    assert is_question(text) is question


@pytest.mark.parametrize(
    "text, words",
    [
        ('guerre d"\'indépendance', "guerre d indépendance"),
        ("Quand l(évêque obtient-il l 'immédiateté ?", "Quand l évêque obtient-il l immédiateté"),
        ("The Binding Of Isaac:Rebirth", "The Binding Of Isaac Rebirth"),
        ("chars AND NOT Leopard", "chars and not Leopard"),
        ("title:char -Leopard", "title char Leopard"),
    ],
)
def test_plain_words(text: str, words: str) -> None:
    assert plain_words(text) == words


@pytest.mark.parametrize(
    "text, terms",
    [
        ("En quelle année le char fut-il exposé ?", {"char", "expos"}),  # année names the answer
        ("Quel est le nom du pays de Medvedev ?", {"medvedev"}),
        ("année 1944 char", {"anne", "1944", "char"}),  # keywords keep every word
        ("Quelle année ?", {"anne"}),  # never drop every word
    ],
)
def test_answer_type_words_are_dropped_from_questions_only(text: str, terms: set[str]) -> None:
    assert parse_query(SCHEMA, text).terms == terms


@pytest.mark.parametrize("text, quoted", [
    ("chars NOT sommes", 'chars NOT "sommes"'),  # "sommes" is also "nous sommes": a stop word
    ("source:AFP NOT Sommes", 'source:AFP NOT "Sommes"'),
    ("chars NOT avions", "chars NOT avions"),  # no stop word since "avions de chasse" searched "chasse"
    ("Macron NOT Le Pen", 'Macron NOT "Le Pen"'),  # a name: excluded whole (it excluded every "le")
    ("NOT Grand Est chars", 'NOT "Grand Est" chars'),
    ("NOT Charles de Gaulle", 'NOT "Charles de Gaulle"'),
    ("NOT Le monde", 'NOT "Le" monde'),  # no name: the stop word alone, as typed
    ("NOT été NOT Le Pen", 'NOT "été" NOT "Le Pen"'),
    ("chars NOT été", 'chars NOT "été"'),
    ("chars NOT avion", "chars NOT avion"),  # a word that is no stop word stays as written
    ('chars NOT "avions"', 'chars NOT "avions"'),  # already quoted
    ('"NOT avions" chars', '"NOT avions" chars'),  # inside quotes: words of a phrase
    ("chars NOT l'avion", "chars NOT l'avion"),  # an elision and a word
    ("chars NOT avions~", "chars NOT avions~"),  # fuzzy and prefix syntax left to the parser
    ("chars NOT avi*", "chars NOT avi*"),
    ("avions NOT chars", "avions NOT chars"),
])
def test_excluded_stop_words_are_quoted(text: str, quoted: str) -> None:
    from newssearch.analysis import french_analyzer
    from newssearch.names import quote_excluded_stop_words

    assert quote_excluded_stop_words(text, french_analyzer()) == quoted


@pytest.mark.parametrize("query, kwargs, ids", [
    ("source:AFP NOT été", {}, ["u1"]),  # was the phrase "not été": nothing
    ("source:AFP -été", {}, ["u1"]),
    ("NOT été", {"source": "AFP"}, ["u1"]),
    ("chars NOT été", {}, ["u1", "u3"]),  # the exclusion was dropped: u4 came too
    ("chars -été", {}, ["u1", "u3"]),
    ("été", {}, ["u2", "u4"]),
])
def test_a_stop_word_can_be_excluded(tmp_path, query: str, kwargs: dict[str, str], ids: list[str]) -> None:  # type: ignore[no-untyped-def]
    from newssearch import NewsIndex

    ix = NewsIndex.open(tmp_path / "ix", create=True)
    ix.add_articles([{"id": "u1", "title": "Chars", "body": "Des chars.", "source": "AFP"},
                     {"id": "u2", "title": "Avions", "body": "Des avions cet été.", "source": "AFP"},
                     {"id": "u3", "title": "Chars", "body": "Des chars cet hiver.", "source": "AP"},
                     {"id": "u4", "title": "Chars et avions", "body": "Des chars et des avions cet été.", "source": "AP"}])
    assert sorted(hit.id for hit in ix.query(query, **kwargs).hits) == ids


def test_avions_is_a_word_of_news(tmp_path: Path) -> None:
    # "avions" was a stop word (Snowball's, for "nous avions"): "avions de chasse" searched
    # "chasse", and on FreSaDa its first hits were about hunting down the unemployed.
    from newssearch import NewsIndex

    ix = NewsIndex.open(tmp_path / "ix", create=True)
    ix.add_articles([{"id": "jets", "title": "Armée de l'air", "body": "Des avions de chasse Rafale ont décollé."},
                     {"id": "chasse", "title": "Chasse", "body": "La chasse est ouverte, la chasse aux chômeurs aussi."},
                     {"id": "avion", "title": "Transport", "body": "Un avion de ligne a atterri."}])
    assert [hit.id for hit in ix.search("avions de chasse")] == ["jets"]
    assert sorted(hit.id for hit in ix.search("avion")) == ["avion", "jets"]  # one word, both numbers


# Whoosh's tagging tries each tagger at each character; text that holds only words and
# whitespace is tagged in one pass (syntax.FrenchQueryParser.tag), into the same nodes.
TAGGED = ["Innovation numérique et changement climatique... voici la douche du futur",
          "Les petits voyages de l'eau: un village en Inde", "  Notre-Dame \t de\u00a0Paris  ", "ANDRÉ et NOTaire",
          "Le « Monde » d’aujourd’hui ?", "", " ", "x AND y", "NOT Gbagbo", "a OR", "title:char", '"La Une"',
          "Medvedv~", "Medved*", "(char)", "char^2", "[a TO b]", "{a TO b}", "a ANDMAYBE b", "REQUIRE x"]


def _tagged_both_ways(text: str) -> tuple[list[tuple[str, int, int]], list[tuple[str, int, int]]]:
    """The nodes (repr, start, end) of ``text`` as our parser tags it, and as Whoosh's own loop does."""
    from whoosh.qparser import QueryParser

    from newssearch.syntax import make_parser

    parser = make_parser(SCHEMA)
    ours, whooshs = parser.tag(text), QueryParser.tag(parser, text)
    return ([(repr(n), n.startchar, n.endchar) for n in ours], [(repr(n), n.startchar, n.endchar) for n in whooshs])


@pytest.mark.parametrize("text", TAGGED)
def test_plain_text_is_tagged_as_whoosh_tags_it(text: str) -> None:
    ours, whooshs = _tagged_both_ways(text)
    assert ours == whooshs


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "é", "É", "l'", "’", "-", "?", ".", ",", "AND", "OR", "NOT", "ANDNOT",
                                 "REQUIRE", "TO", " ", "  ", "\t", "\u00a0", ":", "*", "(", ")", "[", "]", "{", "}",
                                 "^", "~", '"', "2"]), max_size=12))
def test_any_text_is_tagged_as_whoosh_tags_it(pieces: list[str]) -> None:
    ours, whooshs = _tagged_both_ways("".join(pieces))
    assert ours == whooshs
