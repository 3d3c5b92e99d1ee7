"""Bring an index folder (folders.py) up to date with the files on disk.

The manifest ``files.json.gz`` lists each indexed file's mtime, size, content hash and
article count (gzipped, a third of its size: 15.5 -> 5.5 MB for 100,000 files). It makes
re-indexing incremental: unchanged files are recognised by mtime+size, then by hash,
without opening the Whoosh index. It is written (atomically) only after the Whoosh
commit it describes, so a crash can at worst make the next run redo some work.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from whoosh.index import FileIndex

from .config import COMMIT_EVERY, MAX_FILE_BYTES, MP_BATCH, MP_MIN_BYTES, WRITER_LIMIT_MB
from .documents import Article, Skipped, is_streamed, iter_files, parse_bytes, read_bytes, scan_file, stream_file
from .errors import DocumentError, IndexWriteError
from .folders import (MANIFEST_FILE, META_FILE, now, open_or_create, read_meta,
                      use_vectors, write_json)
from .schema import (AUTHOR, BODY, FILE, GROUP, HASH, ID_FIELD, MODIFIED, MONTH, PATH, PUBLISHED, SOURCE, SOURCE_KEY, TITLE, URL,
                     VECTOR, source_key)
from .semantic import PENDING, require as require_encoder
from .grouping import Grouper
from .blocks import install as _compact_blocks
from .storage import install as _zero_copy_reads
from .writers import open_writer, release

_zero_copy_reads()
_compact_blocks()

Progress = Callable[[int, int], None]


@dataclass
class IndexReport:
    """What one indexing run did. Counts are files; ``articles`` counts articles written."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    articles: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


@dataclass(frozen=True)
class FileState:
    mtime_ns: int
    size: int
    sha256: str
    articles: int


def load_manifest(folder: Path) -> tuple[dict[str, FileState], int]:
    """The indexed files, and the index generation they describe (-1 if unknown)."""
    try:
        raw = json.loads(gzip.decompress((folder / MANIFEST_FILE).read_bytes()))
        files = {path: FileState(*entry) for path, entry in raw["files"].items()}
        return files, int(raw["generation"])
    except (OSError, EOFError, zlib.error, ValueError, KeyError, TypeError):
        return {}, -1


def save_manifest(folder: Path, manifest: dict[str, FileState], generation: int) -> None:
    files = {p: [s.mtime_ns, s.size, s.sha256, s.articles] for p, s in sorted(manifest.items())}
    write_json(folder / MANIFEST_FILE, {"generation": generation, "files": files})
    meta = read_meta(folder)
    meta["updated"] = now()
    write_json(folder / META_FILE, meta)


# ---------------------------------------------------------------- documents


def _naive_utc(when: datetime | None) -> datetime | None:
    return when.astimezone(timezone.utc).replace(tzinfo=None) if when else None


def article_fields(article: Article, group: int | None = None, vector: bool = False) -> dict[str, Any]:
    """The Whoosh document for one article (dates stored as naive UTC, as Whoosh wants); with
    ``vector``, a vector to be computed by the writer (writers.py), in batches."""
    doc: dict[str, Any] = {ID_FIELD: article.id, TITLE: article.title,
                           BODY: article.body, HASH: article.content_hash}
    if vector:
        doc[VECTOR] = PENDING
    if group is not None:
        doc[GROUP] = f"{group:016x}"
    if article.path != article.id:  # a text file's id is its path: no need to index it twice
        doc[FILE] = doc[PATH] = article.path
    if article.source:
        doc[SOURCE] = article.source
        doc[SOURCE_KEY] = source_key(article.source)
    if article.url:
        doc[URL] = article.url
    if article.author:
        doc[AUTHOR] = article.author
    if article.published:
        doc[PUBLISHED] = _naive_utc(article.published)
        doc[MONTH] = f"{doc[PUBLISHED]:%Y-%m}"
    if article.modified:
        doc[MODIFIED] = article.modified.isoformat()
    return doc


# ---------------------------------------------------------------- updating


class _Batch:
    """A writer opened lazily and committed every ``every`` articles; the manifest is saved
    after each commit, with the index generation it describes."""

    def __init__(self, ix: FileIndex, folder: Path, manifest: dict[str, FileState], every: int,
                 wait: float, procs: int, group: bool, semantic: bool = False) -> None:
        self.ix, self.folder, self.manifest, self.every, self.wait = ix, folder, manifest, every, wait
        self.procs, self.semantic = procs, semantic
        self.vectors = False  # decided when the writer holds the lock
        self.grouper = Grouper(folder) if group else None
        self.writer: Any = None
        self.pending = 0
        self.mid_file = False  # committing in the middle of a file's articles

    def get(self) -> Any:
        if self.writer is None:
            writer = open_writer(self.ix, self.folder, procs=self.procs, wait=self.wait,
                                 limitmb=WRITER_LIMIT_MB, batchsize=MP_BATCH)
            try:
                self.vectors = use_vectors(self.ix, self.folder, self.semantic)
            except BaseException:
                writer.cancel()
                release(self.folder)
                raise
            self.writer = writer
        return self.writer

    def count(self, n: int) -> None:
        self.pending += n
        if self.pending >= self.every:
            self.commit()

    def commit(self) -> None:
        if self.writer is not None:
            self.writer.commit()
            self.writer = None
            release(self.folder)
        if self.grouper:
            self.grouper.commit()
        self.pending = 0
        # A commit in the middle of a file: the manifest cannot describe it yet, so mark the
        # generation unknown and let an interrupted run's successor delete before adding.
        save_manifest(self.folder, self.manifest, -1 if self.mid_file else self.ix.latest_generation())

    def close(self) -> None:
        if self.grouper:
            self.grouper.close()

    def group_of(self, article: Article) -> int | None:
        return self.grouper.assign(article) if self.grouper else None

    def cancel(self) -> None:
        if self.writer is not None:
            writer, self.writer = self.writer, None
            try:
                writer.cancel()
            except Exception:  # a writer whose commit failed half-way may not cancel cleanly
                pass
            finally:
                release(self.folder)


