"""The command line through click's CliRunner: exit codes, stdout and stderr."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from newssearch.cli import ExitStatus, cli
from newssearch.config import INDEX_FORMAT_VERSION

from .conftest import SEED, write_jsonl


def run(runner: CliRunner, *args: str, ok: bool = True, **kwargs: object):  # type: ignore[no-untyped-def]
    return runner.invoke(cli, list(args), catch_exceptions=not ok, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def indexed(runner: CliRunner, tmp_path: Path, archive: Path) -> Path:
    folder = tmp_path / "ix"
    result = run(runner, "index", str(archive), "--index", str(folder))
    assert result.exit_code == ExitStatus.OK, result.output
    return folder


def test_index_reports_counts(runner: CliRunner, tmp_path: Path, archive: Path) -> None:
    result = run(runner, "index", str(archive), "--index", str(tmp_path / "ix"))
    assert result.exit_code == ExitStatus.OK
    assert result.stderr == ""
    assert result.stdout.startswith("3 files added, 0 updated, 0 unchanged, 0 removed, 0 skipped; "
                                    "6 articles written in ")
    again = run(runner, "index", str(archive), "--index", str(tmp_path / "ix"))
    assert again.stdout.startswith("0 files added, 0 updated, 3 unchanged, 0 removed, 0 skipped; 0 articles")


def test_index_lists_skipped_files_on_stderr_and_exits_3(runner: CliRunner, tmp_path: Path, archive: Path) -> None:
    (archive / "empty.txt").write_bytes(b"")
    result = run(runner, "index", str(archive), "--index", str(tmp_path / "ix"))
    assert result.exit_code == ExitStatus.SKIPPED == 3
    assert result.stderr == f"skipped: {archive / 'empty.txt'}: empty file\n"
    assert "3 files added" in result.stdout and "1 skipped" in result.stdout


def test_index_strict_stops_with_one_line_error(runner: CliRunner, tmp_path: Path, archive: Path) -> None:
    (archive / "empty.txt").write_bytes(b"")
    result = run(runner, "index", "--strict", str(archive), "--index", str(tmp_path / "ix"), ok=False)
    assert result.exit_code == ExitStatus.ERROR
    assert result.stderr == f"Error: {archive / 'empty.txt'}: empty file\n"


def test_index_prune(runner: CliRunner, indexed: Path, archive: Path) -> None:
    (archive / "note.txt").unlink()
    result = run(runner, "index", "--prune", str(archive), "--index", str(indexed))
    assert "1 removed" in result.stdout and result.exit_code == 0


def test_optimize_merges_segments_into_one(runner: CliRunner, indexed: Path, tmp_path: Path) -> None:
    write_jsonl(tmp_path / "more.jsonl", [{"id": "m1", "title": "Un autre char", "body": "Le char du musée."}])
    run(runner, "index", str(tmp_path / "more.jsonl"), "--index", str(indexed))  # a second segment
    result = run(runner, "optimize", "--index", str(indexed))
    assert result.exit_code == ExitStatus.OK and result.stderr == ""
    assert result.stdout.startswith("Merged 2 segments into 1 (")
    again = run(runner, "optimize", "--index", str(indexed))
    assert (again.exit_code, again.stdout) == (ExitStatus.OK, "Nothing to merge: 1 segment.\n")
    assert "char" in run(runner, "query", "char", "--index", str(indexed)).stdout
    assert run(runner, "check", "--index", str(indexed)).stdout.startswith(f"The index in '{indexed}' is sound: 7 articles in 1 segment")


def test_optimize_without_an_index(runner: CliRunner, tmp_path: Path) -> None:
    result = run(runner, "optimize", "--index", str(tmp_path / "none"), ok=False)
    assert result.exit_code == ExitStatus.ERROR
    assert result.stderr == (f"Error: No index in '{tmp_path / 'none'}'. "
                             f"Create it with: newssearch index --index '{tmp_path / 'none'}' FOLDER (the folder of your articles)\n")
    assert not (tmp_path / "none").exists()


def test_query_prints_ranked_highlighted_hits(runner: CliRunner, indexed: Path) -> None:
    result = run(runner, "query", "Ramstein Leopard", "--index", str(indexed))
    assert result.exit_code == ExitStatus.OK
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "1 result; showing 1-1, best first"
    assert lines[2] == "1. Moscou n'exclut pas une alliance anti-US"
    assert lines[3].startswith("   2023-01-23 · ") and SEED.name in lines[3] and "score " in lines[3]
    assert any("chars Leopard" in line for line in lines[4:])


def test_excluded_words_under_a_filter_list_its_other_articles_newest_first(runner: CliRunner, indexed: Path) -> None:
    """It was an error ("only excludes words"); and filters alone said "best first" over
    scores of 0.00."""
    expected = ("1 result; showing 1-1, newest first\n\n"
                "1. Un char allemand exposé au musée\n"
                "   2021-05-02 · Le Courrier du Nord · example.org/a3 · id a3\n"
                "   Le musée de Saumur expose un char allemand de 1944.\n")
    for args in (["--source", "Le Courrier du Nord", "NOT", "Leopard"], ['source:"Le Courrier du Nord" -Leopard']):
        result = run(runner, "query", *args, "--index", str(indexed), env={"COLUMNS": "80"})
        assert (result.exit_code, result.stderr, result.stdout) == (ExitStatus.OK, "", expected)
    both = run(runner, "query", 'source:"Le Courrier du Nord"', "--index", str(indexed), env={"COLUMNS": "80"})
    assert both.stdout.startswith("2 results; showing 1-2, newest first\n\n1. Les chars Leopard")
    assert "score" not in both.stdout


def test_query_words_may_be_separate_arguments(runner: CliRunner, indexed: Path) -> None:
    one = run(runner, "query", "Ramstein Leopard", "--index", str(indexed))
    two = run(runner, "query", "Ramstein", "Leopard", "--index", str(indexed))
    assert one.stdout == two.stdout


def test_query_json_has_every_field(runner: CliRunner, indexed: Path) -> None:
    result = run(runner, "query", "etats-unis leopard", "--json", "--index", str(indexed))
    assert result.exit_code == 0 and result.stderr == ""
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert [h["rank"] for h in hits] == [1, 2]
    assert {h["id"] for h in hits} == {"a1", str(next(indexed.parent.glob("archive/2023/*.txt")))}
    first = next(h for h in hits if h["id"] == "a1")
    assert set(first) == {"rank", "id", "score", "title", "title_spans", "published", "modified", "source",
                          "url", "path", "snippets", "versions", "first_version"}
    assert first["published"] == "2023-01-25T10:00:00+00:00" and first["source"] == "Le Courrier du Nord"
    marked = {s["text"][a:b] for s in first["snippets"] for a, b in s["spans"]}
    assert marked == {"États", "Unis", "Leopard"}


def test_query_options(runner: CliRunner, indexed: Path) -> None:
    args = ["query", "char OR alliance OR sécurité", "--index", str(indexed), "--json"]
    by_date = run(runner, *args, "--sort", "date")
    dates = [json.loads(line)["published"] for line in by_date.stdout.splitlines()]
    assert dates == sorted(dates, reverse=True)
    page2 = run(runner, *args, "--limit", "2", "--page", "2")
    assert [json.loads(line)["rank"] for line in page2.stdout.splitlines()] == [3, 4]
    since = run(runner, *args, "--since", "2023-01-24")
    assert [json.loads(line)["id"] for line in since.stdout.splitlines()] == ["a1"]
    source = run(runner, *args, "--source", "la gazette de lyon", "--until", "2022-12-31")
    assert [json.loads(line)["id"] for line in source.stdout.splitlines()] == ["a2"]


def test_no_results_is_not_an_error(runner: CliRunner, indexed: Path) -> None:
    result = run(runner, "query", "zanzibar", "--index", str(indexed))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "No results for 'zanzibar'.\n")


def test_partial_matches_are_announced(runner: CliRunner, indexed: Path) -> None:
    result = run(runner, "query", "Saumur zanzibar", "--index", str(indexed))
    assert result.exit_code == 0
    assert result.stderr == "No article contains all the words; showing articles with some of them.\n"
    assert "Un char allemand exposé au musée" in result.stdout


@pytest.mark.parametrize(
    "query, message",
    [
        ('"Ramstein Leopard', "Unbalanced quote in query: \"Ramstein Leopard"),
        ("(Ramstein", "Unbalanced parenthesis in query: (Ramstein"),
        ("auteur:Dupont", "Unknown field 'auteur:' in query (known fields: body, date, id, source, title)."),
        ("« ? »", "The query '« ? »' has no searchable words (only punctuation)."),
        ("date:yesterday", "Invalid date in date:yesterday: use YYYY-MM-DD, YYYY-MM or YYYY, "
                           "e.g. date:>2023-01-01 or date:[2021-01-01 to 2021-12-31]."),
        # Malformed dates once answered "No results" (exit 0), date:> searched the word "date"
        # and a reversed range was silently empty: each is refused as --since after --until is.
        *[(f"char date:{spec}", f"Invalid date in date:{spec}: use YYYY-MM-DD, YYYY-MM or YYYY, "
                                "e.g. date:>2023-01-01 or date:[2021-01-01 to 2021-12-31].")
          for spec in ("[", "[2020", "]", "yesterday", ">")],
        ("char date:[2021-01-01 to 2019-01-01]", "The date range [2021-01-01 to 2019-01-01] ends before it starts."),
    ],
)
def test_malformed_query_exits_2_with_one_line(runner: CliRunner, indexed: Path, query: str, message: str) -> None:
    result = run(runner, "query", query, "--index", str(indexed), ok=False)
    assert result.exit_code == ExitStatus.USAGE
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == f"Error: {message}"
    assert [line for line in result.stderr.splitlines() if line.startswith("Error")] == [f"Error: {message}"]
    assert "Traceback" not in result.stderr


def test_missing_index_names_the_command(runner: CliRunner, tmp_path: Path) -> None:
    result = run(runner, "query", "Ramstein", "--index", str(tmp_path / "none"), ok=False)
    assert result.exit_code == ExitStatus.ERROR
    assert result.stderr == (f"Error: No index in '{tmp_path / 'none'}'. "
                             f"Create it with: newssearch index --index '{tmp_path / 'none'}' FOLDER (the folder of your articles)\n")


def test_default_index_folder_and_env_variable(runner: CliRunner, tmp_path: Path, seeds_dir: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(runner, "query", "Ramstein", ok=False)
    assert result.stderr == "Error: No index in 'index'. Create it with: newssearch index FOLDER (the folder of your articles, such as seeds/)\n"
    assert run(runner, "index", "seeds").exit_code == 0
    assert (tmp_path / "index" / "newssearch.json").is_file()
    assert "Moscou" in run(runner, "query", "Ramstein").stdout
    monkeypatch.setenv("NEWSSEARCH_INDEX", str(tmp_path / "other"))
    assert run(runner, "index", "seeds").exit_code == 0
    assert (tmp_path / "other" / "newssearch.json").is_file()
    assert run(runner, "query", "Ramstein", "--index", str(tmp_path / "index")).exit_code == 0


def test_bad_options_exit_2(runner: CliRunner, indexed: Path) -> None:
    result = run(runner, "query", "char", "--since", "hier", "--index", str(indexed), ok=False)
    assert result.exit_code == 2 and result.stderr.endswith("Error: Invalid date 'hier': use YYYY-MM-DD.\n")
    result = run(runner, "query", "char", "--sort", "popularity", "--index", str(indexed), ok=False)
    assert result.exit_code == 2


def test_index_into_a_folder_that_is_not_an_index(runner: CliRunner, archive: Path) -> None:
    result = run(runner, "index", str(archive), "--index", str(archive), ok=False)
    assert result.exit_code == 1
    assert result.stderr == (f"Error: Cannot write the index in '{archive}': the folder exists, is not empty "
                             "and is not a newssearch index. The index was left as it was.\n")


def test_jsonl_record_ids_are_kept(runner: CliRunner, tmp_path: Path) -> None:
    write_jsonl(tmp_path / "d.jsonl", [{"id": "piaf-0001", "title": "Bonjour", "body": "Texte sur Lyon."}])
    run(runner, "index", str(tmp_path / "d.jsonl"), "--index", str(tmp_path / "ix"))
    result = run(runner, "query", "Lyon", "--json", "--index", str(tmp_path / "ix"))
    assert json.loads(result.stdout)["id"] == "piaf-0001"


def test_every_command_has_help(runner: CliRunner) -> None:
    assert run(runner, "--help").exit_code == 0
    for name, command in cli.commands.items():  # type: ignore[attr-defined]
        assert command.help, name
        result = run(runner, name, "--help")
        assert result.exit_code == 0 and "--index" in result.stdout


def test_every_command_that_opens_an_index_says_how_one_from_elsewhere_is_opened(runner: CliRunner) -> None:
    # Whoosh keeps pickles in an index: the --help of each command that opens one says that
    # an index from elsewhere goes through the restricted unpickler.
    note = "One from elsewhere is opened safely: a pickle in it that names anything but Whoosh's and newssearch's " \
           "classes is refused."
    opening = [name for name, command in cli.commands.items()  # type: ignore[attr-defined]
               if any(param.name == "index_dir" for param in command.params)]
    assert sorted(opening) == ["check", "index", "optimize", "query", "serve", "show", "similar", "stats"]
    for name in opening:
        assert note in " ".join(run(runner, name, "--help").stdout.split()), name


def test_debug_reraises(runner: CliRunner, tmp_path: Path) -> None:
    result = run(runner, "--debug", "query", "x", "--index", str(tmp_path / "none"), ok=False)
    assert result.exit_code == 1 and type(result.exception).__name__ == "IndexNotFoundError"


def test_rebuild_replaces_an_index_of_another_version(runner: CliRunner, tmp_path: Path, archive: Path) -> None:
    folder = tmp_path / "ix"
    run(runner, "index", str(archive), "--index", str(folder))
    meta = folder / "newssearch.json"
    meta.write_text(meta.read_text(encoding="utf-8").replace(f'"format":{INDEX_FORMAT_VERSION}', '"format":1'),
                    encoding="utf-8")
    refused = run(runner, "query", "Leopard", "--index", str(folder), ok=False)
    assert refused.exit_code == 1 and "Rebuild it: newssearch index --rebuild" in refused.stderr
    rebuilt = run(runner, "index", "--rebuild", str(archive), "--index", str(folder))
    assert rebuilt.exit_code == 0 and rebuilt.stdout.startswith("3 files added")
    assert run(runner, "query", "Leopard", "--index", str(folder)).exit_code == 0


def test_rebuild_never_deletes_other_files(runner: CliRunner, tmp_path: Path, archive: Path) -> None:
    result = run(runner, "index", "--rebuild", str(archive), "--index", str(archive), ok=False)
    assert result.exit_code == 1 and (archive / "note.txt").exists()


def test_export_into_a_missing_folder_is_refused(runner: CliRunner, indexed: Path, tmp_path: Path) -> None:
    """It was a 30-line FileNotFoundError traceback."""
    target = tmp_path / "missing" / "hits.csv"
    result = run(runner, "query", "Leopard", "--index", str(indexed), "--format", "csv", "-o", str(target), ok=False)
    assert result.exit_code == ExitStatus.USAGE
    assert result.stderr == (f"Error: Invalid value for '--output' / '-o': the folder '{target.parent}' does not "
                             "exist. See 'newssearch query --help'.\n")
    assert "Traceback" not in result.stderr and not target.parent.exists()


@pytest.mark.parametrize("name", ["newssearch.json", "files.json.gz", "TOC", "new.csv"])
def test_export_into_the_index_folder_is_refused(runner: CliRunner, indexed: Path, name: str) -> None:
    """Writing the export over one of the index's files destroyed the index."""
    if name == "TOC":
        name = next(p.name for p in indexed.iterdir() if p.name.endswith(".toc"))
    before = {p.name: p.read_bytes() for p in indexed.iterdir() if p.is_file()}
    target = indexed / ".." / indexed.name / name
    result = run(runner, "query", "Leopard", "--index", str(indexed), "--format", "jsonl", "-o", str(target), ok=False)
    assert result.exit_code == ExitStatus.USAGE
    assert result.stderr == (f"Error: Invalid value for '--output' / '-o': '{target}' is inside the index folder "
                             f"'{indexed}'; write it elsewhere. See 'newssearch query --help'.\n")
    assert {p.name: p.read_bytes() for p in indexed.iterdir() if p.is_file()} == before
    assert run(runner, "query", "Leopard", "--index", str(indexed)).exit_code == ExitStatus.OK


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_export_write_error_is_one_line(runner: CliRunner, indexed: Path) -> None:
    """/dev/full: every write fails with ENOSPC, as on a full disk."""
    result = run(runner, "query", "Leopard", "--index", str(indexed), "--format", "csv", "-o", "/dev/full", ok=False)
    assert result.exit_code == ExitStatus.ERROR
    assert result.stderr == "Error: Cannot write '/dev/full': no space left on device.\n"


