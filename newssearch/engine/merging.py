"""Merging segments by streaming their postings: nothing is sorted again, nothing spilled.

Whoosh merges segments by adding every posting of every segment to its sorting pool
(``SegmentWriter.add_reader``), which sorts them all over again and spills sorted runs to
disk past its memory limit. Yet each segment's terms are sorted, and the documents of
segment k all come after those of segment k-1 in the merged numbering: a term's merged
postings are each segment's postings in turn, document numbers shifted (deleted documents
dropped and the numbers closed up). So the segments' term tables are read front to back and
merged k ways, and each term's postings are written a block at a time (termmerge.py); the
per-document data is copied column by column (perdoc.py). A term found in one segment whose
document numbers do not change is copied byte for byte.

Field length totals are the inputs' totals (less the deleted documents'), so a merged index
without deletions scores as before. The segment goes straight into its compound file under
a hidden name, renamed once complete. Inputs are read with ``os.pread`` through a buffer
(segmentfiles.py). Memory: one term's postings, one buffer per input file, a few bytes a
document (document maps, length bytes) and 16 a term (the term table's hash index).

A merge can use several cores: the terms are cut into ranges of about as many posting bytes,
each merged by a forked process into files of its own, appended in order at the end.
"""

from __future__ import annotations

import heapq
import multiprocessing
import os
import pickle
import struct
from collections.abc import Callable
from typing import Any

from whoosh.codec.whoosh3 import W3Segment

from .loading import restricted_loads
from .perdoc import Documents
from .segmentfiles import BLOCKS_MAGIC, CompoundFile, PlainFile, SegmentFormatError, TermTable, blocks, read_records
from .deflate import decompress, packed_block
from .termmerge import TERMINFO, FieldFormat, MergeInput, TermWriter

PARTIAL = ".merging"  # suffix of a file being written (hidden: Whoosh's cleaning skips it)


class MergeFailedError(OSError):
    """A merge process failed; the index is unchanged. An OSError, as a dead indexing
    worker's (writers.WorkerError): the run says it in one line."""


_INT, _USHORT, _LONG, _IDS = struct.Struct("!i"), struct.Struct("!H"), struct.Struct("!q"), struct.Struct("!II")
_IDS_AT = TERMINFO.size - _IDS.size  # a term info's first and last document
Progress = Callable[[int], None]


# ---------------------------------------------------------------- terms


def _terms(inp: MergeInput, number: int, ranks: dict[str, int], lo: bytes, hi: bytes | None) -> Any:
    """(key, input number, term info) for each term of one input from ``lo`` to before ``hi``,
    in order; a key's first two bytes are its field's rank among the fields of all inputs."""
    fieldmap = inp.fieldmap()
    if sorted(fieldmap, key=fieldmap.__getitem__) != sorted(fieldmap):
        raise SegmentFormatError(f"the fields of segment {inp.segment.segment_id()} are not numbered in name order")
    prefix = {_USHORT.pack(num): _USHORT.pack(ranks[name]) for name, num in fieldmap.items()}
    start, end = 0, inp.record_count()
    while lo and start < end:  # the first record not before lo
        middle = (start + end) // 2
        key = inp.record(middle)[0]
        start, end = (middle + 1, end) if prefix[key[:2]] + key[2:] < lo else (start, middle)
    for key, info in inp.term_records(start):
        key = prefix[key[:2]] + key[2:]
        if hi is not None and key >= hi:
            return
        yield key, number, info


def _bounds(inputs: list[MergeInput], ranks: dict[str, int], parts: int) -> list[bytes | None]:
    """Keys that cut the terms into ``parts`` ranges of about as many posting bytes (in the
    largest input): b"", the cuts, None."""
    cuts: list[bytes | None] = [b""]
    sizes = [(region.length if (region := inp.region(".pst")) else 0, i) for i, inp in enumerate(inputs)]
    inp = inputs[max(sizes)[1]]
    prefix = {_USHORT.pack(num): _USHORT.pack(ranks[name]) for name, num in inp.fieldmap().items()}
    count = inp.record_count()
    for part in range(1, parts):
        target, start, end = max(sizes)[0] * part // parts, 0, count
        while start < end:
            middle = (start + end) // 2
            info = inp.record(middle)[1]
            offset = 0 if info[0] else _LONG.unpack_from(info, TERMINFO.size)[0]
            start, end = (middle + 1, end) if offset < target else (start, middle)
        key = inp.record(start)[0] if start < count else None
        if key is not None and prefix[key[:2]] + key[2:] > (cuts[-1] or b""):
            cuts.append(prefix[key[:2]] + key[2:])
    return [*cuts, None]


