"""Wire-story grouping: near-duplicates share a group at index time and show once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from newssearch import NewsIndex
from newssearch.cli import cli
from newssearch.grouping import _hash, similarity, sketch

from .conftest import write_jsonl

DISPATCH = ("Le gouvernement a présenté mercredi en Conseil des ministres un projet de loi sur l'énergie "
            "nucléaire qui prévoit la construction de six nouveaux réacteurs d'ici 2035. Le texte doit être "
            "examiné par le Sénat au printemps, a indiqué la ministre de la Transition énergétique. "
            "Les associations écologistes dénoncent une décision prise sans débat public suffisant. "
            "Le coût total du programme est estimé à plus de cinquante milliards d'euros par EDF.")


def edited(text: str) -> str:
    return text.replace("mercredi", "ce mercredi").replace("six nouveaux", "6 nouveaux").replace(
        "a indiqué", "a précisé")


VERSIONS = [
    {"id": "afp", "title": "Nucléaire : six réacteurs", "body": DISPATCH, "source": "AFP",
     "date": "2023-01-20T08:14:00+00:00"},
    {"id": "nord", "title": "Six nouveaux réacteurs", "body": edited(DISPATCH), "source": "La Voix du Nord",
     "date": "2023-01-20T10:00:00+00:00"},
    {"id": "ouest", "title": "Le nucléaire relancé", "body": "Par Jean Dupont (avec AFP). " + DISPATCH.rsplit(" Le coût", 1)[0],
     "source": "La Gazette de l'Ouest", "date": "2023-01-21T07:00:00+00:00"},
    {"id": "other", "title": "Réacteurs et sénat", "date": "2023-01-22T07:00:00+00:00", "source": "Le Journal",
     "body": "Le Sénat examinera au printemps un texte sur les réacteurs nucléaires, mais les sénateurs "
             "veulent d'abord entendre EDF sur ses comptes et sur le calendrier des chantiers en cours."},
]


def test_sketch_similarity_orders_versions() -> None:
    base = sketch(DISPATCH)
    assert similarity(base, sketch(DISPATCH)) == 1.0
    assert similarity(base, sketch(edited(DISPATCH))) >= 0.5
    assert similarity(base, sketch(VERSIONS[3]["body"])) < 0.2
    assert sketch("") == [] and similarity([], base) == 0.0


@pytest.fixture
def grouped(tmp_path: Path) -> NewsIndex:
    write_jsonl(tmp_path / "wire.jsonl", VERSIONS)
    ix = NewsIndex.open(tmp_path / "ix", create=True)
    ix.add([tmp_path / "wire.jsonl"])
    return ix


def test_versions_show_once_with_the_first_one(grouped: NewsIndex) -> None:
    results = grouped.query("réacteurs Sénat")
    ids = {h.id for h in results.hits}
    assert "other" in ids and len(ids & {"afp", "nord", "ouest"}) == 1 and results.total == 2
    story = next(h for h in results.hits if h.id != "other")
    assert story.versions == 3
    assert story.first_version is not None and story.first_version[0] == "AFP"
    assert story.first_version[1] is not None and story.first_version[1].isoformat() == "2023-01-20T08:14:00+00:00"
    every = grouped.query("réacteurs Sénat", all_versions=True)
    assert sorted(h.id for h in every.hits) == ["afp", "nord", "other", "ouest"] and every.total == 4


COLLAPSE_QUERIES = ["réacteurs Sénat", "réacteurs nouveaux", "nucléaire", "Sénat EDF", "printemps", "réacteurs OR comptes"]


@pytest.mark.parametrize("text", COLLAPSE_QUERIES)
@pytest.mark.parametrize("since", [None, "2023-01-20"])
def test_collapse_shows_the_best_version_and_counts_stories(grouped: NewsIndex, text: str, since: str | None) -> None:
    every = grouped.query(text, all_versions=True, since=since, limit=50)
    order = [v["id"] for v in VERSIONS]  # indexing order
    story = sorted((h for h in every.hits if h.id in {"afp", "nord", "ouest"}),
                   key=lambda h: (-h.score, order.index(h.id)))  # the best; on a tie, the first indexed
    expected = [h.id for h in every.hits if h.id not in {"afp", "nord", "ouest"} or h is story[0]]
    results = grouped.query(text, since=since, limit=50)
    assert [h.id for h in results.hits] == expected  # under a date filter too
    assert results.total == len(expected) == every.total - max(0, len(story) - 1)


@pytest.mark.parametrize("since", [None, "2023-01-20"])
def test_versions_collapse_when_sorted_by_date(grouped: NewsIndex, since: str | None) -> None:
    results = grouped.query("réacteurs", sort="date", since=since)
    ids = [h.id for h in results.hits]
    assert ids[0] == "other" and len(ids) == 2 and len(set(ids) & {"afp", "nord", "ouest"}) == 1
    assert results.total == 2


@pytest.mark.parametrize("text", COLLAPSE_QUERIES)
def test_collapse_keeps_the_hits_whooshs_collapse_keeps(grouped: NewsIndex, text: str) -> None:
    from newssearch.engine import collect
    from newssearch.queries import parse_query
    from newssearch.schema import GROUP
    from newssearch.searching import weighting

    with grouped._searchers.borrow() as searcher:
        q = parse_query(searcher.schema, text).query
        whoosh = searcher.search(q, limit=10, collapse=GROUP, optimize=False)
        ours = collect(searcher, q, weighting=searcher.weighting, collapse=GROUP).ranked(10)
    assert ours == [(h.docnum, h.score) for h in whoosh]


def test_groups_survive_incremental_runs(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "a.jsonl", VERSIONS[:1])
    with NewsIndex.open(tmp_path / "ix", create=True) as ix:
        ix.add([tmp_path / "a.jsonl"])
        write_jsonl(tmp_path / "b.jsonl", VERSIONS[1:2])
        ix.add([tmp_path / "b.jsonl"])
        [hit] = ix.search("réacteurs")
        assert hit.versions == 2
        (tmp_path / "b.jsonl").unlink()
        ix.add([tmp_path], prune=True)
        [hit] = ix.search("réacteurs")
        assert (hit.id, hit.versions) == ("afp", 1)


def test_cli_shows_versions(tmp_path: Path, grouped: NewsIndex) -> None:
    result = CliRunner().invoke(cli, ["query", "nucléaire EDF", "--index", str(grouped.path)], catch_exceptions=False)
    assert "3 versions: first AFP 2023-01-20 08:14 (--all-versions shows them)" in result.stdout
    every = CliRunner().invoke(cli, ["query", "nucléaire EDF", "--all-versions", "--json", "--index", str(grouped.path)])
    versions = {json.loads(line)["id"]: json.loads(line)["versions"] for line in every.stdout.splitlines()}
    assert versions == {"afp": 3, "nord": 3, "other": 1}  # "ouest" dropped the sentence with EDF


@pytest.mark.parametrize("article_id, path", [("/archive/a.txt", "/archive/a.txt"), ("dep-1", "/archive/wire.jsonl")])
def test_forgetting_a_file_drops_its_sketches(tmp_path: Path, article_id: str, path: str) -> None:
    from newssearch.documents import Article
    from newssearch.grouping import Grouper

    grouper = Grouper(tmp_path / "groups.sqlite")
    grouper.assign(Article(id=article_id, title="Dépêche", body=DISPATCH, path=path))
    grouper.assign(Article(id="other", title="Autre", body=VERSIONS[3]["body"], path="/archive/other.txt"))
    grouper.forget(path)
    assert [row[0] for row in grouper.db.execute("SELECT article FROM sketches")] == [_hash("other")]
    assert grouper.db.execute("SELECT COUNT(*) FROM keys").fetchone()[0] == 4
    grouper.close()


def test_an_article_indexed_again_keeps_one_sketch(tmp_path: Path) -> None:
    from newssearch.documents import Article
    from newssearch.grouping import Grouper

    grouper = Grouper(tmp_path / "groups.sqlite")
    first = grouper.assign(Article(id="afp", title="Dépêche", body=DISPATCH, path="/wire.jsonl"))
    assert grouper.assign(Article(id="afp", title="Dépêche", body=edited(DISPATCH), path="/wire.jsonl")) == first
    assert grouper.db.execute("SELECT COUNT(*), COUNT(file) FROM sketches").fetchone() == (1, 1)
    assert grouper.db.execute("SELECT COUNT(*) FROM keys").fetchone()[0] == 4
    grouper.close()


@pytest.mark.parametrize("text", ["", "un deux trois", "un deux trois quatre", "Élève à l'école, où ÇA va ?",
                                  DISPATCH, "mot " * 50])
def test_sketch_hashes_each_shingle_as_its_words_joined_by_a_space(text: str) -> None:
    import heapq
    import re
    import zlib

    words = re.findall(r"[^\W_]+", text.lower())
    expected = {zlib.crc32(" ".join(words[i:i + 4]).encode("utf-8")) for i in range(max(0, len(words) - 3))}
    assert sketch(text) == heapq.nsmallest(32, expected)


def test_collapse_keys_are_read_once_per_segment_reader(grouped: NewsIndex) -> None:
    from newssearch.engine import segment_column
    from newssearch.schema import GROUP, HASH

    with grouped._searchers.borrow() as searcher:
        [(reader, _)] = searcher.reader().leaf_readers()
        keys = segment_column(reader, GROUP)
        assert keys is segment_column(reader, GROUP)
        assert keys == list(reader.column_reader(GROUP, translate=False))
        assert segment_column(reader, HASH) == [b""] * reader.doc_count_all()  # a field without a column


@pytest.fixture
def many_versions(tmp_path: Path) -> NewsIndex:
    """Five stories of four versions each, every version newer than the one before it:
    sorted by date, each later version displaces the kept one."""
    stories = [DISPATCH, VERSIONS[3]["body"],
               "La grève des contrôleurs aériens a cloué au sol des centaines d'avions ce week-end dans "
               "les aéroports de Paris, de Lyon et de Marseille, selon la direction générale de l'aviation.",
               "Le musée du Louvre a accueilli un nombre record de visiteurs cette année, porté par le retour "
               "des touristes étrangers et par une grande exposition consacrée aux réacteurs de la peinture.",
               "Les chars Leopard promis par Berlin à l'Ukraine arriveront au printemps, a annoncé le ministre "
               "allemand de la Défense, qui évoque aussi une aide de plusieurs milliards d'euros."]
    records = [{"id": f"s{s}v{v}", "title": f"Dépêche {s}", "body": (f"Mise à jour {v}. " if v else "") + body,
                "date": f"2023-0{1 + v}-1{s}T08:00:00+00:00", "source": "AFP"}
               for v in range(4) for s, body in enumerate(stories)]
    write_jsonl(tmp_path / "wire.jsonl", records)
    ix = NewsIndex.open(tmp_path / "ix", create=True)
    ix.add([tmp_path / "wire.jsonl"])
    return ix


@pytest.mark.parametrize("text", ["réacteurs", "Sénat OR aéroports OR Louvre OR Leopard", "milliards"])
@pytest.mark.parametrize("since", [None, "2023-02-01"])
def test_sorted_by_date_counts_and_keeps_the_newest_version_of_each_story(many_versions: NewsIndex, text: str,
                                                                          since: str | None) -> None:
    by_date = many_versions.query(text, sort="date", since=since, limit=50)
    ranked = many_versions.query(text, since=since, limit=50)
    assert by_date.total == ranked.total == len(by_date.hits) == len({h.id[:2] for h in ranked.hits})
    assert all(h.id.endswith("v3") for h in by_date.hits)  # the newest version of each story
    dates = [h.published for h in by_date.hits]
    assert dates == sorted(dates, reverse=True)  # type: ignore[type-var]
    assert {h.score for h in by_date.hits} == {0.0}
    every = many_versions.query(text, sort="date", since=since, limit=50, all_versions=True)
    assert every.total == len(every.hits) == 4 * by_date.total - (by_date.total if since else 0)
