"""French names made of stop words, hyphens and elisions, searched the way journalists type
them: a query never fails for being made of stop words, and a phrase or a hyphenated name
matches exactly its words, stop words included."""

from __future__ import annotations

from pathlib import Path

import pytest

from newssearch import NewsIndex
from newssearch.queries import parse_query
from newssearch.schema import build_schema

from .conftest import write_jsonl

NAMES = [
    ("monde-journal", "Le Monde publie une enquête sur la dette", "Selon Le Monde, la dette atteint un record."),
    ("monde-tour", "Le tour du monde en quatre-vingts jours", "Un voyage autour du monde, du monde entier."),
    ("notre-dame", "Incendie à Notre-Dame de Paris", "La flèche de Notre-Dame s'est effondrée dans la soirée."),
    ("premiere-dame", "Le statut de la première dame", "La dame de l'Élysée n'a pas de statut ; notre pays hésite."),
    ("la-une", "À la Une ce matin", "La Une du journal annonce la réforme."),
    ("une-chose", "Une seule chose compte", "Il y a une chose que la réforme oublie."),
    ("equipe-journal", "L'Équipe annonce le transfert", "Selon L'Équipe, le joueur quitte le club."),
    ("equipe-france", "Une équipe de France rajeunie", "Les joueurs de cette équipe se retrouvent lundi."),
    ("val-de-marne", "Le Val-de-Marne vote son budget", "Le conseil du Val-de-Marne a adopté le budget."),
    ("val-marne", "Un val entre deux rivières", "Le val, de la Marne à la Seine, est inondé."),
    ("pas-de-calais", "Tempête dans le Pas-de-Calais", "Le Pas-de-Calais est en vigilance orange."),
    ("pas-calais", "Calais ne cède pas", "Le maire de Calais ne veut pas de camp."),
    ("jusqu-au-bout", "Jusqu'au bout de la nuit", "Ils ont négocié jusqu'au bout, sans accord."),
    ("bout", "Le bout du tunnel", "On voit enfin le bout du tunnel pour les salariés."),
    ("qui-a-tue", "Qui a tué le juge ?", "L'enquête cherche qui a tué le juge en 1975."),
    ("grand-est", "Le Grand Est vote", "La région Grand Est a voté son budget."),
    ("grand", "Un grand, grand vote", "Le plus grand vote de la région, à l'est de Paris."),
    ("grand-debat", "Grand débat : le grand oral, grand absent", "Le grand débat national."),
    ("europe-est", "Élections en Europe de l'Est", "Les pays d'Europe de l'Est votent."),
    ("europe", "L'Europe vote", "L'Europe de la défense est en débat en Europe."),
    ("le-pen", "Le Pen et Macron", "Marine Le Pen affronte Emmanuel Macron."),
    ("macron", "Macron à Berlin", "Le président Macron rencontre le chancelier."),
    ("pen", "Macron : un pen-test pour Macron", "Un pen-test, un pen de plus : un stylo (pen) en main pour Macron."),
]


@pytest.fixture(scope="module")
def names(tmp_path_factory: pytest.TempPathFactory) -> NewsIndex:
    folder = tmp_path_factory.mktemp("names")
    write_jsonl(folder / "names.jsonl", [{"id": i, "title": t, "body": b} for i, t, b in NAMES])
    ix = NewsIndex.open(folder / "ix", create=True)
    ix.add([folder / "names.jsonl"], group=False)
    return ix


@pytest.mark.parametrize("query, expected", [
    ("Notre-Dame", {"notre-dame"}),  # not "la première dame"
    ('"Le Monde"', {"monde-journal"}),  # not "du monde"
    ("La Une", {"la-une"}),  # stop words alone: the phrase they make
    ("Qui", {"qui-a-tue"}),
    ('"L\'Équipe"', {"equipe-journal"}),  # the elision is part of the phrase
    ("L'Équipe", {"equipe-journal", "equipe-france"}),  # a bare word loses its elision, as l'armée does
    ("Val-de-Marne", {"val-de-marne"}),  # not "Le val, de la Marne"
    ("Pas-de-Calais", {"pas-de-calais"}),
    ('"jusqu\'au bout"', {"jusqu-au-bout"}),
    ("Jusqu'au bout", {"jusqu-au-bout", "bout"}),  # bare words: only "bout" is searched
    ('"qui a tué"', {"qui-a-tue"}),
    ("Le Point", set()),  # "point", which no article has
    ("Macron NOT Le Pen", {"macron", "pen"}),  # the name excluded, not every article with "le"
    ("Macron -Le Pen", {"macron", "pen"}),
])
def test_names_with_stop_words(names: NewsIndex, query: str, expected: set[str]) -> None:
    assert {hit.id for hit in names.search(query, limit=50, all_versions=True)} == expected