class _Terms:
    """The k-way merge of the inputs' terms into the new segment's postings and term table."""

    def __init__(self, inputs: list[MergeInput], fields: dict[bytes, FieldFormat], postings: TermWriter,
                 progress: Callable[[int], None]) -> None:
        self.inputs, self.fields, self.postings, self.progress = inputs, fields, postings, progress
        self.regions = [inp.region(".pst") for inp in inputs]

    def run(self, ranks: dict[str, int], lo: bytes = b"", hi: bytes | None = None) -> None:
        """The terms from ``lo`` to before ``hi``."""
        current, group = b"", list[tuple[int, bytes]]()
        streams = [_terms(inp, i, ranks, lo, hi) for i, inp in enumerate(self.inputs)]
        for key, i, info in heapq.merge(*streams):
            if key != current:
                if group:
                    self.term(current, group)
                current, group = key, []
            group.append((i, info))
        if group:
            self.term(current, group)

    def term(self, outkey: bytes, group: list[tuple[int, bytes]]) -> None:
        """Merge one term (its key is the new segment's: the field numbers are the ranks)."""
        field = self.fields.get(outkey[:2])
        if field is None:  # a field no longer in the schema
            return
        if len(group) == 1 and (self._copy(outkey, *group[0]) or self._shift(outkey, *group[0])):
            return
        self.postings.begin(field)
        for number, (i, info) in enumerate(group, start=1 - len(group)):
            inp = self.inputs[i]
            if info[0]:  # postings inlined in the term info
                self.postings.add_inlined(inp, *restricted_loads(info[TERMINFO.size:]))
                continue
            offset, length = _LONG.unpack_from(info, TERMINFO.size)[0], _INT.unpack_from(info, TERMINFO.size + 8)[0]
            self.progress(length)
            region = self.regions[i]
            assert region is not None
            for info_, infobytes, data, last in blocks(region.get(offset, length)):
                self.postings.add_block(inp, info_, infobytes, data, last and not number)
        self.postings.finish(outkey)

    def _copy(self, outkey: bytes, i: int, info: bytes) -> bool:
        """Copy a term found in one input whose document numbers do not change, byte for byte."""
        inp, region = self.inputs[i], self.regions[i]
        first, last = TERMINFO.unpack_from(info)[6:8]
        if info[0] or region is None or (inp.docmap[first] if inp.docmap is not None else first + inp.base) != first \
                or (inp.docmap is not None and inp.deleted_within(first, last)):
            return False
        offset, length = _LONG.unpack_from(info, TERMINFO.size)[0], _INT.unpack_from(info, TERMINFO.size + 8)[0]
        self.progress(length)
        out = self.postings.out
        here = out.pos - self.postings.start
        out.write(region.get(offset, length))
        self.postings.table.add(outkey, info[:TERMINFO.size] + _LONG.pack(here) + info[TERMINFO.size + 8:])
        return True

    def _shift(self, outkey: bytes, i: int, info: bytes) -> bool:
        """A term found in one input, in one block without deleted documents (most terms: ids,
        dates, rare words): the block pickled again with its first number shifted, the term
        info kept but for its first and last document (TermWriter does the same, slower)."""
        inp, region, writer = self.inputs[i], self.regions[i], self.postings
        flags, _, df, _, _, _, first, last = TERMINFO.unpack_from(info)
        if flags or df > writer.limit or region is None or (inp.docmap is not None and inp.deleted_within(first, last)):
            return False
        shift = inp.base if inp.docmap is None else inp.docmap[first] - first
        offset, length = _LONG.unpack_from(info, TERMINFO.size)[0], _INT.unpack_from(info, TERMINFO.size + 8)[0]
        found = list(blocks(region.get(offset, length)))
        if len(found) > 1:
            return False
        self.progress(length)
        block, _, raw, _ = found[0]
        data = restricted_loads(decompress(raw) if block[3] else raw)
        packed = pickle.dumps(((data[0][0] + shift, *data[0][1:]), data[1], data[2]), 2)
        data, comp = packed_block(packed, writer.level)
        infobytes = pickle.dumps((block[0], block[1] + shift, block[2], comp, block[4], block[5]), 2)
        here = writer.out.pos - writer.start
        writer.out.write(BLOCKS_MAGIC + _INT.pack(-len(infobytes) - len(data)) + infobytes + data)
        ids = _IDS.pack(first + shift, last + shift)
        writer.table.add(outkey, info[:_IDS_AT] + ids + _LONG.pack(here) + _INT.pack(writer.out.pos - writer.start - here))
        return True


