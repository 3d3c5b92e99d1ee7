"""Writing a merged term's postings, a block at a time.

W3 postings come in blocks of up to 128: a pickled tuple (document numbers as deltas from the
previous, weights, values) compressed with zlib, after a header (count, last document, max
weight, compression, min and max length bytes). The documents of input k follow those of
input k-1, so that the merged postings of a term are each input's blocks in turn:

- a block without deleted documents is unpickled, its first document number shifted (the
  others are deltas) and pickled again; the first input's blocks keep their bytes;
- a partial block followed by more postings, and blocks with deleted documents, are decoded
  and cut again into full blocks, so a term with few postings keeps one block;
- a block whose pickle is under deflate.SMALL_BLOCK bytes is stored uncompressed (its header says
  so, and Whoosh's reader reads it): zlib made most of those bigger, at a cost.

Block and term statistics are summed as Whoosh's writer and TermInfo.add_block sum them.
"""

from __future__ import annotations

import pickle
import struct
from array import array
from bisect import bisect_left
from itertools import accumulate, repeat
from typing import Any

from whoosh.codec.whoosh3 import W3TermInfo
from whoosh.util.numeric import byte_to_length, length_to_byte

from .deflate import decompress, packed_block
from .loading import restricted_loads
from .positions import split_values
from .segmentfiles import BLOCKS_MAGIC, SegmentFiles

_INT, _LONG = struct.Struct("!i"), struct.Struct("!q")
TERMINFO = W3TermInfo._struct  # then the postings' offset (8 bytes) and length (4)


class MergeInput(SegmentFiles):
    """One segment being merged: its files, its deletions and where its documents go."""

    def __init__(self, storage: Any, segment: Any, base: int, buffer: int) -> None:
        super().__init__(storage, segment, buffer)
        self.base = base
        self.docmap: array[int] | None = None
        if self.live is not None:
            self.docmap = array("i", repeat(-1, self.count))
            for new, old in enumerate(self.live, start=base):
                self.docmap[old] = new

    def deleted_within(self, first: int, last: int) -> bool:
        i = bisect_left(self.deleted, first)
        return i < len(self.deleted) and self.deleted[i] <= last


class FieldFormat:
    """What writing one field's postings needs: its format and its documents' length bytes."""

    def __init__(self, name: str, fieldobj: Any, lengths: bytes | None) -> None:
        self.name, self.lengths = name, lengths
        fmt = fieldobj.format
        self.fixed = fmt.fixed_value_size()
        self.joins = bool(getattr(fmt, "joins_values", False))

    def expand(self, data: tuple[Any, Any, Any], n: int) -> tuple[list[int], list[float], Any]:
        """A block's document numbers, weights and values: None (the format has none), a
        list, or the block's joined values (positions.py) left whole until a block is cut."""
        ids, w, v = list(accumulate(data[0])), data[1], data[2]
        weights = [1.0] * n if w is None else [w] * n if isinstance(w, float) else list(w)
        if v is None or self.fixed == 0:
            return ids, weights, None
        if isinstance(v, bytes) and not self.joins:
            return ids, weights, [v[i:i + self.fixed] for i in range(0, len(v), self.fixed)]
        return ids, weights, v if self.joins else list(v)

    def cut(self, values: Any, k: int) -> tuple[Any, Any]:
        """The first ``k`` values, and the others."""
        if isinstance(values, bytes):
            parts = split_values(values)
            return b"".join(parts[:k]), b"".join(parts[k:])
        return values[:k], values[k:]

    def select(self, values: Any, keep: list[int]) -> Any:
        if values is None:
            return None
        parts = split_values(values) if isinstance(values, bytes) else values
        chosen = [parts[i] for i in keep]
        return b"".join(chosen) if isinstance(values, bytes) else chosen

    def minivalues(self, chunks: list[Any]) -> Any:
        """A block's values as the W3 writer stores them (with positions.py's joined values)."""
        if not chunks or self.fixed == 0:
            return None
        if self.joins:
            return b"".join(chunks)
        values = [v for chunk in chunks for v in chunk]
        return b"".join(values) if self.fixed is not None and self.fixed > 0 else tuple(values)

    def length_range(self, ids: list[int]) -> tuple[int | None, int]:
        found = [byte_to_length(b) for b in map(self.lengths.__getitem__, ids) if b] if self.lengths else []
        return (min(found), max(found)) if found else (None, 0)


