"""Checking an index folder (``newssearch check``, ``NewsIndex.check``): its settings, each
segment against its checksums (engine.problems), its manifest and its wire-story table."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from . import engine
from .errors import IndexDamagedError
from .folder import GROUPS_FILE, IndexFolder
from .manifest import MANIFEST_FILE


@dataclass(frozen=True)
class Problem:
    """One damaged file of an index, and what is wrong with it."""

    file: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.reason}"


@dataclass(frozen=True)
class IndexCheck:
    """What ``check_index`` found: the index's figures and its problems (none: ``ok``)."""

    path: Path
    articles: int = 0
    segments: int = 0
    files: int = 0  # listed in the manifest
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def check_index(folder: IndexFolder, *, wait: float = 0.0) -> IndexCheck:
    """Read every file of the index in ``folder``, holding its writer lock; IndexNotFoundError
    when there is no index, IndexVersionError for another format version."""
    problems: list[Problem] = []
    with folder.locked(wait=wait):
        try:
            version = folder.settings().get("format")
        except IndexDamagedError as exc:
            problems.append(Problem(exc.file, exc.reason))
            version = None
        try:
            ix = folder.open_segments(version)
        except IndexDamagedError as exc:
            return IndexCheck(folder.path, problems=(*problems, Problem(exc.file, exc.reason)))
        try:
            problems += [Problem(name, reason) for name, reason in engine.problems(ix)]
            if reason := folder.manifests.problem(ix.latest_generation()):
                problems.append(Problem(MANIFEST_FILE, reason))
            if reason := _groups_problem(folder.groups_path):
                problems.append(Problem(GROUPS_FILE, reason))
            articles, segments = engine.counts(ix)
        finally:
            ix.close()
        files = len(folder.load_manifest().files)
    return IndexCheck(folder.path, articles, segments, files, tuple(problems))


def _groups_problem(path: Path) -> str | None:
    """What SQLite finds wrong with the wire-story table, read only (None: nothing)."""
    if not path.exists():
        return None
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = db.execute("PRAGMA quick_check").fetchall()
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return None if rows == [("ok",)] else "; ".join(str(row[0]) for row in rows[:3])
