"""Odd files and odd queries: each gets a one-line reason or a sensible result, never a traceback."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newssearch import NewsIndex, QueryError
from newssearch.errors import DocumentError
from newssearch.analysis import analyse, fold, french_analyzer
from newssearch.documents import read_file
from newssearch.indexing import update_index
from newssearch.queries import parse_query
from newssearch.schema import build_schema

HEADER = "Titre\n(last modified Mon, 23 Jan 2023 11:36:09 GMT )\nJan 23, 2023 11:36 UTC\n  •  Titre\n\n"

BAD_FILES: list[tuple[str, bytes, str | None]] = [
    # name, content, expected skip reason (None: read best-effort)
    ("binary.txt", bytes(range(256)), "binary file (contains NUL bytes)"),
    ("empty.txt", b"", "empty file"),
    ("spaces.txt", b" \n\t\n", "empty file"),
    ("huge.txt", b"Titre\n\n" + b"mot " * 400, "file too large: 1,607 bytes, over the limit of 1,000 bytes (max_bytes)"),
    ("truncated.txt", "Titre\n\nLe président a déclaré à l’".encode("utf-8")[:-2], None),
    ("invalid-utf8.txt", "Titre\n\nUne phrase é".encode("utf-8") + b"\xff\xfe" + "à Noël".encode("utf-8"), None),
    ("cp1252.txt", "Titre\n\nLe ministre a déclaré à Noël : « non ».".encode("cp1252"), None),
    ("latin1.txt", "Titre\n\nÉté à Besançon".encode("latin-1"), None),
    ("header-only.txt", HEADER.encode("utf-8"), None),
    ("broken.jsonl", b'{"id": "ok1", "title": "Bon"}\n{"id": \n[1,2]\n{"id": "ok2", "body": 3}\n', None),
    ("wrong.json", b'{"id": {"a": 1}, "title": "x"}', None),
    ("truncated.json", b'[{"id": "a", "title": "Un"}, {"id": "b", "ti', None),
    ("control.jsonl", b'{"id": "c1", "body": "ok"}\n{"id": "c2", "body": "a\tb"}\n', None),
    # JSON Lines are streamed: the size limit is per record, a file may be larger
    ("binary.jsonl", b'{"id": "bin"}\n\x00\x01\x02', "binary file (contains NUL bytes)"),
    ("blank.jsonl", b"\n \n", "empty file"),
    ("big.jsonl", b'{"id": "r1", "title": "Premier", "body": "Strasbourg"}\n'
                  + json.dumps({"id": "r2", "body": "mot " * 300}).encode() + b"\n"
                  + b'{"id": "r3", "title": "Dernier", "body": "Strasbourg ' + b"x" * 900 + b'"}\n', None),
    ("legacy.jsonl", '{"id": "cp", "title": "Été à Pâques"}\n'.encode("cp1252"), None),
    ("utf16.jsonl", '{"id": "u16", "title": "Vœux de Colmar"}\n'.encode("utf-16"), None),
    # the reason was Python's "'utf-16-le' codec can't decode bytes in position 2-3: illegal encoding"
    ("bom-garbage.txt", b"\xff\xfe\x00\xd8a", "not text: a UTF-16 byte-order mark, then bytes that are not UTF-16"),
]


def test_every_bad_file_gets_a_reason_and_the_rest_is_indexed(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    for name, content, _ in BAD_FILES:
        (archive / name).write_bytes(content)
    (archive / "good.txt").write_text("Bon article\n\nRamstein et Leopard.", encoding="utf-8")
    report = update_index(tmp_path / "ix", [archive], max_bytes=1000)
    reasons = {Path(s.path).name + (f":{s.line}" if s.line else ""): s.reason for s in report.skipped}
    for name, _, reason in BAD_FILES:
        if reason is not None:
            assert reasons.pop(name) == reason
    assert reasons == {
        "broken.jsonl:2": "invalid JSON (Expecting value)",
        "broken.jsonl:3": "record is list, expected an object",
        "broken.jsonl:4": "'body' is int, expected text",
        "wrong.json": "'id' is dict, expected text or a number",
        "truncated.json:1": "invalid JSON (Unterminated string starting at column 42)",
        "control.jsonl:2": "invalid JSON (Invalid control character at column 24)",  # was "... at)"
        "big.jsonl:2": "record too large: over the limit of 1,000 bytes (max_bytes)",
    }
    with NewsIndex.open(tmp_path / "ix") as ix:
        assert [h.title for h in ix.search("Ramstein Leopard")] == ["Bon article"]
        assert {h.id for h in ix.search("Noël")} == {str(archive / "invalid-utf8.txt"), str(archive / "cp1252.txt")}
        assert [h.id for h in ix.search("Besançon")] == [str(archive / "latin1.txt")]
        assert sorted(h.id for h in ix.search("Strasbourg")) == ["r1", "r3"]
        assert [h.id for h in ix.search("Pâques")] == ["cp"]
        assert [h.id for h in ix.search("Colmar")] == ["u16"]
        assert [h.id for h in ix.search("title:bon")] == [str(archive / "good.txt"), "ok1"] or \
            sorted(h.id for h in ix.search("title:bon")) == sorted([str(archive / "good.txt"), "ok1"])


@pytest.mark.parametrize("name", ["truncated.txt", "invalid-utf8.txt"])
def test_mostly_utf8_files_keep_their_accents(tmp_path: Path, name: str) -> None:
    content = dict((n, c) for n, c, _ in BAD_FILES)[name]
    path = tmp_path / name
    path.write_bytes(content)
    [article] = read_file(path).articles
    assert "é" in article.body and "Ã" not in article.body


def test_deeply_nested_folders(tmp_path: Path) -> None:
    folder = tmp_path
    for _ in range(1200):  # deeper than Python's recursion limit
        folder = folder / "d"
        folder.mkdir()
    (folder / "deep.txt").write_text("Au fond\n\nUn article enfoui.", encoding="utf-8")
    assert update_index(tmp_path / "ix", [tmp_path / "d"]).added == 1
    (folder / "deep.txt").unlink()
    while folder != tmp_path:  # pytest's own clean-up recurses and would fail on this depth
        folder.rmdir()
        folder = folder.parent


def test_symlink_loop_is_reported_once(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_text("Titre\n\nTexte.", encoding="utf-8")
    os.symlink(tmp_path / "a", tmp_path / "a" / "loop")
    report = update_index(tmp_path / "ix", [tmp_path / "a"])
    assert report.added == 1
    assert [s.reason for s in report.skipped] == ["folder already visited (symbolic link loop)"]


@pytest.fixture
def linked(tmp_path: Path) -> Path:
    """An archive with links: a file and a folder outside it, a file and a folder inside it."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("Secret\n\nMot de passe confidentiel.", encoding="utf-8")
    archive = tmp_path / "archive"
    (archive / "sub").mkdir(parents=True)
    (archive / "sub" / "kept.txt").write_text("Gardé\n\nArticle du sous-dossier.", encoding="utf-8")
    (archive / "own.txt").write_text("Propre\n\nArticle de l'archive.", encoding="utf-8")
    os.symlink(outside / "secret.txt", archive / "passwd.txt")
    os.symlink(outside, archive / "elsewhere")
    os.symlink(archive / "own.txt", archive / "alias.txt")  # inside: followed
    os.symlink(archive / "sub", tmp_path / "entry")  # a folder given through a link: its target is the archive
    return archive


