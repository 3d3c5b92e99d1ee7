"""The command line as a person meets it (issue #15): one-line errors with the README's exit
codes, closed pipes, Ctrl-C, gzipped archives, progress, the pager, help. Whole stderr
compared; real processes where a terminal, a pipe or a signal is the point."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from newssearch import NewsIndex
from newssearch.cli import ExitStatus, cli
from newssearch.indexing import update_index

from .conftest import ARTICLES, ROOT, write_jsonl


def run(runner: CliRunner, *args: str, **kwargs: object):  # type: ignore[no-untyped-def]
    return runner.invoke(cli, list(args), **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def indexed(tmp_path: Path, archive: Path) -> Path:
    folder = tmp_path / "ix"
    update_index(folder, [archive])
    return folder


# 1. Errors: one line on stderr, no usage text, the README's exit codes.
@pytest.mark.parametrize("args, code, stderr", [
    (["qury"], ExitStatus.USAGE, "Error: No such command 'qury'. Did you mean 'query'? See 'newssearch --help'.\n"),
    (["query", "-q", "x"], ExitStatus.USAGE, "Error: No such option '-q'. See 'newssearch query --help'.\n"),
    (["query"], ExitStatus.USAGE, "Error: Missing argument 'WORDS...'. See 'newssearch query --help'.\n"),
    (["query", "x", "--page", "0"], ExitStatus.USAGE,
     "Error: Invalid value for '--page': 0 is not in the range x>=1. See 'newssearch query --help'.\n"),
    (["query", "(chars"], ExitStatus.USAGE, "Error: Unbalanced parenthesis in query: (chars\n"),
    (["show", "nope"], ExitStatus.ERROR, "Error: No article with id 'nope' in the index.\n"),
    (["similar", "nope"], ExitStatus.ERROR, "Error: No article with id 'nope' in the index.\n"),
])
def test_every_error_is_one_line_with_its_exit_code(runner: CliRunner, indexed: Path, args: list[str], code: int,
                                                    stderr: str) -> None:
    result = run(runner, *args, "--index", str(indexed)) if args[0] != "qury" else run(runner, *args)
    assert (result.exit_code, result.stderr, result.stdout) == (code, stderr, "")


def test_newssearch_alone_shows_its_help(runner: CliRunner) -> None:
    result = run(runner)
    assert result.exit_code == ExitStatus.USAGE and result.stderr.startswith("Usage: newssearch [OPTIONS] COMMAND")


# 2. A closed pipe ends quietly with 0, as grep does.
def many_articles(folder: Path, n: int = 400) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    records = [{"id": f"n{i}", "title": f"Chars Leopard numéro {i}", "date": "2023-01-25T10:00:00+00:00",
                "body": "Berlin a annoncé l'envoi de chars Leopard à l'Ukraine. " * 8} for i in range(n)]
    return write_jsonl(folder / "many.jsonl", records)


@pytest.mark.parametrize("output", [["--json"], [], ["--format", "jsonl"]])
def test_a_closed_pipe_ends_quietly(tmp_path: Path, output: list[str]) -> None:
    index = tmp_path / "ix"
    update_index(index, [many_articles(tmp_path / "archive")])
    code = ("import subprocess, sys\n"
            f"p = subprocess.Popen({[sys.executable, '-m', 'newssearch', 'query', 'Leopard', '-n', '400', '--index', str(index), *output]!r},"
            " stdout=subprocess.PIPE, stderr=subprocess.PIPE)\n"
            "p.stdout.readline(); p.stdout.close()  # as head -1 does\n"
            "err = p.stderr.read(); print(p.wait()); sys.stdout.write(err.decode())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.stdout == "0\n", out.stdout + out.stderr


# 3. A path that does not exist: exit 2, one line, nothing created.
def test_index_of_a_missing_path_is_refused_before_anything_is_created(runner: CliRunner, tmp_path: Path) -> None:
    missing = tmp_path / "archvie"
    result = run(runner, "index", str(missing), "--index", str(tmp_path / "ix"))
    assert result.exit_code == ExitStatus.USAGE == 2
    assert result.stderr == (f"Error: Invalid value for 'PATHS...': Path '{missing}' does not exist. "
                             "See 'newssearch index --help'.\n")
    assert not (tmp_path / "ix").exists()


# 4. A gzipped JSON Lines file is limited per record, like a plain one.
def test_a_gzipped_jsonl_is_limited_per_record(runner: CliRunner, tmp_path: Path) -> None:
    records = [dict(a, id=f"{a['id']}-{i}") for i in range(40) for a in ARTICLES]  # 160 records, ~40 KB
    big = {"id": "big", "title": "Trop long", "body": "mot " * 2000}
    lines = [json.dumps(r, ensure_ascii=False) for r in records[:80] + [big] + records[80:]]
    path = tmp_path / "archive.jsonl.gz"
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), mtime=0))
    result = run(runner, "index", str(path), "--index", str(tmp_path / "ix"), "--max-size", "5000")
    assert result.exit_code == ExitStatus.SKIPPED
    assert result.stderr == f"skipped: {path}:81: record too large: over the limit of 5,000 bytes (--max-size)\n"
    assert result.stdout.startswith("1 file added, 0 updated, 0 unchanged, 0 removed, 1 skipped; 160 articles")
    assert len(NewsIndex.open(tmp_path / "ix")) == 160


@pytest.mark.skipif(not Path("/work/shared/data/fresada.jsonl.gz").exists(), reason="the FreSaDa archive")
def test_fresada_gzipped_indexes_whole(tmp_path: Path) -> None:
    report = update_index(tmp_path / "ix", [Path("/work/shared/data/fresada.jsonl.gz")])
    assert (report.articles, report.skipped) == (9_091, [])


@pytest.mark.parametrize("name, content, reason", [
    ("empty.jsonl.gz", gzip.compress(b"  \n", mtime=0), "empty file"),
    ("plain.jsonl.gz", b'{"title": "x"}\n', "corrupt gzip file (not gzip data)"),
])
def test_a_bad_gzipped_jsonl_is_skipped_with_its_reason(tmp_path: Path, name: str, content: bytes,
                                                        reason: str) -> None:
    (tmp_path / name).write_bytes(content)
    report = update_index(tmp_path / "ix", [tmp_path / name])
    assert [s.reason for s in report.skipped] == [reason]


def test_every_size_message_names_max_size(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "big.txt").write_text("Titre\n\n" + "mot " * 400, encoding="utf-8")
    (tmp_path / "a" / "bomb.json.gz").write_bytes(gzip.compress(b"[" + b"{}," * 2000 + b"{}]", mtime=0))
    result = run(runner, "index", str(tmp_path / "a"), "--index", str(tmp_path / "ix"), "--max-size", "1000")
    assert result.stderr == (
        f"skipped: {tmp_path / 'a' / 'big.txt'}: file too large: 1,607 bytes, over the limit of 1,000 bytes "
        "(--max-size)\n"
        f"skipped: {tmp_path / 'a' / 'bomb.json.gz'}: decompressed size over the limit of 1,000 bytes (--max-size)\n")


# 5. Progress within a file: articles and bytes, not files only.
def test_progress_tells_articles_and_bytes_within_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from newssearch import IndexProgress

    monkeypatch.setattr("newssearch.progress.EVERY_SECONDS", 0.0)
    path = many_articles(tmp_path / "archive", 300)
    seen: list[object] = []
    update_index(tmp_path / "ix", [path], progress=seen.append)
    size = path.stat().st_size
    assert seen[0] == IndexProgress(0, 1, 0, 0, size) and seen[-1] == IndexProgress(1, 1, 300, size, size)
    within = [p for p in seen[1:-1] if p.files == 0]
    assert len(within) == 300 and [p.articles for p in within] == list(range(1, 301))
    assert 0 < within[100].bytes_read < within[200].bytes_read < size


def test_progress_amount_reads_well() -> None:
    from newssearch import IndexProgress
    from newssearch.render import progress_amount

    state = IndexProgress(files=0, files_total=1, articles=12_345, bytes_read=5_100_000, bytes_total=8_700_000)
    assert progress_amount(state, 10.0) == "12,345 articles (1,234/s) · 5.1/8.7 MB · 0/1 files"


# 6. Ctrl-C: one line, exit 130, the index still usable.
def _children(pid: int) -> list[str]:
    """The process ids of ``pid``'s children (Linux /proc)."""
    try:
        return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []


