"""Facets, stats, show, similar, did-you-mean and export: API and CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from newssearch import ArticleNotFoundError, NewsIndex
from newssearch.cli import cli
from newssearch.config import INDEX_FORMAT_VERSION


def test_facets_count_every_hit_by_source_and_month(tmp_index: NewsIndex) -> None:
    facets = tmp_index.facets("char OR alliance OR sécurité")
    assert facets.total == 5
    assert facets.sources == [("Le Courrier du Nord", 2), ("L'Écho de Paris", 1), ("La Gazette de Lyon", 1)]
    assert facets.months == [("2021-05", 1), ("2022-08", 1), ("2023-01", 3)]
    assert facets.years == [("2021", 1), ("2022", 1), ("2023", 3)]
    assert tmp_index.facets("char", source="la gazette de lyon").total == 0


def test_stats(tmp_index: NewsIndex) -> None:
    stats = tmp_index.stats()
    assert (stats.articles, stats.sources) == (6, 3)
    assert stats.first is not None and stats.first.date().isoformat() == "2021-05-02"
    assert stats.last is not None and stats.last.date().isoformat() == "2023-01-25"
    assert stats.size_bytes > 10_000 and stats.updated and stats.segments >= 1


def test_show_article_with_highlights(tmp_index: NewsIndex) -> None:
    article = tmp_index.article("a1")
    assert article.title == "Les chars Leopard promis à l’Ukraine" and article.source == "Le Courrier du Nord"
    title_spans, body_spans = tmp_index.highlight(article, "char etats-unis")
    assert [article.title[s:e] for s, e in title_spans] == ["chars"]
    assert [article.body[s:e] for s, e in body_spans] == ["chars", "États", "Unis", "chars"]
    with pytest.raises(ArticleNotFoundError, match="No article with id 'nope'") as caught:
        tmp_index.article("nope")
    assert isinstance(caught.value, KeyError) and caught.value.id == "nope"


def test_similar_excludes_the_article_itself(tmp_index: NewsIndex) -> None:
    hits = tmp_index.similar("a1", limit=3)
    assert hits and "a1" not in [h.id for h in hits]
    assert hits[0].id.endswith(".txt") or hits[0].id == "a3"  # the seed (Leopard, Ukraine) or the other tank story


@pytest.mark.parametrize(
    "query, suggestion",
    [("Leopord", "Leopard"), ("Medvedv", "Medvedev"), ("Ramstien Leopard", "Ramstein Leopard"), ("Leopard", None)],
)
def test_did_you_mean(tmp_index: NewsIndex, query: str, suggestion: str | None) -> None:
    assert tmp_index.query(query).suggestion == suggestion


def test_export_writes_every_hit(tmp_index: NewsIndex) -> None:
    hits = list(tmp_index.export("char OR alliance OR sécurité"))
    assert [h.rank for h in hits] == [1, 2, 3, 4, 5]
    from newssearch.exporting import write_export

    out = io.StringIO()
    assert write_export(hits, "jsonl", out) == 5
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(rows) == 5 and list(rows[0]) == ["rank", "id", "published", "source", "url", "title", "score", "snippet"]
    out = io.StringIO()
    assert write_export(hits, "csv", out) == 5
    table = list(csv.DictReader(io.StringIO(out.getvalue())))  # plain CSV: the header first
    assert [dict(row) | {"score": "", "snippet": ""} for row in table] == \
        [{k: "" if v is None else str(v) for k, v in row.items()} | {"score": "", "snippet": ""} for row in rows]


def test_missing_values_are_null_in_json_lines_and_empty_in_csv(tmp_index: NewsIndex) -> None:
    from newssearch.exporting import write_export

    hits = [h for h in tmp_index.export("Ramstein") if h.source is None]  # the seed article: no source, no url
    jsonl, table = io.StringIO(), io.StringIO()
    write_export(hits, "jsonl", jsonl)
    write_export(hits, "csv", table)
    [row] = [json.loads(line) for line in jsonl.getvalue().splitlines()]
    [cells] = list(csv.DictReader(io.StringIO(table.getvalue())))
    assert (row["source"], row["url"]) == (None, None) and (cells["source"], cells["url"]) == ("", "")


@pytest.fixture
def index_dir(tmp_path: Path, archive: Path) -> Path:
    with NewsIndex.create(tmp_path / "ix") as ix:
        ix.add([archive])
    return tmp_path / "ix"


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_cli_facets(index_dir: Path) -> None:
    result = run("query", "char OR alliance", "--facets", "--index", str(index_dir))
    assert result.exit_code == 0
    assert "by source" in result.stdout and "Le Courrier du Nord" in result.stdout
    assert "by year" in result.stdout and "2023" in result.stdout and "by month 2021-05 … 2023-01" in result.stdout


def test_cli_stats(index_dir: Path) -> None:
    result = run("stats", "--json", "--index", str(index_dir))
    data = json.loads(result.stdout)
    assert (data["articles"], data["sources"], data["first"][:10], data["last"][:10]) == (6, 3, "2021-05-02",
                                                                                        "2023-01-25")
    assert "articles" in run("stats", "--index", str(index_dir)).stdout


def test_cli_show_and_similar(index_dir: Path) -> None:
    shown = run("show", "a3", "--query", "musée", "--index", str(index_dir))
    assert shown.exit_code == 0 and shown.stdout.startswith("Un char allemand exposé au musée\n2021-05-02 · ")
    assert "Le musée de Saumur" in shown.stdout
    missing = CliRunner().invoke(cli, ["show", "zz", "--index", str(index_dir)])
    assert (missing.exit_code, missing.stderr) == (1, "Error: No article with id 'zz' in the index.\n")
    similar = run("similar", "a1", "--json", "--index", str(index_dir))
    assert similar.exit_code == 0 and "a1" not in [json.loads(x)["id"] for x in similar.stdout.splitlines()]


def test_cli_did_you_mean(index_dir: Path) -> None:
    result = run("query", "Leopord", "--index", str(index_dir))
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "Did you mean: Leopard?\nNo results for 'Leopord'.\n"


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_cli_export(index_dir: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"hits.{fmt}"
    result = run("query", "char OR alliance OR sécurité", "--format", fmt, "--output", str(out),
                 "--since", "2021-01-01", "--index", str(index_dir))
    sidecar = tmp_path / f"hits.{fmt}.provenance.json"
    assert result.exit_code == 0
    assert result.stderr == f"Exported 5 hits to {out} (the query, filters and index: {sidecar}).\n"
    provenance = json.loads(sidecar.read_text(encoding="utf-8"))
    assert provenance["query"] == "char OR alliance OR sécurité"
    single = tmp_path / f"one.{fmt}"
    one = run("query", "title:musée", "--format", fmt, "--output", str(single), "--index", str(index_dir))
    assert one.stderr == f"Exported 1 hit to {single} (the query, filters and index: {single}.provenance.json).\n"
    assert provenance["filters"]["since"] == "2021-01-01" and provenance["index_format"] == INDEX_FORMAT_VERSION
    body = out.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(body))) if fmt == "csv" else [json.loads(x) for x in body.splitlines()]
    assert len(rows) == 5 and rows[0]["rank"] in ("1", 1)  # the file holds the hits and nothing else


@pytest.mark.parametrize("a, b, distance", [("leopard", "leopard", 0), ("leopord", "leopard", 1),
                                             ("juoeur", "joueur", 1), ("juoeur", "jours", 3), ("", "ab", 2)])
def test_edit_distance_counts_a_swap_as_one(a: str, b: str, distance: int) -> None:
    from newssearch.spelling import edit_distance

    assert edit_distance(a, b) == distance


def test_did_you_mean_prefers_the_nearest_word_to_the_most_frequent(tmp_path: Path) -> None:
    from .conftest import write_jsonl

    records = [{"id": str(i), "title": "Jours de fête", "body": "Les jours passent."} for i in range(5)]
    records.append({"id": "j", "title": "Le joueur", "body": "Un joueur de tennis."})
    write_jsonl(tmp_path / "a.jsonl", records)
    with NewsIndex.open(tmp_path / "ix", create=True) as ix:
        ix.add([tmp_path / "a.jsonl"])
        assert ix.query("juoeur").suggestion == "joueur"


def test_did_you_mean_sees_words_added_after_a_query(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The terms kept by prefix for "did you mean" belong to one reader: a word indexed after
    a query is suggested by the next; and with nothing kept, suggestions are the same."""
    from newssearch.engine import queries

    from .conftest import write_jsonl

    write_jsonl(tmp_path / "a.jsonl", [{"id": "a", "title": "Semaine", "body": "Les jours passent."}])
    write_jsonl(tmp_path / "b.jsonl", [{"id": f"b{i}", "title": "Le joueur", "body": "Un joueur."} for i in range(3)])
    with NewsIndex.open(tmp_path / "ix", create=True) as ix:
        ix.add([tmp_path / "a.jsonl"])
        assert ix.query("juoeur").suggestion == "jours"
        ix.add([tmp_path / "b.jsonl"])
        assert ix.query("juoeur").suggestion == "joueur"
        monkeypatch.setattr(queries, "PREFIXED_TERMS", 0)
        assert ix.query("juoeur").suggestion == "joueur"
        assert ix.query("jouers").suggestion == "joueur"