# ---------------------------------------------------------------- the merge


def merge_segments(storage: Any, schema: Any, segments: list[Any], *, progress: Progress | None = None,
                   buffer: int = 4 << 20, parts: int = 1, child_init: Callable[[int], None] | None = None) -> Any:
    """One new compound segment holding the documents of ``segments`` (adjacent, in index
    order) but the deleted ones. Written under a hidden name and renamed when complete: until
    a new TOC lists it, the index is unchanged. ``progress`` is called with the number of input
    bytes read since its last call; ``buffer`` is the read buffer of each input file. With
    ``parts`` > 1 the terms are cut into as many ranges, merged by forked processes at once
    (``child_init(parent pid)`` runs first in each)."""
    codec = segments[0].codec()
    if getattr(codec, "_inlinelimit", 1) > 1 or any(f.separate_spelling() for _, f in schema.items()):
        raise SegmentFormatError("this codec's options are not supported by the merger")
    segment = W3Segment(codec, segments[0].indexname)
    hidden = os.path.join(storage.folder, f".{segment.segment_id()}")
    inputs: list[MergeInput] = []
    try:
        base = 0
        for old in segments:
            inputs.append(MergeInput(storage, old, base, buffer))
            base += old.doc_count()
        _Merge(hidden, segment, inputs, schema, progress or (lambda n: None)).write(parts, child_init)
        os.replace(f"{hidden}.seg{PARTIAL}", os.path.join(storage.folder, segment.make_filename(".seg")))
    except BaseException:
        for name in os.listdir(storage.folder):
            if name.startswith(os.path.basename(hidden)) and name.endswith(PARTIAL):
                os.unlink(os.path.join(storage.folder, name))
        raise
    finally:
        for inp in inputs:
            inp.close()
    return segment


class _Merge:
    """Writing the new segment: columns, then postings (the first range here, the others by
    forked processes, appended in order), then the term table, into one compound file."""

    def __init__(self, hidden: str, segment: Any, inputs: list[MergeInput], schema: Any, progress: Progress) -> None:
        self.hidden, self.segment, self.inputs, self.schema, self.progress = hidden, segment, inputs, schema, progress

    def write(self, parts: int, child_init: Callable[[int], None] | None) -> None:
        out = CompoundFile(f"{self.hidden}.seg{PARTIAL}")
        table = TermTable(f"{self.hidden}.trm{PARTIAL}")
        children: list[_Part] = []
        try:
            documents = Documents(out, self.segment, self.inputs, self.progress)
            documents.prepare()  # the length bytes: writing postings needs them
            ranks = {name: i for i, name in enumerate(sorted({n for inp in self.inputs for n in inp.fieldmap()}))}
            fields = {_USHORT.pack(i): FieldFormat(name, self.schema[name], documents.lengths.get(name))
                      for name, i in ranks.items() if name in self.schema}
            bounds = _bounds(self.inputs, ranks, parts)
            for number in range(1, len(bounds) - 1):
                children.append(_Part.start(self, number, fields, ranks, bounds[number:number + 2], child_init))
            documents.run(self.schema)
            table.fieldmap.update(ranks)
            out.begin(self.segment.make_filename(".pst"))
            postings = TermWriter(out, table, self.segment.codec())
            advance = self._advance(children)
            _Terms(self.inputs, fields, postings, advance).run(ranks, b"", bounds[1])
            for child in children:
                child.finish(out, table, postings.start, advance)
            advance(0)
            out.end()
            out.begin(self.segment.make_filename(".trm"))
            with table.close() as terms:
                out.append(terms)
            out.end()
            os.unlink(f"{self.hidden}.trm{PARTIAL}")
        finally:
            out.close()
            table.file.close()
            for child in children:
                child.stop()
        self.segment.set_doc_count(documents.count)
        self.segment._fieldlengths = documents.totals
        self.segment.compound = True

    def _advance(self, children: list[_Part]) -> Progress:
        """The progress of this process and of the parts, passed on by the megabyte."""
        done = [0]

        def advance(n: int) -> None:
            done[0] += n
            if done[0] >= 1 << 20 or not n:
                self.progress(done[0] + sum(child.read() for child in children))
                done[0] = 0
        return advance