def test_ctrl_c_prints_one_line_and_exits_130(tmp_path: Path) -> None:
    """Worker processes index too, and get the terminal's SIGINT as well: none prints a traceback."""
    archive = many_articles(tmp_path / "archive", 40_000)
    index = tmp_path / "ix"
    code = ("import sys; import newssearch.indexing as indexing; from newssearch.cli import main\n"
            "indexing.default_procs = lambda *args: 2  # workers whatever the machine's cores\n"
            "sys.argv = ['newssearch', *sys.argv[1:]]; main()")
    proc = subprocess.Popen([sys.executable, "-c", code, "index", str(archive), "--index", str(index)],
                            cwd=ROOT, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    # Once both workers run (a fixed 8 s wait let a quiet machine finish first), give them
    # three seconds of indexing: the old code's workers then printed their tracebacks.
    deadline = time.monotonic() + 60
    while len(_children(proc.pid)) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(3)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal sends it: to the whole process group
    out, err = proc.communicate(timeout=120)
    assert (proc.returncode, err, out) == (ExitStatus.INTERRUPTED, "Interrupted.\n", "")
    with NewsIndex.open(index) as ix:
        assert ix.check().ok and ix.search("Leopard") == []  # nothing was committed, nothing is damaged


# 7. show pages a long article on a terminal, never when piped or with --no-pager.
@pytest.fixture
def long_article(tmp_path: Path) -> Path:
    body = "\n\n".join(f"Paragraphe {i} sur les chars Leopard livrés à l'Ukraine." for i in range(60))
    write_jsonl(tmp_path / "long.jsonl", [{"id": "long", "title": "Un long article", "body": body}])
    update_index(tmp_path / "ix", [tmp_path / "long.jsonl"])
    return tmp_path / "ix"


@pytest.mark.parametrize("terminal, options, paged", [(True, [], True), (True, ["--no-pager"], False),
                                                      (False, [], False)])
def test_show_pages_a_long_article_on_a_terminal_only(runner: CliRunner, long_article: Path,
                                                      monkeypatch: pytest.MonkeyPatch, terminal: bool,
                                                      options: list[str], paged: bool) -> None:
    pages: list[str] = []
    monkeypatch.setattr(click, "echo_via_pager", lambda text, color=None: pages.append(text))
    monkeypatch.setattr("newssearch.cli.stdout_is_terminal", lambda: terminal)
    result = run(runner, "show", "long", "--index", str(long_article), *options, env={"LINES": "40"})
    assert result.exit_code == 0 and result.stderr == ""
    assert len(pages) == paged and (result.stdout == "") == paged
    text = pages[0] if paged else result.stdout
    assert "Paragraphe 59 sur les chars" in click.unstyle(text)


# 8. --sort date shows no score; date filters on an undated archive say why nothing matches.
def test_sort_by_date_shows_no_score(runner: CliRunner, indexed: Path) -> None:
    result = run(runner, "query", "chars", "--sort", "date", "--index", str(indexed))
    assert result.exit_code == 0 and "score" not in result.stdout and "newest first" in result.stdout


def test_date_filters_on_an_archive_without_dates_say_so(runner: CliRunner, tmp_path: Path) -> None:
    write_jsonl(tmp_path / "a.jsonl", [{"id": "u", "title": "Chars", "body": "Des chars sans date."}])
    update_index(tmp_path / "ix", [tmp_path / "a.jsonl"])
    result = run(runner, "query", "chars", "--since", "2020-01-01", "--index", str(tmp_path / "ix"))
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == ("No article in the index has a date, so none is published in a date range.\n"
                             "No results for 'chars'.\n")
    by_date = run(runner, "query", "chars", "--sort", "date", "--index", str(tmp_path / "ix"))
    # it said so, then its header said "newest first" over the index's order
    assert by_date.stderr == "No article has a date: --sort date cannot order them; best first.\n"
    assert "best first" in by_date.stdout and "score" in by_date.stdout


def test_a_search_no_word_scores_lists_an_undated_archive_in_index_order(runner: CliRunner, tmp_path: Path) -> None:
    """Filters or excluded words alone, on an archive without dates: it said "best first"
    over scores of 0.00, where nothing had ranked the hits."""
    write_jsonl(tmp_path / "a.jsonl", [{"id": f"u{n}", "title": title, "body": f"Des {title.lower()}.", "source": source,
                                        "url": f"https://example.org/u{n}"}
                                       for n, title, source in [(1, "Chars", "AFP"), (2, "Avions", "AFP"), (3, "Chars", "AP")]])
    update_index(tmp_path / "ix", [tmp_path / "a.jsonl"])
    expected = ("2 results; showing 1-2, in index order\n\n"
                "1. Chars\n   no date · AFP · example.org/u1 · id u1\n   Des chars.\n\n"
                "2. Avions\n   no date · AFP · example.org/u2 · id u2\n   Des avions.\n")
    for args in (["source:AFP"], ["source:AFP", "--sort", "date"]):
        result = run(runner, "query", *args, "--index", str(tmp_path / "ix"), env={"COLUMNS": "80"})
        assert (result.exit_code, result.stdout) == (0, expected)
        assert result.stderr == ("No article has a date: --sort date cannot order them; in index order.\n"
                                 if "--sort" in args else "")
    for args in (["source:AFP", "NOT", "avions"], ["--source", "AFP", "NOT", "avions"]):
        excluded = run(runner, "query", *args, "--index", str(tmp_path / "ix"), env={"COLUMNS": "80"})
        assert (excluded.exit_code, excluded.stderr) == (0, "")
        assert excluded.stdout == expected.replace("2 results; showing 1-2", "1 result; showing 1-1").split("\n\n2.")[0] + "\n"
    scored = run(runner, "query", "chars", "--index", str(tmp_path / "ix"), env={"COLUMNS": "80"})
    assert scored.stdout.startswith("2 results; showing 1-2, best first") and "score" in scored.stdout


# 9. The header and --facets count the same thing, with the same word.
def test_header_and_facets_count_the_same_results(runner: CliRunner, indexed: Path) -> None:
    result = run(runner, "query", "chars", "--facets", "--index", str(indexed), env={"COLUMNS": "80"})
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    assert lines[0].startswith("3 results;") and "3 results by source" in lines


# 10. Help: formats, descriptions, limits, examples at the end.
def test_help_of_every_command_ends_with_examples(runner: CliRunner) -> None:
    for name in cli.list_commands(click.Context(cli)):
        text = run(runner, name, "--help").stdout
        tail = text.rstrip().split("\n\n")[-1].splitlines()
        assert tail[0] == "  Examples:" and 2 <= len(tail) - 1 <= 3, name
        assert all(line.startswith(f"    newssearch {name}") for line in tail[1:]), name


def test_help_describes_formats_options_and_limits(runner: CliRunner) -> None:
    index_help = " ".join(run(runner, "index", "--help").stdout.split())
    for fmt in (".txt", ".jsonl", ".json", ".html", ".rss", ".atom", ".xml", ".warc", ".jsonl.gz"):
        assert fmt in index_help, fmt
    assert "in JSON Lines files (.jsonl, .jsonl.gz), skip records larger than this" in index_help
    query_help = " ".join(run(runner, "query", "--help").stdout.split())
    assert "A query is at most 2,000 characters." in query_help
    assert "--sort [relevance|date] Best first, or newest first" in query_help
    assert "--page INTEGER RANGE Which page of --limit hits" in query_help
    assert "-n, --limit INTEGER RANGE How many similar articles" in " ".join(run(runner, "similar", "--help")
                                                                           .stdout.split())


def test_show_on_a_terminal_breaks_lines_between_words(long_article: Path) -> None:
    from newssearch.render import article_lines

    with NewsIndex.open(long_article) as ix:
        article = ix.article("long")
    lines = [click.unstyle(line) for line in article_lines(article, (), (), width=40)]
    assert max(map(len, lines)) <= 40 and len(lines) > 60
    body = lines[lines.index("") + 1:]
    assert " ".join(" ".join(body).split()) == " ".join(article.body.split())  # no word cut in two


# 10. A hit's line of facts fits the terminal: the place is cut first (a web address keeps its
# site), then the source; the date, the id to type and the score stay whole.
def _hit(**fields: object) -> object:
    from datetime import datetime, timezone

    from newssearch.hits import Hit

    return Hit(**{"id": "a1", "rank": 1, "score": 31.96, "title": "T", "path": "/archive/a.jsonl",
                  "published": datetime(2023, 1, 23, tzinfo=timezone.utc), **fields})  # type: ignore[arg-type]


@pytest.mark.parametrize("fields, width, line", [
    ({"source": "AFP", "url": "https://www.lemonde.fr/international/article/2023/01/23/ramstein-chars_6159.html"}, 77,
     "2023-01-23 · AFP · lemonde.fr/…ramstein-chars_6159.html · id a1 · score 31.96"),  # was "…chars_6159.html"
    # a long source and a 24-character id: the score went to a line of its own
    ({"id": "masakhanews-sports-00123", "source": "masakhanews-fra/sports", "url": None}, 77,
     "2023-01-23 · masakhanews-fra/spo… · id masakhanews-sports-00123 · score 31.96"),
    ({"source": "Le Courrier du Nord", "url": None}, 77,
     "2023-01-23 · Le Courrier du Nord · /archive/a.jsonl · id a1 · score 31.96"),
    ({"source": None, "url": "https://example.org/" + "x" * 80}, 40, "2023-01-23 · id a1 · score 31.96"),
])
def test_a_hits_facts_fit_the_terminal(fields: dict[str, object], width: int, line: str) -> None:
    from newssearch.render import facts_line

    assert facts_line(_hit(**fields), width) == line
    assert len(line) <= width
