"""Whoosh's W3 segment files, read front to back and written front to back, for merging.

Reading: a segment's files (a compound ``.seg`` file or loose files) through ``os.pread``
and one buffer per file, never mapped: a merge that mapped its inputs would count every
page it read in its resident memory. The term table (``.trm``) is read as the sequence of
its records, in key order, without its hash tables. Writing: a compound file written as a
sequence of regions with its directory at the end (Whoosh's ``CompoundStorage`` format),
and a term table byte for byte as Whoosh's ``OrderedHashWriter`` writes it, with its hash
index kept in arrays: 16 bytes a term instead of a tuple in a list (over 100 bytes).
"""

from __future__ import annotations

import io
import os
import pickle
import struct
import sys
import time
from array import array
from collections.abc import Iterator
from hashlib import md5
from typing import Any, BinaryIO

from .loading import restricted_load, restricted_loads


_SWAP = sys.byteorder == "little"
_INT, _USHORT = struct.Struct("!i"), struct.Struct("!H")
_HEAD, _LENS, _POINTER, _DIR = struct.Struct("!qi"), struct.Struct("!ii"), struct.Struct("!Iq"), struct.Struct("!qi")
_TABLE_HEAD = b"HSH3" + bytes(1) + _INT.pack(0) + _INT.pack(0)  # magic, hash type 0 (md5), two unused ints
BLOCKS_MAGIC = b"W3Bl"


class SegmentFormatError(Exception):
    """A segment file that is not laid out as Whoosh 2.7's W3 codec writes it."""


class Region:
    """A file region read with ``os.pread`` through one buffer; also the few StructFile
    methods that Whoosh's column readers call (``get``, ``get_byte``, ``get_array``)."""

    def __init__(self, fd: int, base: int, length: int, buffer: int) -> None:
        self.fd, self.base, self.length, self.size = fd, base, length, buffer
        self.data, self.start = b"", 0

    def get(self, pos: int, n: int) -> bytes:
        at = pos - self.start
        if at < 0 or at + n > len(self.data):
            if n > self.size:
                return os.pread(self.fd, n, self.base + pos)
            self.data, self.start, at = os.pread(self.fd, min(self.size, self.length - pos), self.base + pos), pos, 0
        return self.data[at:at + n]

    def get_byte(self, pos: int) -> int:
        return self.get(pos, 1)[0]

    def get_array(self, pos: int, typecode: str, count: int) -> array[Any]:
        values = array(typecode)
        values.frombytes(self.get(pos, count * values.itemsize))
        if _SWAP:
            values.byteswap()
        return values


