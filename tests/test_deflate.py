"""The index's zlib streams (engine/deflate.py): small posting blocks as they are, the rest
written by ISA-L in the standard zlib format, readable by Whoosh's own reader."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest
from whoosh.codec.whoosh3 import STORED_COLUMN, W3PostingsWriter
from whoosh.columns import CompressedBytesColumn

from newssearch import NewsIndex
from newssearch.engine import deflate
from newssearch.engine.postings import _directory

from .conftest import index_of

COMMON = "Le gouvernement annonce une réforme des retraites"
ARTICLES = [{"id": f"a{i}", "title": f"Titre {i}", "body": f"{COMMON}. Article numéro {i}, mot{i} unique."}
            for i in range(300)]


@pytest.mark.parametrize("size, written", [
    (0, 0), (deflate.SMALL_BLOCK - 1, 0), (deflate.SMALL_BLOCK, 3), (5_000, 3),
])
def test_small_blocks_are_written_as_they_are(size: int, written: int) -> None:
    pickled = bytes(range(256)) * (size // 256) + bytes(size % 256)
    data, level = deflate.packed_block(pickled, 3)
    assert level == written
    assert (zlib.decompress(data) if level else data) == pickled
    assert deflate.packed_block(pickled, 0) == (pickled, 0)  # no compression asked


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> NewsIndex:
    return index_of(tmp_path_factory.mktemp("deflate"), ARTICLES)


def test_a_rare_words_block_is_not_compressed_and_a_frequent_words_are(index: NewsIndex) -> None:
    """Whoosh's writer compressed every block (its skip of small pickles is overwritten a
    line later): a word in one article made a 60-byte pickle into a longer zlib stream."""
    assert W3PostingsWriter._write_block is not deflate.WHOOSH_WRITE_BLOCK
    with index._searchers.borrow() as searcher:
        field = searcher.schema["body"]
        (reader, _), = [(sub.reader(), offset) for sub, offset in searcher.leaf_searchers()]
        rare = _directory(reader, "body", field.to_bytes("mot7"), field.format)
        frequent = _directory(reader, "body", field.to_bytes("gouvern"), field.format)
    assert list(rare.compressed) == [0]
    assert list(frequent.compressed) == [1, 1, 1]  # 300 postings: blocks of 128, 128 and 44
    assert index.query('"réforme des retraites"').total == 300
    assert [h.id for h in index.query("mot7 unique").hits] == ["a7"]


def test_stored_articles_read_back_with_whooshs_zlib_reader(index: NewsIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    """ISA-L writes the standard zlib format: Whoosh's own column reader (zlib) reads it."""
    monkeypatch.setattr(CompressedBytesColumn.Reader, "__init__", deflate.WHOOSH_STORED_READER_INIT)
    with index._searchers.borrow() as searcher:
        perdoc = next(sub.reader() for sub, _ in searcher.leaf_searchers())._perdoc
        column = perdoc.column_reader("_stored", STORED_COLUMN)  # a new reader, Whoosh's __init__
        assert column._child._decompress is zlib.decompress
        bodies = {column[d]["id"]: column[d]["body"] for d in range(len(ARTICLES))}
    assert bodies == {a["id"]: a["body"] for a in ARTICLES}