@pytest.fixture(scope="module")
def politics(tmp_path_factory: pytest.TempPathFactory) -> NewsIndex:
    """Mélenchon in 25 articles and Sarkozy in 21, each misspelt once (as in real archives)."""
    from .conftest import write_jsonl

    folder = tmp_path_factory.mktemp("politics")
    records = [{"id": f"m{i}", "title": f"Meeting {i}", "body": f"Jean-Luc Mélenchon parle à Lille, jour {i}."}
               for i in range(25)]
    records += [{"id": f"s{i}", "title": f"Procès {i}", "body": f"Nicolas Sarkozy au tribunal, audience {i}."}
                for i in range(21)]
    records += [{"id": "typo-m", "title": "Coquille", "body": "Mélanchon était à Marseille."},
                {"id": "typo-s", "title": "Coquille", "body": "Sarkosy était à Nice."},
                {"id": "rare", "title": "Rare", "body": "Le mot Lyom ne paraît qu'une fois."}]
    records += [{"id": f"l{i}", "title": f"Lyon {i}", "body": "Une soirée à Lyon."} for i in range(5)]
    write_jsonl(folder / "a.jsonl", records)
    ix = NewsIndex.open(folder / "ix", create=True)
    ix.add([folder / "a.jsonl"], group=False)
    return ix


@pytest.mark.parametrize("query, suggestion", [
    ("Mélanchon", "Mélenchon"),  # found in one article; Mélenchon in 25
    ("Sarkosy", "Sarkozy"),  # 1 against 21
    ("Sarkosy Mélenchon", "Sarkozy Mélenchon"),
    ("Mélenchon", None),
    ("Lyom", None),  # rare, but Lyon is in only 5 articles: not 20 times more
])
def test_did_you_mean_fires_for_rare_words_with_a_much_more_frequent_neighbour(
        politics: NewsIndex, query: str, suggestion: str | None) -> None:
    results = politics.query(query)
    assert results.hits and results.suggestion == suggestion
