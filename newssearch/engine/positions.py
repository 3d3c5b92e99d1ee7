"""Compact positions: the posting format of the text fields, and the codec patch it needs.

Whoosh's Positions format encodes each posting's positions as a 4-byte count plus a pickled
list of deltas, and its W3 codec pickles a block's 128 values as a tuple of bytes: about 35
bytes a posting before compression, most postings holding a single position. Here a value
is a one-byte count and the deltas as 2-byte integers (a single position: 3 bytes), and a
block's values are one byte string, split again only when positions are read (phrase
queries): on French news the body's postings take a fifth of the room, and a block that is
only matched and scored is unpickled without building 128 small byte strings.

Value layout: a count ``n`` < 254 in one byte, then ``n`` little-endian unsigned 16-bit
deltas; or byte 254 (16-bit deltas) or 255 (32-bit deltas, for a document of more than
65,535 words), a 4-byte count, then the deltas.

Reading joined values needs the W3 codec's block reader patched (``install_codec``). The
format is pickled into every index's schema, and unpickling it installs the patch: any
process that opens an index, through newssearch or through plain ``whoosh.index.open_dir``,
reads its phrases correctly.
"""

from __future__ import annotations

import struct
import sys
from array import array
from collections.abc import Callable, Iterable
from itertools import accumulate
from operator import sub
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher, W3PostingsWriter
from whoosh.formats import Positions

_SWAP = sys.byteorder == "big"
_ONE = b"\x01"
_LONG_H, _LONG_I = 254, 255
_PACK = [struct.Struct(f"<B{n}H").pack for n in range(_LONG_H)]  # count byte, n 16-bit deltas
_SINGLES: list[bytes] = []  # the value of each single position < 65536, built on first use (indexing)


def _singles() -> list[bytes]:
    if not _SINGLES:
        _SINGLES.extend(_ONE + i.to_bytes(2, "little") for i in range(65536))
    return _SINGLES


def encode_positions(positions: list[int]) -> bytes:
    """The value of one posting: its positions (ascending), as count and deltas."""
    n = len(positions)
    if n < _LONG_H and positions and positions[-1] < 65536:  # every delta fits 16 bits
        if n == 1:
            return _singles()[positions[0]]
        return _PACK[n](n, positions[0], *map(sub, positions[1:], positions))
    deltas = [b - a for a, b in zip([0, *positions], positions)]
    wide = bool(deltas) and max(deltas) > 65535
    if n < _LONG_H and not wide:
        head = bytes((n,))
    else:
        head = bytes((_LONG_I if wide else _LONG_H,)) + n.to_bytes(4, "little")
    packed = array("I" if wide else "H", deltas)
    if _SWAP:
        packed.byteswap()
    return head + packed.tobytes()


def _extent(data: bytes, at: int) -> tuple[int, int, str]:
    """(start of the deltas, their count, their array type) of the value at ``at``."""
    head = data[at]
    if head < _LONG_H:
        return at + 1, head, "H"
    return at + 5, int.from_bytes(data[at + 1:at + 5], "little"), "I" if head == _LONG_I else "H"


def decode_positions(value: bytes) -> list[int]:
    """The positions of one posting's value."""
    start, n, code = _extent(value, 0)
    deltas = array(code)
    deltas.frombytes(value[start:start + n * deltas.itemsize])
    if _SWAP:
        deltas.byteswap()
    return list(accumulate(deltas))


def position_keys(values: list[bytes], docnums: list[int]) -> Any:
    """``docnum << 32 | position`` for every position of each value (that of the posting of
    ``docnums[i]``), ascending when the docnums are, decoded together with numpy; None when a
    value has no position or 32-bit deltas (then decode them one by one). A value with a
    4-byte count and 16-bit deltas (``de`` 254 times or more in one long article) is read
    with the others: one of them in 14,000 candidates sent a phrase to the slow path."""
    if not values:
        return np.zeros(0, np.int64)
    buf = np.frombuffer(b"".join(values), np.uint8)
    lengths = np.fromiter(map(len, values), np.int64, len(values))
    starts = np.cumsum(lengths) - lengths
    heads = buf[starts].astype(np.int64)
    if (heads == _LONG_I).any():
        return None
    counts, deltas_at = heads, starts + 1
    long = np.flatnonzero(heads == _LONG_H)
    if len(long):  # the 4-byte count after the head byte, deltas after it
        counts = heads.copy()
        counts[long] = _long_counts(buf, starts[long])
        deltas_at = deltas_at.copy()
        deltas_at[long] += 4
    if not counts.all():
        return None
    return keys_at(buf, deltas_at, counts, np.array(docnums, np.int64))