class SegmentFiles:
    """The files of one segment, opened for reading (close() them)."""

    def __init__(self, storage: Any, segment: Any, buffer: int) -> None:
        self.segment, self.buffer = segment, buffer
        self.count = segment.doc_count_all()
        self.deleted = sorted(segment.deleted_docs())
        gone = set(self.deleted)
        self.live = [d for d in range(self.count) if d not in gone] if gone else None  # None: all
        self.files: dict[str, tuple[int, int, int]] = {}
        self.fds: list[int] = []
        try:
            self._open(storage.folder)
        except BaseException:
            self.close()
            raise

    def _open(self, folder: str) -> None:
        if not self.segment.is_compound():
            for name in os.listdir(folder):
                if name.startswith(self.segment.segment_id() + "."):
                    fd = os.open(os.path.join(folder, name), os.O_RDONLY)
                    self.fds.append(fd)
                    self.files[name] = (fd, 0, os.fstat(fd).st_size)
            return
        fd = os.open(os.path.join(folder, self.segment.make_filename(".seg")), os.O_RDONLY)
        self.fds.append(fd)
        dirpos, dirlen = _HEAD.unpack(os.pread(fd, _HEAD.size, 0))
        for name, info in restricted_loads(os.pread(fd, dirlen, dirpos)).items():
            self.files[name] = (fd, info["offset"], info["length"])

    def region(self, ext: str, buffer: int | None = None) -> Region | None:
        """The file with extension ``ext`` (".pst", ".trm", "._stored.col"...), if any."""
        found = self.files.get(self.segment.make_filename(ext))
        return Region(*found, buffer or self.buffer) if found else None

    def columns(self) -> set[str]:
        """The names of the segment's columns (``_stored``, ``_body_len``, ``published``...)."""
        prefix = self.segment.segment_id() + "."
        return {n[len(prefix):-4] for n in self.files if n.startswith(prefix) and n.endswith(".col")}

    def fieldmap(self) -> dict[str, int]:
        """The numbers of the indexed fields in the term table."""
        table = self.region(".trm")
        return {} if table is None else _extras(table)[0]["fieldmap"]

    def term_records(self, start: int | None = None) -> Iterator[tuple[bytes, bytes]]:
        """(key, term info) of each term in key order, from record ``start`` on: the key is
        the field number (2 bytes) then the term; the term info is W3TermInfo's bytes."""
        table = self.region(".trm")
        if table is None:
            return
        extras, expos = _extras(table)
        end = _DIR.unpack(table.get(expos - 256 * _DIR.size, _DIR.size))[0]  # the first hash table
        pos, get = self.record_position(start) if start else len(_TABLE_HEAD), table.get
        while pos < end:
            klen, vlen = _LENS.unpack(get(pos, 8))
            record = get(pos + 8, klen + vlen)
            pos += 8 + klen + vlen
            yield record[:klen], record[klen:]

    def record_count(self) -> int:
        table = self.region(".trm")
        return 0 if table is None else int(_extras(table)[0]["indexlen"])

    def record_position(self, number: int) -> int:
        """Where record ``number`` starts (the term table's index array ends the file)."""
        table = self.region(".trm", 4096)
        assert table is not None
        extras = _extras(table)[0]
        size = array(extras["indextype"]).itemsize
        at = table.length - 4 - (extras["indexlen"] - number) * size
        return int(table.get_array(at, extras["indextype"], 1)[0])

    def record(self, number: int) -> tuple[bytes, bytes]:
        """The key and term info of record ``number``."""
        table = self.region(".trm", 4096)
        assert table is not None
        pos = self.record_position(number)
        klen, vlen = _LENS.unpack(table.get(pos, 8))
        data = table.get(pos + 8, klen + vlen)
        return data[:klen], data[klen:]

    def close(self) -> None:
        for fd in self.fds:
            os.close(fd)
        self.fds = []


def file_sizes(folder: str, segment: Any) -> dict[str, int]:
    """The sizes of a segment's files, by extension (".pst", "._stored.col"...), and of the
    whole segment ("")."""
    prefix = segment.segment_id()
    if not segment.is_compound():
        sizes = {n[len(prefix):]: os.path.getsize(os.path.join(folder, n)) for n in os.listdir(folder)
                 if n.startswith(prefix + ".")}
        return sizes | {"": sum(sizes.values())}
    path = os.path.join(folder, segment.make_filename(".seg"))
    with open(path, "rb") as f:
        dirpos, dirlen = _HEAD.unpack(f.read(_HEAD.size))
        f.seek(dirpos)
        directory = restricted_loads(f.read(dirlen))
    return {n[len(prefix):]: info["length"] for n, info in directory.items()} | {"": os.path.getsize(path)}


def _extras(table: Region) -> tuple[dict[str, Any], int]:
    """A term table's extras (its field map...) and where they start."""
    size = _INT.unpack(table.get(table.length - 4, 4))[0]
    start = table.length - 4 - size
    return restricted_loads(table.get(start, min(size, 1 << 16))), start


def blocks(raw: bytes) -> Iterator[tuple[tuple[Any, ...], bytes, bytes, bool]]:
    """(info, info bytes, data, whether last) of each block of one term's postings: W3 blocks
    are a 4-byte length (negative for the last), a pickled info tuple and the data."""
    if raw[:4] != BLOCKS_MAGIC:
        raise SegmentFormatError("a posting list without its W3 header")
    stream, at = io.BytesIO(raw), 4
    while at < len(raw):
        size = _INT.unpack_from(raw, at)[0]
        stream.seek(at + 4)
        info = restricted_load(stream)
        data_at = stream.tell()
        yield info, raw[at + 4:data_at], raw[data_at:at + 4 + abs(size)], size < 0
        at += 4 + abs(size)