class _Part:
    """A range of terms merged by a forked process into files of its own, then appended."""

    def __init__(self, process: Any, conn: Any, counter: Any, paths: tuple[str, str]) -> None:
        self.process, self.conn, self.counter, self.paths, self.seen = process, conn, counter, paths, 0

    @classmethod
    def start(cls, merge: _Merge, number: int, fields: dict[bytes, FieldFormat], ranks: dict[str, int],
              bounds: list[bytes | None], child_init: Callable[[int], None] | None) -> _Part:
        """Fork the process that merges the terms from ``bounds[0]`` to before ``bounds[1]``."""
        context = multiprocessing.get_context("fork")  # the child uses the parent's open inputs
        mine, theirs = context.Pipe(duplex=False)
        counter = context.Value("q", 0, lock=False)
        paths = (f"{merge.hidden}.pst{number}{PARTIAL}", f"{merge.hidden}.rec{number}{PARTIAL}")
        args = (theirs, os.getpid(), child_init, merge, fields, ranks, bounds[0] or b"", bounds[1], paths, counter)
        process = context.Process(target=_part_main, args=args)
        process.start()
        theirs.close()
        return cls(process, mine, counter, paths)

    def read(self) -> int:
        """Input bytes read since the last call."""
        value = int(self.counter.value)
        done, self.seen = value - self.seen, value
        return done

    def finish(self, out: CompoundFile, table: TermTable, start: int, progress: Progress) -> None:
        """Wait for the part; append its postings and its terms (offsets moved)."""
        while not self.conn.poll(0.25):
            progress(0)
        try:
            failure = self.conn.recv()
        except EOFError:  # killed before it could say
            self.process.join()
            raise MergeFailedError(f"a merge process ended with exit code {self.process.exitcode}") from None
        self.process.join()
        if failure is not None:
            raise failure if isinstance(failure, OSError) else MergeFailedError(f"a merge process failed: {failure}")
        base = out.pos - start
        with open(self.paths[0], "rb") as postings:
            out.append(postings)
        with open(self.paths[1], "rb") as records:
            for key, info in read_records(records):
                moved = _LONG.pack(_LONG.unpack_from(info, TERMINFO.size)[0] + base)
                table.add(key, info[:TERMINFO.size] + moved + info[TERMINFO.size + 8:])
        for path in self.paths:
            os.unlink(path)

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def _part_main(conn: Any, parent: int, child_init: Callable[[int], None] | None, merge: _Merge,
               fields: dict[bytes, FieldFormat], ranks: dict[str, int], lo: bytes, hi: bytes | None,
               paths: tuple[str, str], counter: Any) -> None:
    if child_init:
        child_init(parent)

    def advance(n: int) -> None:
        counter.value += n

    try:
        postings, records = PlainFile(paths[0]), PlainFile(paths[1])
        _Terms(merge.inputs, fields, TermWriter(postings, records, merge.segment.codec()), advance).run(ranks, lo, hi)
        postings.close()
        records.close()
        conn.send(None)
    except BaseException as exc:  # the parent raises it
        conn.send(exc if isinstance(exc, OSError) else f"{type(exc).__name__}: {exc}")