@pytest.mark.parametrize("query, ranked", [
    ("Grand Est", ["grand-est", "grand-debat", "grand"]),  # the region first, then "grand" alone (or "à l'est")
    ("Europe de l'Est", ["europe-est", "europe"]),
    ("Le Pen", ["le-pen", "pen"]),
    ("Macron Le Pen", ["le-pen", "pen"]),  # a word and a name
    ("Le Monde", ["monde-journal", "monde-tour"]),  # "monde" alone put "du monde" first
    ("L'Équipe", ["equipe-journal", "equipe-france"]),
])
def test_a_name_typed_with_its_capitals_ranks_the_articles_that_hold_it_first(names: NewsIndex, query: str,
                                                                               ranked: list[str]) -> None:
    assert [hit.id for hit in names.search(query, limit=50, all_versions=True)] == ranked


@pytest.mark.parametrize("text, found", [
    ("Le Monde", ["Le Monde"]),
    ("Marine Le Pen", ["Le Pen"]),
    ("Macron Le Pen", ["Le Pen"]),  # a capitalised article opens a name, never closes one
    ("Grand Est", ["Grand Est"]),
    ("Région Grand Est", ["Grand Est"]),
    ("Europe de l'Est", ["Europe de l'Est"]),
    ("Côte d’Ivoire", ["Côte d’Ivoire"]),
    ("Tour de France 2019", ["Tour de France"]),
    ("L'Équipe", ["L'Équipe"]),
    ("Le Monde, Le Point", ["Le Monde", "Le Point"]),
    ("Le Havre AND Le Mans", ["Le Havre", "Le Mans"]),
    ("NOT Le Pen", ["Le Pen"]),
    ('"Le Monde" Le Point', ["Le Point"]),  # what is quoted already is left to the parser
    # none: no capital on the named word, no stop word, query syntax, stop words alone
    ("L'armée russe", []),
    ("le monde", []),
    ("Macron et Merkel", []),
    ("pays de l'Est", []),
    ("Emmanuel Macron", []),
    ("La Une", []),
    ("Qui a tué", []),
    ("title:Le Monde", []),
    ("Le Pen*", []),
    ("Le Monde~", []),
    ("(Le Monde)", []),
    ("Val-de-Marne", []),
])
def test_names_are_told_by_their_capitals(text: str, found: list[str]) -> None:
    from newssearch.analysis import french_analyzer
    from newssearch.names import names_in

    assert names_in(text, french_analyzer()) == found


def test_names_can_be_turned_off() -> None:
    from whoosh import query as wq

    from newssearch.config import Ranking

    assert isinstance(parse_query(build_schema(), "Grand Est").query, wq.AndMaybe)
    assert not isinstance(parse_query(build_schema(), "Grand Est", ranking=Ranking(names=0.0)).query, wq.AndMaybe)


@pytest.mark.parametrize("query, names", [
    ("Le Monde", True),
    ("Marine Le Pen en campagne", True),
    ("Qui est Marine Le Pen ?", False),  # a question keeps its words
    ("Marine Le Pen affronte Emmanuel Macron au second tour", False),  # pasted text too
])
def test_only_keyword_queries_are_read_for_names(query: str, names: bool) -> None:
    from whoosh import query as wq

    parsed = parse_query(build_schema(), query)
    phrases = [leaf for leaf in parsed.query.leaves() if isinstance(leaf, wq.Phrase)]
    assert any("_le" in leaf.words for leaf in phrases) == names


@pytest.mark.parametrize("query", ["La Une", "Qui", "Le Point", "La Croix", "Les Échos", "L'Équipe", "le la les",
                                   "Jusqu'au bout", "Qui a tué", "Seine-Saint-Denis", "Où est-ce ?"])
def test_a_query_never_fails_for_being_made_of_stop_words(names: NewsIndex, query: str) -> None:
    names.query(query)


@pytest.mark.parametrize("query, terms", [
    ("Notre-Dame", {"dam"}),  # stop words are no terms: a phrase lights them up only where it is (below)
    ('"Le Monde"', {"mond"}),
    ("La Une", set()),
    ("Val-de-Marne", {"val", "marn"}),
    ("l'armée française", {"arme", "franc"}),
])
def test_highlighted_terms_leave_stop_words_out(query: str, terms: set[str]) -> None:
    assert parse_query(build_schema(), query).terms == terms