class CompoundFile:
    """A compound segment file (Whoosh's ``CompoundStorage`` format) written front to back:
    each file one region between ``begin`` and ``end``, then the directory."""

    def __init__(self, path: str) -> None:
        self.file = open(path, "wb", buffering=1 << 20)
        self.pos = 0
        self.dir: dict[str, dict[str, Any]] = {}
        self.current = ("", 0)
        self.write(_HEAD.pack(0, 0))

    def write(self, data: bytes) -> None:
        self.file.write(data)
        self.pos += len(data)

    def begin(self, name: str) -> None:
        self.current = (name, self.pos)

    def end(self) -> None:
        name, start = self.current
        self.dir[name] = {"offset": start, "length": self.pos - start, "modified": time.time()}

    def append(self, source: BinaryIO) -> None:
        while chunk := source.read(1 << 20):
            self.write(chunk)

    def close(self) -> None:
        dirpos = self.pos
        self.write(pickle.dumps(self.dir, -1) + pickle.dumps({}, -1))
        self.file.seek(0)
        self.file.write(_HEAD.pack(dirpos, self.pos - dirpos))
        self.file.close()


class TermTable:
    """A term table (``.trm``) as Whoosh's OrderedHashWriter writes it, byte for byte
    (tested); ``fieldmap`` is stored in its extras and may grow until ``close``."""

    def __init__(self, path: str) -> None:
        self.file = open(path, "w+b", buffering=1 << 20)
        self.fieldmap: dict[str, int] = {}
        self.hashes = [array("I") for _ in range(256)]
        self.places = [array("q") for _ in range(256)]
        self.index = array("q")
        self.pos = 0
        self._write(_TABLE_HEAD)

    def _write(self, data: bytes) -> None:
        self.file.write(data)
        self.pos += len(data)

    def add(self, key: bytes, value: bytes) -> None:
        h = int.from_bytes(md5(key, usedforsecurity=False).digest()[12:], "big")  # Whoosh's md5_hash
        self.hashes[h & 255].append(h)
        self.places[h & 255].append(self.pos)
        self.index.append(self.pos)
        self._write(_LENS.pack(len(key), len(value)) + key + value)

    def close(self) -> BinaryIO:
        """Write the hash tables and the extras; the file, rewound (the caller closes it)."""
        directory = []
        for hashes, places in zip(self.hashes, self.places):
            slots = 2 * len(hashes)
            directory.append(_DIR.pack(self.pos, slots))
            table_h, table_p = [0] * slots, [0] * slots
            for h, p in zip(hashes, places):  # open addressing, as HashWriter._write_hashes
                slot = (h >> 8) % slots
                while table_p[slot]:
                    slot = (slot + 1) % slots
                table_h[slot], table_p[slot] = h, p
            self._write(b"".join(map(_POINTER.pack, table_h, table_p)))
        self._write(b"".join(directory))
        top = max(self.index, default=0)
        index = array("H" if top < 1 << 16 else "i" if top < 1 << 31 else "I" if top < 1 << 32 else "q", self.index)
        if _SWAP:
            index.byteswap()
        extras = pickle.dumps({"fieldmap": self.fieldmap, "indextype": index.typecode, "indexlen": len(index)}, -1)
        self._write(extras + index.tobytes() + _INT.pack(len(extras) + len(index) * index.itemsize))
        self.file.flush()
        self.file.seek(0)
        return self.file


class PlainFile:
    """A plain file written front to back, with CompoundFile's and TermTable's methods: the
    postings, or the term records (unhashed), of a range of terms merged apart."""

    def __init__(self, path: str) -> None:
        self.file = open(path, "wb", buffering=1 << 20)
        self.pos = 0
        self.fieldmap: dict[str, int] = {}

    def write(self, data: bytes) -> None:
        self.file.write(data)
        self.pos += len(data)

    def add(self, key: bytes, value: bytes) -> None:
        self.write(_LENS.pack(len(key), len(value)) + key + value)

    def close(self) -> None:
        self.file.close()


def read_records(source: BinaryIO) -> Iterator[tuple[bytes, bytes]]:
    """The (key, value) records a PlainFile was given."""
    while head := source.read(8):
        klen, vlen = _LENS.unpack(head)
        yield source.read(klen), source.read(vlen)
