"""The embedded API: NewsIndex, Hit, Snippet, as another tool would use them."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from pathlib import Path

import pytest

import newssearch
from newssearch import Hit, IndexNotFoundError, NewsIndex, Snippet
from newssearch.config import Ranking

from .conftest import SEED


def test_three_line_embedded_use(seeds_dir: Path, tmp_path: Path) -> None:
    NewsIndex.create(tmp_path / "index").add([seeds_dir])
    ix = NewsIndex.open(tmp_path / "index")
    [hit] = ix.search("Ramstein Leopard", limit=5)
    assert hit.title == "Moscou n'exclut pas une alliance anti-US"
    assert "Ramstein" in hit.snippet.text
    ix.close()


def test_hit_fields(tmp_index: NewsIndex) -> None:
    [hit] = tmp_index.search("Abrams")
    assert hit.id == "a1" and hit.rank == 1 and hit.score > 0
    assert hit.published == datetime(2023, 1, 25, 10, tzinfo=timezone.utc)
    assert (hit.source, hit.url) == ("Le Courrier du Nord", "https://example.org/a1")
    assert hit.path.endswith("dispatches.jsonl")
    assert [hit.snippet.text[s:e] for s, e in hit.snippet.spans] == ["Abrams"]


def test_title_spans(tmp_index: NewsIndex) -> None:
    [hit] = tmp_index.search("title:musée OR exposé char", mode="all")
    assert [hit.title[s:e] for s, e in hit.title_spans] == ["char", "exposé", "musée"]


def test_hit_and_snippet_are_frozen(tmp_index: NewsIndex) -> None:
    hit = tmp_index.search("Abrams")[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        hit.title = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        hit.snippet.text = "x"  # type: ignore[misc]
    assert isinstance(hit, Hit) and isinstance(hit.snippet, Snippet)


def test_open_missing_index(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError, match="No index in"):
        NewsIndex.open(tmp_path / "absent")


def test_searcher_sees_articles_added_later(tmp_path: Path, seeds_dir: Path) -> None:
    folder = tmp_path / "index"
    reader = NewsIndex.open(folder, create=True)
    assert reader.search("Ramstein") == []
    writer = NewsIndex.open(folder)
    writer.add([seeds_dir])
    assert [h.title for h in reader.search("Ramstein")] == ["Moscou n'exclut pas une alliance anti-US"]
    reader.close()
    writer.close()


def test_report_from_add(tmp_path: Path, archive: Path) -> None:
    with NewsIndex.create(tmp_path / "index") as ix:
        report = ix.add([archive])
        assert (report.added, report.articles, report.changed) == (3, 6, True)
        assert len(ix) == 6
        assert not ix.add([archive]).changed


def test_public_names() -> None:
    for name in newssearch.__all__:
        assert getattr(newssearch, name) is not None
    with pytest.raises(AttributeError):
        newssearch.nothing_here  # type: ignore[attr-defined]


def test_py_typed_ships() -> None:
    assert (Path(newssearch.__file__).parent / "py.typed").is_file()


def test_seed_is_hit_one_for_the_readme_query(tmp_index: NewsIndex) -> None:
    hits = tmp_index.search("Ramstein Leopard")
    assert hits[0].id.endswith(SEED.name)


def test_a_two_word_query_requires_both_words_but_a_question_does_not(tmp_index: NewsIndex) -> None:
    def ids(query: str, **kwargs: object) -> list[str]:
        return [h.id for h in tmp_index.search(query, **kwargs)]  # type: ignore[arg-type]

    both = tmp_index.query("Ramstein Leopard")
    assert not both.partial and [h.id for h in both.hits] == ids("Ramstein Leopard", mode="all")
    assert ids("char Saumur") == ["a3"] and not tmp_index.query("char Saumur").partial
    asked = ids("Quel char à Saumur ?")
    assert asked[0] == "a3" and len(asked) > 1  # any word matches; the article with both comes first
    assert ids("Quel char à Saumur ?", ranking=Ranking(questions_any_word=False)) == ["a3"]


def test_an_empty_index_finds_nothing_without_error(tmp_path: Path) -> None:
    with NewsIndex.open(tmp_path / "empty", create=True) as ix:
        assert ix.search("Leopard") == [] and ix.query("Quand le char est-il arrivé ?").total == 0


SEARCHES = [
    {"request": "char"},
    {"request": "char", "ranking": Ranking(k1=2.0, b=0.9, title_boost=3.0)},
    {"request": "chars Leopard Ukraine Abrams Washington", "ranking": Ranking(coordination=0, proximity=0)},
    {"request": "char OR alliance OR sécurité", "sort": "date"},
    {"request": "char OR alliance", "source": "Le Courrier du Nord", "facets": True},
    {"request": "Quel pays livre des chars à l'Ukraine ?"},
    {"request": "Leopord"},
    {"request": '"chars Leopard"', "all_versions": True},
]


def test_threads_sharing_one_index_get_the_results_of_one_thread(tmp_index: NewsIndex) -> None:
    """Eight threads search one NewsIndex at once, each with its own ranking settings: every
    result is the one the same search gives alone (the scoring model is per search)."""
    import sys
    from concurrent.futures import ThreadPoolExecutor

    alone = [tmp_index.query(**kwargs) for kwargs in SEARCHES]  # type: ignore[arg-type]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns often, as on a loaded server
    try:
        with ThreadPoolExecutor(8) as pool:
            together = list(pool.map(lambda i: tmp_index.query(**SEARCHES[i % len(SEARCHES)]),  # type: ignore[arg-type]
                                     range(400)))
    finally:
        sys.setswitchinterval(interval)
    assert all(result == alone[i % len(SEARCHES)] for i, result in enumerate(together))
    assert len({result.hits[0].score for result in alone[:2]}) == 2  # the settings do change the scores


def test_a_search_leaves_the_shared_searcher_as_it_was(tmp_index: NewsIndex) -> None:
    with tmp_index._searchers.borrow() as searcher:
        before = searcher.weighting
    tmp_index.query("char", ranking=Ranking(k1=2.0))
    tmp_index.query("char", sort="date")
    with tmp_index._searchers.borrow() as searcher:
        assert searcher.weighting is before


def count_passes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the passes over a query's matches (engine.collect calls)."""
    from newssearch import engine, searching

    calls: list[int] = []
    collect = engine.collect

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return collect(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(searching.engine, "collect", counted)
    return calls


def test_export_streams_every_hit_from_one_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from .conftest import write_jsonl

    write_jsonl(tmp_path / "a.jsonl", [{"id": f"d{i:03d}", "title": f"Dépêche {i}",
                                        "body": f"Le marché du blé, jour {i}. " + "blé " * (i % 7)}
                                       for i in range(120)])
    with NewsIndex.open(tmp_path / "ix", create=True) as ix:
        ix.add([tmp_path / "a.jsonl"], group=False)
        paged = [hit for page in range(1, 13) for hit in ix.search("blé", limit=10, page=page)]
        passes = count_passes(monkeypatch)
        exported = ix.export("blé")
        first = next(exported)
        assert len(passes) == 1
        everything = [first, *exported]
    assert len(passes) == 1 and len(everything) == 120
    assert [(h.id, h.rank, h.score) for h in everything] == [(h.id, h.rank, h.score) for h in paged]
    assert all(len(h.snippets) == 1 for h in everything)


def test_facets_come_from_the_same_pass_as_the_hits(tmp_index: NewsIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    passes = count_passes(monkeypatch)
    results = tmp_index.query("char OR alliance OR sécurité", facets=True)
    assert len(passes) == 1 and results.facets is not None
    assert results.facets.total == results.total == 5
    assert results.facets == tmp_index.facets("char OR alliance OR sécurité")


def test_a_search_request_is_one_object(tmp_index: NewsIndex) -> None:
    from newssearch import SearchRequest

    request = SearchRequest("char OR alliance", limit=2, sort="date")
    assert tmp_index.query(request) == tmp_index.query("char OR alliance", limit=2, sort="date")
    assert tmp_index.query(request, page=2).hits == tmp_index.search("char OR alliance", limit=2, sort="date", page=2)
    assert not any(hasattr(tmp_index.query(request), name) for name in ("parsed", "filter"))


def test_add_articles_takes_articles_and_dicts_and_replaces_by_id(tmp_path: Path) -> None:
    from newssearch import Article

    ix = NewsIndex.create(tmp_path / "ix")
    first = ix.add_articles([{"id": "x1", "title": "Chars Leopard", "body": "Berlin livre des chars Leopard."},
                             Article(id="x2", title="Abrams", body="Washington livre des chars Abrams.", path="")])
    assert (first.added, first.updated, first.articles, first.skipped) == (2, 0, 2, [])
    again = ix.add_articles([{"id": "x1", "title": "Chars Leopard 2", "body": "Berlin livre des Leopard 2."},
                             {"id": "x3", "title": 3}])
    assert (again.added, again.updated, again.articles) == (0, 1, 1)
    assert [str(s) for s in again.skipped] == ["article 2: 'title' is int, expected text"]
    assert len(ix) == 2 and ix.article("x1").title == "Chars Leopard 2"
    assert [h.id for h in ix.search("Leopard")] == ["x1"]


def test_add_articles_groups_wire_story_versions(tmp_path: Path) -> None:
    body = ("Le ministre de la Défense a annoncé jeudi la livraison de chars Leopard à l'Ukraine, "
            "après plusieurs semaines de négociations avec les alliés européens réunis à Ramstein. ") * 3
    ix = NewsIndex.create(tmp_path / "ix")
    ix.add_articles([{"id": "v1", "title": "Des chars pour Kiev", "body": body, "source": "AFP"}])
    ix.add_articles([{"id": "v2", "title": "Des chars pour Kiev", "body": body + " Mis à jour.", "source": "Le Nord"}])
    hits = ix.search("Leopard")
    assert len(hits) == 1 and hits[0].versions == 2


def test_delete_removes_articles_by_id(tmp_index: NewsIndex) -> None:
    before = len(tmp_index)
    assert tmp_index.delete(["a1", "a2", "nope"]) == 2
    assert len(tmp_index) == before - 2 and not {"a1", "a2"} & {h.id for h in tmp_index.search("Leopard OR routes")}


def test_an_unknown_id_is_article_not_found_a_key_error(tmp_index: NewsIndex) -> None:
    with pytest.raises(newssearch.ArticleNotFoundError) as caught:
        tmp_index.article("nope")
    assert isinstance(caught.value, KeyError) and isinstance(caught.value, newssearch.NewsSearchError)
    assert str(caught.value) == "No article with id 'nope' in the index."