def test_links_out_of_the_folders_given_are_not_followed(tmp_path: Path, linked: Path) -> None:
    # Seen: passwd.txt -> /etc/passwd was indexed and `query root` showed its lines; a link to
    # an outside folder was walked.
    report = update_index(tmp_path / "ix", [linked])
    assert [str(s) for s in report.skipped] == [
        f"{linked / 'elsewhere'}: symbolic link to '{tmp_path / 'outside'}', outside the folders given: not followed",
        f"{linked / 'passwd.txt'}: symbolic link to '{tmp_path / 'outside' / 'secret.txt'}', outside the folders "
        "given: not followed"]
    with NewsIndex.open(tmp_path / "ix") as ix:
        assert sorted(a.id for a in ix.search("article")) == [str(linked / n) for n in ("alias.txt", "own.txt",
                                                                                         "sub/kept.txt")]
        assert ix.search("confidentiel") == []


def test_links_between_folders_given_and_followed_on_request(tmp_path: Path, linked: Path) -> None:
    both = update_index(tmp_path / "both", [linked, tmp_path / "outside"])
    assert [s.path for s in both.skipped] == [] and both.added == 5
    followed = update_index(tmp_path / "followed", [linked], follow_links=True)
    assert followed.skipped == [] and followed.added == 5
    through = update_index(tmp_path / "through", [tmp_path / "entry"])  # the link given is read
    assert through.skipped == [] and through.added == 1


