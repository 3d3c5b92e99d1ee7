"""Which files are news files, and walking folders to find them."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..config import JSON_SUFFIXES, TEXT_SUFFIXES

HTML_SUFFIXES = frozenset({".html", ".htm"})
FEED_SUFFIXES = frozenset({".rss", ".atom", ".xml"})  # an .xml file that is not a feed is reported
WARC_SUFFIXES = frozenset({".warc"})
GZIP_SUFFIX = ".gz"
PLAIN_SUFFIXES = TEXT_SUFFIXES | JSON_SUFFIXES | HTML_SUFFIXES | FEED_SUFFIXES | WARC_SUFFIXES
SUPPORTED_SUFFIXES = PLAIN_SUFFIXES | frozenset(s + GZIP_SUFFIX for s in PLAIN_SUFFIXES)


def file_format(path: Path) -> tuple[str, bool]:
    """``(inner suffix, gzipped)``: ``(".jsonl", True)`` for ``a.jsonl.gz``, lower case."""
    name = path.name.lower()
    if name.endswith(GZIP_SUFFIX):
        return Path(name[: -len(GZIP_SUFFIX)]).suffix, True
    return Path(name).suffix, False


def suffix_of(path: Path) -> str:
    """The suffix that tells a file's format: ``.warc.gz``, ``.html``, ``.png``..."""
    inner, gzipped = file_format(path)
    return inner + GZIP_SUFFIX if gzipped else inner


def is_supported(path: Path) -> bool:
    return suffix_of(path) in SUPPORTED_SUFFIXES


def iter_files(paths: Iterable[Path | str], *, exclude: Iterable[Path] = (),
               follow_links: bool = False) -> Iterator[tuple[Path, str | None]]:
    """Yield ``(file, None)`` for each supported file under ``paths``, recursively, in a
    stable order, and ``(path, reason)`` for what cannot be read (missing, unsupported,
    symlink loop, unreadable folder). Hidden files and folders, and the folders in
    ``exclude`` (the index itself), are passed over. A symbolic link met in a folder that
    leads outside the folders given (``passwd.txt -> /etc/passwd``, a link to another
    folder) is not followed, with its reason, unless ``follow_links``; a path given itself
    is read wherever it leads."""
    given = [Path(p) for p in paths]
    inside = None if follow_links else [Path(os.path.realpath(p)) for p in given if p.is_dir()]
    seen_dirs: set[tuple[int, int]] = set()
    for folder in exclude:
        try:
            st = folder.stat()
            seen_dirs.add((st.st_dev, st.st_ino))
        except OSError:
            pass
    for path in given:
        if path.is_dir():
            yield from _walk(path, seen_dirs, inside)
        elif path.is_file():
            yield (path, None) if is_supported(path) else (path, f"unsupported file type '{suffix_of(path)}'")
        elif path.is_symlink():
            yield path, "broken symbolic link"
        else:
            yield path, "no such file or folder"


def _walk(top: Path, seen: set[tuple[int, int]], inside: list[Path] | None) -> Iterator[tuple[Path, str | None]]:
    """Depth-first, in name order, without recursion (folders may nest thousands deep);
    symbolic links followed only into the folders ``inside`` (None: anywhere)."""
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            st = folder.stat()
            key = (st.st_dev, st.st_ino)
            if key in seen:
                if folder.is_symlink():
                    yield folder, "folder already visited (symbolic link loop)"
                continue
            seen.add(key)
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            yield folder, os_reason(exc)
            continue
        subfolders = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            try:
                if inside is not None and entry.is_symlink() and (reason := _outside(path, inside)):
                    yield path, reason
                elif entry.is_dir():
                    subfolders.append(path)
                elif entry.is_file():
                    if is_supported(path):
                        yield path, None
                elif entry.is_symlink():
                    yield path, "broken symbolic link"
            except OSError as exc:
                yield path, os_reason(exc)
        stack.extend(reversed(subfolders))


def _outside(link: Path, inside: list[Path]) -> str | None:
    """Why the symbolic link ``link`` is not followed: it leads outside the folders
    ``inside`` (None: it stays inside, or is broken, which is said elsewhere)."""
    target = Path(os.path.realpath(link))  # Path.resolve raises RuntimeError on a loop of links
    if not target.exists() or any(target.is_relative_to(folder) for folder in inside):
        return None
    if not target.is_dir() and not is_supported(link):
        return None  # a link to a file of no supported type is passed over like the file
    return f"symbolic link to '{target}', outside the folders given: not followed"


def os_reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()
