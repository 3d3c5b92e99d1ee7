"""Index folders and incremental re-indexing."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from newssearch import NewsIndex
from newssearch.errors import DocumentError, IndexNotFoundError, IndexVersionError, IndexWriteError
from newssearch.folder import MANIFEST_FILE, META_FILE, IndexFolder, Manifest
from newssearch.indexing import update_index

from .conftest import SEED, write_jsonl


def ids(ix: NewsIndex, query: str) -> list[str]:
    return sorted(hit.id for hit in ix.search(query, limit=100))


def test_first_run_adds_every_file(tmp_path: Path, archive: Path) -> None:
    report = update_index(tmp_path / "ix", [archive])
    assert (report.added, report.updated, report.unchanged, report.removed) == (3, 0, 0, 0)
    assert report.articles == 6 and report.skipped == []
    assert len(IndexFolder(tmp_path / "ix").load_manifest().files) == 3


def test_second_run_skips_unchanged_files(tmp_path: Path, archive: Path) -> None:
    update_index(tmp_path / "ix", [archive])
    report = update_index(tmp_path / "ix", [archive])
    assert (report.added, report.updated, report.unchanged, report.articles) == (0, 0, 3, 0)


def test_touched_but_identical_file_is_unchanged_by_hash(tmp_path: Path, archive: Path) -> None:
    update_index(tmp_path / "ix", [archive])
    note = archive / "note.txt"
    os.utime(note, ns=(1, 1))
    report = update_index(tmp_path / "ix", [archive])
    assert (report.updated, report.unchanged) == (0, 3)
    assert IndexFolder(tmp_path / "ix").load_manifest().files[str(note)].mtime_ns == 1


@pytest.mark.parametrize("damage", [b"", b"\x1f\x8b\x08garbage", b'{"files": {}}', "truncated"])
def test_a_damaged_manifest_means_a_full_pass_without_duplicates(tmp_path: Path, archive: Path, damage: object) -> None:
    import gzip

    update_index(tmp_path / "ix", [archive])
    manifest = tmp_path / "ix" / MANIFEST_FILE
    assert json.loads(gzip.decompress(manifest.read_bytes()))["files"]  # gzipped JSON
    manifest.write_bytes(manifest.read_bytes()[:20] if damage == "truncated" else damage)  # type: ignore[arg-type]
    assert IndexFolder(tmp_path / "ix").load_manifest() == Manifest({}, -1)
    report = update_index(tmp_path / "ix", [archive])
    assert (report.added, report.articles) == (3, 6)
    with NewsIndex.open(tmp_path / "ix") as ix:
        assert len(ix) == 6 and len(ids(ix, "Leopard")) == len(set(ids(ix, "Leopard"))) == 2


def test_changed_file_is_reindexed_without_duplicates(tmp_path: Path, archive: Path,
                                                      articles: list[dict[str, object]]) -> None:
    folder = tmp_path / "ix"
    update_index(folder, [archive])
    articles[0]["body"] = "Le texte parle désormais de sous-marins."
    write_jsonl(archive / "dispatches.jsonl", articles[:2])
    report = update_index(folder, [archive])
    assert (report.added, report.updated, report.unchanged, report.articles) == (0, 1, 2, 2)
    with NewsIndex.open(folder) as ix:
        assert len(ix) == 4
        assert ids(ix, "sous-marins") == ["a1"]
        assert ids(ix, "Abrams") == []
        assert ids(ix, "musée") == []


def test_prune_removes_articles_of_vanished_files(tmp_path: Path, archive: Path) -> None:
    folder = tmp_path / "ix"
    update_index(folder, [archive])
    (archive / "dispatches.jsonl").unlink()
    kept = update_index(folder, [archive])
    assert kept.removed == 0
    with NewsIndex.open(folder) as ix:
        assert len(ix) == 6
    pruned = update_index(folder, [archive], prune=True)
    assert (pruned.removed, pruned.unchanged) == (1, 2)
    with NewsIndex.open(folder) as ix:
        assert len(ix) == 2
        assert ids(ix, "Leopard") == [str(archive / "2023" / SEED.name)]


def test_files_and_folders_together_without_duplicates(tmp_path: Path, archive: Path) -> None:
    report = update_index(tmp_path / "ix", [archive, archive / "note.txt", archive / "2023"])
    assert report.added == 3


def test_bad_file_is_skipped_and_the_rest_indexed(tmp_path: Path, archive: Path) -> None:
    (archive / "empty.txt").write_bytes(b"")
    (archive / "bad.jsonl").write_text('{"id": "ok", "title": "Bon"}\n{oops\n', encoding="utf-8")
    report = update_index(tmp_path / "ix", [archive, tmp_path / "nowhere"])
    assert sorted(str(s) for s in report.skipped) == [
        f"{archive / 'bad.jsonl'}:2: invalid JSON (Expecting property name enclosed in double quotes)",
        f"{archive / 'empty.txt'}: empty file",
        f"{tmp_path / 'nowhere'}: no such file or folder",
    ]
    assert report.added == 4 and report.articles == 7


def test_strict_raises_on_the_first_bad_file(tmp_path: Path, archive: Path) -> None:
    (archive / "empty.txt").write_bytes(b"")
    with pytest.raises(DocumentError, match="empty file"):
        update_index(tmp_path / "ix", [archive], strict=True)


def test_broken_update_keeps_the_old_articles(tmp_path: Path, archive: Path) -> None:
    folder = tmp_path / "ix"
    update_index(folder, [archive])
    (archive / "note.txt").write_bytes(b"\x00\x00binary now")
    report = update_index(folder, [archive])
    assert [s.reason for s in report.skipped] == ["binary file (contains NUL bytes)"]
    with NewsIndex.open(folder) as ix:
        assert ids(ix, "pêche Bretagne") == [str(archive / "note.txt")]


def test_missing_index_is_reported(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError) as caught:
        IndexFolder(tmp_path / "none").open()
    assert caught.value.path == tmp_path / "none"


def test_other_format_version_is_refused(tmp_path: Path, archive: Path) -> None:
    folder = tmp_path / "ix"
    update_index(folder, [archive])
    (folder / META_FILE).write_text(json.dumps({"format": 99}), encoding="utf-8")
    with pytest.raises(IndexVersionError, match="format version 99.*rebuild"):
        NewsIndex.open(folder)


def test_refuses_to_create_an_index_in_a_folder_with_other_files(tmp_path: Path, archive: Path) -> None:
    with pytest.raises(IndexWriteError, match="not a newssearch index"):
        update_index(archive, [archive])
    assert sorted(p.name for p in archive.iterdir()) == ["2023", "dispatches.jsonl", "note.txt"]


def test_index_folder_with_placeholder_is_usable(tmp_path: Path, archive: Path) -> None:
    folder = tmp_path / "ix"
    folder.mkdir()
    (folder / ".gitkeep").touch()
    assert update_index(folder, [archive]).added == 3


def test_commit_every_batch_gives_same_index(tmp_path: Path, archive: Path) -> None:
    for name in ("one", "batched"):
        update_index(tmp_path / name, [archive], commit_every=1 if name == "batched" else 10_000)
    with NewsIndex.open(tmp_path / "one") as one, NewsIndex.open(tmp_path / "batched") as batched:
        assert ids(one, "char OR Ramstein OR pêche") == ids(batched, "char OR Ramstein OR pêche")
        assert len(one) == len(batched) == 6


@pytest.mark.parametrize("lengths, commits", [
    ([1_000] * 9, 3),  # three files of 3,000 characters a commit
    ([10_000], 1),  # one file alone past the limit: committed once, after it
    ([400] * 5, 1),  # under the limit: one commit at the end
])
def test_a_commit_comes_once_its_articles_hold_enough_text(tmp_path: Path, lengths: list[int], commits: int) -> None:
    """Commits came every commit_every articles whatever their length: long articles passed
    the workers' pool limit first, and a pool past it spilled (twice the CPU, and a worker
    at 1.5 GB in the 300,000-article benchmark). Each commit here leaves one segment."""
    folder = tmp_path / "archive"
    folder.mkdir()
    for n, length in enumerate(lengths):
        write_jsonl(folder / f"{n:02d}.jsonl", [{"id": f"a{n}", "title": "Titre", "body": "mot " * (length // 4)}])
    update_index(tmp_path / "ix", [folder], commit_every=10_000, commit_chars=2_500, procs=1, group=False, merge=False)
    with NewsIndex.open(tmp_path / "ix") as ix:
        assert (ix.stats().segments, len(ix)) == (commits, len(lengths))


def test_moved_archive_is_added_again_and_old_paths_pruned(tmp_path: Path, archive: Path) -> None:
    folder = tmp_path / "ix"
    update_index(folder, [archive])
    moved = shutil.move(archive, tmp_path / "moved")
    report = update_index(folder, [moved], prune=True)
    assert (report.added, report.removed) == (3, 3)


def test_index_folder_inside_the_archive_is_not_indexed(tmp_path: Path, archive: Path) -> None:
    folder = archive / "index"
    assert update_index(folder, [archive]).added == 3
    report = update_index(folder, [archive])
    assert (report.added, report.unchanged, report.skipped) == (0, 3, [])


def test_index_with_other_fields_is_refused(tmp_path: Path, archive: Path) -> None:
    from whoosh import index as windex
    from whoosh.fields import ID, Schema

    folder = tmp_path / "ix"
    update_index(folder, [archive])
    windex.create_in(str(folder), Schema(id=ID(stored=True)))  # as if an older build had written it
    with pytest.raises(IndexVersionError, match="with other fields.*rebuild"):
        NewsIndex.open(folder)


def test_reindexing_a_text_file_never_deletes_a_record_whose_id_is_its_path(tmp_path: Path) -> None:
    # Seen: a changed .txt file's articles were deleted by id too, taking with them a JSON
    # record of another file whose id was that file's path; and both articles had one id.
    text = tmp_path / "a.txt"
    text.write_text("Titre du texte\n\nLe char Leopard est arrivé.\n", encoding="utf-8")
    records = write_jsonl(tmp_path / "r.jsonl", [{"id": str(text), "title": "Record", "body": "Ramstein accueille."}])
    folder = tmp_path / "ix"
    update_index(folder, [records])
    report = update_index(folder, [text, records])
    assert [str(s) for s in report.skipped] == [
        f"{text}: id {str(text)!r} is already the id of an article of {records}: that one was kept"]
    text.write_text("Titre changé\n\nLe char est reparti.\n", encoding="utf-8")
    update_index(folder, [text, records])
    with NewsIndex.open(folder) as ix:
        assert len(ix) == 1 and ids(ix, "Ramstein") == [str(text)] and ix.article(str(text)).path == str(records)


def test_a_text_file_indexed_first_keeps_its_id_and_is_read_again(tmp_path: Path) -> None:
    text = tmp_path / "a.txt"
    text.write_text("Titre du texte\n\nLe char Leopard est arrivé.\n", encoding="utf-8")
    records = write_jsonl(tmp_path / "r.jsonl", [{"id": str(text), "title": "Record", "body": "Ramstein accueille."}])
    folder = tmp_path / "ix"
    report = update_index(folder, [text, records])
    assert [s.path for s in report.skipped] == [str(records)]
    text.write_text("Titre changé\n\nLe char est reparti.\n", encoding="utf-8")
    report = update_index(folder, [text, records])
    assert (report.updated, report.articles) == (1, 1)
    # the record whose id the text file holds is still not indexed: its unchanged file says so again
    assert [(s.path, s.reason.endswith("(found on an earlier run; the file is unchanged)")) for s in report.skipped] \
        == [(str(records), True)]
    with NewsIndex.open(folder) as ix:
        assert len(ix) == 1 and ids(ix, "reparti") == [str(text)] and ids(ix, "Leopard") == []


def test_two_articles_with_one_id_in_a_run_are_reported_and_the_first_kept(tmp_path: Path) -> None:
    first = write_jsonl(tmp_path / "a.jsonl", [{"id": "dup", "title": "Un", "body": "Premier alpha."},
                                               {"id": "dup", "title": "Deux", "body": "Deuxième alpha."}])
    second = write_jsonl(tmp_path / "b.jsonl", [{"id": "dup", "title": "Trois", "body": "Troisième alpha."},
                                                {"id": "b1", "title": "Quatre", "body": "Quatrième alpha."}])
    report = update_index(tmp_path / "ix", [first, second])
    assert [str(s) for s in report.skipped] == [
        f"{first}: id 'dup' appears twice in this file: the first article with it was kept",
        f"{second}: id 'dup' is already the id of an article of {first}: that one was kept"]
    with NewsIndex.open(tmp_path / "ix") as ix:
        assert len(ix) == 2 and ids(ix, "alpha") == ["b1", "dup"] and ix.article("dup").title == "Un"


def test_ids_stay_unique_across_commits_inside_a_file(tmp_path: Path) -> None:
    records = [{"id": f"r{n}", "title": f"Titre {n}", "body": "Texte commun."} for n in range(5)]
    source = write_jsonl(tmp_path / "big.jsonl", records + [{"id": "r1", "title": "Encore", "body": "Texte commun."}])
    folder = tmp_path / "ix"
    report = update_index(folder, [source], commit_every=2)
    assert [s.reason for s in report.skipped] == ["id 'r1' appears twice in this file: the first article with it was kept"]
    write_jsonl(source, records[::-1])  # read again: its own ids are free
    report = update_index(folder, [source], commit_every=2)
    assert (report.updated, report.articles, report.skipped) == (1, 5, [])
    with NewsIndex.open(folder) as ix:
        assert len(ix) == 5 and ids(ix, "commun") == [f"r{n}" for n in range(5)]


def test_a_first_run_asks_the_index_only_about_ids_it_has_seen(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """On an empty index, an id the run has not recorded is new: no term lookup in the index
    (one per segment, for every article of a first run). An id seen before is looked up, in
    the run's records and, once committed, in the index; a later run looks every id up."""
    from whoosh.reading import MultiReader, SegmentReader

    lookups: list[str] = []

    def counted(original: Any) -> Any:
        def contains(self: Any, term: tuple[str, str]) -> bool:
            lookups.append(term[1])
            return bool(original(self, term))
        return contains

    for cls in (MultiReader, SegmentReader):
        monkeypatch.setattr(cls, "__contains__", counted(cls.__contains__))
    records = [{"id": f"r{n}", "title": f"Titre {n}", "body": "Texte commun."} for n in range(6)]
    first = write_jsonl(tmp_path / "a.jsonl", records)
    second = write_jsonl(tmp_path / "b.jsonl", [{"id": "b1", "title": "Neuf", "body": "Texte neuf."},
                                                {"id": "r2", "title": "Encore", "body": "Autre texte."}])
    report = update_index(tmp_path / "ix", [first, second], commit_every=1, procs=1)
    assert [str(s) for s in report.skipped] == [f"{second}: id 'r2' is already the id of an article of {first}: "
                                                "that one was kept"]
    assert set(lookups) == {"r2"}  # only the id seen before, found in what this run committed
    lookups.clear()
    third = write_jsonl(tmp_path / "c.jsonl", [{"id": "c1", "title": "Trois", "body": "Texte trois."}])
    update_index(tmp_path / "ix", [first, second, third], procs=1)
    assert "c1" in lookups  # the index was not empty when this run began: it answers
