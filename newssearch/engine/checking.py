"""Checking an index's segments: each file there, whole, and as it was written.

Every segment our writers commit gets a record of its files' sizes and CRC-32s,
``MAIN_<segment id>.sum``, written before the TOC that lists the segment (``write_sums``);
Whoosh's clean-up deletes it with its segment, since it bears the segment's name.
``quick_problems`` checks what costs nothing, for every command that opens an index: each
file there, of its recorded size, and a compound file's directory pointing inside it.
``problems`` reads everything, for ``newssearch check``: each file against its checksums,
or, for a segment written without them, through a reader (every stored document, term,
posting and column). A problem is ``(file name, reason)``.
"""

from __future__ import annotations

import json
import os
import zlib
from typing import Any

from whoosh.reading import SegmentReader

from .loading import UnsafePickleError

SUMS = ".sum"
_CHUNK = 1 << 20

Problem = tuple[str, str]


def toc_file(folder: str, indexname: str = "MAIN") -> str:
    """The name of the index's latest TOC file (its list of segments)."""
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC

    return str(TOC._filename(indexname, TOC._latest_generation(FileStorage(folder), indexname)))


def counts(ix: Any) -> tuple[int, int]:
    """(articles, segments) as the TOC records them, without opening a segment."""
    segments = ix._segments()
    return sum(segment.doc_count() for segment in segments), len(segments)


def write_sums(storage: Any, segments: list[Any]) -> None:
    """Record the sizes and CRC-32s of the files of each segment that has no record yet."""
    for segment in segments:
        name = segment.make_filename(SUMS)
        if storage.file_exists(name):
            continue
        sums = {f: [storage.file_length(f), _crc(storage, f)] for f in _files(storage, segment)}
        with open(os.path.join(storage.folder, name), "w", encoding="ascii") as out:
            json.dump(sums, out)


def _files(storage: Any, segment: Any) -> list[str]:
    if segment.is_compound():
        return [segment.make_filename(segment.COMPOUND_EXT)]
    return sorted(f for f in segment.list_files(storage) if not f.endswith(SUMS))


def _crc(storage: Any, name: str) -> int:
    crc = 0
    with open(os.path.join(storage.folder, name), "rb") as f:
        while chunk := f.read(_CHUNK):
            crc = zlib.crc32(chunk, crc)
    return crc


def _sums(storage: Any, segment: Any) -> tuple[dict[str, list[int]] | None, list[Problem]]:
    """A segment's recorded sizes and checksums (None for a segment written without them)."""
    name = segment.make_filename(SUMS)
    if not storage.file_exists(name):
        return None, []
    try:
        with open(os.path.join(storage.folder, name), encoding="ascii") as f:
            sums = json.load(f)
        if isinstance(sums, dict) and all(isinstance(v, list) and len(v) == 2 for v in sums.values()):
            return sums, []
    except (OSError, ValueError):
        pass
    return None, [(name, "unreadable")]


def quick_problems(ix: Any) -> list[Problem]:
    """What is wrong with the files of the index's segments, found without reading them."""
    problems: list[Problem] = []
    for segment in ix._segments():
        sums, found = _sums(ix.storage, segment)
        problems += found
        for name in _files(ix.storage, segment) if segment.is_compound() or not sums else sorted(sums):
            problem = _file_problem(ix.storage, segment, name, sums)
            if problem:
                problems.append((name, problem))
    return problems


def _file_problem(storage: Any, segment: Any, name: str, sums: dict[str, list[int]] | None) -> str | None:
    if not storage.file_exists(name):
        return "missing"
    size = storage.file_length(name)
    if sums and name in sums and size != sums[name][0]:
        return f"{size:,} bytes instead of {sums[name][0]:,} ({'truncated' if size < sums[name][0] else 'grown'})"
    if name.endswith(segment.COMPOUND_EXT):
        return _directory_problem(storage, name, size)
    return None


def _directory_problem(storage: Any, name: str, size: int) -> str | None:
    """Whether a compound file's directory (at the offset its first bytes give) is readable
    and every file it lists lies inside it."""
    try:
        with storage.open_file(name) as f:
            offset = f.read_long()
            f.read_int()
            if not 12 <= offset < size:
                return "its directory lies outside it (truncated or overwritten)"
            f.seek(offset)
            directory = f.read_pickle()
            f.read_pickle()  # its options, which Whoosh reads too
        ends = [int(entry["offset"]) + int(entry["length"]) for entry in directory.values()]
    except Exception as exc:  # any damage: an unpickling, struct or type error
        return f"its directory is unreadable ({describe(exc)})"
    if any(end > offset for end in ends):
        return "a file it holds runs past its end (truncated)"
    return None


def problems(ix: Any, *, read: bool = False) -> list[Problem]:
    """Everything wrong with the index's segments: ``quick_problems``, then each file's content
    against its checksums, or read through for a segment written without them (every
    segment with ``read``)."""
    found = quick_problems(ix)
    bad = {name for name, _ in found}
    for segment in ix._segments():
        sums, _ = _sums(ix.storage, segment)
        if sums is None or read:
            names = _files(ix.storage, segment)
            if not bad.intersection(names):
                found += [(names[0], reason) for reason in _read_through(ix, segment)]
            continue
        for name, (_, crc) in sorted(sums.items()):
            if name not in bad and _crc(ix.storage, name) != crc:
                found.append((name, "its content differs from what was written (checksum)"))
    return found


def _read_through(ix: Any, segment: Any) -> list[str]:
    """Read every stored document, posting and column of a segment; what failed, if anything."""
    try:
        reader = SegmentReader(ix.storage, ix.schema, segment)
    except Exception as exc:
        return [f"unreadable ({describe(exc)})"]
    try:
        for docnum in range(segment.doc_count_all()):
            reader.stored_fields(docnum)
        for fieldname in reader.indexed_field_names():
            for text in reader.lexicon(fieldname):
                matcher = reader.postings(fieldname, text)
                while matcher.is_active():
                    matcher.value()
                    matcher.next()
        for fieldname in ix.schema.names():
            if reader.has_column(fieldname):
                list(reader.column_reader(fieldname))
    except Exception as exc:
        return [f"unreadable ({describe(exc)})"]
    finally:
        reader.close()
    return []


def describe(exc: BaseException) -> str:
    """An exception in a few words, for a one-line message."""
    if isinstance(exc, UnsafePickleError):
        return str(exc)
    text = " ".join(str(exc).split())
    text = text if len(text) <= 80 else text[:77] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
