"""Damaged indexes: every command names the damaged file in one line and gives the way out
(index --rebuild), `newssearch check` finds what the others cannot see, and a rebuild
recovers every case. Each case damages one file of a copy of a small index."""

from __future__ import annotations

import os
import random
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from newssearch import NewsIndex
from newssearch.cli import cli
from newssearch.indexing import update_index

WORDS = "Ramstein Leopard chars Ukraine Berlin Moscou alliance ministre défense réunion aide Europe".split()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An archive of 200 articles and its index."""
    folder = tmp_path_factory.mktemp("built")
    rng = random.Random(3)
    archive = folder / "archive"
    for i in range(200):
        (archive / str(i % 5)).mkdir(parents=True, exist_ok=True)
        body = " ".join(rng.choice(WORDS) for _ in range(60))
        (archive / str(i % 5) / f"a{i:03d}.txt").write_text(f"Article {i}\n\nRamstein {body}.\n", encoding="utf-8")
    update_index(folder / "index", [archive])
    return archive, folder / "index"


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def zero(path: Path) -> None:
    path.write_bytes(bytes(path.stat().st_size))


def flip_at(share: float) -> Callable[[Path], None]:
    def flip(path: Path) -> None:
        data = bytearray(path.read_bytes())
        data[min(int(len(data) * share), len(data) - 1)] ^= 0xFF
        path.write_bytes(bytes(data))
    return flip


def zero_share(start: float, stop: float) -> Callable[[Path], None]:
    """Zero the bytes from ``start`` to ``stop`` (shares of the file's length)."""
    def zero_range(path: Path) -> None:
        data = bytearray(path.read_bytes())
        a, b = int(len(data) * start), int(len(data) * stop)
        data[a:b] = bytes(b - a)
        path.write_bytes(bytes(data))
    return zero_range


def flip_page_type(share: float, page_size: int = 4096) -> Callable[[Path], None]:
    """Flip the type byte of a SQLite page (the middle of a page may be free space, which no check sees)."""
    def flip(path: Path) -> None:
        data = bytearray(path.read_bytes())
        page = max(1, int(len(data) // page_size * share))
        data[page * page_size] ^= 0xFF
        path.write_bytes(bytes(data))
    return flip


def zero_at(share: float, size: int = 4096) -> Callable[[Path], None]:
    def zero_range(path: Path) -> None:
        data = bytearray(path.read_bytes())
        start = int(len(data) * share)
        data[start:start + size] = bytes(len(data[start:start + size]))
        path.write_bytes(bytes(data))
    return zero_range


def only(pattern: str) -> Callable[[Path], Path]:
    return lambda index: next(index.glob(pattern))


SEGMENT, TOC = only("MAIN_*.seg"), only("_MAIN_*.toc")
GROUPS, SETTINGS = only("groups.sqlite"), only("newssearch.json")

# Damage every command sees (the index cannot be read as it is), by file.
SEEN = {
    "segment truncated": (SEGMENT, truncate),
    "segment zeroed": (SEGMENT, zero),
    "segment deleted": (SEGMENT, os.unlink),
    "segment end flipped": (SEGMENT, flip_at(1.0)),  # the directory of the files it holds
    "TOC zeroed": (TOC, zero),
    "TOC truncated": (TOC, truncate),
    "settings zeroed": (SETTINGS, zero),
}
# Damage only some reads meet: `check` finds it.
UNSEEN = {
    "segment byte flipped": (SEGMENT, flip_at(0.5)),
    "groups table flipped": (GROUPS, flip_page_type(0.5)),
}
GROUPS_DAMAGE = {"groups table zeroed": (GROUPS, zero), "groups table truncated": (GROUPS, truncate)}


def damaged(built: tuple[Path, Path], tmp_path: Path, case: tuple[Callable[[Path], Path], Callable[[Path], None]]
            ) -> tuple[Path, str]:
    """A copy of the index with one file damaged, and that file's name."""
    index = tmp_path / "index"
    shutil.copytree(built[1], index)
    target = case[0](index)
    case[1](target)
    return index, target.name


def one_line(result: object, index: Path, name: str) -> None:
    """The answer to a damaged index: exit 1, one line naming the file and the rebuild command."""
    stderr = result.stderr  # type: ignore[attr-defined]
    assert result.exit_code == 1, (result.exit_code, stderr, result.exception)  # type: ignore[attr-defined]
    assert stderr.count("\n") == 1 and stderr.startswith(f"Error: The index in '{index}' is damaged ({name}: "), stderr
    assert stderr.endswith(f": newssearch index --rebuild --index '{index}' PATH...\n"), stderr


def cli_run(*args: str) -> object:
    return CliRunner().invoke(cli, list(args))


@pytest.mark.parametrize("case", SEEN)
def test_every_command_names_the_damaged_file(built: tuple[Path, Path], tmp_path: Path, case: str) -> None:
    """A truncated segment gave only "Aborted!"; zeroed or deleted files and flipped bytes gave
    30-60-line tracebacks; an incremental index said "200 unchanged", exit 0."""
    archive = built[0]
    index, name = damaged(built, tmp_path, SEEN[case])
    article = str(archive / "0" / "a000.txt")
    for command in (["stats"], ["query", "Ramstein"], ["show", article], ["similar", article],
                    ["index", str(archive)], ["check"]):
        result = cli_run(*command, "--index", str(index))
        one_line(result, index, name)
    rebuilt = cli_run("index", "--rebuild", "--index", str(index), str(archive))
    assert rebuilt.exit_code == 0, rebuilt.stderr
    assert NewsIndex(index).check().ok
    with NewsIndex.open(index) as ix:
        assert len(ix) == 200


@pytest.mark.parametrize("case", {**UNSEEN, **GROUPS_DAMAGE})
def test_check_finds_what_searches_do_not_see(built: tuple[Path, Path], tmp_path: Path, case: str) -> None:
    archive = built[0]
    index, name = damaged(built, tmp_path, {**UNSEEN, **GROUPS_DAMAGE}[case])
    assert cli_run("query", "Ramstein", "--index", str(index)).exit_code == 0  # what it reads is intact
    one_line(cli_run("check", "--index", str(index)), index, name)
    report = NewsIndex(index).check()
    assert not report.ok and [p.file for p in report.problems] == [name]
    if case in GROUPS_DAMAGE:  # the table is read as articles are added
        (archive / "0" / "new.txt").write_text("Nouveau\n\nRamstein encore.\n", encoding="utf-8")
        one_line(cli_run("index", "--index", str(index), str(archive)), index, name)
        (archive / "0" / "new.txt").unlink()
    assert cli_run("index", "--rebuild", "--index", str(index), str(archive)).exit_code == 0
    assert NewsIndex(index).check().ok


def test_check_of_a_sound_index(built: tuple[Path, Path], runner: CliRunner) -> None:
    index = built[1]
    result = runner.invoke(cli, ["check", "--index", str(index)], catch_exceptions=False)
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout == f"The index in '{index}' is sound: 200 articles in 1 segment, 200 files in its manifest.\n"
    report = NewsIndex(index).check()
    assert (report.ok, report.articles, report.segments, report.files, report.problems) == (True, 200, 1, 200, ())


def test_check_lists_every_damaged_file(built: tuple[Path, Path], tmp_path: Path) -> None:
    index, segment = damaged(built, tmp_path, UNSEEN["segment byte flipped"])
    zero(index / "files.json.gz")
    result = cli_run("check", "--index", str(index))
    assert result.exit_code == 1  # type: ignore[attr-defined]
    lines = result.stderr.splitlines()  # type: ignore[attr-defined]
    assert lines[:2] == [f"damaged: {segment}: its content differs from what was written (checksum)",
                         "damaged: files.json.gz: unreadable: the next index run will read every file again"]
    assert len(lines) == 3 and lines[2].startswith(f"Error: The index in '{index}' is damaged ({segment}: ")


# Whole stretches of the segment: 4 KB at a fixed share could fall where nothing is read
# through (the layout moves with the temporary folder's name, stored in each id).
@pytest.mark.parametrize("damage", [zero_share(0.1, 0.4), zero_share(0.3, 0.7), None])
def test_segments_without_checksums_are_read_through(built: tuple[Path, Path], tmp_path: Path,
                                                     damage: Callable[[Path], None] | None) -> None:
    """An index written before segments had checksums: check reads every document, posting
    and column of the segment instead (which finds damage that breaks what it reads; only
    checksums find every flipped byte)."""
    index = tmp_path / "index"
    shutil.copytree(built[1], index)
    for path in index.glob("MAIN_*.sum"):
        path.unlink()
    segment = SEGMENT(index)
    if damage:
        damage(segment)
    report = NewsIndex(index).check()
    assert report.ok == (damage is None)
    if damage:
        assert [p.file for p in report.problems] == [segment.name]
        assert report.problems[0].reason.startswith("unreadable (")


def test_a_missing_index_is_not_damaged(tmp_path: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["check", "--index", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert result.stderr == (f"Error: No index in '{tmp_path / 'none'}'. "
                             f"Create it with: newssearch index --index '{tmp_path / 'none'}' FOLDER (the folder of your articles)\n")


class Payload:
    """What a crafted pickle carries: loading it runs ``touch MARKER``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.system, (f"touch {self.marker}",)


def craft_toc(index: Path, marker: Path) -> str:
    """Put a schema pickle that runs code into the index's TOC, the rest unchanged."""
    import pickle

    from whoosh.filedb.filestore import FileStorage

    storage, name = FileStorage(str(index)), TOC(index).name
    source = storage.open_file(name)
    header = [source.read_varint() for _ in range(3)] + [source.read_int(), source.read_int()]
    release = [source.read_varint() for _ in range(3)]
    source.read_string()  # the real schema
    rest = source.read()
    source.close()
    out = storage.create_file(name)
    for value in header[:3]:
        out.write_varint(value)
    out.write_int(header[3])
    out.write_int(header[4])
    for value in release:
        out.write_varint(value)
    out.write_string(pickle.dumps(Payload(marker), 2))
    out.write(rest)
    out.close()
    return name


def test_an_index_whose_toc_pickle_runs_code_is_refused(built: tuple[Path, Path], tmp_path: Path) -> None:
    """Whoosh unpickles the TOC: a copied index whose TOC pickle runs `touch` did so on
    `newssearch stats`."""
    index = tmp_path / "index"
    shutil.copytree(built[1], index)
    marker = tmp_path / "ran"
    name = craft_toc(index, marker)
    for command in (["stats"], ["query", "Ramstein"], ["check"], ["index", str(built[0])]):
        result = cli_run(*command, "--index", str(index))
        one_line(result, index, name)
        assert "it refers to posix.system, which is not one of Whoosh's or newssearch's classes: refused, as " \
               "loading it could run code" in result.stderr  # type: ignore[attr-defined]
    assert not marker.exists()
    assert cli_run("index", "--rebuild", "--index", str(index), str(built[0])).exit_code == 0  # type: ignore[attr-defined]
    assert not marker.exists() and NewsIndex(index).check().ok


def test_a_stored_field_that_runs_code_is_refused(built: tuple[Path, Path], tmp_path: Path) -> None:
    """Stored fields are pickles too: an article whose stored source runs code when read."""
    from whoosh import index as whoosh_index

    index = tmp_path / "index"
    shutil.copytree(built[1], index)
    marker = tmp_path / "ran"
    ix = whoosh_index.open_dir(str(index))
    writer = ix.writer()  # Whoosh's own writer: no checksums, as a crafted index would have
    writer.add_document(id="evil", title="Ramstein piégé", body="Ramstein", source=Payload(marker))
    writer.commit(merge=False)
    ix.close()
    segment = sorted(index.glob("MAIN_*.seg"), key=lambda p: p.stat().st_mtime)[-1].name
    result = cli_run("query", "title:piégé", "--index", str(index))
    one_line(result, index, segment)
    assert "it refers to posix.system" in result.stderr and not marker.exists()  # type: ignore[attr-defined]
    report = NewsIndex(index).check()
    assert report.problems[0].file == segment and "posix.system" in report.problems[0].reason
    assert not marker.exists()


@pytest.mark.parametrize("value", [
    (b"\x01\x02", (1.0, 2.5), b"positions"),  # a posting block's layout
    {"title": "Titre", "body": "é" * 3_000_000},  # stored fields larger than the reader's buffer
    [],
])
def test_restricted_loads_reads_plain_data_whole_and_refuses_code(tmp_path: Path, value: object) -> None:
    """The bytes go through a buffered reader now (a posting block 22 -> 9 us): what it
    gives and what it refuses stay pickle's."""
    import pickle

    from newssearch.engine.loading import UnsafePickleError, restricted_loads

    for protocol in (2, pickle.HIGHEST_PROTOCOL):
        data = pickle.dumps(value, protocol)
        assert restricted_loads(data) == value and restricted_loads(data + b"trailing") == value
    marker = tmp_path / "MARKER"
    with pytest.raises(UnsafePickleError, match="posix.system|os.system"):
        restricted_loads(pickle.dumps([value, Payload(marker)], 2))
    assert not marker.exists()