def test_skipped_records_are_capped_on_stderr_and_all_in_the_report(runner: CliRunner, tmp_path: Path) -> None:
    """998,000 bad records printed 998,001 lines (91 MB) on the terminal."""
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "bad.jsonl").write_text('{"id": "ok", "title": "Ramstein"}\n' + "[1]\n" * 1000, encoding="utf-8")
    result = run(runner, "index", str(archive), "--index", str(tmp_path / "ix"), ok=False)
    assert result.exit_code == ExitStatus.SKIPPED
    lines = result.stderr.splitlines()
    assert lines[:2] == [f"skipped: {archive / 'bad.jsonl'}:2: record is list, expected an object",
                         f"skipped: {archive / 'bad.jsonl'}:3: record is list, expected an object"]
    assert len(lines) == 21 and lines[-1] == "skipped: 980 more (all of them: --report FILE)."
    assert "1,000 skipped" in result.stdout
    (archive / "bad.jsonl").write_text('{"id": "ok", "title": "Ramstein"}\n' + "[2]\n" * 1000, encoding="utf-8")
    report = tmp_path / "skipped.txt"
    result = run(runner, "index", str(archive), "--index", str(tmp_path / "ix"), "--report", str(report), ok=False)
    assert result.exit_code == ExitStatus.SKIPPED
    assert result.stderr.splitlines()[-1] == f"skipped: 980 more (listed in {report})."
    listed = report.read_text(encoding="utf-8").splitlines()
    assert len(listed) == 1000 and listed[-1] == f"{archive / 'bad.jsonl'}:1001: record is list, expected an object"