def default_procs(files: list[Path], manifest: dict[str, FileState]) -> int:
    """Worker processes for a run: one per core (at most 4) when the new or changed files
    weigh MP_MIN_BYTES or more, else none (small updates stay in one segment)."""
    pending = 0
    for path in files:
        try:
            st = path.stat()
        except OSError:
            continue
        old = manifest.get(str(path))
        if not old or old.mtime_ns != st.st_mtime_ns or old.size != st.st_size:
            pending += st.st_size
            if pending >= MP_MIN_BYTES:
                return min(os.cpu_count() or 1, 4)
    return 1


def update_index(folder: Path | str, paths: Iterable[Path | str], *, prune: bool = False, strict: bool = False,
                 progress: Progress | None = None, max_bytes: int = MAX_FILE_BYTES,
                 commit_every: int = COMMIT_EVERY, wait: float = 0.0, procs: int | None = None,
                 group: bool = True, semantic: bool = False) -> IndexReport:
    """Add new files, re-index changed ones, skip unchanged ones, and with ``prune`` drop the
    articles of indexed files that no longer exist. Unreadable files are listed in
    ``report.skipped`` (or raise DocumentError with ``strict``); their old articles stay.
    ``semantic`` gives the articles of a new (or empty) index sentence vectors (semantic.py);
    an index built so keeps giving them."""
    started = time.perf_counter()
    folder = Path(folder)
    if semantic:
        require_encoder()  # before a new index is created for it
    ix = open_or_create(folder, semantic)
    try:
        use_vectors(ix, folder, semantic, locked=False)  # refuse early; decided again under the lock
    except BaseException:
        ix.close()
        raise
    manifest, generation = load_manifest(folder)
    report = IndexReport()
    files: list[Path] = []
    seen: set[str] = set()
    for path, reason in iter_files(paths, exclude=[folder]):
        if reason is not None:
            _skip(report, Skipped(str(path), reason), strict)
            continue
        key = os.path.abspath(path)
        if key not in seen:
            seen.add(key)
            files.append(Path(key))
    # A run killed between a commit and its manifest leaves articles the manifest does not
    # list: this run then deletes before adding, so that nothing is indexed twice.
    resuming = generation != ix.latest_generation()
    batch = _Batch(ix, folder, manifest, commit_every, wait, procs or default_procs(files, manifest), group,
                   semantic)
    try:
        for done, path in enumerate(files, start=1):
            _update_file(batch, path, report, strict, max_bytes, resuming)
            if progress:
                progress(done, len(files))
        if prune:
            for key in [k for k in manifest if k not in seen and not os.path.exists(k)]:
                _delete_file(batch, key)
                del manifest[key]
                report.removed += 1
        batch.commit()
    except OSError as exc:
        batch.cancel()
        raise IndexWriteError(folder, (exc.strerror or str(exc)).lower()) from exc
    except BaseException:
        batch.cancel()
        raise
    finally:
        batch.close()
        ix.close()
    report.seconds = time.perf_counter() - started
    return report


def _delete_file(batch: _Batch, key: str) -> None:
    """Delete the articles of one file: by path (JSON files) and by id (text files)."""
    writer = batch.get()
    writer.delete_by_term(PATH, key)
    writer.delete_by_term(ID_FIELD, key)
    if batch.grouper:
        batch.grouper.forget(key)


def _skip(report: IndexReport, skipped: Skipped, strict: bool) -> None:
    if strict:
        raise DocumentError(skipped.path, skipped.reason, skipped.line)
    report.skipped.append(skipped)


def _update_file(batch: _Batch, path: Path, report: IndexReport, strict: bool, max_bytes: int,
                 resuming: bool) -> None:
    key = str(path)
    old = batch.manifest.get(key)
    try:
        st = path.stat()
        if old and old.mtime_ns == st.st_mtime_ns and old.size == st.st_size:
            report.unchanged += 1
            return
        streamed = is_streamed(path)  # JSON Lines: hashed in chunks, then read record by record
        if streamed:
            scan = scan_file(path)
            digest = scan.sha256
        else:
            raw = read_bytes(path, max_bytes=max_bytes)
            digest = hashlib.sha256(raw).hexdigest()
        if old and old.sha256 == digest:
            batch.manifest[key] = FileState(st.st_mtime_ns, st.st_size, digest, old.articles)
            report.unchanged += 1
            return
        if streamed:
            items = stream_file(path, scan, max_bytes=max_bytes)
        else:
            items = parse_bytes(path, raw, max_bytes=max_bytes).items()
    except DocumentError as exc:
        _skip(report, Skipped(str(exc.path), exc.reason, exc.line), strict)
        return
    except OSError as exc:
        _skip(report, Skipped(key, (exc.strerror or str(exc)).lower()), strict)
        return
    if old or resuming:
        _delete_file(batch, key)
    if old:
        report.updated += 1
    else:
        report.added += 1
    batch.mid_file = True
    articles = 0
    for item in items:
        if isinstance(item, Skipped):
            _skip(report, item, strict)
            continue
        writer = batch.get()  # first: it decides batch.vectors
        writer.add_document(**article_fields(item, batch.group_of(item), batch.vectors))
        batch.count(1)
        articles += 1
    batch.mid_file = False
    report.articles += articles
    batch.manifest[key] = FileState(st.st_mtime_ns, st.st_size, digest, articles)
