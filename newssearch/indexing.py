"""Bring an index folder (folder.py) up to date with the files on disk.

The folder's manifest lists each indexed file's mtime, size, content hash and article count.
It makes re-indexing incremental: unchanged files are recognised by mtime+size, then by hash,
without opening the Whoosh index. It is written (atomically) only after the Whoosh commit it
describes, so a crash can at worst make the next run redo some work. A run reads it, and
writes, while holding the folder's writer lock.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from . import engine
from .config import COMMIT_CHARS, COMMIT_EVERY, MAX_FILE_BYTES, MP_BATCH, MP_MIN_BYTES, PROCESS_MEMORY_MB, WRITER_LIMIT_MB
from .documents import (Article, Skipped, is_streamed, iter_files, parse_bytes, printable, read_bytes, scan_file,
                        stream_file)
from .errors import DocumentError, IndexDamagedError, IndexWriteError, NewsSearchError
from .folder import GROUPS_FILE, IndexFolder, WriteSession
from .manifest import KEPT_PROBLEMS, FileState, changed_sizes
from .progress import ProgressCallback, ProgressTracker
from .grouping import Grouper
from .ids import IdRegistry, own_articles
from .schema import BODY, ID_FIELD, PATH, TITLE, VECTOR, document
from .semantic import fill_vectors

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
    merges: int = 0  # segment merges after commits (engine/compaction.py), and their time
    merge_seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


class Batch:
    """A writer opened lazily and committed every ``every`` articles, or sooner once they hold
    ``chars`` characters; the manifest of each commit is written before it and takes effect
    after it (WriteSession.before_commit)."""

    def __init__(self, session: WriteSession, every: int, procs: int, group: bool, merge: bool = True,
                 merge_progress: Progress | None = None, chars: int = COMMIT_CHARS) -> None:
        self.session, self.every, self.procs, self.chars = session, every, procs, chars
        self.merge, self.merge_progress = merge, merge_progress
        self.merged = engine.CompactionReport()
        self.grouper = Grouper(session.folder.groups_path) if group else None
        self.prepare = partial(fill_vectors, field=VECTOR, title=TITLE, body=BODY) if session.vectors else None
        self.writer: Any = None
        self.pending = self.pending_chars = 0
        self.reading: str | None = None  # the file whose articles are being added
        self.file_articles = self.file_chars = 0  # of which so many so far
        self.committed = 0  # articles this run has committed
        self.ids = IdRegistry(session.ix)

    def get(self) -> Any:
        if self.writer is None:
            self.writer = engine.open_writer(self.session.ix, procs=self.procs, limitmb=WRITER_LIMIT_MB,
                                             batchsize=MP_BATCH, prepare=self.prepare)
        return self.writer

    def begin_file(self, key: str) -> None:
        self.reading, self.file_articles, self.file_chars = key, 0, 0

    def add(self, article: Article) -> None:
        """Add an article; commit inside its file only when that file alone fills a batch (a
        large JSON Lines file), otherwise once the file is done (``end_file``)."""
        group = self.grouper.assign(article) if self.grouper else None
        self.get().add_document(**document(article, group))
        chars = len(article.title) + len(article.body)
        self.pending += 1
        self.pending_chars += chars
        self.file_articles += 1
        self.file_chars += chars
        if self._full(self.pending, self.pending_chars) and self._full(self.file_articles, self.file_chars):
            self.commit()

    def end_file(self) -> None:
        self.reading = None
        if self._full(self.pending, self.pending_chars):
            self.commit()

    def _full(self, articles: int, chars: int) -> bool:
        return articles >= self.every or chars >= self.chars

    def delete(self, key: str) -> None:
        """Delete the articles of one file: by path (JSON files) and by id (a text file's id is
        its path), never a record of another file whose id is that path."""
        key = printable(key)  # as the file's articles name it
        writer = self.get()
        writer.delete_by_term(PATH, key)
        for docnum in own_articles(writer.searcher(), key):
            writer.delete_document(docnum)
        self.ids.release(key)
        if self.grouper:
            self.grouper.forget(key)

    def commit(self) -> None:
        """Commit, the manifest first: a run stopped at any point leaves the manifest of the
        index's generation, so the next run redoes nothing that was committed. The wire-story
        table goes first too: sketches of articles that a failed commit lost do no harm (an
        article indexed again replaces its sketch), articles without theirs would."""
        if self.grouper:
            self.grouper.commit()
        if self.writer is not None:
            self.session.before_commit(engine.commit_generation(self.writer), self.reading)
            self.writer.commit(merge=False)  # Whoosh's merge sorts every posting again: ours follows
            self.writer = None
            self.committed += self.pending
            self.session.after_commit()
            self.ids.committed(self.reading)
            self.pending = self.pending_chars = 0
            if self.merge:
                self._compact()
        else:
            self.session.save_manifest()

    def _compact(self) -> None:
        """Merge segments as the policy says (engine/compaction.py), each merge a new
        generation of the index that the manifest follows (WriteSession.before_merge)."""
        report = engine.compact(self.session.ix, procs=merge_procs(), memory_mb=PROCESS_MEMORY_MB,
                                progress=self.merge_progress, before_commit=self.session.before_merge,
                                after_commit=self.session.after_merge)
        self.merged.merges += report.merges
        self.merged.seconds += report.seconds

    def close(self) -> None:
        self.ids.close()
        if self.grouper:
            self.grouper.close()

    def cancel(self) -> None:
        """A failed or interrupted run: drop what it has not committed, and the files it wrote
        for it (a partial segment on a full disk)."""
        if self.writer is not None:
            writer, self.writer = self.writer, None
            try:
                writer.cancel()
            except Exception:  # a writer whose commit failed half-way may not cancel cleanly
                pass
        try:
            self.session.discard_commit()
        except OSError:
            pass


def default_procs(files: list[Path], manifest: dict[str, FileState]) -> int:
    """Worker processes for a run: one per core (at most 4) when the new or changed files
    weigh MP_MIN_BYTES or more, else none (small updates stay in one segment)."""
    pending = 0
    for _, size in changed_sizes(files, manifest):
        pending += size
        if pending >= MP_MIN_BYTES:
            return min(os.cpu_count() or 1, 4)
    return 1


def merge_procs() -> int:
    """Merge worker processes at once: one per core, at most 4."""
    return min(os.cpu_count() or 1, 4)


def update_index(folder: Path | str, paths: Iterable[Path | str], *, prune: bool = False, strict: bool = False,
                 progress: ProgressCallback | None = None, max_bytes: int = MAX_FILE_BYTES,
                 commit_every: int = COMMIT_EVERY, wait: float = 0.0, procs: int | None = None,
                 group: bool = True, semantic: bool = False, rebuild: bool = False,
                 follow_links: bool = False, merge: bool = True,
                 merge_progress: Progress | None = None, commit_chars: int = COMMIT_CHARS) -> IndexReport:
    """Add new files, re-index changed ones, skip unchanged ones, and with ``prune`` drop the
    articles of indexed files that no longer exist. Unreadable files are listed in
    ``report.skipped`` (or raise DocumentError with ``strict``); their old articles stay.
    ``rebuild`` empties the index first; ``semantic`` and ``wait``: IndexFolder.writing;
    ``progress`` is told the files, articles and bytes read so far (progress.IndexProgress).
    Symbolic links that leave the folders given are skipped unless ``follow_links``. After
    each commit segments are merged (``merge``), ``merge_progress(done, total)`` told the
    input bytes merged and to merge."""
    started = time.perf_counter()
    index_folder = IndexFolder(folder)
    report = IndexReport()
    files: list[Path] = []
    seen: set[str] = set()
    for path, reason in iter_files(paths, exclude=[index_folder.path], follow_links=follow_links):
        if reason is not None:
            skip(report, Skipped(str(path), reason), strict)
            continue
        key = os.path.abspath(path)
        if key not in seen:
            seen.add(key)
            files.append(Path(key))
    with index_folder.writing(wait=wait, semantic=semantic, rebuild=rebuild) as session:
        manifest = session.manifest.files
        resuming = session.resuming
        batch: Batch | None = None
        try:
            batch = Batch(session, commit_every, procs or default_procs(files, manifest), group, merge,
                           merge_progress, commit_chars)
            for key in session.manifest.partial:  # a file a killed run had begun: read it anew
                batch.delete(key)
            tracker = ProgressTracker(progress, files, manifest)
            tracker.start()
            for path in files:
                _update_file(batch, path, report, strict, max_bytes, resuming, tracker)
                tracker.file_done(path)
            if prune:
                for key in [k for k in manifest if k not in seen and not os.path.exists(k)]:
                    batch.delete(key)
                    del manifest[key]
                    report.removed += 1
            batch.commit()
        except BaseException as exc:
            kept = _cancel(batch, session)
            if isinstance(exc, OSError):
                raise IndexWriteError(index_folder.path, (exc.strerror or str(exc)).lower(), kept=kept) from exc
            if isinstance(exc, sqlite3.DatabaseError):
                raise _groups_error(index_folder, exc, kept) from exc
            raise
        finally:
            if batch:
                batch.close()
    report.seconds = time.perf_counter() - started
    if batch:
        report.merges, report.merge_seconds = batch.merged.merges, batch.merged.seconds
    return report


def optimize_index(folder: Path | str, *, wait: float = 0.0,
                   progress: Progress | None = None) -> engine.CompactionReport:
    """Merge the index's segments into one (as few as Whoosh's 4 GB limit on a segment's
    stored fields allows); ``progress`` is told the input bytes merged and to merge. The
    manifest follows the new generation; an interrupted merge leaves the index as it was."""
    index_folder = IndexFolder(folder)
    with index_folder.merging(wait=wait) as session:
        try:
            return engine.compact(session.ix, optimize=True, procs=merge_procs(), memory_mb=PROCESS_MEMORY_MB,
                                  progress=progress, before_commit=session.before_merge,
                                  after_commit=session.after_merge)
        except BaseException as exc:
            try:
                session.discard_commit()
            except OSError:
                pass
            if isinstance(exc, OSError):
                raise IndexWriteError(index_folder.path, (exc.strerror or str(exc)).lower()) from exc
            raise


def _cancel(batch: Batch | None, session: WriteSession) -> int:
    """Cancel a failed run; the number of articles it had committed (kept)."""
    if batch is None:
        try:
            session.discard_commit()
        except OSError:
            pass
        return 0
    batch.cancel()
    return batch.committed


def _groups_error(folder: IndexFolder, exc: sqlite3.DatabaseError, kept: int) -> NewsSearchError:
    """An error of the wire-story table: damaged (IndexDamagedError), else not writable."""
    if getattr(exc, "sqlite_errorname", "") in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
        return IndexDamagedError(folder.path, GROUPS_FILE, str(exc))
    return IndexWriteError(folder.path, f"{GROUPS_FILE}: {exc}", kept=kept)


def skip(report: IndexReport, skipped: Skipped, strict: bool) -> None:
    skipped = dataclasses.replace(skipped, path=printable(skipped.path))
    if strict:
        raise DocumentError(skipped.path, skipped.reason, skipped.line)
    report.skipped.append(skipped)


def _taken(article_id: str, holder: str, path: str) -> str:
    """Why an article whose id another article has was skipped."""
    if holder == path:
        return f"id {article_id!r} appears twice in this file: the first article with it was kept"
    return f"id {article_id!r} is already the id of an article of {holder}: that one was kept"


def _update_file(batch: Batch, path: Path, report: IndexReport, strict: bool, max_bytes: int,
                 resuming: bool, tracker: ProgressTracker) -> None:
    key = str(path)
    manifest = batch.session.manifest.files
    old = manifest.get(key)
    try:
        st = path.stat()
        if old and old.mtime_ns == st.st_mtime_ns and old.size == st.st_size:
            report.unchanged += 1
            _skipped_before(report, key, old, strict)
            return
        streamed = is_streamed(path)  # JSON Lines: hashed in chunks, then read record by record
        if streamed:
            scan = scan_file(path)
            digest = scan.sha256
        else:
            raw = read_bytes(path, max_bytes=max_bytes)
            digest = hashlib.sha256(raw).hexdigest()
        if old and old.sha256 == digest:
            manifest[key] = dataclasses.replace(old, mtime_ns=st.st_mtime_ns, size=st.st_size)
            report.unchanged += 1
            _skipped_before(report, key, old, strict)
            return
        if streamed:
            items = stream_file(path, scan, max_bytes=max_bytes)
        else:
            items = parse_bytes(path, raw, max_bytes=max_bytes).items()
    except DocumentError as exc:
        skip(report, Skipped(str(exc.path), exc.reason, exc.line), strict)
        return
    except OSError as exc:
        skip(report, Skipped(key, (exc.strerror or str(exc)).lower()), strict)
        return
    if old or resuming:
        batch.delete(key)
    if old:
        report.updated += 1
    else:
        report.added += 1
    batch.begin_file(key)
    articles, first_skip = 0, len(report.skipped)
    name = printable(key)  # a file name that is not UTF-8: its articles' id and path show its bytes as \xNN
    for item in items:
        if isinstance(item, Skipped):
            skip(report, item, strict)
            continue
        if name != key:
            item = dataclasses.replace(item, id=printable(item.id), path=name)
        if (holder := batch.ids.claim(item.id, name)) is not None:
            skip(report, Skipped(name, _taken(item.id, holder, name)), strict)
            continue
        batch.add(item)
        articles += 1
        tracker.article(items)
    report.articles += articles
    skipped = report.skipped[first_skip:]
    manifest[key] = FileState(st.st_mtime_ns, st.st_size, digest, articles,
                              tuple((s.reason, s.line) for s in skipped[:KEPT_PROBLEMS]), len(skipped))
    batch.end_file()


def _skipped_before(report: IndexReport, key: str, old: FileState, strict: bool) -> None:
    """Report again what was skipped when an unchanged file was read: those records are still
    missing from the index (a truncated file stays truncated until it is replaced)."""
    for reason, line in old.problems:
        skip(report, Skipped(key, f"{reason} (found on an earlier run; the file is unchanged)", line), strict)
    if old.skipped > len(old.problems):
        skip(report, Skipped(key, f"{old.skipped - len(old.problems):,} more records were skipped when it was read "
                                  "on an earlier run (not listed)"), strict)