def test_index_follow_links(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("Secret\n\nMot de passe.", encoding="utf-8")
    (tmp_path / "archive").mkdir()
    os.symlink(tmp_path / "outside" / "secret.txt", tmp_path / "archive" / "passwd.txt")
    refused = run(runner, "index", str(tmp_path / "archive"), "--index", str(tmp_path / "ix"))
    assert refused.exit_code == ExitStatus.SKIPPED and refused.stderr == (
        f"skipped: {tmp_path / 'archive' / 'passwd.txt'}: symbolic link to '{tmp_path / 'outside' / 'secret.txt'}', "
        "outside the folders given: not followed\n")
    followed = run(runner, "index", "--follow-links", str(tmp_path / "archive"), "--index", str(tmp_path / "ix"))
    assert followed.exit_code == ExitStatus.OK and followed.stdout.startswith("1 file added")


def test_a_merge_shows_as_its_own_phase(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from newssearch import render

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    with render.progress_bars(("Indexing", "files"), ("Merging segments", "bytes")) as (indexing, merging):
        assert indexing and merging
        indexing(3, 10)
        merging(5_000_000, 12_000_000)
    shown = terminal.getvalue()
    assert "Indexing" in shown and "3/10 files" in shown
    assert "Merging segments" in shown and "5/12 MB" in shown
    monkeypatch.setattr("sys.stderr", io.StringIO())  # not a terminal: no bars, no callbacks
    with render.progress_bars(("Merging segments", "bytes")) as bars:
        assert bars == [None]