def value_starts(buf: Any, counts: Any) -> Any:
    """Where each value's deltas start in ``buf``, the values of postings with ``counts``
    positions joined (as a block joins them), or None when ``buf`` is not those values in
    the 16-bit layouts (checked: every head byte where it must be, and the total length)."""
    if not len(counts):
        return None if len(buf) else np.zeros(0, np.int64)
    long = counts >= _LONG_H
    heads = np.where(long, 5, 1)
    lengths = heads + 2 * counts
    starts = np.cumsum(lengths) - lengths
    if int(starts[-1] + lengths[-1]) != len(buf) or not counts.all():
        return None
    if not (buf[starts] == np.where(long, _LONG_H, counts)).all():
        return None
    if long.any() and not (_long_counts(buf, starts[long]) == counts[long]).all():
        return None
    return starts + heads


def _long_counts(buf: Any, at: Any) -> Any:
    """The 4-byte little-endian counts after the head bytes at ``at`` (the long layouts)."""
    return sum(buf[at + 1 + k].astype(np.int64) << (8 * k) for k in range(4))


def keys_at(buf: Any, deltas_at: Any, counts: Any, docnums: Any) -> Any:
    """``docnum << 32 | position`` of each value whose ``counts[i]`` 16-bit deltas start at
    ``deltas_at[i]`` in ``buf``, for ``docnums[i]`` (int64 arrays)."""
    first = np.cumsum(counts) - counts  # where each value's deltas start among all of them
    at = np.repeat(deltas_at - 2 * first, counts) + 2 * np.arange(int(counts.sum()))
    deltas = buf[at].astype(np.int64) | (buf[at + 1].astype(np.int64) << 8)
    summed = np.cumsum(deltas)
    positions = summed - np.repeat(summed[first] - deltas[first], counts)
    return (np.repeat(np.array(docnums, np.int64), counts) << 32) | positions


def count_positions(value: bytes) -> int:
    return _extent(value, 0)[1]


def _value_end(data: bytes, at: int) -> int:
    """Where the value starting at ``at`` of a block's joined values ends."""
    head = data[at]
    if head < _LONG_H:
        return at + 1 + 2 * head
    return at + 5 + (4 if head == _LONG_I else 2) * int.from_bytes(data[at + 1:at + 5], "little")


def _single_positions(data: bytes) -> bool:
    """Whether every value of the joined ``data`` is one position (3 bytes starting 0x01),
    the usual block of a word that is not common: then value i is data[3i:3i+3]."""
    return len(data) % 3 == 0 and data[::3].count(_ONE) == len(data) // 3


def split_values(data: bytes) -> tuple[bytes, ...]:
    """The values of a block, from the byte string they were joined into."""
    if _single_positions(data):
        return tuple(data[at:at + 3] for at in range(0, len(data), 3))
    values = []
    at, end = 0, len(data)
    while at < end:
        stop = _value_end(data, at)
        values.append(data[at:stop])
        at = stop
    return tuple(values)


def values_at(data: bytes, indexes: list[int]) -> list[bytes]:
    """The values at ``indexes`` (ascending) of a block's joined values, in one walk."""
    if _single_positions(data):
        return [data[3 * i:3 * i + 3] for i in indexes]
    found, at, i = [], 0, 0
    for want in indexes:
        while i < want:
            head = data[at]  # _value_end, inlined: this loop is the reading of a phrase's positions
            at = at + 1 + 2 * head if head < _LONG_H else _value_end(data, at)
            i += 1
        found.append(data[at:_value_end(data, at)])
    return found


