"""Headlines as queries on news articles (issue #13): quotations, long articles, positions."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newssearch import NewsIndex
from newssearch.config import Ranking

from .conftest import index_of

FILLER = " ".join(f"Paragraphe {i} sur la vie locale, la météo et le sport du dimanche." for i in range(8))

ARTICLES = [
    # The article a headline was written for: the quote is reported in other words.
    {"id": "report", "title": "", "body": "Le ministre a dit que les migrants d'aujourd'hui seront les Français "
                                          "de demain, selon un médecin qui soigne des réfugiés à Calais."},
    # Another with the quote's exact words, about something else.
    {"id": "other", "title": "", "body": "Un éditorial sur le marché de l'immobilier à Lyon et les loyers."},
    # A long page holding a headline's words scattered over its length...
    {"id": "long", "title": "", "body": "Théâtre. " + FILLER + " Un festival. " + FILLER + " Le bilan de Marseille. "
                                        + FILLER + " Une exposition sur la mer. " + FILLER},
    # ...and the short article that holds them together.
    {"id": "short", "title": "", "body": "Le festival de théâtre de Marseille dresse son bilan : les foules "
                                         "étaient au rendez-vous cet été."},
]


@pytest.fixture(scope="module")
def news(tmp_path_factory: pytest.TempPathFactory) -> NewsIndex:
    return index_of(tmp_path_factory.mktemp("news"), ARTICLES)


def ids(ix: NewsIndex, query: str, **kwargs: object) -> list[str]:
    return [hit.id for hit in ix.search(query, limit=10, **kwargs)]  # type: ignore[arg-type]


@pytest.mark.parametrize("query, first", [
    # A quotation in a pasted headline: the article that reports it in other words is found
    # (the exact phrase was required: no hits at all).
    ('Calais : "les migrants d\'aujourd\'hui sont les Français de demain, dit le médecin"', "report"),
    ('"Les migrants d\'aujourd\'hui sont les Français de demain, dit un médecin"', "report"),
    # The headline's words close together beat the same words scattered over a long page.
    ("Festival de théâtre à Marseille : le bilan d'une exposition sur la mer", "short"),
])
def test_headlines_find_their_article(news: NewsIndex, query: str, first: str) -> None:
    assert ids(news, query)[0] == first


@pytest.mark.parametrize("query, pasted", [
    ("Festival de théâtre à Marseille : le bilan d'une exposition sur la mer", True),  # a headline
    ("Quel bilan pour le festival de théâtre de Marseille ?", False),  # a question
])
def test_pasted_text_has_its_own_coordination(news: NewsIndex, query: str, pasted: bool) -> None:
    """A headline's words are paraphrased in its article: pasted text is coordinated with
    ``pasted_coordination``, questions and keywords with ``coordination``."""
    def scores(**changes: float) -> list[tuple[str, float]]:
        return [(hit.id, hit.score) for hit in news.search(query, limit=10, ranking=Ranking(**changes))]

    assert (scores(pasted_coordination=0.5) != scores(pasted_coordination=2.0)) == pasted
    assert (scores(coordination=0.5) != scores(coordination=2.0)) != pasted


def test_a_short_quoted_phrase_is_still_required(news: NewsIndex) -> None:
    assert ids(news, '"Français de demain"') == ["report"]
    assert ids(news, '"Français de Lyon"') == []


def test_a_long_quotation_alone_finds_the_exact_phrase_first(news: NewsIndex) -> None:
    assert ids(news, '"le marché de l\'immobilier à Lyon et les loyers"')[0] == "other"


def test_coordination_over_the_whole_article_favoured_the_long_page(news: NewsIndex) -> None:
    # The ranking of its time: k1 1.2, the whole article coordinated, no lead bonus.
    query = "Festival de théâtre à Marseille : le bilan d'une exposition sur la mer"
    assert ids(news, query, ranking=Ranking(passage=0, b=0.75, lucene_idf=False, pasted_exact=1.0,
                                                pasted_coordination=2.0, lead=0.0, k1=1.2))[0] == "long"


@pytest.mark.parametrize("kept", [False, True])
def test_positions_from_the_postings_are_the_analysers(news: NewsIndex, kept: bool,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # Kept: the words' documents decoded by a search first, which says whose blocks to read.
    from newssearch.engine import term_positions, termpositions
    from newssearch.queries import parse_query
    from newssearch.schema import BODY

    words = "festival théâtre Marseille bilan mer migrants demain"
    if kept:
        news.search(words)
    else:
        monkeypatch.setattr(termpositions, "kept_ids", lambda *args: None)
    with news._searchers.borrow() as searcher:
        if kept:
            assert all(termpositions.kept_ids(sub.reader(), BODY, b"festival") is not None for sub, _ in searcher.leaf_searchers())
        terms = parse_query(searcher.schema, words).terms
        docnums = list(range(searcher.doc_count_all()))
        found = term_positions(searcher, BODY, terms, docnums)
        analyzer = searcher.schema[BODY].analyzer
        for docnum in docnums:
            at = analyzer.terms(searcher.stored_fields(docnum)[BODY])  # the term at each position
            assert found[docnum] == [(pos, term) for pos, term in enumerate(at) if term in terms]
        assert any(found.values())


@pytest.mark.parametrize("query, kept", [
    # A compound of stop words among other words: any of them may match, so it found most
    # articles, scored for stop words alone (and its phrase read every posting of each).
    ("Cinéma : pourquoi son potentiel économique est-t-il inexploité en Afrique", False),
    ("Qu'est-ce que c'est-à-dire, la réforme des retraites expliquée aux lycéens", False),
    # Alone, or with nothing else to search for, it is what is searched.
    ("est-t-il", True),
    ("La Une", True),
])
def test_stop_word_compounds_are_left_out_of_any_word_queries(news: NewsIndex, query: str, kept: bool) -> None:
    from whoosh import query as wq

    from newssearch.analysis import is_stop_term
    from newssearch.queries import parse_query

    with news._searchers.borrow() as searcher:
        loose = parse_query(searcher.schema, query).loose
    leaves = [loose] if loose.is_leaf() else list(loose.leaves())
    stop_only = [leaf for leaf in leaves if isinstance(leaf, wq.Phrase) and all(map(is_stop_term, leaf.words))
                 or isinstance(leaf, wq.Term) and is_stop_term(leaf.text)]
    assert bool(stop_only) == kept


LINK_HEADLINE = "Malawi : un séropositif condamné par la justice"


@pytest.mark.parametrize("marker", ["Lire aussi :", "À lire aussi:", "LIRE ÉGALEMENT", "Voir aussi -", "Regarder aussi :"])
def test_a_headline_quoted_as_a_link_is_another_articles(tmp_path: Path, marker: str) -> None:
    """BBC Afrique pages end paragraphs with "Lire aussi : <another article's headline>".
    Pasted, that headline finds its own article first, not the page linking to it; without
    the rule (links=False) the linking page, which holds every word in a row, came first."""
    articles = [
        {"id": "story", "title": "", "body": "Au Malawi, la justice a puni un homme porteur du VIH : le tribunal "
                                             "de Blantyre l'a condamné à neuf mois de prison."},
        {"id": "links", "title": "", "body": "Les idées fausses sur le sida. " + FILLER + f" {marker} {LINK_HEADLINE} "
                                             "Cette idée fausse alimente la discrimination. " + FILLER},
    ]
    ix = index_of(tmp_path, articles)
    assert ids(ix, LINK_HEADLINE) == ["story", "links"]
    assert ids(ix, LINK_HEADLINE, ranking=Ranking(links=False))[0] == "links"


def test_links_are_checked_until_the_shown_hits_are_exact(tmp_path: Path) -> None:
    """The link rule is applied lazily, to the articles that can be among the hits shown
    (reranking._rescore). Three linking pages lead before it; asked for one hit, the story
    must still come first: checking only the first article by its score before the rule
    would show the second linking page."""
    articles = [{"id": "story", "title": "", "body": "Au Malawi, la justice a puni un homme porteur du VIH : le "
                                                      "tribunal de Blantyre l'a condamné à neuf mois de prison."}]
    articles += [{"id": f"links{i}", "title": "", "body": f"Page {i} sur le sida. " + FILLER[: 100 * i]
                  + f" Lire aussi : {LINK_HEADLINE} " + FILLER[: 100 * i]} for i in range(1, 4)]
    articles += [{"id": f"other{i}", "title": "", "body": f"Le Malawi et la justice, {i}. " + FILLER} for i in range(3)]
    ix = index_of(tmp_path, articles)
    unchecked = ids(ix, LINK_HEADLINE, ranking=Ranking(links=False))
    assert unchecked[:3] == ["links1", "links2", "links3"] and unchecked.index("story") > 2
    everything = ids(ix, LINK_HEADLINE)  # limit 10: every article is checked
    assert everything[0] == "story"
    for limit in range(1, len(articles) + 1):
        shown = [hit.id for hit in ix.search(LINK_HEADLINE, limit=limit)]
        assert shown == everything[:limit]


LEAD_HEADLINE = "Le port de Dakar bloqué par une grève des dockers sénégalais"


def test_a_pasted_headline_prefers_the_article_that_opens_with_its_story(tmp_path: Path) -> None:
    """A headline sums up its article's lead (Ranking.lead). The background page holds the
    headline's words as closely, and more often, but only after its own opening; without the
    lead bonus (lead=0) it came first. A question is not pasted text: no lead bonus."""
    articles = [
        {"id": "story", "title": "", "body": "Le port de Dakar est bloqué depuis lundi par une grève des dockers "
                                             "sénégalais, qui réclament des hausses de salaire. " + FILLER + FILLER},
        {"id": "background", "title": "", "body": FILLER[:300] + " Au port de Dakar, la grève des dockers sénégalais a "
                                                  "bloqué les quais : ses dockers en grève."},
    ]
    ix = index_of(tmp_path, articles)
    assert ids(ix, LEAD_HEADLINE) == ["story", "background"]
    assert ids(ix, LEAD_HEADLINE, ranking=Ranking(lead=0.0)) == ["background", "story"]

    def scored(query: str, **changes: float) -> list[tuple[str, float]]:
        return [(hit.id, hit.score) for hit in ix.search(query, limit=10, ranking=Ranking(**changes))]

    question = "Pourquoi le port de Dakar est-il bloqué par une grève des dockers sénégalais ?"
    assert scored(question) == scored(question, lead=0.0)


def _pair_share_by_every_two(found: list[tuple[int, str]], ordered: tuple[str, ...], gap: int) -> float:
    """pair_share as first written: every two places of each pair compared."""
    pairs = {(a, b) for a, b in zip(ordered, ordered[1:]) if a != b}
    at: dict[str, list[int]] = {}
    for pos, term in found:
        at.setdefault(term, []).append(pos)
    hits = sum(1 for a, b in pairs if any(0 < pb - pa <= gap for pa in at.get(a, ()) for pb in at.get(b, ())))
    return hits / len(pairs) if pairs else 0.0


@pytest.mark.parametrize("found, ordered, share", [
    ([(0, "char"), (1, "leopard")], ("char", "leopard"), 1.0),
    ([(0, "leopard"), (1, "char")], ("char", "leopard"), 0.0),  # the other order
    ([(0, "char"), (4, "leopard")], ("char", "leopard"), 0.0),  # too far apart
    ([(0, "char"), (3, "leopard")], ("char", "leopard"), 1.0),  # two stop words between
    ([(0, "char"), (9, "leopard"), (10, "char"), (12, "leopard")], ("char", "leopard", "ukrain"), 0.5),
    ([(0, "char"), (1, "char")], ("char", "char"), 0.0),  # a word repeated is no pair
    ([], ("char", "leopard"), 0.0),
])
def test_pairs_are_the_querys_words_in_order_and_near(found: list[tuple[int, str]], ordered: tuple[str, ...],
                                                      share: float) -> None:
    from newssearch.reranking import pair_share

    assert pair_share(found, ordered) == share


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.sampled_from("abcd")), max_size=30,
                unique_by=lambda found: found[0]).map(sorted),
       st.lists(st.sampled_from("abcde"), max_size=6).map(tuple), st.integers(1, 4))
def test_pairs_are_found_as_comparing_every_two_places_finds_them(found: list[tuple[int, str]], ordered: tuple[str, ...],
                                                                  gap: int) -> None:
    from newssearch.reranking import pair_share

    assert pair_share(found, ordered, gap) == _pair_share_by_every_two(found, ordered, gap)
