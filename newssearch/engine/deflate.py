"""The zlib streams of an index, written by ISA-L, and small posting blocks left uncompressed.

Whoosh deflates every posting block and every article's stored fields with the standard
zlib at level 3. Writing a segment, that was a tenth of an indexing worker's time: most
posting blocks hold a rare word's few postings (a median pickle of 61 bytes on scaled news),
which zlib makes larger, and sets up a 256 KB compressor for each. Here:

- a block whose pickle is under SMALL_BLOCK bytes is written as it is, its header saying
  so (Whoosh's writer meant to skip pickles under 20 bytes, but a later line overwrites
  that choice, so every block was compressed); the merger does the same (termmerge);
- what is compressed goes through Intel's ISA-L (python-isal), at the level asked for
  (ISA-L has levels 0 to 3): the same zlib format, which every reader decompresses,
  in a third of the time for stored articles.

On 5,000 scaled articles (``python benchmarks/deflate.py``, benchmarks/results/deflate.txt):
posting blocks 1,026 ms with zlib at level 3 for 48.2% of their size, 325 ms and 47.4% here;
stored articles 415 ms and 56.4%, 130 ms and 56.2%.
"""

from __future__ import annotations

import pickle
from typing import Any

from isal import isal_zlib
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3PostingsWriter, length_to_byte
from whoosh.columns import CompressedBytesColumn, VarBytesColumn

SMALL_BLOCK = 96  # pickled blocks shorter than this are not compressed
MAX_LEVEL = isal_zlib.ISAL_BEST_COMPRESSION  # 3


def compress(data: bytes, level: int) -> bytes:
    """``data`` as a zlib stream (ISA-L, ``level`` capped at its highest, 3)."""
    return isal_zlib.compress(data, min(level, MAX_LEVEL))


decompress = isal_zlib.decompress


def packed_block(pickled: bytes, level: int) -> tuple[bytes, int]:
    """A block's pickle as written, and the compression level its header records (0: as is)."""
    if level and len(pickled) >= SMALL_BLOCK:
        return compress(pickled, level), level
    return pickled, 0


def _write_block(self: Any, last: bool = False) -> None:
    """W3PostingsWriter._write_block, with packed_block's compression: the same header and
    data layout (the block's length, negative for the last one, its pickled info, its data)."""
    if not self._blockcount:
        self._postfile.write(WHOOSH3_HEADER_MAGIC)
    self._terminfo.add_block(self)
    databytes, comp = packed_block(pickle.dumps((self._mini_ids(), self._mini_weights(), self._mini_values()), 2),
                                   self._compression)
    ids = self._ids
    infobytes = pickle.dumps((len(ids), ids[-1], self._maxweight, comp, length_to_byte(self._minlength),
                              length_to_byte(self._maxlength)), 2)
    length = len(infobytes) + len(databytes)
    postfile = self._postfile
    postfile.write_int(-length if last else length)
    postfile.write(infobytes)
    postfile.write(databytes)
    self._blockcount += 1
    self._new_block()


def _add_stored(self: Any, docnum: int, value: bytes) -> None:
    VarBytesColumn.Writer.add(self, docnum, compress(value, self._level))


def _stored_reader_init(self: Any, dbfile: Any, basepos: int, length: int, doccount: int, module: str) -> None:
    VarBytesColumn.Reader.__init__(self, dbfile, basepos, length, doccount)
    self._decompress = decompress


WHOOSH_WRITE_BLOCK = W3PostingsWriter._write_block  # Whoosh's own, kept for the tests
WHOOSH_STORED_READER_INIT = CompressedBytesColumn.Reader.__init__


def install_deflate() -> None:
    """Patch the W3 codec's block writer and the stored-fields column (idempotent)."""
    W3PostingsWriter._write_block = _write_block
    CompressedBytesColumn.Writer.add = _add_stored
    CompressedBytesColumn.Reader.__init__ = _stored_reader_init