class FrenchPositions(Positions):
    """Whoosh's Positions format, values encoded compactly (above), and a fast path for an
    analyzer that gives the term at each position in one call (``analyzer.terms(text)``,
    analysis.FrenchAnalyzer) instead of one Token object per word. The terms it says are
    stop words' (``analyzer.is_stop_term``) are indexed with their positions, for phrases,
    but with a frequency of 0: Whoosh sums the frequencies into the field's length, which
    BM25 reads, so lengths and scores are those of an index without them. Pickled into the
    schema: keep it at this import path."""

    joins_values = True  # a block's values are one byte string (install_codec)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        install_codec()  # whoever unpickles a schema can read its postings

    def encode(self, poslist: list[int]) -> bytes:
        return encode_positions(poslist)

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return decode_positions(valuestring)

    def decode_frequency(self, valuestring: bytes) -> int:
        return count_positions(valuestring)

    def decode_weight(self, valuestring: bytes) -> float:
        return float(count_positions(valuestring) * self.field_boost)

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterable[tuple[str, int, float, bytes]]:
        terms_of = getattr(analyzer, "terms", None)
        if terms_of is None or not isinstance(value, str):
            return super().word_values(value, analyzer, **kwargs)  # type: ignore[no-any-return]
        return list(zip(*posting_columns(terms_of(value), self.field_boost, analyzer.is_stop_term)))

    def columns(self, value: str, analyzer: Any) -> Columns:
        """What ``word_values`` gives, as four lists (terms, frequencies, weights, values):
        the form the indexing pool takes them in (pool._TermPool.add_field)."""
        terms_of = getattr(analyzer, "terms", None)
        if terms_of is None:
            found = list(super().word_values(value, analyzer, mode="index"))
            return ([t for t, _, _, _ in found], [f for _, f, _, _ in found],
                    [w for _, _, w, _ in found], [v for _, _, _, v in found])
        return posting_columns(terms_of(value), self.field_boost, analyzer.is_stop_term)


Columns = tuple[list[str], list[int], list[float], list[bytes]]


def posting_columns(terms: list[str], boost: float, unscored: Callable[[str], bool]) -> Columns:
    """The terms of a text given as the term at each of its positions ("" for none), in the
    order they first come, with their frequencies, weights and values (encoded positions);
    the terms ``unscored`` says are stop words' get a frequency of 0. Built in one pass:
    indexing calls it on every field of every article."""
    positions: dict[str, list[int]] = {}
    get = positions.get
    for pos, term in enumerate(terms):
        found = get(term)
        if found is None:
            positions[term] = [pos]
        else:
            found.append(pos)
    positions.pop("", None)
    keys, lists = list(positions), list(positions.values())
    counts = list(map(len, lists))
    freqs = [0 if unscored(term) else n for term, n in zip(keys, counts)]
    return keys, freqs, [n * boost for n in counts], list(map(encode_positions, lists))


WHOOSH_MINI_VALUES = W3PostingsWriter._mini_values
WHOOSH_READ_VALUES = W3LeafMatcher._read_values


def _mini_values(self: W3PostingsWriter) -> Any:
    """A block's values joined into one byte string when the format says they delimit
    themselves (our positions); Whoosh's tuple or fixed-size string otherwise."""
    if getattr(self._format, "joins_values", False):
        return b"".join(self._values)
    return WHOOSH_MINI_VALUES(self)


def _read_values(self: W3LeafMatcher) -> None:
    if self._data is None:
        self._read_data()
    values = self._data[2]
    if isinstance(values, bytes) and self._fixedsize is None:  # Whoosh writes a tuple here
        self._values = split_values(values)
    else:
        WHOOSH_READ_VALUES(self)


def install_codec() -> None:
    """Patch the W3 codec's block writer and reader for joined values (idempotent)."""
    W3PostingsWriter._mini_values = _mini_values
    W3LeafMatcher._read_values = _read_values