@pytest.mark.parametrize("query, article, lit", [
    ("La Une", "la-une", (["la", "Une"], ["La", "Une"])),
    ("Notre-Dame", "notre-dame", (["Notre", "Dame"], ["Notre", "Dame"])),
    ('"Le Monde"', "monde-journal", (["Le", "Monde"], ["Le", "Monde"])),
    ("Val-de-Marne", "val-de-marne", (["Val", "de", "Marne"], ["Val", "de", "Marne"])),
    ('"L\'Équipe"', "equipe-journal", (["L'", "Équipe"], ["L'", "Équipe"])),
    ('"qui a tué"', "qui-a-tue", (["Qui", "a", "tué"], ["qui", "a", "tué"])),
])
def test_a_phrase_with_stop_words_is_lit_up_whole(names: NewsIndex, query: str, article: str,
                                                  lit: tuple[list[str], list[str]]) -> None:
    """Snippets lit up the phrase's other words only: `La Une` found its article with nothing
    highlighted, Notre-Dame showed "Dame" alone (a newcomer's trial on MasakhaNEWS)."""
    hit = next(hit for hit in names.search(query, all_versions=True) if hit.id == article)
    assert ([hit.title[s:e] for s, e in hit.title_spans], [hit.snippet.text[s:e] for s, e in hit.snippet.spans]) == lit


@pytest.mark.parametrize("text, query, lit", [
    ("Notre pays salue la dame de fer ; Notre-Dame brûle.", "Notre-Dame", ["Notre", "Dame"]),
    ("Dans l'une des affaires, à la une du journal.", "La Une", ["la", "une"]),
    ("Le tour du monde, le monde entier.", '"Le Monde"', ["le", "monde"]),
    ("Rien de tout cela.", "La Une", []),
    ("Lisez L'Équipe, puis l'équipe de France et L’ÉQUIPE.", '"L\'Équipe"', ["L'", "Équipe", "l'", "équipe", "L’", "ÉQUIPE"]),
    ("À la une : Notre-Dame. La Une, encore.", 'Notre-Dame "La Une"', ["la", "une", "Notre", "Dame", "La", "Une"]),
    ("Y a-t-il un pilote ? Il y a, t-il.", "Y a-t-il un pilote", ["a", "t", "il", "a", "t", "il"]),
])
def test_phrase_spans_are_where_the_phrase_is(text: str, query: str, lit: list[str]) -> None:
    from newssearch.analysis import french_analyzer

    phrases = parse_query(build_schema(), query).stop_phrases
    assert [text[start:end] for _, start, end in french_analyzer().phrase_spans(text, phrases)] == lit


def test_stop_words_leave_the_scores_alone(tmp_path: Path) -> None:
    """Stop words are indexed for phrases but count for nothing in a field's length: an article
    padded with stop words scores as the same article without them."""
    write_jsonl(tmp_path / "a.jsonl", [{"id": "plain", "body": "Réforme des retraites votée."},
                                       {"id": "padded", "body": "Réforme de la de la de la des retraites votée."}])
    with NewsIndex.open(tmp_path / "ix", create=True) as ix:
        ix.add([tmp_path / "a.jsonl"], group=False)
        scores = {hit.id: hit.score for hit in ix.search("retraites réforme", all_versions=True)}
    assert scores["plain"] == scores["padded"]


def test_a_phrase_is_looked_for_only_where_its_indexed_words_are(monkeypatch: pytest.MonkeyPatch) -> None:
    # Looking for a phrase analyses every word of the text; a text that lacks one of the
    # phrase's indexed words (Dame) cannot hold it, and its snippet does not pay for it.
    from newssearch.analysis import FrenchAnalyzer
    from newssearch.hits import term_matcher

    looked: list[str] = []
    real = FrenchAnalyzer.phrase_spans
    monkeypatch.setattr(FrenchAnalyzer, "phrase_spans", lambda self, text, phrases: looked.append(text) or real(self, text, phrases))
    schema = build_schema()
    parsed = parse_query(schema, "Notre-Dame Paris")
    matcher = term_matcher(schema, parsed.terms, phrases=parsed.stop_phrases)
    assert matcher.spans("Notre pays, Paris.") == ((12, 17),) and looked == []
    assert matcher.spans("Notre-Dame de Paris.") == ((0, 5), (6, 10), (14, 19)) and looked == ["Notre-Dame de Paris."]
