"""Architecture and packaging rules that keep the library embeddable."""

from __future__ import annotations

import ast
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "newssearch"


def run_python(code: str) -> str:
    out = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    return out.stdout.strip()


def test_library_imports_neither_click_nor_rich() -> None:
    code = ("import sys, newssearch; from newssearch import NewsIndex, Hit, french_analyzer; "
            "import newssearch.api; print(sorted(m for m in ('click', 'rich') if m in sys.modules))")
    assert run_python(code) == "[]"


def test_library_never_imports_the_web_front_end() -> None:
    code = ("import sys, newssearch; from newssearch import NewsIndex, Hit; import newssearch.api, newssearch.exporting; "
            "print(sorted(m for m in ('newssearch.web', 'starlette', 'uvicorn', 'jinja2') if m in sys.modules))")
    assert run_python(code) == "[]"


def test_cli_help_imports_neither_whoosh_nor_rich() -> None:
    code = ("import sys\nfrom newssearch.cli import cli\ntry:\n    cli(['--help'], prog_name='newssearch')\n"
            "except SystemExit:\n    pass\nprint(sorted(m for m in ('whoosh', 'rich') if m in sys.modules))")
    assert run_python(code).splitlines()[-1] == "[]"


def test_a_search_imports_nothing_that_only_writing_needs(tmp_path: Path) -> None:
    # The merger's modules and importlib.metadata were a tenth of a command-line query's start-up.
    from newssearch import NewsIndex

    folder = tmp_path / "ix"
    NewsIndex.open(folder, create=True).close()
    code = (f"import sys\nfrom newssearch import NewsIndex\nix = NewsIndex.open({str(folder)!r})\n"
            "ix.search('char Leopard')\nprint(sorted(m for m in ('newssearch.engine.compaction', 'newssearch.engine.merging', "
            "'newssearch.engine.termmerge', 'importlib.metadata') if m in sys.modules))")
    assert run_python(code) == "[]"


# Which package modules each module may import (the layering of STYLE.md).
ALLOWED = {
    "errors": set(),
    "config": set(),
    "documents": {"config", "errors"},
    "words": set(),
    "analysis": {"words"},
    "engine": {"config", "errors"},
    "schema": {"analysis", "documents", "engine"},
    "semantic": {"config", "errors"},
    "fingerprints": set(),
    "intsets": set(),
    "grouping": {"documents", "fingerprints", "intsets"},
    "manifest": set(),
    "folder": {"config", "engine", "errors", "manifest", "schema", "semantic"},
    "ids": {"intsets", "schema"},
    "feeding": {"config", "documents", "folder", "indexing", "schema"},
    "progress": {"manifest"},
    "indexing": {"config", "documents", "engine", "errors", "folder", "grouping", "ids", "manifest", "progress", "schema",
                 "semantic"},
    "checking": {"engine", "errors", "folder", "manifest"},
    "filters": {"errors", "schema"},
    "names": {"analysis", "words"},
    "syntax": {"analysis", "engine", "schema"},
    "queries": {"analysis", "config", "engine", "errors", "filters", "names", "schema", "syntax"},
    "reranking": {"engine", "analysis", "config", "queries", "schema", "semantic"},
    "snippets": {"config"},
    "hits": {"schema", "snippets"},
    "facets": {"engine", "schema"},
    "stats": {"engine", "schema"},
    "lookup": {"errors", "schema"},
    "spelling": {"engine", "schema"},
    "searching": {"analysis", "config", "engine", "errors", "facets", "filters", "hits", "queries", "reranking",
                  "schema", "spelling"},
    "exporting": {"documents", "hits", "stats"},
    "api": {"feeding", "checking", "config", "documents", "engine", "errors", "facets", "folder", "hits", "indexing", "lookup",
            "progress", "queries", "schema", "searching", "snippets", "stats"},
    "render": set(),
    "exits": {"errors"},
    "cli": {"config", "errors", "exits", "api", "render", "exporting", "searching", "web"},
    "web": {"api", "config", "errors", "exporting", "facets", "hits", "searching", "snippets"},
}


def test_every_module_has_its_place_in_the_layering() -> None:
    modules = {p.stem for p in PACKAGE.glob("*.py")} | {p.name for p in PACKAGE.iterdir() if p.is_dir()
                                                         and (p / "__init__.py").exists()}
    assert modules - {"__init__", "__main__"} == set(ALLOWED)


def module_files(module: str) -> list[tuple[Path, int]]:
    """A module's source files, each with the import level that reaches the package's other
    modules: 1 for ``name.py``, 2 for the modules of a sub-package ``name/``."""
    if (PACKAGE / module).is_dir():
        return [(path, 2) for path in sorted((PACKAGE / module).glob("*.py"))]
    return [(PACKAGE / f"{module}.py", 1)]


@pytest.mark.parametrize("module", sorted(ALLOWED))
def test_imports_flow_one_way(module: str) -> None:
    imported = set()
    for path, level in module_files(module):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == level:
                if node.module:
                    imported.add(node.module.split(".")[0])
                else:  # from . import x
                    imported.update(a.name if (PACKAGE / f"{a.name}.py").exists() or (PACKAGE / a.name).is_dir()
                                    else "__init__" for a in node.names)
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                if module not in ("cli", "exits", "render"):
                    assert not any(n.split(".")[0] in ("click", "rich") for n in names), path
                if module in ("documents", "errors", "config", "snippets"):
                    assert not any(n.split(".")[0] == "whoosh" for n in names), path
    assert imported <= ALLOWED[module] | ({"__init__"} if module == "cli" else set())


def test_no_module_is_a_god_module() -> None:
    for path in PACKAGE.rglob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 400, path.name


def test_library_never_prints_or_exits() -> None:
    for path in PACKAGE.rglob("*.py"):
        if path.stem in ("cli", "exits", "render", "__main__"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = ast.unparse(node.func)
                allowed = {"os._exit"} if path.stem == "writers" else set()  # in a worker process only
                assert name not in {"print", "exit", "sys.exit", "os._exit"} - allowed, f"{path.name}: {name}"


def test_exactly_one_distribution_provides_whoosh() -> None:
    providers = [d.metadata["Name"] for d in metadata.distributions()
                 if any(str(f).startswith("whoosh/") for f in (d.files or []))]
    assert providers == ["Whoosh-Reloaded"] or [p.lower() for p in providers] == ["whoosh-reloaded"]


# The parts of Whoosh that are its public API; everything else is reached through engine/.
WHOOSH_PUBLIC = {"whoosh.analysis", "whoosh.fields", "whoosh.query", "whoosh.qparser"}


def _own_private_names() -> set[str]:
    """The underscore names newssearch itself defines (functions, classes, attributes)."""
    names = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return {n for n in names if n.startswith("_")}


def test_whoosh_internals_are_reached_only_under_engine() -> None:
    own = _own_private_names()
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "engine" in path.relative_to(PACKAGE).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("whoosh"):
                modules = [f"whoosh.{a.name}" for a in node.names] if node.module == "whoosh" else [node.module]
                if not set(modules) <= WHOOSH_PUBLIC or any(a.name.startswith("_") for a in node.names):
                    found.append(f"{path.name}: from {node.module} import ...")
            elif isinstance(node, ast.Import):
                found += [f"{path.name}: import {a.name}" for a in node.names
                          if a.name.startswith("whoosh") and a.name not in WHOOSH_PUBLIC]
            elif isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.endswith("__") \
                    and node.attr not in own:
                found.append(f"{path.name}:{node.lineno}: .{node.attr}")
    assert found == []
