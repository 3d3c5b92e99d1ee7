"""Index folders: create, open, remove, and the small metadata file they carry.

An index folder holds the Whoosh segments, ``newssearch.json`` (format version, dates,
whether articles get sentence vectors), the manifest ``files.json.gz`` (indexing.py), the
wire-story table (grouping.py) and, while a writer runs, ``writer.pid`` (writers.py).
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from whoosh import index as windex
from whoosh.index import FileIndex

from .config import INDEX_FORMAT_VERSION
from .errors import IndexNotFoundError, IndexVersionError, IndexWriteError
from .grouping import GROUPS_FILE
from .schema import VECTOR, build_schema
from .semantic import require as require_encoder
from .writers import OWNER_FILE

META_FILE = "newssearch.json"
MANIFEST_FILE = "files.json.gz"


def is_index(folder: Path) -> bool:
    return (folder / META_FILE).is_file()


def read_meta(folder: Path) -> dict[str, Any]:
    try:
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexNotFoundError(folder, f"Its {META_FILE} is unreadable ({exc}).") from exc
    if not isinstance(meta, dict) or meta.get("format") != INDEX_FORMAT_VERSION:
        found = meta.get("format", "unknown") if isinstance(meta, dict) else "unknown"
        raise IndexVersionError(folder, found, INDEX_FORMAT_VERSION)
    return meta


def open_index(folder: Path) -> FileIndex:
    """Open an existing newssearch index; IndexNotFoundError / IndexVersionError otherwise."""
    if not is_index(folder):
        raise IndexNotFoundError(folder, f"Run: newssearch index --index '{folder}' seeds/")
    meta = read_meta(folder)
    try:
        ix = windex.open_dir(str(folder))
    except (windex.EmptyIndexError, OSError, ValueError) as exc:
        raise IndexNotFoundError(folder, f"The Whoosh files are missing or damaged ({exc}).") from exc
    names, expected = set(ix.schema.names()), set(build_schema().names())
    if names != expected and names != expected - {VECTOR}:  # a build of another version (older: no vectors)
        ix.close()
        raise IndexVersionError(folder, f"{meta.get('format')} with other fields", INDEX_FORMAT_VERSION)
    return ix


def create_index(folder: Path, semantic: bool = False) -> FileIndex:
    """Create an empty index in ``folder``, which must be absent or empty (hidden files aside);
    with ``semantic`` every article added to it gets a sentence vector (semantic.py)."""
    if folder.exists() and any(not p.name.startswith(".") for p in folder.iterdir()):
        raise IndexWriteError(folder, "the folder exists, is not empty and is not a newssearch index")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        ix = windex.create_in(str(folder), build_schema())
        write_json(folder / META_FILE, {"format": INDEX_FORMAT_VERSION, "created": now(), "updated": now(),
                                         "semantic": semantic})
        write_json(folder / MANIFEST_FILE, {"generation": ix.latest_generation(), "files": {}})
    except OSError as exc:
        raise IndexWriteError(folder, exc.strerror or str(exc)) from exc
    return ix


def remove_index(folder: Path) -> None:
    """Delete the index in ``folder`` (only its own files), e.g. before a rebuild. A folder
    that holds no newssearch or Whoosh index is left alone."""
    own = [p for p in folder.glob("*") if p.name in (META_FILE, MANIFEST_FILE, GROUPS_FILE, OWNER_FILE)
           or p.name.startswith(("MAIN", "_MAIN"))]
    if not any(p.name == META_FILE or p.name.startswith("_MAIN") for p in own):
        return
    try:
        for path in own:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    except OSError as exc:
        raise IndexWriteError(folder, exc.strerror or str(exc)) from exc


def open_or_create(folder: Path, semantic: bool = False) -> FileIndex:
    return open_index(folder) if is_index(folder) else create_index(folder, semantic)


def is_semantic(folder: Path) -> bool:
    """Whether the articles of this index get sentence vectors."""
    return bool(read_meta(folder).get("semantic"))


def was_semantic(folder: Path) -> bool:
    """Whether ``folder`` holds a readable index that gives its articles vectors (before a
    rebuild, which keeps the setting); False for anything else."""
    try:
        return is_index(folder) and is_semantic(folder)
    except (IndexNotFoundError, IndexVersionError):
        return False


def use_vectors(ix: FileIndex, folder: Path, semantic: bool, *, locked: bool = True) -> bool:
    """Whether articles written now get vectors: an index built with them keeps them. Turning
    them on is possible only while the index is empty (older articles would have none). The
    answer is final only while the writer lock is held (``locked``; only then is the setting
    written): another run may commit articles, or turn vectors on, until then."""
    meta = read_meta(folder)
    on = bool(meta.get("semantic"))
    if semantic and not on:
        if ix.doc_count() or VECTOR not in ix.schema:
            raise IndexWriteError(folder, "it was built without --semantic (rebuild it to add vectors: "
                                          f"newssearch index --rebuild --semantic --index '{folder}' PATH)")
        on = True
        if locked:
            meta["semantic"] = True
            write_json(folder / META_FILE, meta)
    if on:
        require_encoder()
    return on


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def write_json(path: Path, data: object) -> None:
    """Write ``data`` atomically, gzipped when the file name ends in .gz."""
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if path.suffix == ".gz":
        raw = gzip.compress(raw, compresslevel=1, mtime=0)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(raw)
    os.replace(tmp, path)
