"""Reading a term's postings in one segment: all of them as numpy arrays (kept decoded for
the next queries, up to DECODED_BYTES), or those of given documents only, by block, through a
block directory kept per term (walking a frequent term's block headers cost 17 us a block
through Whoosh's file reads, and the same words come back query after query), the blocks
read kept too (up to BLOCK_BYTES). The caches are shared by the threads of a web server,
under one lock.
"""

from __future__ import annotations

import io
import pickle
import threading
import weakref
from array import array
from bisect import bisect_left
from collections import OrderedDict
from itertools import accumulate
from typing import Any, NamedTuple

import numpy as np

from .deflate import decompress
from .loading import restricted_load, restricted_loads
from .positions import keys_at, value_starts, values_at
from .scoring import length_bytes


_LENGTH_ARRAYS: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


def length_array(reader: Any, fieldname: str) -> Any:
    """The length bytes of ``fieldname`` in one segment as a numpy array (None: unavailable)."""
    by_field = _LENGTH_ARRAYS.setdefault(reader, {})
    if fieldname not in by_field:
        raw = length_bytes(reader, fieldname)
        by_field[fieldname] = None if raw is None else np.frombuffer(raw, np.uint8)
    return by_field[fieldname]


class _Kept:
    """Values kept for the next queries, each with its size in bytes, the least recently
    used dropped first to stay within a budget: the decoded postings of ``arrays`` and the
    blocks of ``postings``. Used under _LOCK."""

    def __init__(self) -> None:
        self.items: OrderedDict[Any, tuple[Any, int]] = OrderedDict()
        self.size = 0

    def get(self, key: Any, *, use: bool = True) -> Any:
        """The value kept under ``key`` (None: none), made the most recently used unless
        ``use`` is false."""
        found = self.items.get(key)
        if found is None:
            return None
        if use:
            self.items.move_to_end(key)
        return found[0]

    def put(self, key: Any, value: Any, size: int, budget: int) -> None:
        """Keep ``value`` of ``size`` bytes under ``key`` (unless kept already), then drop
        the least recently used until ``budget`` bytes hold the rest."""
        if key in self.items:
            return
        self.items[key] = (value, size)
        self.size += size
        while self.size > budget:
            self.size -= self.items.popitem(last=False)[1][1]


DECODED_BYTES = 128 * 2**20  # decoded postings kept for the next queries (the most recently used)
_DECODED = _Kept()
_TOKENS: weakref.WeakKeyDictionary[Any, object] = weakref.WeakKeyDictionary()


def arrays(reader: Any, fieldname: str, btext: bytes, fmt: Any) -> tuple[Any, Any]:
    """(document numbers, weights) of a term's postings in one segment, as arrays (int64,
    float64). The arrays of the terms used last are kept, up to DECODED_BYTES in all (a
    reader's are dropped with it at the latest when they are the least recently used):
    unpickling postings is most of a query's matching, and the common words come back
    query after query. They are kept in half the room (``_compact``): the 300 long queries
    of 100,000 articles need 144 MB of them as they were, and with 128 MB each pass over
    them decoded nearly every word again."""
    with _LOCK:
        key = (_TOKENS.setdefault(reader, object()), fieldname, btext)
        found = _DECODED.get(key)
    if found is not None:
        return found[0].astype(np.int64), found[1].astype(np.float64)
    found = _decode(reader, fieldname, btext, fmt)
    kept = _compact(*found)
    size = kept[0].nbytes + kept[1].nbytes
    if size <= DECODED_BYTES // 4:
        with _LOCK:
            _DECODED.put(key, kept, size, DECODED_BYTES)
    return found


def _compact(ids: Any, weights: Any) -> tuple[Any, Any]:
    """The arrays of ``arrays`` in int32 and float32 where that loses nothing (ids under
    2**31; weights, counts of words, that float32 holds exactly), for keeping."""
    if len(ids) and ids[-1] < 2**31:  # ascending
        ids = ids.astype(np.int32)
    narrow = weights.astype(np.float32)
    return ids, narrow if np.array_equal(narrow, weights) else weights


