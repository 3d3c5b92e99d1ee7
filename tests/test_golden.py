"""Whole outputs of the command line at 80 and 120 columns, compared with the files in
tests/golden/ (exit code, stdout and stderr, byte for byte). After a deliberate change:
NEWSSEARCH_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py, then read the diff."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from newssearch.cli import cli
from newssearch.indexing import update_index

from .conftest import ARTICLES, write_jsonl

GOLDEN = Path(__file__).parent / "golden"
CASES = {
    "query": ["query", "chars"],
    "query-facets": ["query", "chars", "--facets"],
    "query-by-date": ["query", "chars OR alliance", "--sort", "date", "-n", "2"],
    "show": ["show", "a1", "-q", "Leopard"],
    "stats": ["stats"],
    "error-unknown-id": ["show", "nope"],
    "error-bad-option": ["query", "chars", "--sort", "size"],
    "no-results": ["query", "Leopord"],
}
_UPDATED = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00")  # stats: when the index was written
_SIZE = re.compile(r"\b\d+\.\d MB")


@pytest.fixture
def golden_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Four dispatches and a longer article in archive/, indexed from tmp_path (relative paths)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "archive").mkdir()
    long = dict(ARTICLES[0], id="a5", title="Chars Leopard : comment Berlin a fini par céder aux demandes de Kiev et "
                "de ses alliés européens", body=" ".join([str(ARTICLES[0]["body"])] * 4))
    write_jsonl(tmp_path / "archive" / "dépêches-du-jour-de-la-rédaction-centrale.jsonl", [*ARTICLES, long])
    update_index(tmp_path / "index", [tmp_path / "archive"])
    return tmp_path / "index"


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("case", sorted(CASES))
def test_whole_output(golden_index: Path, case: str, width: int) -> None:
    result = CliRunner().invoke(cli, [*CASES[case], "--index", "index"], env={"COLUMNS": str(width)})
    output = f"exit {result.exit_code}\n--- stdout\n{result.stdout}--- stderr\n{result.stderr}"
    output = _SIZE.sub("0.1 MB", _UPDATED.sub("2024-01-01T00:00:00+00:00", output))
    path = GOLDEN / f"{case}-{width}.txt"
    if os.environ.get("NEWSSEARCH_UPDATE_GOLDEN"):
        path.write_text(output, encoding="utf-8")
    assert output == path.read_text(encoding="utf-8")