def test_a_loop_of_file_links_is_skipped_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    os.symlink("y.txt", tmp_path / "a" / "x.txt")
    os.symlink("x.txt", tmp_path / "a" / "y.txt")
    report = update_index(tmp_path / "ix", [tmp_path / "a"])
    assert [s.reason for s in report.skipped] == ["too many levels of symbolic links"] * 2


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "secret.txt").write_text("Titre\n\nTexte.", encoding="utf-8")
    (archive / "open.txt").write_text("Titre\n\nTexte.", encoding="utf-8")
    real = Path.read_bytes

    def denied(self: Path) -> bytes:  # root reads anything, so simulate chmod 000
        if self.name == "secret.txt":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", denied)
    report = update_index(tmp_path / "ix", [archive])
    assert report.added == 1 and [str(s) for s in report.skipped] == [f"{archive / 'secret.txt'}: permission denied"]


@pytest.fixture(scope="module")
def small_index(tmp_path_factory: pytest.TempPathFactory) -> NewsIndex:
    folder = tmp_path_factory.mktemp("q")
    (folder / "a.jsonl").write_text("\n".join(json.dumps(r) for r in [
        {"id": "1", "title": "Les chars Leopard", "body": "Berlin envoie des chars à l'Ukraine."},
        {"id": "2", "title": "Ramstein", "body": "Réunion à Ramstein des ministres de la défense."},
    ]), encoding="utf-8")
    ix = NewsIndex.open(folder / "ix", create=True)
    ix.add([folder / "a.jsonl"])
    return ix


@pytest.mark.parametrize(
    "query, outcome",
    [
        ("", QueryError),
        ("le la les", []),  # stop words alone are searched as the phrase they make
        ("?!;,.", QueryError),
        ('"Ramstein', QueryError),
        ("((Ramstein)", QueryError),
        ("nimporte:quoi", QueryError),
        ("Ramstein " * 1500, QueryError),  # 10,500 characters
        ("a*", QueryError),
        ("Ram\x00stein\x07 Leopard\x1b", ["1"]),  # control characters are spaces
        ("Ramstein\tdéfense\n", ["2"]),
        ("chars*", ["1"]),
        ("Leopard OR", ["1"]),
        ("NOT", []),
        ("AND OR NOT", []),
        ("*", QueryError),
        ("**", QueryError),
        ('"🙂 ?"', QueryError),  # a phrase of words that all vanish in analysis: Whoosh's Phrase raised ValueError
        ('title:"? !"', QueryError),
        ('Ramstein "🙂 ?"', ["2"]),
        ('Leopard OR "🙂 🙂"', ["1"]),
        ("title:", []),
        ("date:[2020 to]", []),
        ("🙂 Ramstein", ["2"]),
        ("Qui envoie des chars (Leopard ?", ["1"]),  # a question's stray syntax: its words are searched
        ('Où est "Ramstein ?', ["2"]),
        ("Qui est ministre:défense ?", ["2"]),
        ("Où est-ce ?", []),  # a question of stop words only: searched as a phrase
        # Excluded words alone were searched as the phrase "not leopard": "No results", exit 0.
        ("NOT Leopard", QueryError),
        ("-Leopard", QueryError),
        ("NOT Leopard NOT Ramstein", QueryError),
        ("source:x NOT Leopard", []),  # a filter's articles but those with the word: none in source x
        ("Ramstein NOT Leopard", ["2"]),
    ],
)
def test_odd_queries(small_index: NewsIndex, query: str, outcome: object) -> None:
    if outcome is QueryError:
        with pytest.raises(QueryError):
            small_index.search(query)
    else:
        assert [h.id for h in small_index.search(query)] == outcome


@pytest.mark.parametrize("query", ["Ramstein AND", "AND Ramstein", "Ramstein OR", "OR AND Ramstein", "Ramstein NOT",
                                   "Ramstein AND NOT"])
def test_a_dangling_operator_is_not_a_word(small_index: NewsIndex, query: str) -> None:
    """"Ouattara AND" searched the English word "and" too (61 hits on MasakhaNEWS instead of 10)."""
    from newssearch.queries import parse_query

    with small_index._searchers.borrow() as searcher:
        assert parse_query(searcher.schema, query).terms == frozenset(analyse("Ramstein"))