class TermWriter:
    """Writes merged terms to the postings file (a region of the compound file) and their
    term infos to the term table. A term's blocks go out one behind, so that the last one
    can be marked last; its statistics are summed as Whoosh's TermInfo.add_block does."""

    def __init__(self, out: Any, table: Any, codec: Any) -> None:
        self.out, self.table = out, table
        self.limit, self.level = codec._blocklimit, codec._compression
        self.start = out.pos

    def begin(self, field: FieldFormat) -> None:
        self.field = field
        self.stats: list[Any] = [0.0, 0, None, 0, 0, 0, 0]  # weight, df, minlen, maxlen, maxweight, minid, maxid
        self.held: tuple[bytes, bytes] | None = None
        self.offset = self.out.pos - self.start
        self.ids: list[int] = []
        self.weights: list[float] = []
        self.chunks: list[list[Any]] = []  # [count, values] of the waiting postings

    def add_block(self, inp: MergeInput, info: tuple[Any, ...], infobytes: bytes, raw: bytes, final: bool) -> None:
        """One block of one input's postings of the term (``final``: the term's last block).
        Decoded only to drop deleted documents, or to join a partial block with postings
        that follow; otherwise its first document number is shifted, or nothing changes."""
        data = restricted_loads(decompress(raw) if info[3] else raw)
        n, first, last = info[0], data[0][0], info[1]
        if inp.docmap is not None and inp.deleted_within(first, last):
            ids, weights, values = self.field.expand(data, n)
            keep = [i for i, doc in enumerate(ids) if inp.docmap[doc] >= 0]
            self._pend([inp.docmap[ids[i]] for i in keep], [weights[i] for i in keep], self.field.select(values, keep))
            return
        shift = inp.base if inp.docmap is None else inp.docmap[first] - first
        if n < self.limit and (self.ids or not final):
            ids, weights, values = self.field.expand(data, n)
            self._pend([doc + shift for doc in ids] if shift else ids, weights, values)
            return
        self._flush()
        w = data[1]
        wsum = float(n) if w is None else sum(repeat(w, n)) if isinstance(w, float) else sum(w)
        if not shift:
            self._emit(info, infobytes, raw, wsum, first)
            return
        packed = pickle.dumps(((first + shift, *data[0][1:]), w, data[2]), 2)
        self._encoded(packed, (n, last + shift, info[2], 0, info[4], info[5]), wsum, first + shift)

    def add_inlined(self, inp: MergeInput, ids: tuple[int, ...], weights: tuple[float, ...], values: tuple[bytes, ...]) -> None:
        keep = [i for i, doc in enumerate(ids) if inp.docmap is None or inp.docmap[doc] >= 0]
        new = [doc + inp.base for doc in ids] if inp.docmap is None else [inp.docmap[doc] for doc in ids]
        chosen = [values[i] for i in keep] if values and self.field.fixed != 0 else None
        self._pend([new[i] for i in keep], [weights[i] for i in keep],
                   b"".join(chosen) if chosen is not None and self.field.joins else chosen)

    def _pend(self, ids: list[int], weights: list[float], values: Any) -> None:
        """Postings decoded: they wait to fill a block."""
        if not ids:
            return
        self.ids += ids
        self.weights += weights
        if values is not None:
            self.chunks.append([len(ids), values])
        while len(self.ids) >= self.limit:
            self._flush(self.limit)

    def _take(self, n: int) -> list[Any]:
        """The values of the first ``n`` waiting postings, as chunks."""
        taken = []
        while n and self.chunks:
            count, values = self.chunks[0]
            if count > n:
                head, self.chunks[0][1] = self.field.cut(values, n)
                self.chunks[0][0] -= n
                taken.append(head)
                break
            taken.append(values)
            n -= count
            del self.chunks[0]
        return taken

    def _flush(self, n: int | None = None) -> None:
        """Encode the first ``n`` waiting postings (all) as a block, as W3PostingsWriter does."""
        if not self.ids:
            return
        ids, weights = self.ids[:n], array("f", self.weights[:n])
        del self.ids[:len(ids)], self.weights[:len(ids)]
        first = weights[0]
        miniw = None if all(x == 1.0 for x in weights) else first if all(x == first for x in weights) else tuple(weights)
        packed = pickle.dumps((tuple([ids[0], *map(int.__sub__, ids[1:], ids)]), miniw,
                               self.field.minivalues(self._take(len(ids)))), 2)
        shortest, longest = self.field.length_range(ids)
        info = (len(ids), ids[-1], max(0, max(weights)), 0, length_to_byte(shortest), length_to_byte(longest))
        self._encoded(packed, info, sum(weights), ids[0])

    def _encoded(self, packed: bytes, info: tuple[Any, ...], wsum: float, first: int) -> None:
        data, comp = packed_block(packed, self.level)
        info = (*info[:3], comp, *info[4:])
        self._emit(info, pickle.dumps(info, 2), data, wsum, first)

    def _emit(self, info: tuple[Any, ...], infobytes: bytes, data: bytes, wsum: float, first: int) -> None:
        s = self.stats
        if self.held is None:
            self.out.write(BLOCKS_MAGIC)
            s[5] = first
        else:
            self._put(*self.held, last=False)
        self.held = (infobytes, data)
        s[0] += wsum
        s[1] += info[0]
        if info[4]:
            s[2] = byte_to_length(info[4]) if s[2] is None else min(s[2], byte_to_length(info[4]))
        s[3], s[4], s[6] = max(s[3], byte_to_length(info[5])), max(s[4], info[2]), info[1]

    def _put(self, infobytes: bytes, data: bytes, last: bool) -> None:
        size = len(infobytes) + len(data)
        self.out.write(_INT.pack(-size if last else size) + infobytes + data)

    def finish(self, key: bytes) -> None:
        """Write the held block as the last and the term's info; nothing if no posting is left."""
        self._flush()
        if self.held is None:
            return
        self._put(*self.held, last=True)
        weight, df, minlen, maxlen, maxweight, minid, maxid = self.stats
        info = TERMINFO.pack(0, weight, df, length_to_byte(minlen), length_to_byte(maxlen), maxweight, minid, maxid)
        self.table.add(key, info + _LONG.pack(self.offset) + _INT.pack(self.out.pos - self.start - self.offset))