def kept_ids(reader: Any, fieldname: str, btext: bytes) -> Any:
    """The document numbers of a term's postings in one segment when ``arrays`` keeps them
    (None otherwise, and nothing is decoded): which documents hold the term, without
    reading their blocks."""
    with _LOCK:
        token = _TOKENS.get(reader)
        found = None if token is None else _DECODED.get((token, fieldname, btext), use=False)
    return None if found is None else found[0]


def _decode(reader: Any, fieldname: str, btext: bytes, fmt: Any) -> tuple[Any, Any]:
    blocks = _directory(reader, fieldname, btext, fmt)
    deltas, weights = [], []
    for i in range(len(blocks.maxids)):
        raw = blocks.raw(i)
        found = _plain_block(raw)
        if found is None:  # another layout: unpickled
            block_deltas, block_weights, _ = restricted_loads(raw)
            found = np.array(block_deltas, np.int64), _weight_array(block_weights, len(block_deltas))
        deltas.append(found[0])
        weights.append(found[1])
    return _joined(deltas, weights, np.frombuffer(blocks.maxids, np.int64))


def _joined(deltas: list[Any], weights: list[Any], maxids: Any) -> tuple[Any, Any]:
    """(document numbers, weights) of consecutive blocks read, from each block's id deltas
    and weights (arrays) and the blocks' last documents (``maxids``: the ones read, in order)."""
    ids = np.concatenate(deltas) if deltas else np.zeros(0, np.int64)
    if len(deltas) > 1:  # each block's first delta is its first document: make it a delta
        starts = np.cumsum([len(d) for d in deltas[:-1]])
        ids[starts] -= maxids[:len(deltas) - 1]
    return np.cumsum(ids), (np.concatenate(weights) if weights else np.zeros(0, np.float64))


def _weight_array(weights: Any, n: int) -> Any:
    """A block's ``n`` weights as the W3 codec stores them (None: all 1.0; one float: all
    the same; else one each) as an array."""
    if weights is None or isinstance(weights, float):
        return np.full(n, 1.0 if weights is None else weights)
    return np.array(weights, np.float64)


_MARK_OPS = b"\x80\x02("  # protocol 2, then the MARK of a tuple of 4 ids or more
_ONE_BYTE_INT, _TWO_BYTE_INT, _FOUR_BYTE_INT = ord("K"), ord("M"), ord("J")
_TUPLE, _BINPUT, _FLOAT, _NONE = ord("t"), ord("q"), ord("G"), ord("N")


def _plain_block(data: bytes) -> tuple[Any, Any] | None:
    """(id deltas, weights) of a block's pickle read as bytes, without unpickling, in the
    layout of a frequent word's blocks: a tuple of ids whose deltas after the first each fit
    one byte, then a tuple of floats (or one float, or None). None for any other layout
    (fewer than 4 postings, a delta of 256 or more...): the caller unpickles it."""
    if len(data) < 16 or not data.startswith(_MARK_OPS):
        return None
    op = data[3]
    if op == _ONE_BYTE_INT:
        first, at = data[4], 5
    elif op == _TWO_BYTE_INT:
        first, at = int.from_bytes(data[4:6], "little"), 6
    elif op == _FOUR_BYTE_INT:
        first, at = int.from_bytes(data[4:8], "little", signed=True), 8
    else:
        return None
    buf = np.frombuffer(data, np.uint8)
    ops = buf[at::2]
    ones = int(np.argmin(ops == _ONE_BYTE_INT)) if len(ops) else 0  # the one-byte ints that follow
    end = at + 2 * ones
    if end + 2 >= len(data) or data[end] != _TUPLE or data[end + 1] != _BINPUT:
        return None
    n = ones + 1
    ids = np.empty(n, np.int64)
    ids[0] = first
    ids[1:] = buf[at + 1:end:2]
    at = end + 3  # after the ids' TUPLE and BINPUT
    op = data[at] if at < len(data) else -1
    if op == _NONE:
        return ids, _weight_array(None, n)
    if op == _FLOAT and at + 9 <= len(data):
        return ids, _weight_array(float(np.frombuffer(data, ">f8", 1, at + 1)[0]), n)
    stop = at + 1 + 9 * n
    if op != ord("(") or stop >= len(data) or data[stop] != _TUPLE or not (buf[at + 1:stop:9] == _FLOAT).all():
        return None
    weights = np.ndarray((n,), ">f8", data, at + 2, (9,)).astype(np.float64)
    return ids, weights


