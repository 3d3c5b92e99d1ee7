"""An index folder and its one owner: its files, its settings, its manifest and its writer lock.

An index folder holds the Whoosh segments, ``newssearch.json`` (format version, dates,
whether articles get sentence vectors), the manifest ``files.json.gz`` (which files are
indexed, for incremental runs), the wire-story table ``groups.sqlite`` and Whoosh's writer
lock ``MAIN_WRITELOCK``, with ``writer.pid`` naming its holder while a run writes.

Everything a run decides from the folder's state (whether to create or rebuild, whether
articles get vectors, which files are indexed, what an interrupted run left) is read in
``IndexFolder.writing()``, after the lock is taken and under it until the run ends, so two
runs never act on a state the other is changing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import engine
from .config import INDEX_FORMAT_VERSION
from .errors import (IndexDamagedError, IndexLockedError, IndexNotFoundError, IndexVersionError, IndexWriteError,
                     NewsSearchError, VectorsNeedRebuildError)
from .manifest import MANIFEST_FILE, NEXT_MANIFEST_FILE, FileState, Manifest, ManifestFiles, write_json
from .schema import VECTOR, build_schema
from .semantic import require as require_encoder

META_FILE = "newssearch.json"
GROUPS_FILE = "groups.sqlite"
OWNER_FILE = "writer.pid"
LOCK_FILE = "MAIN_WRITELOCK"
# Whoosh's own files (segments, TOCs, spill folder) and ours: what a rebuild deletes.
_WHOOSH_FILE = re.compile(r"^_?MAIN(?:_|\.tmp$)")
_OWN_FILES = frozenset({META_FILE, MANIFEST_FILE, NEXT_MANIFEST_FILE, GROUPS_FILE})
_OUR_TEMP_FILE = re.compile(r"^\.(?:newssearch\.json|files(?:\.next)?\.json\.gz)\.\d+\.tmp$")


@dataclass
class WriteSession:
    """What a run may write, with the writer lock held: the Whoosh index, the manifest, and
    whether articles get sentence vectors (decided once, under the lock)."""

    folder: IndexFolder
    ix: Any
    manifest: Manifest
    vectors: bool

    @property
    def resuming(self) -> bool:
        """Whether the index may hold articles the manifest does not list (its generation is
        not the index's: a damaged or lost manifest), so every file read is deleted first."""
        return bool(self.manifest.generation != self.ix.latest_generation())

    def save_manifest(self) -> None:
        """The manifest of the index as it is (no commit pending)."""
        self.manifest.generation = self.ix.latest_generation()
        self.folder.save_manifest(self.manifest)

    def before_commit(self, generation: int, partial: str | None) -> None:
        """Write the manifest of ``generation``, which the commit about to be made writes, beside
        the current one: a run killed between the commit and ``after_commit`` leaves the next
        run the manifest that matches the index (load_manifest)."""
        self.manifest.generation = generation
        self.manifest.partial = {partial} if partial else set()
        self.folder.save_manifest(self.manifest, pending=True)

    def before_merge(self, generation: int) -> None:
        """A merge is about to commit ``generation``: the same articles in fewer segments. The
        manifest follows, its partial files kept, written beside the current one as a
        commit's is (``after_merge`` makes it the manifest); a manifest that did not describe
        the index (``resuming``) is left so, and the next run checks every file."""
        if self.manifest.generation != self.ix.latest_generation():
            return
        self.manifest.generation = generation
        self.folder.save_manifest(self.manifest, pending=True)

    def after_merge(self) -> None:
        """The merge is committed: its manifest, if ``before_merge`` wrote one, becomes the
        manifest."""
        if self.manifest.generation == self.ix.latest_generation():
            self.folder.promote_manifest()

    def after_commit(self) -> None:
        """The commit is done: its manifest becomes the manifest."""
        self.folder.promote_manifest()

    def discard_commit(self) -> None:
        """A failed run: delete what it wrote and the index does not use (segments of the
        commit that failed, its manifest), to leave no debris on a full disk."""
        engine.remove_orphans(self.ix)
        self.folder.load_manifest(self.ix.latest_generation())  # promotes the next manifest if committed, else drops it


class IndexFolder:
    """One index folder (``path``): create, open, rebuild and write it."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.manifests = ManifestFiles(self.path)

    @property
    def groups_path(self) -> Path:
        return self.path / GROUPS_FILE

    def exists(self) -> bool:
        return (self.path / META_FILE).is_file()

    def settings(self) -> dict[str, Any]:
        """``newssearch.json``; IndexDamagedError when unreadable, IndexVersionError when
        written by another format version."""
        try:
            meta = json.loads((self.path / META_FILE).read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise IndexNotFoundError(self.path) from exc
        except (OSError, ValueError) as exc:
            raise IndexDamagedError(self.path, META_FILE, f"unreadable ({engine.describe(exc)})") from exc
        if not isinstance(meta, dict) or meta.get("format") != INDEX_FORMAT_VERSION:
            found = meta.get("format", "unknown") if isinstance(meta, dict) else "unknown"
            raise IndexVersionError(self.path, found, INDEX_FORMAT_VERSION)
        return meta

    def semantic(self) -> bool:
        """Whether the articles of this index get sentence vectors."""
        return bool(self.settings().get("semantic"))

    def open(self) -> Any:
        """The Whoosh index; IndexNotFoundError / IndexVersionError when there is none usable,
        IndexDamagedError when a file of it is missing, truncated or unreadable (what can be
        seen without reading the segments: ``damage`` reads them)."""
        if not self.exists():
            if self._whoosh_files():
                raise IndexDamagedError(self.path, META_FILE, "missing, as a run that crashed while creating it leaves it")
            raise IndexNotFoundError(self.path)
        meta = self.settings()
        ix = self.open_segments(meta.get("format"))
        if problems := engine.quick_problems(ix):
            ix.close()
            raise IndexDamagedError(self.path, *problems[0])
        return ix

    def open_segments(self, version: object = INDEX_FORMAT_VERSION) -> Any:
        """The Whoosh index, its files unchecked; IndexDamagedError when its TOC is missing or
        unreadable, IndexVersionError when its fields are another version's."""
        try:
            ix = engine.open_index(str(self.path))
        except engine.EmptyIndexError as exc:
            raise IndexDamagedError(self.path, "_MAIN_*.toc", "missing (the list of segments)") from exc
        except NewsSearchError:
            raise
        except Exception as exc:  # whatever a damaged TOC makes Whoosh raise
            raise IndexDamagedError(self.path, engine.toc_file(str(self.path)), engine.describe(exc)) from exc
        names, expected = set(ix.schema.names()), set(build_schema().names())
        if names != expected:  # a build of another version
            ix.close()
            raise IndexVersionError(self.path, f"{version} with other fields", INDEX_FORMAT_VERSION)
        return ix

    def damage(self, exc: Exception) -> Exception:
        """What to raise for an error met while reading the index: IndexDamagedError naming the
        first damaged file when its segments fail a full check, else ``exc`` itself (a bug)."""
        try:
            ix = self.open()
        except NewsSearchError as found:
            return found
        try:  # a refused pickle passes the checksums of a crafted index: read everything to name it
            problems = engine.problems(ix, read=isinstance(exc, engine.UnsafePickleError))
        finally:
            ix.close()
        return IndexDamagedError(self.path, *problems[0]) if problems else exc

    def _whoosh_files(self) -> bool:
        return self.path.is_dir() and any(_WHOOSH_FILE.match(p.name) and p.name != LOCK_FILE
                                          for p in self.path.iterdir())

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.path.iterdir() if p.is_file())

    # ------------------------------------------------------------ writing

    @contextmanager
    def writing(self, *, wait: float = 0.0, semantic: bool = False, rebuild: bool = False) -> Iterator[WriteSession]:
        """Hold the writer lock (waiting up to ``wait`` seconds; IndexLockedError otherwise),
        clear what killed runs left, rebuild or create the index as asked, and decide once
        whether articles get vectors: on when asked (``semantic``) for a new or empty index,
        kept by an index built so and by its rebuilds."""
        if semantic:
            require_encoder()  # before anything is created
        self._refuse_foreign_folder()  # before the lock file is created in it
        lock = self._lock(wait)
        try:
            ix = self._prepare(semantic, rebuild)
            try:
                yield self._session(ix, semantic)
            finally:
                ix.close()
        finally:
            self._unlock(lock)

    def _prepare(self, semantic: bool, rebuild: bool) -> Any:
        """With the lock held: clear what killed runs left, rebuild as asked, open or create."""
        try:
            self._clear_leftovers()
            old_semantic = self._was_semantic()
            if rebuild:
                if old_semantic:
                    require_encoder()  # before anything is deleted
                self._remove_files()
            return self._open_or_create(semantic or (rebuild and old_semantic))
        except OSError as exc:
            raise IndexWriteError(self.path, _reason(exc)) from exc

    @contextmanager
    def merging(self, *, wait: float = 0.0) -> Iterator[WriteSession]:
        """``writing`` for a run that adds no article (merging segments): the index must exist,
        and its vector setting is neither changed nor needs the encoder."""
        if not self.exists():
            raise IndexNotFoundError(self.path)
        lock = self._lock(wait)
        try:
            try:
                self._clear_leftovers()
                ix = self.open()
            except OSError as exc:
                raise IndexWriteError(self.path, _reason(exc)) from exc
            try:
                yield self._session(ix, False, articles=False)
            finally:
                ix.close()
        finally:
            self._unlock(lock)

    def _session(self, ix: Any, semantic: bool, *, articles: bool = True) -> WriteSession:
        try:
            vectors = self._vectors(ix, semantic) if articles else False
            session = WriteSession(self, ix, self.load_manifest(ix.latest_generation()), vectors)
            engine.remove_orphans(ix)
        except OSError as exc:
            raise IndexWriteError(self.path, _reason(exc)) from exc
        return session

    @contextmanager
    def locked(self, *, wait: float = 0.0) -> Iterator[None]:
        """Hold the writer lock and do nothing else (a check reads what no run is changing)."""
        if not self.path.is_dir():
            raise IndexNotFoundError(self.path)
        lock = self._lock(wait)
        try:
            yield
        finally:
            self._unlock(lock)

    def _lock(self, wait: float) -> Any:
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            lock = engine.writer_lock(self.path)
            deadline = time.monotonic() + wait
            while not lock.acquire(blocking=False):
                if time.monotonic() >= deadline:
                    raise IndexLockedError(self.path, self.lock_owner())
                time.sleep(0.25)
        except OSError as exc:
            raise IndexWriteError(self.path, _reason(exc)) from exc
        self._write_owner()
        return lock

    def _unlock(self, lock: Any) -> None:
        try:
            (self.path / OWNER_FILE).unlink()
        except OSError:
            pass
        lock.release()

    def _write_owner(self) -> None:
        try:
            (self.path / OWNER_FILE).write_text(str(os.getpid()), encoding="ascii")
        except OSError:
            pass

    def lock_owner(self) -> int | None:
        """The process that holds the writer lock, as it recorded itself (None if unknown)."""
        try:
            return int((self.path / OWNER_FILE).read_text(encoding="ascii").strip())
        except (OSError, ValueError):
            return None

    def _clear_leftovers(self) -> None:
        """Our temporary files left by a killed run (the lock is held: no run is writing)."""
        for path in self.path.iterdir():
            if _OUR_TEMP_FILE.match(path.name):
                path.unlink(missing_ok=True)

    def _was_semantic(self) -> bool:
        try:
            return self.exists() and self.semantic()
        except (IndexNotFoundError, IndexVersionError, IndexDamagedError):
            return False

    def _remove_files(self) -> None:
        """Delete the index's files (Whoosh's and ours), whatever state a crash left them in;
        other files, and the lock, stay."""
        try:
            for path in self.path.iterdir():
                if path.name == LOCK_FILE or not (path.name in _OWN_FILES or _WHOOSH_FILE.match(path.name)):
                    continue
                if path.is_dir():
                    shutil.rmtree(path)
                else:
                    path.unlink()
        except OSError as exc:
            raise IndexWriteError(self.path, _reason(exc)) from exc

    def _refuse_foreign_folder(self) -> None:
        """IndexWriteError when ``path`` is a folder of other files than an index's."""
        if self.path.is_dir() and not self.exists() and any(not _is_index_file(p.name) for p in self.path.iterdir()):
            raise IndexWriteError(self.path, "the folder exists, is not empty and is not a newssearch index")

    def _open_or_create(self, semantic: bool) -> Any:
        if self.exists():
            return self.open()
        self._refuse_foreign_folder()
        if self._whoosh_files():
            raise IndexDamagedError(self.path, META_FILE, "missing, as a run that crashed while creating it leaves it")
        try:
            ix = engine.create_index(str(self.path), build_schema())
            self.write_settings({"format": INDEX_FORMAT_VERSION, "created": now(), "updated": now(),
                                 "semantic": semantic})
            self.save_manifest(Manifest({}, ix.latest_generation()))
        except OSError as exc:
            try:
                self._remove_files()  # a half-created index is debris (a full disk)
            except IndexWriteError:
                pass
            raise IndexWriteError(self.path, _reason(exc)) from exc
        return ix

    def _vectors(self, ix: Any, semantic: bool) -> bool:
        """Whether articles written now get vectors; turning them on is possible only while
        the index is empty (older articles would have none)."""
        meta = self.settings()
        on = bool(meta.get("semantic"))
        if semantic and not on:
            if ix.doc_count() or VECTOR not in ix.schema:
                raise VectorsNeedRebuildError(self.path)
            meta["semantic"] = on = True
            self.write_settings(meta)
        if on:
            require_encoder()
        return on

    # ------------------------------------------------------------ files

    def load_manifest(self, generation: int | None = None) -> Manifest:
        """The manifest (ManifestFiles.load); with ``generation``, the writer lock held."""
        manifest, promoted = self.manifests.load(generation)
        if promoted:
            self._touch_settings()
        return manifest

    def save_manifest(self, manifest: Manifest, *, pending: bool = False) -> None:
        """Save the manifest, or with ``pending`` the manifest of the commit about to be made."""
        self.manifests.save(manifest, pending=pending)
        if not pending:
            self._touch_settings()

    def promote_manifest(self) -> None:
        """The manifest of the commit just made becomes the manifest."""
        self.manifests.promote()
        self._touch_settings()

    def _touch_settings(self) -> None:
        meta = self.settings()
        meta["updated"] = now()
        self.write_settings(meta)

    def write_settings(self, meta: dict[str, Any]) -> None:
        write_json(self.path / META_FILE, meta)


def _is_index_file(name: str) -> bool:
    """Whether a file of this name may belong to an index folder (hidden files included)."""
    return name.startswith(".") or name in _OWN_FILES or name in (LOCK_FILE, OWNER_FILE) or bool(_WHOOSH_FILE.match(name))


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()
