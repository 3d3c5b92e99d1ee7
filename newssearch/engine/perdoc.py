"""Copying the per-document data of merged segments: columns and term vectors.

Whoosh's W3 codec keeps, for each document of a segment, its stored fields (one pickled,
compressed value), its field lengths (one byte a field), its sortable values and its term
vectors in column files. A merge copies the live documents' values into the new segment
column by column: stored fields as the compressed bytes they are, through Whoosh's own
column readers and writers (so that each column is laid out as Whoosh lays it out), length
bytes as one string, and term vectors as the bytes of their posting lists, at new offsets.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, VECTOR_COLUMN, VECTOR_LEN_COLUMN
from whoosh.columns import VarBytesColumn
from whoosh.filedb.structfile import StructFile
from whoosh.util.numeric import byte_to_length

from .segmentfiles import CompoundFile, SegmentFiles, SegmentFormatError


def _column_type(name: str, schema: Any) -> Any:
    """The column type of a column file, as Whoosh's W3 per-document writer made it."""
    if name == "_stored":
        return VarBytesColumn()  # the compressed pickles, copied as they are
    if name.startswith("_") and name.endswith("_len"):
        return LENGTHS_COLUMN
    if name.startswith("_") and name.endswith(("_vec", "_vecL")):
        return VECTOR_COLUMN if name.endswith("_vec") else VECTOR_LEN_COLUMN
    if name in schema and schema[name].column_type is not None:
        return schema[name].column_type
    raise SegmentFormatError(f"unknown column {name!r}")


class Documents:
    """Copies the inputs' per-document data (columns, term vectors) into the new segment,
    the live documents only, and gives the merged length bytes and length totals."""

    def __init__(self, out: CompoundFile, segment: Any, inputs: Sequence[SegmentFiles], progress: Callable[[int], None]) -> None:
        self.out, self.segment, self.inputs, self.progress = out, segment, inputs, progress
        self.count = sum(inp.count if inp.live is None else len(inp.live) for inp in inputs)
        self.lengths: dict[str, bytes] = {}
        self.totals: defaultdict[str, int] = defaultdict(int)

    def live(self, inp: SegmentFiles) -> Any:
        return range(inp.count) if inp.live is None else inp.live

    def prepare(self) -> None:
        """The merged length bytes and length totals of each field (writing postings needs them)."""
        for name in sorted(set().union(*(inp.columns() for inp in self.inputs))):
            if name.startswith("_") and name.endswith("_len"):
                self._lengths(name[1:-4])

    def run(self, schema: Any) -> None:
        """Write the columns (and term vectors) of the live documents."""
        names = sorted(set().union(*(inp.columns() for inp in self.inputs)))
        vectors = self._vectors([n[1:-4] for n in names if n.startswith("_") and n.endswith("_vec")])
        for name in names:
            if name.startswith("_") and name.endswith("_len"):  # those bytes, less trailing zeros
                self.out.begin(self.segment.make_filename(f".{name}.col"))
                self.out.write(self.lengths[name[1:-4]].rstrip(b"\0"))
                self.out.end()
            else:
                self._column(name, _column_type(name, schema), vectors.get(name))

    def _lengths(self, field: str) -> None:
        parts = []
        for inp in self.inputs:
            region = inp.region(f"._{field}_len.col")
            raw = region.get(0, region.length).ljust(inp.count, b"\0") if region else bytes(inp.count)
            parts.append(raw if inp.live is None else bytes(map(raw.__getitem__, inp.live)))
            self.totals[field] += getattr(inp.segment, "_fieldlengths", {}).get(field, 0)
            self.totals[field] -= sum(byte_to_length(raw[d]) for d in inp.deleted)
            self.progress(region.length if region else 0)
        self.lengths[field] = b"".join(parts)

    def _column(self, name: str, column: Any, values: array[int] | None) -> None:
        """Copy one column through Whoosh's own column reader and writer."""
        self.out.begin(self.segment.make_filename(f".{name}.col"))
        writer, doc = column.writer(StructFile(self.out)), 0
        for inp in self.inputs:
            region = inp.region(f".{name}.col")
            reader = column.reader(region, 0, region.length, inp.count) if region else None
            for old in self.live(inp):
                if values is not None:
                    writer.add(doc, values[doc])
                elif reader is not None:
                    writer.add(doc, reader[old])
                doc += 1
            self.progress(region.length if region else 0)
        writer.finish(self.count)
        self.out.end()

    def _vectors(self, fields: list[str]) -> dict[str, array[int]]:
        """Copy the term vectors (the .vps file); the new offset of each document's vector."""
        if not fields:
            return {}
        self.out.begin(self.segment.make_filename(".vps"))
        start, offsets = self.out.pos, {}
        self.out.write(b"VPST")  # offset 0 means "no vector"
        for field in fields:
            found = offsets[f"_{field}_vec"] = array("I")
            for inp in self.inputs:
                where, sizes = (inp.region(f"._{field}_vec{s}.col") for s in ("", "L"))
                data = inp.region(".vps")
                at = VECTOR_COLUMN.reader(where, 0, where.length, inp.count) if where else None
                size = VECTOR_LEN_COLUMN.reader(sizes, 0, sizes.length, inp.count) if sizes else None
                for old in self.live(inp):
                    if at is None or size is None or data is None or not at[old]:
                        found.append(0)
                        continue
                    found.append(self.out.pos - start)
                    self.out.write(data.get(at[old], size[old]))
        self.out.end()
        return offsets