class _Directory(NamedTuple):
    """Where each posting block of one term in one segment is: its last document, the
    offsets of its data, whether it is compressed."""

    maxids: array[int]
    starts: array[int]
    ends: array[int]
    compressed: array[int]
    postfile: Any

    def raw(self, i: int) -> bytes:
        """Block ``i``'s pickle of (id deltas, weights, values), decompressed."""
        raw = self.postfile.get(self.starts[i], self.ends[i] - self.starts[i])
        return decompress(raw) if self.compressed[i] else bytes(raw)

    def read(self, i: int) -> tuple[Any, Any, Any]:
        """Block ``i``'s (id deltas, weights, values) as the W3 codec pickled them."""
        data: tuple[Any, Any, Any] = restricted_loads(self.raw(i))
        return data


_LOCK = threading.Lock()  # the caches below are shared by the threads of a web server
_DIRECTORIES: weakref.WeakKeyDictionary[Any, OrderedDict[tuple[str, bytes], _Directory]] = weakref.WeakKeyDictionary()
_HEAD = 80  # bytes read for a block's length and info (a pickled tuple of six numbers: ~40)
DIRECTORY_TERMS = 4096  # terms whose block directories a segment reader keeps (the most recently used)


def _directory(reader: Any, fieldname: str, btext: bytes, fmt: Any) -> _Directory:
    """The block directory of a term of one segment, kept while the reader lives: walking a
    frequent term's block headers (a stop word's, for a phrase) costs 17 us a block, and
    the same words come back query after query."""
    with _LOCK:
        kept = _DIRECTORIES.setdefault(reader, OrderedDict())
        key = (fieldname, btext)
        found = kept.get(key)
        if found is not None:
            kept.move_to_end(key)
            return found
    m = reader._terms.matcher(fieldname, btext, fmt)
    found = _Directory(array("q"), array("q"), array("q"), array("b"), m._postfile)
    get, at = m._postfile.get, m._baseoffset
    while True:  # each block: its length (negative: the last), its pickled info, its data
        head = get(at, _HEAD)
        length = int.from_bytes(head[:4], "big", signed=True)
        info = io.BytesIO(head[4:])
        try:
            _, maxid, _, compression, _, _ = restricted_load(info)
        except (EOFError, pickle.UnpicklingError):  # a longer info than ever written: read it whole
            info = io.BytesIO(get(at + 4, abs(length)))
            _, maxid, _, compression, _, _ = restricted_load(info)
        found.maxids.append(maxid)
        found.starts.append(at + 4 + info.tell())
        found.ends.append(at + 4 + abs(length))
        found.compressed.append(1 if compression else 0)
        if length < 0:
            break
        at += 4 + length
    with _LOCK:
        kept[key] = found
        if len(kept) > DIRECTORY_TERMS:
            kept.popitem(last=False)
    return found


Posting = tuple[float, bytes]  # (weight, value: the encoded positions)


def _resolve(data: Any, held: list[tuple[int, int]], found: dict[int, Posting]) -> None:
    """Put in ``found`` the postings at the ``held`` (index in the block, docnum) pairs of
    a decoded block ``data``, its values read in one walk."""
    weights, values = data[1], data[2]
    indexes = [i for i, _ in held]
    picked = values_at(values, indexes) if isinstance(values, bytes) else [values[i] for i in indexes]
    for (i, docnum), value in zip(held, picked):
        found[docnum] = (1.0 if weights is None else weights if isinstance(weights, float) else weights[i], value)