def test_excluded_words_alone_say_why_nothing_matches(small_index: NewsIndex) -> None:
    with pytest.raises(QueryError, match="only excludes words.*or a filter, as in 'source:AFP NOT Gbagbo'"):
        small_index.search("-Leopard")
    with pytest.raises(QueryError, match="only excludes words"):
        small_index.search("NOT Leopard OR -chars")  # not a list of exclusions: still an error under a filter


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=200)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_analysis_never_fails_and_index_equals_query_terms(text: str) -> None:
    index_terms = [t.text for t in french_analyzer()(text, mode="index")]
    query_terms = [t.text for t in french_analyzer()(text, mode="query")]
    assert index_terms == query_terms == analyse(text)
    assert all(t and t == t.lower() and t.isascii() for t in index_terms)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_folding_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["Ramstein", "les", "l’Ukraine", "États-Unis", "aujourd'hui", "chars"]),
                min_size=1, max_size=6))
def test_analysing_the_terms_again_changes_nothing_but_stems(words: list[str]) -> None:
    terms = analyse(" ".join(words))
    assert analyse(" ".join(terms)) == [analyse(t)[0] for t in terms]


SCHEMA = build_schema()


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('abc éÉ"()*:?!-\'’ ORANDNOT title: source: date:>2020 \x00\t')),
               max_size=60) | TEXT)
def test_query_parser_raises_only_query_errors(text: str) -> None:
    try:
        parse_query(SCHEMA, text)
    except QueryError as exc:
        assert "\n" not in str(exc).strip() or "\n" in text


def test_a_deeply_nested_record_is_skipped_with_its_line(tmp_path: Path) -> None:
    """json.loads recurses per level: 1,000 brackets (2 KB, in a key we ignore) raised
    RecursionError out of the reader, and nothing was indexed."""
    deep = "[" * 1000 + "]" * 1000
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "deep.jsonl").write_text(
        '{"id": "ok1", "title": "Ramstein"}\n'
        f'{{"id": "deep", "title": "Leopard", "extra": {deep}}}\n'
        '{"id": "ok2", "title": "Ramstein encore"}\n', encoding="utf-8")
    (archive / "deep.json").write_text(f'{{"id": "j", "title": "Leopard", "extra": {deep}}}', encoding="utf-8")
    (archive / "deep.jsonl.gz").write_bytes(gzip.compress(f'{{"id": "g", "extra": {deep}}}\n'.encode()))
    report = update_index(tmp_path / "ix", [archive])
    assert sorted(str(s) for s in report.skipped) == [
        f"{archive / 'deep.json'}: record nested too deeply",
        f"{archive / 'deep.jsonl.gz'}:1: record nested too deeply",
        f"{archive / 'deep.jsonl'}:2: record nested too deeply",
    ]
    with NewsIndex.open(tmp_path / "ix") as ix:
        assert sorted(h.id for h in ix.search("Ramstein")) == ["ok1", "ok2"]


@pytest.mark.parametrize("group", [True, False])
def test_file_names_that_are_not_utf8(tmp_path: Path, group: bool) -> None:
    """r\\xe9sum\\xe9.txt (from an old zip) raised UnicodeEncodeError in grouping, or in Whoosh's
    id field without grouping: nothing indexed, the file not named, every later run the same.
    Such files are indexed, their id and path showing the undecodable bytes as \\xNN."""
    archive = tmp_path / "archive"
    archive.mkdir()
    folder = os.fsencode(archive)
    with open(folder + b"/r\xe9sum\xe9.txt", "w", encoding="utf-8") as f:
        f.write("Un résumé\n\nLes chars Leopard.\n")
    with open(folder + b"/d\xe9p\xeaches.jsonl", "w", encoding="utf-8") as f:
        f.write('{"id": "d1", "title": "Ramstein"}\n{"title": "Ramstein sans id"}\n')
    with open(folder + b"/vid\xe9.txt", "wb"):
        pass
    # JSON escapes can make lone surrogates too, which UTF-8 cannot hold
    (archive / "escapes.jsonl").write_text('{"id": "e\\ud800", "title": "Strasbourg \\ud800", "body": "x\\udfff"}\n',
                                           encoding="utf-8")
    index = tmp_path / "ix"
    report = update_index(index, [archive], group=group)
    shown = f"{archive}/r\\xe9sum\\xe9.txt"
    assert (report.added, [str(s) for s in report.skipped]) == (3, [f"{archive}/vid\\xe9.txt: empty file"])
    with NewsIndex.open(index) as ix:
        [hit] = ix.search("Leopard")
        assert (hit.id, hit.path) == (shown, shown)
        assert ix.article(shown).title == "Un résumé"
        jsonl = f"{archive}/d\\xe9p\\xeaches.jsonl"
        assert sorted((h.id, h.path) for h in ix.search("Ramstein")) == sorted([("d1", jsonl), (f"{jsonl}#2", jsonl)])
        assert [(h.id, h.title) for h in ix.search("Strasbourg")] == [("e\\ud800", "Strasbourg \ufffd")]
    again = update_index(index, [archive], group=group)  # the manifest holds the real names
    assert (again.unchanged, again.added, len(again.skipped)) == (3, 0, 1)
    with open(folder + b"/d\xe9p\xeaches.jsonl", "a", encoding="utf-8") as f:
        f.write('{"id": "d3", "title": "Ramstein encore"}\n')
    assert update_index(index, [archive], group=group).updated == 1
    with NewsIndex.open(index) as ix:
        assert sorted(h.id for h in ix.search("Ramstein")) == sorted(["d1", "d3", f"{archive}/d\\xe9p\\xeaches.jsonl#2"])
    os.unlink(folder + b"/r\xe9sum\xe9.txt")
    assert update_index(index, [archive], group=group, prune=True).removed == 1
    with NewsIndex.open(index) as ix:
        assert ix.search("Leopard") == [] and len(ix) == 4


