"""Our patches to Whoosh's storage and segment writing change nothing but speed: the
zero-copy reader reads like BytesIO, and a segment written with the cached field lengths is
byte for byte the segment Whoosh writes, and the pool of postings by term gives Whoosh's
postings in Whoosh's order, whether or not it spills to disk."""

from __future__ import annotations

import io
import mmap
import random
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from whoosh import index as windex
from whoosh import writing as whoosh_writing
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile
from whoosh.writing import SegmentWriter

from newssearch import NewsIndex
from newssearch.engine import pool as postings
from newssearch.engine import writers
from newssearch.engine.storage import ViewReader, install_storage
from newssearch.indexing import update_index

DATA = b"first line\nsecond\n\nlast without newline"

# Each case: operations applied in turn to a fresh ViewReader and a fresh BytesIO.
CASES: list[list[tuple[str, tuple[Any, ...]]]] = [
    [("read", ())],
    [("read", (5,)), ("read", (3,)), ("tell", ())],
    [("read", (1000,)), ("read", (1,)), ("read", ())],
    [("readline", ()), ("readline", ()), ("readline", ()), ("readline", ()), ("readline", ())],
    [("readline", (4,)), ("readline", ()), ("tell", ())],
    [("seek", (6,)), ("read", (4,)), ("seek", (-4, io.SEEK_END)), ("read", ())],
    [("read", (3,)), ("seek", (2, io.SEEK_CUR)), ("read", (3,)), ("tell", ())],
    [("seek", (100,)), ("read", ()), ("tell", ()), ("readline", ())],
    [("read", (None,)), ("read", (-1,))],
]


@pytest.mark.parametrize("ops", CASES)
def test_view_reader_reads_like_bytesio(ops: list[tuple[str, tuple[Any, ...]]]) -> None:
    ours, theirs = ViewReader(memoryview(DATA)), io.BytesIO(DATA)
    for name, args in ops:
        assert getattr(ours, name)(*args) == getattr(theirs, name)(*args), (name, args)


def test_view_reader_iterates_lines() -> None:
    assert list(ViewReader(memoryview(DATA))) == list(io.BytesIO(DATA))


def test_negative_seek_is_refused() -> None:
    with pytest.raises(ValueError):
        ViewReader(b"abc").seek(-1)


def test_buffer_files_read_the_mapping_in_place(tmp_path: Path) -> None:
    install_storage()
    path = tmp_path / "blob"
    path.write_bytes(DATA)
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        view = memoryview(mapped)
        bf = BufferFile(view[6:], name="x")
        assert isinstance(bf.file, ViewReader)
        assert bf.read(4) == b"line" and bf.get(0, 4) == b"line"
        del bf
        view.release()


def test_an_index_opens_and_searches_through_the_zero_copy_files(tmp_path: Path, archive: Path) -> None:
    with NewsIndex.open(tmp_path / "ix", create=True) as ix:
        ix.add([archive])
    with NewsIndex.open(tmp_path / "ix") as ix:
        assert ix.search("Leopard")


def segment_files(folder: Path) -> dict[str, bytes]:
    """The files inside an index's segments, by name without the random segment id."""
    ix = windex.open_dir(str(folder))
    out = {}
    for segment in ix._segments():
        compound = CompoundStorage(ix.storage.open_file(segment.make_filename(".seg")), use_mmap=False)
        for inner in compound.list():
            with compound.open_file(inner) as f:
                out[inner.split(".", 1)[1]] = f.read()
        compound.close()
    return out


