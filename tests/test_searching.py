"""Query syntax, ranking, filters and paging, through the French chain."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from newssearch import NewsIndex, QueryError
from newssearch.config import Ranking

from .conftest import SEED


def ids(ix: NewsIndex, query: str, **kwargs: object) -> list[str]:
    return [hit.id for hit in ix.search(query, limit=50, **kwargs)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("Leopard", {"a1", "SEED"}),
        ("leopard chars", {"a1", "SEED"}),
        ("etats-unis", {"a1", "a4", "SEED"}),
        ("États-Unis", {"a1", "a4", "SEED"}),
        ('"etats unis"', {"a1", "a4", "SEED"}),
        ("l’Ukraine Leopard", {"a1", "SEED"}),
        ("securitaires", {"a2"}),
        ("oeuvre", {"a2"}),
        ("aujourd'hui", {"a2"}),
        ("anti-US", {"a4", "SEED"}),
        ("char allemand", {"a3", "SEED"}),
        ("Leopard OR musée", {"a1", "a3", "SEED"}),
        ("char NOT Leopard", {"a3"}),
        ("char -Leopard", {"a3"}),
        ("Medved*", {"a4", "SEED"}),
        ("title:char", {"a1", "a3"}),
        ("title:(alliance anti-US)", {"a4", "SEED"}),
        ('source:"Le Courrier du Nord"', {"a1", "a3"}),  # a source is matched exactly, as --source does
        ('source:"Le Courrier du Nord" NOT Leopard', {"a3"}),  # a filter, but: it was an error
        ('source:"Le Courrier du Nord" -Leopard -musée', set()),
        ("date:2023 NOT Leopard", {"a4"}),
        ("source:\"la gazette de LYON\"", {"a2"}),
        ("source:gazette", set()),
        ('char -source:"Le Courrier du Nord"', {"SEED"}),  # the seed article has no source
        ('alliance OR char -source:"Le Courrier du Nord"', {"a4", "SEED"}),
        ('"envoi de chars"', {"a1"}),
        ('"envoi chars"', set()),
        ('"chars Leopard"', {"a1", "SEED"}),
        ("date:>2023-01-24", {"a1"}),
        ("date:[2021-01-01 to 2021-12-31]", {"a3"}),
    ],
)
def test_query_syntax(tmp_index: NewsIndex, query: str, expected: set[str]) -> None:
    found = {"SEED" if i.endswith(SEED.name) else i for i in ids(tmp_index, query)}
    assert found == expected


def test_all_words_required_when_possible(tmp_index: NewsIndex) -> None:
    results = tmp_index.query("char Saumur")
    assert [h.id for h in results.hits] == ["a3"] and not results.partial


def test_a_question_lets_any_word_match_and_ranks_the_fullest_first(tmp_index: NewsIndex) -> None:
    # Three words, like "char Saumur" below, but asked: articles with only "char" come after.
    question = ids(tmp_index, "Quels chars Leopard pour l'Ukraine ?")
    assert {"SEED" if i.endswith(SEED.name) else i for i in question[:2]} == {"a1", "SEED"}
    assert "a3" in question[2:]
    assert ids(tmp_index, "Quel char à Saumur ?")[0] == "a3" and len(ids(tmp_index, "Quel char à Saumur ?")) > 1
    assert ids(tmp_index, "chars Leopard Ukraine") != question  # keywords: all words required
    assert "a3" not in ids(tmp_index, "chars Leopard Ukraine")


def test_partial_fallback_ranks_articles_with_more_words_first(tmp_index: NewsIndex) -> None:
    results = tmp_index.query("Saumur Zanzibar")
    assert results.partial and [h.id for h in results.hits] == ["a3"]
    assert tmp_index.query("Saumur Zanzibar", mode="all").hits == []


def test_title_match_outranks_body_match(tmp_index: NewsIndex) -> None:
    # "alliance" is in the title of a4 and the seed, and only in bodies elsewhere.
    hits = tmp_index.search("Moscou")
    assert hits[0].title.startswith(("Une alliance", "Moscou"))
    assert hits[0].score >= hits[-1].score


def test_ties_are_broken_by_newer_date(tmp_path: object, articles: list[dict[str, object]]) -> None:
    from pathlib import Path

    from .conftest import write_jsonl

    folder = Path(str(tmp_path))
    same = [{"id": f"t{y}", "title": "Grève", "body": "Grève.", "date": f"{y}-01-01"} for y in (2019, 2023, 2021)]
    write_jsonl(folder / "same.jsonl", same + [{"id": "undated", "title": "Grève", "body": "Grève."}])
    with NewsIndex.open(folder / "ix", create=True) as ix:
        ix.add([folder / "same.jsonl"], group=False)
        assert ids(ix, "grève") == ["t2023", "t2021", "t2019", "undated"]


def test_filters(tmp_index: NewsIndex) -> None:
    assert set(ids(tmp_index, "char", since="2023-01-01")) == {"a1", f"SEED"} - {"SEED"} | {
        i for i in ids(tmp_index, "char", since="2023-01-01") if i.endswith(SEED.name)}
    assert ids(tmp_index, "char", until=date(2021, 12, 31)) == ["a3"]
    assert ids(tmp_index, "char", since=datetime(2023, 1, 24, tzinfo=timezone.utc)) == ["a1"]
    assert ids(tmp_index, "char", until="2021-05-02") == ["a3"]  # until includes its day
    assert sorted(ids(tmp_index, "char", source="le courrier du nord")) == ["a1", "a3"]
    assert ids(tmp_index, "char", source="Le Monde") == []


def test_sort_by_date(tmp_index: NewsIndex) -> None:
    hits = tmp_index.search("char OR alliance OR sécurité", sort="date", limit=10)
    dates = [h.published for h in hits]
    assert dates == sorted(dates, reverse=True)  # type: ignore[type-var]


def test_paging(tmp_index: NewsIndex) -> None:
    everything = ids(tmp_index, "char OR alliance OR sécurité")
    pages = [h.id for p in (1, 2, 3) for h in tmp_index.search("char OR alliance OR sécurité", limit=2, page=p)]
    assert pages == everything and len(everything) == 5
    results = tmp_index.query("char OR alliance OR sécurité", limit=2, page=3)
    assert results.total == 5 and [h.rank for h in results.hits] == [5]


@pytest.mark.parametrize(
    "query, message",
    [
        ("", "The query is empty."),
        ("   ", "The query is empty."),
        ('"Ramstein Leopard', "Unbalanced quote in query"),
        ("(char OR Leopard", "Unbalanced parenthesis in query"),
        ("char) OR (Leopard", "Unbalanced parenthesis in query"),
        ("auteur:Dupont", "Unknown field 'auteur:'"),
        ("« ? ! »", "has no searchable words"),
        ("a*", "too short"),
        ("x" * 3000, "The query is too long"),
    ],
)
def test_malformed_queries(tmp_index: NewsIndex, query: str, message: str) -> None:
    with pytest.raises(QueryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        tmp_index.search(query)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"since": "2023-13-01"}, "Invalid date"),
        ({"since": "2023-02-01", "until": "2023-01-01"}, r"^since \(2023-02-01\) is after until"),
        ({"limit": 0}, "^limit must be"),
        ({"page": 0}, "^page must be"),
    ],
)
def test_bad_options(tmp_index: NewsIndex, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(QueryError, match=message):
        tmp_index.search("char", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "query",
    [
        "Quand le char l(allemand fut-il exposé à Saumur ?",
        'Quel musée expose le char "allemand ?',
        "Quel char expose le musée:Saumur ?",
    ],
)
def test_a_question_with_stray_syntax_is_searched_for_its_words(tmp_index: NewsIndex, query: str) -> None:
    assert ids(tmp_index, query)[0] == "a3"
    with pytest.raises(QueryError):
        tmp_index.search(query, ranking=Ranking(lenient_questions=False))


@pytest.mark.parametrize("query", [
    "Le char \"allemand exposé au musée de Saumur",  # a pasted headline with a stray quote
    "Bulgarie - Saumur : 'le char allemand exposé au musée\"",  # quotes of two kinds (MasakhaNEWS)
    "Le char allemand (exposé au musée de Saumur",
])
def test_pasted_text_with_stray_syntax_is_searched_for_its_words(tmp_index: NewsIndex, query: str) -> None:
    """A pasted headline of 6 words or more was a QueryError (4 MasakhaNEWS titles of 881)."""
    assert ids(tmp_index, query)[0] == "a3"
    with pytest.raises(QueryError):
        tmp_index.search(query, ranking=Ranking(lenient_questions=False))


def test_the_length_limit_holds_for_pasted_text(tmp_index: NewsIndex) -> None:
    """Pasted text searched for its plain words could slip under the limit once its
    punctuation was dropped."""
    text = "char (allemand, « exposé » ; à Saumur) ! " * 50 + '"'
    assert len(text) > 2_000 and len(" ".join(text.split())) > 2_000
    with pytest.raises(QueryError, match="too long"):
        tmp_index.search(text)


def test_short_stray_syntax_is_still_an_error(tmp_index: NewsIndex) -> None:
    with pytest.raises(QueryError, match="Unbalanced quote"):
        tmp_index.search('char "allemand Saumur')


def test_colon_followed_by_space_is_punctuation(tmp_index: NewsIndex) -> None:
    assert ids(tmp_index, "Sécurité routière : été") == ["a2"]


@pytest.mark.parametrize("text", ["chars", "char Ukraine", "Etats-Unis", "title:char OR body:musée",
                                  "Quel pays livre des chars à l'Ukraine ?", "sécurité routière été"])
@pytest.mark.parametrize("ranking", [Ranking(lucene_idf=False), Ranking(k1=2.0, b=0.75, title_b=0.3, lucene_idf=False)])
def test_fast_bm25f_scores_the_same_floats_as_whooshs(tmp_index: NewsIndex, text: str, ranking: Ranking) -> None:
    from whoosh import scoring

    from newssearch.queries import parse_query
    from newssearch.searching import weighting

    with tmp_index._searchers.borrow() as searcher:
        q = parse_query(searcher.schema, text, ranking=ranking).loose
        whoosh = scoring.BM25F(B=ranking.b, K1=ranking.k1, title_B=ranking.title_b)
        scores = [[(h.docnum, h.score) for h in searcher.search(q, limit=None, scored=True)]
                  for searcher.weighting in (weighting(ranking), whoosh)]
    assert scores[0] == scores[1] and scores[0]


def test_lucene_idf(tmp_index: NewsIndex) -> None:
    import math

    from newssearch.searching import weighting

    with tmp_index._searchers.borrow() as searcher:
        n, total = searcher.doc_frequency("body", "char"), searcher.doc_count_all()
        scorer = weighting(Ranking(lucene_idf=True)).scorer(searcher, "body", "char")
        assert 0 < n < total and scorer.idf == math.log(1 + (total - n + 0.5) / (n + 0.5))
        whooshs = weighting(Ranking(lucene_idf=False)).scorer(searcher, "body", "char")
        assert whooshs.idf == searcher.idf("body", "char")


def test_fast_bm25f_reads_the_length_bytes_once_per_segment(tmp_index: NewsIndex) -> None:
    from newssearch.engine.scoring import length_bytes
    from newssearch.searching import weighting

    with tmp_index._searchers.borrow() as searcher:
        [(reader, _)] = searcher.reader().leaf_readers()
        scorer = weighting().scorer(searcher, "body", "char")
        assert scorer.lengths is length_bytes(reader, "body") and len(scorer.lengths) == reader.doc_count_all()


@pytest.mark.parametrize("sort", ["relevance", "date"])
@pytest.mark.parametrize("all_versions", [True, False])
def test_totals_count_every_match_once_the_top_hits_are_full(tmp_path: Path, sort: str, all_versions: bool) -> None:
    """Once its top N was full, Whoosh's collector swapped "alpha in the title OR the body"
    for "the body, maybe the title" (a title alone could no longer reach the top N): the 20
    articles with alpha in the title only were left out of the total (it said 80)."""
    from .conftest import write_jsonl

    records = [{"id": f"a{i}", "title": f"Alpha {i}", "body": " ".join(["alpha"] * (1 + i % 6)) + f" texte {i}",
                "date": f"2023-01-{1 + i % 28:02d}T08:00:00+00:00"} for i in range(80)]
    records += [{"id": f"b{i}", "title": f"Alpha, note {i}", "body": f"Rien à voir, numéro {i}.",
                 "date": f"2022-01-{1 + i % 28:02d}T08:00:00+00:00"} for i in range(20)]
    write_jsonl(tmp_path / "a.jsonl", records)
    with NewsIndex.open(tmp_path / "ix", create=True) as ix:
        ix.add([tmp_path / "a.jsonl"])
        results = ix.query("alpha", limit=10, sort=sort, all_versions=all_versions)  # type: ignore[arg-type]
        assert results.total == 100 and len(results.hits) == 10


@pytest.mark.parametrize("query, expected", [
    ("Medvedv~", {"a4", "SEED"}),  # one edit from medvedev
    ("Medvedeff~2", {"a4", "SEED"}),  # two edits
    ("Medvedeff~", set()),  # not within one
    ("Leopord~", {"a1", "SEED"}),
    ("léopart~", {"a1", "SEED"}),  # on the folded form
    ("Abrams~0", {"a1"}),
])
def test_fuzzy_words(tmp_index: NewsIndex, query: str, expected: set[str]) -> None:
    found = {hit.id if not hit.id.endswith(".txt") else "SEED" for hit in tmp_index.search(query, limit=50)}
    assert found == expected


def test_fuzzy_matches_are_highlighted(tmp_index: NewsIndex) -> None:
    [hit] = tmp_index.search("Medvedv~", source="L'Écho de Paris")
    assert [hit.snippet.text[s:e] for s, e in hit.snippet.spans] == ["Medvedev"]


@pytest.mark.parametrize("query, expected", [
    ('"chars Ukraine"', set()),  # a phrase: adjacent
    ('"chars Ukraine"~5', {"a1"}),  # chars Leopard 2 à l'Ukraine: within 5 words
    ('"chars Ukraine"~2', set()),
    ('"Leopard chars"~5', set()),  # in order
])
def test_proximity(tmp_index: NewsIndex, query: str, expected: set[str]) -> None:
    assert {hit.id for hit in tmp_index.search(query, limit=50, source="Le Courrier du Nord")} == expected


def test_reranking_can_be_turned_off(tmp_index: NewsIndex) -> None:
    """Ranking(rerank=0) raised IndexError (an empty head of candidates)."""
    assert ids(tmp_index, "char allemand musée Saumur", ranking=Ranking(rerank=0))[0] == "a3"


def _undated_index(folder: Path) -> NewsIndex:
    """Articles without dates whose index order (a, b, c) is not their relevance order."""
    from .conftest import write_jsonl

    write_jsonl(folder / "u.jsonl", [{"id": "a", "title": "Marché", "body": "Le marché couvert ouvre. Une grève."},
                                     {"id": "b", "title": "Grève", "body": "Grève, grève et grève au port."},
                                     {"id": "c", "title": "Port", "body": "Une grève au port."}])
    ix = NewsIndex.open(folder / "ix", create=True)
    ix.add([folder / "u.jsonl"], group=False)
    return ix


def test_a_date_sort_without_any_date_gives_the_hits_best_first_and_says_so(tmp_path: Path) -> None:
    with _undated_index(tmp_path) as ix:
        best_first = ids(ix, "grève")
        assert best_first[0] == "b" and best_first != ["a", "b", "c"]  # the index's order is not relevance's
        by_date = ix.query("grève", sort="date")
        # it gave the index's order, with no word of why
        assert [hit.id for hit in by_date.hits] == best_first and (by_date.sort, by_date.undated) == ("relevance", True)
        assert [hit.id for hit in ix.export("grève", sort="date")] == best_first
        assert ix.query("grève", since="2020-01-01").undated and not ix.query("grève").undated
        assert ix.query("grève date:2020").undated
        ix.add_articles([{"id": "d", "title": "Grève", "body": "Grève datée.", "date": "2023-01-25"}], group=False)
        dated = ix.query("grève", sort="date")  # what was known of the index is not kept past a commit
        assert (dated.sort, dated.undated, dated.hits[0].id) == ("date", False, "d")


@pytest.mark.parametrize("query, options", [("source:AFP", {}), ("NOT marché", {"source": "AFP"}),
                                            ("source:AFP", {"sort": "date"})])
def test_a_search_no_word_scores_is_in_index_order_without_dates(tmp_path: Path, query: str,
                                                                 options: dict[str, str]) -> None:
    """Filters or excluded words alone on an undated index: the hits are in the index's order,
    and Results says so ("index"), not "relevance" over scores of 0."""
    ix = NewsIndex.open(tmp_path / "ix", create=True)
    ix.add_articles([{"id": i, "title": "Grève", "body": "Une grève.", "source": "AFP"} for i in ("c", "a", "b")],
                    group=False)
    results = ix.query(query, **options)  # type: ignore[arg-type]
    assert (results.sort, [hit.id for hit in results.hits]) == ("index", ["c", "a", "b"])
    assert ix.query("grève", source="AFP").sort == "relevance"


def test_a_date_sort_with_dates_is_newest_first_and_not_undated(tmp_index: NewsIndex) -> None:
    results = tmp_index.query("char OR alliance", sort="date")
    assert (results.sort, results.undated) == ("date", False)
    dates = [hit.published for hit in results.hits if hit.published]
    assert dates == sorted(dates, reverse=True)


@pytest.mark.parametrize("query, options, expected", [
    ("NOT Leopard", {"source": "Le Courrier du Nord"}, {"a3"}),
    ("-Leopard -musée", {"source": "Le Courrier du Nord"}, set()),
    ("NOT Abrams", {"since": "2021-01-01", "until": "2022-12-31"}, {"a2", "a3"}),
])
def test_excluded_words_alone_under_the_searchs_own_filters(tmp_index: NewsIndex, query: str,
                                                             options: dict[str, str], expected: set[str]) -> None:
    assert set(ids(tmp_index, query, **options)) == expected
    assert tmp_index.query(query, **options).total == len(expected)