def postings(reader: Any, fieldname: str, btext: bytes, fmt: Any, docnums: list[int]) -> dict[int, Posting]:
    """The posting of a term for each of ``docnums`` (ascending, of one segment) that has it:
    only the blocks that may hold one are read (by their last document)."""
    blocks = _directory(reader, fieldname, btext, fmt)
    found: dict[int, Posting] = {}
    block, ids, data = -1, array("q"), None
    held: list[tuple[int, int]] = []  # (index in the block, docnum) of the documents found in it
    for docnum in docnums:
        if block < 0 or blocks.maxids[block] < docnum:
            if held:
                _resolve(data, held, found)
            block, held = bisect_left(blocks.maxids, docnum, max(block, 0)), []
            if block == len(blocks.maxids):
                break
            ids, data = _block(reader, fieldname, btext, blocks, block)
        i = bisect_left(ids, docnum)
        if i < len(ids) and ids[i] == docnum:
            held.append((i, docnum))
    if held:
        _resolve(data, held, found)
    return found


BLOCK_BYTES = 32 * 2**20  # decoded blocks kept for the next queries (the most recently used)
_BLOCK_OVERHEAD = 300  # the bytes of a kept block's key, tuple and arrays, beyond their items
_BLOCKS = _Kept()


def _block(reader: Any, fieldname: str, btext: bytes, blocks: _Directory, i: int) -> tuple[array[int], Any]:
    """Block ``i``'s document numbers and its (None, weights, values), kept for the next
    queries up to about BLOCK_BYTES (the most recently used): the rerank of a headline
    reads, for each of its words, the blocks that hold its 50 best articles, and three reads
    in four were of a block read for an earlier headline (600 FreSaDa headlines)."""
    with _LOCK:
        key = (_TOKENS.setdefault(reader, object()), fieldname, btext, i)
        found = _BLOCKS.get(key)
    if found is not None:
        return found[0], found[1]
    deltas, weights, values = blocks.read(i)
    ids = array("q", accumulate(deltas))  # kept compact: as a list and tuples, ten times the bytes read
    if isinstance(weights, tuple):
        weights = array("d", weights)
    data = (None, weights, values)
    size = _BLOCK_OVERHEAD + 16 * len(ids) + (len(values) if isinstance(values, bytes) else 100 * len(ids))
    with _LOCK:
        _BLOCKS.put(key, (ids, data), size, BLOCK_BYTES)
    return ids, data


class Positions(NamedTuple):
    """A term's postings in some documents, as arrays: their numbers (ascending), weights,
    and ``docnum << 32 | position`` for each position of each (ascending)."""

    ids: Any
    weights: Any
    keys: Any


def positions_of(reader: Any, fieldname: str, btext: bytes, fmt: Any, docnums: Any) -> Positions | None:
    """The postings of a term for those of ``docnums`` (an ascending int64 array, of one
    segment) that have it, their positions decoded together: what ``postings`` gives a
    phrase with thousands of candidates (``La Une`` at 100,000 articles), without a Python
    step per posting. Each block is split into its values by its weights (a value holds
    weight / field boost positions), checked against the head bytes. None when a block's
    values are in another layout (Whoosh's, 32-bit deltas): then ``postings`` reads them."""
    blocks = _directory(reader, fieldname, btext, fmt)
    maxids = np.frombuffer(blocks.maxids, np.int64)
    wanted = np.unique(np.searchsorted(maxids, docnums))
    wanted = wanted[wanted < len(maxids)]
    deltas, weights, values = [], [], []
    for i in wanted.tolist():
        block_deltas, block_weights, block_values = blocks.read(i)
        if not isinstance(block_values, bytes):
            return None
        deltas.append(np.array(block_deltas, np.int64))
        weights.append(_weight_array(block_weights, len(block_deltas)))
        values.append(block_values)
    ids, weight = _joined(deltas, weights, maxids[wanted])  # the blocks read, whose maxids
    counts = np.rint(weight / (fmt.field_boost or 1.0)).astype(np.int64)
    buf = np.frombuffer(b"".join(values), np.uint8)
    deltas_at = value_starts(buf, counts)
    if deltas_at is None:
        return None
    at = np.minimum(np.searchsorted(docnums, ids), max(len(docnums) - 1, 0))
    held = np.flatnonzero(docnums[at] == ids) if len(docnums) else np.zeros(0, np.int64)
    return Positions(ids[held], weight[held], keys_at(buf, deltas_at[held], counts[held], ids[held]))
