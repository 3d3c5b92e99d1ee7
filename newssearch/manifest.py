"""An index folder's manifest: which files are indexed (mtime, size, content hash, articles),
for which index generation; incremental runs read it instead of the index.

A commit's manifest is written before the commit, as ``files.next.json.gz`` beside the
current ``files.json.gz``, and replaces it once the commit is done (``promote``): a run
stopped anywhere leaves the manifest of the index's generation in one of the two, and the
next run takes that one (``load``). Files are written durably: a temporary file, flushed
to disk, then renamed.
"""

from __future__ import annotations

import gzip
import json
import os
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MANIFEST_FILE = "files.json.gz"
NEXT_MANIFEST_FILE = "files.next.json.gz"  # the manifest of the commit being made


KEPT_PROBLEMS = 100  # skipped records remembered per file (the others are counted)


@dataclass(frozen=True)
class FileState:
    """An indexed file as last seen: mtime, size, content hash, the articles it gave, and
    what was skipped when it was read: (reason, line) of the first KEPT_PROBLEMS skipped
    records, and how many there were. A later run that finds the file unchanged reports
    them again: its articles are still missing from the index."""

    mtime_ns: int
    size: int
    sha256: str
    articles: int
    problems: tuple[tuple[str, int | None], ...] = ()
    skipped: int = 0


@dataclass
class Manifest:
    """The indexed files, and the index generation they describe (-1: unknown); ``partial``:
    files of which that generation holds only the first articles (a commit in the middle of
    a file), to be deleted before they are read again."""

    files: dict[str, FileState] = field(default_factory=dict)
    generation: int = -1
    partial: set[str] = field(default_factory=set)


class ManifestFiles:
    """The manifest files of one index folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def load(self, generation: int | None = None) -> tuple[Manifest, bool]:
        """The manifest, an empty one with an unknown generation when missing or damaged (the
        next run then checks every file and deletes before adding), and whether the manifest
        of a commit was promoted. When a run stopped between a commit and its end, the
        commit's manifest is taken if the index has it (its ``generation``), else dropped;
        the writer lock must be held to give ``generation``."""
        pending = self.folder / NEXT_MANIFEST_FILE
        if generation is not None and pending.exists():
            manifest = self.read(NEXT_MANIFEST_FILE)
            if manifest.generation == generation:
                self.promote()
                return manifest, True
            pending.unlink()
        return self.read(MANIFEST_FILE), False

    def problem(self, generation: int) -> str | None:
        """What is wrong with the manifest of the index at ``generation`` (None: nothing),
        reading only. A manifest that does not describe the index costs the next run time,
        never articles: it reads every file again."""
        for name in (NEXT_MANIFEST_FILE, MANIFEST_FILE):
            if (self.folder / name).exists() and self.read(name).generation == generation:
                return None
        if not (self.folder / MANIFEST_FILE).exists():
            return "missing: the next index run will read every file again"
        found = self.read(MANIFEST_FILE).generation
        if found < 0:
            return "unreadable: the next index run will read every file again"
        return f"describes generation {found} of the index, not {generation}: the next index run will check every file"

    def read(self, name: str = MANIFEST_FILE) -> Manifest:
        try:
            raw = json.loads(gzip.decompress((self.folder / name).read_bytes()))
            files = {path: _state(entry) for path, entry in raw["files"].items()}
            return Manifest(files, int(raw["generation"]), set(raw.get("partial", ())))
        except (OSError, EOFError, zlib.error, ValueError, KeyError, TypeError):
            return Manifest()

    def save(self, manifest: Manifest, *, pending: bool = False) -> None:
        """Write the manifest, or with ``pending`` the manifest of the commit about to be made."""
        files = {p: [s.mtime_ns, s.size, s.sha256, s.articles] + ([[list(x) for x in s.problems], s.skipped]
                                                                      if s.skipped else [])
                 for p, s in sorted(manifest.files.items())}
        write_json(self.folder / (NEXT_MANIFEST_FILE if pending else MANIFEST_FILE),
                   {"generation": manifest.generation, "files": files, "partial": sorted(manifest.partial)})

    def promote(self) -> None:
        """The manifest of the commit just made becomes the manifest."""
        os.replace(self.folder / NEXT_MANIFEST_FILE, self.folder / MANIFEST_FILE)
        fsync_folder(self.folder)


def _state(entry: list[Any]) -> FileState:
    """A FileState from its manifest entry: 4 values, or 6 when records were skipped (older
    manifests have 4)."""
    mtime_ns, size, sha256, articles, *rest = entry
    problems, skipped = rest or ((), 0)
    return FileState(int(mtime_ns), int(size), str(sha256), int(articles),
                     tuple((str(reason), None if line is None else int(line)) for reason, line in problems), int(skipped))


def changed_sizes(files: Iterable[Path], manifest: dict[str, FileState]) -> Iterator[tuple[Path, int]]:
    """(path, size) of each file that is new or changed (by mtime and size) since ``manifest``;
    files that cannot be read are passed over (the run reports them)."""
    for path in files:
        try:
            st = path.stat()
        except OSError:
            continue
        old = manifest.get(str(path))
        if not old or old.mtime_ns != st.st_mtime_ns or old.size != st.st_size:
            yield path, st.st_size


def write_json(path: Path, data: object) -> None:
    """Write ``data`` durably: to a temporary file, flushed to disk, then renamed over
    ``path`` (gzipped when its name ends in .gz)."""
    # ASCII: a path that is not UTF-8 (a file name from an old zip) is kept as it is, escaped.
    raw = json.dumps(data, separators=(",", ":")).encode("ascii")
    if path.suffix == ".gz":
        raw = gzip.compress(raw, compresslevel=1, mtime=0)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_folder(path.parent)


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the system allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