def _cut_archive(folder: Path) -> tuple[Path, bytes]:
    """A .jsonl.gz of 3,000 records cut at two thirds (past what is read to hash and check
    it, so the first records are read and the rest is not), a .jsonl with two bad lines,
    and the whole gzip file's bytes."""
    import random

    rng = random.Random(1)
    words = [f"mot{i}" for i in range(5000)]
    whole = gzip.compress(b"".join(json.dumps({"id": f"a{i}", "body": " ".join(rng.choice(words) for _ in range(200))})
                                   .encode() + b"\n" for i in range(3000)), mtime=0)
    folder.mkdir()
    (folder / "cut.jsonl.gz").write_bytes(whole[: len(whole) * 2 // 3])
    (folder / "bad.jsonl").write_text('{"id": "x", "body": "bon"}\nnot json\n[1, 2]\n', encoding="utf-8")
    return folder / "cut.jsonl.gz", whole


def test_an_unchanged_file_reports_again_what_was_skipped_when_it_was_read(tmp_path: Path) -> None:
    """A truncated .jsonl.gz said "the rest of the file was not read" once; the next run
    found it unchanged and said nothing (exit 0, even with --strict), the missing articles
    never mentioned again. Unchanged files now report their skipped records every run, until
    the file changes."""
    cut, whole = _cut_archive(tmp_path / "archive")
    first = update_index(tmp_path / "ix", [tmp_path / "archive"])
    reasons = sorted(str(s) for s in first.skipped)
    assert reasons == [f"{cut.parent / 'bad.jsonl'}:2: invalid JSON (Expecting value)",
                       f"{cut.parent / 'bad.jsonl'}:3: record is list, expected an object",
                       f"{cut}: corrupt gzip file (truncated) (the rest of the file was not read)"]
    again = update_index(tmp_path / "ix", [tmp_path / "archive"])
    assert (again.unchanged, again.articles) == (2, 0)
    assert sorted(str(s) for s in again.skipped) == [f"{r} (found on an earlier run; the file is unchanged)"
                                                     for r in reasons]
    with pytest.raises(DocumentError):  # --strict: a skipped record is an error, whenever it was found
        update_index(tmp_path / "ix", [tmp_path / "archive"], strict=True)
    os.utime(cut, ns=(1, 1))  # touched, same content: still the same problems
    assert len(update_index(tmp_path / "ix", [tmp_path / "archive"]).skipped) == 3
    cut.write_bytes(whole)  # replaced by the whole file: read again, nothing skipped from it
    fixed = update_index(tmp_path / "ix", [tmp_path / "archive"])
    assert (fixed.updated, fixed.articles) == (1, 3000)
    assert [s.path for s in fixed.skipped] == [str(cut.parent / "bad.jsonl")] * 2
    with NewsIndex.open(tmp_path / "ix") as ix:
        assert len(ix) == 3001


def test_a_manifest_entry_without_skipped_records_reads_as_before(tmp_path: Path) -> None:
    """Manifests written before skipped records were kept have 4 values a file."""
    from newssearch.manifest import FileState, ManifestFiles, write_json

    write_json(tmp_path / "files.json.gz", {"generation": 3, "files": {"a.jsonl": [10, 20, "ab", 5]}, "partial": []})
    files = ManifestFiles(tmp_path)
    manifest = files.read()
    assert manifest.files == {"a.jsonl": FileState(10, 20, "ab", 5)} and manifest.generation == 3
    manifest.files["b.jsonl"] = FileState(11, 21, "cd", 6, (("invalid JSON (Expecting value)", 2),), 1)
    files.save(manifest)
    assert files.read().files == manifest.files