def test_our_patches_write_the_same_segment(tmp_path: Path, archive: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    update_index(tmp_path / "ours", [archive], procs=1)
    monkeypatch.setattr(writers, "install", lambda: None)
    monkeypatch.setattr(SegmentWriter, "_flush_segment", postings.WHOOSH_FLUSH_SEGMENT)
    monkeypatch.setattr(SegmentWriter, "add_document", postings.WHOOSH_ADD_DOCUMENT)
    monkeypatch.setattr(whoosh_writing, "PostingPool", postings.WHOOSH_POSTING_POOL)
    update_index(tmp_path / "whoosh", [archive], procs=1)
    ours, whoosh = segment_files(tmp_path / "ours"), segment_files(tmp_path / "whoosh")
    assert sorted(ours) == sorted(whoosh) and any(name.endswith("pst") for name in ours)
    assert [name for name in ours if ours[name] != whoosh[name]] == []


def sample_postings(n_docs: int = 300) -> list[postings.Posting]:
    """Postings as a segment writer adds them: document by document, terms in any order."""
    rng = random.Random(3)
    out: list[postings.Posting] = []
    for doc in range(n_docs):
        for term in rng.sample(range(500), 40):
            value = bytes(rng.randrange(256) for _ in range(rng.randint(1, 6)))
            out.append(("body", f"t{term:03d}".encode(), doc, float(rng.randint(1, 3)), value))
        out.append(("id", f"doc{doc}".encode(), doc, 1.0, None))
        out.append(("path", b"shared", doc, 1.0, None if doc % 2 else b""))  # merged segments mix both
    return out


@pytest.mark.parametrize("limit_bytes, spills", [(10**9, False), (200_000, True), (5_000, True)])
def test_term_pool_gives_whooshs_postings_in_whooshs_order(tmp_path: Path, limit_bytes: int, spills: bool) -> None:
    storage = FileStorage(str(tmp_path))
    ours, whoosh = postings._TermPool(storage, None), postings.WHOOSH_POSTING_POOL(storage, None)
    ours.limit = whoosh.limit = limit_bytes
    for posting in sample_postings():
        ours.add(posting)
        whoosh.add(posting)
    assert bool(ours.runs) == spills
    assert list(ours.iter_postings()) == list(whoosh.iter_postings())
    assert ours.fieldnames == {"body", "id", "path"}


def test_a_spilling_pool_never_holds_its_postings_as_python_objects(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Past its limit the pool wrote Whoosh's sorted run from a list of all its postings
    (about 170 bytes each, against 30 in the columns): a worker of the 300,000-article
    benchmark went from 350 MB to 1.5 GB. The run is streamed from the columns now, a chunk
    of postings at a time; the test above checks what it holds."""
    monkeypatch.setattr(postings, "_CHUNK", 1024)
    pool = postings._TermPool(FileStorage(str(tmp_path)), None)
    items = sample_postings(2000)  # 84,000 postings
    for posting in items:
        pool.add(posting)
    tracemalloc.start()
    pool.save()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(pool.runs) == 1 and not pool._tids and pool.currentsize == 0
    assert peak < 30 * len(items), f"{peak / len(items):.0f} bytes a posting"


def field_columns(items: list[postings.Posting]) -> tuple[list[str], list[int], list[float], list[bytes]]:
    """One document's postings of one field as ``add_field`` takes them."""
    return ([btext.decode() for _, btext, _, _, _ in items], [1] * len(items),
            [weight for _, _, _, weight, _ in items], [value or b"" for _, _, _, _, value in items])


@pytest.mark.parametrize("chunk", [1, 7, 1 << 15])
@pytest.mark.parametrize("docs_in_order", [True, False])
def test_term_pool_columns_give_whooshs_postings_in_whooshs_order(tmp_path: Path, chunk: int, docs_in_order: bool,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Fields added a document at a time (``add_field``) and a posting at a time (``add``),
    one field both ways (its terms then share numbers of both kinds), documents in order or
    not, and terms split across the chunks that ``terms()`` turns into Python objects."""
    monkeypatch.setattr(postings, "_CHUNK", chunk)
    storage = FileStorage(str(tmp_path))
    ours, whoosh = postings._TermPool(storage, None), postings.WHOOSH_POSTING_POOL(storage, None)
    by_doc: dict[int, list[postings.Posting]] = {}
    for posting in sample_postings(120):
        by_doc.setdefault(posting[2], []).append(posting)
    docs = sorted(by_doc) if docs_in_order else sorted(by_doc, key=lambda doc: (doc % 3, doc))
    for doc in docs:
        body = [p for p in by_doc[doc] if p[0] == "body"]
        assert ours.add_field("body", doc, field_columns(body[::2])) == len(body[::2])
        for posting in body[1::2] + [p for p in by_doc[doc] if p[0] != "body"]:
            ours.add(posting)
        for posting in by_doc[doc]:
            whoosh.add(posting)
    assert len(ours._keys) > len(set(ours._keys))  # the same body terms under both kinds of number
    assert list(ours.iter_postings()) == list(whoosh.iter_postings())


def test_block_writing_gives_whooshs_segment_across_block_boundaries(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Terms in 127, 128, 129, 256 and 300 documents (Whoosh's blocks hold 128 postings),
    with varying frequencies and lengths, written by our block writer and by Whoosh's."""
    folder = tmp_path / "archive"
    folder.mkdir()
    for i in range(300):
        words = ["commun"] * (1 + i % 3) + [f"mot{i}", "texte"] * (i % 5)
        words += [w for w, n in (("avant", 127), ("cent", 128), ("plus", 129), ("deux", 256)) if i < n]
        (folder / f"a{i:03d}.txt").write_text(f"Titre {i}\n\n{' '.join(words)}.\n", encoding="utf-8")
    update_index(tmp_path / "ours", [folder], procs=1, group=False)
    monkeypatch.setattr(writers, "install", lambda: None)
    monkeypatch.setattr(SegmentWriter, "_flush_segment", postings.WHOOSH_FLUSH_SEGMENT)
    monkeypatch.setattr(SegmentWriter, "add_document", postings.WHOOSH_ADD_DOCUMENT)
    monkeypatch.setattr(whoosh_writing, "PostingPool", postings.WHOOSH_POSTING_POOL)
    update_index(tmp_path / "whoosh", [folder], procs=1, group=False)
    ours, whoosh = segment_files(tmp_path / "ours"), segment_files(tmp_path / "whoosh")
    assert sorted(ours) == sorted(whoosh)
    assert [name for name in ours if ours[name] != whoosh[name]] == []
    with NewsIndex.open(tmp_path / "ours") as ix:
        assert ix.query("commun", limit=5).total == 300 and ix.query("plus deux").total == 129
