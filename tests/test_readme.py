"""The README's Quick start and examples stay true."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from newssearch.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def quick_start() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.*?)\n```", section, re.S)


def test_quick_start_has_exactly_two_commands() -> None:
    main, tests = quick_start()
    assert main.endswith('newssearch index seeds/ && newssearch query "Ramstein Leopard"')
    assert tests.endswith("pip install -e '.[test]' && python -m pytest")
    assert tests.split("\n")[-1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_main_job_of_the_quick_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(cli, ["index", "seeds/"], catch_exceptions=False).exit_code == 0
    result = runner.invoke(cli, ["query", "Ramstein Leopard"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "1. Moscou n'exclut pas une alliance anti-US" in result.stdout
    assert "chars Leopard" in result.stdout


def test_python_api_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    code = README.split("## Python API", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    code = code.replace('NewsIndex.open("index")', 'NewsIndex.open("index", create=True)')
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr


def test_mypy_strict_passes() -> None:
    out = subprocess.run([sys.executable, "-m", "mypy"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout
