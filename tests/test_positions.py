"""Compact positions: each value decodes to its positions, a block's joined values split
back into the values, and phrase queries read them through Whoosh's matchers."""

from __future__ import annotations

from pathlib import Path

import pytest

from newssearch import NewsIndex
from newssearch.engine.positions import count_positions, decode_positions, encode_positions, split_values, values_at

POSITIONS = [
    [0],
    [5],
    [65535],
    [65536],  # a single position past 16 bits
    [3, 4, 200, 1000],
    list(range(0, 2000, 7)),  # 286 positions: the 4-byte count
    list(range(253)),
    list(range(254)),
    [10, 70_000],  # a delta past 16 bits: 32-bit deltas
    [100_000, 100_001],
    [],
]


@pytest.mark.parametrize("positions", POSITIONS)
def test_positions_round_trip(positions: list[int]) -> None:
    value = encode_positions(positions)
    assert decode_positions(value) == positions
    assert count_positions(value) == len(positions)


def _layout(positions: list[int]) -> bytes:
    """The value layout the module's documentation gives, built the slow way."""
    deltas = [b - a for a, b in zip([0, *positions], positions)]
    if any(d > 65535 for d in deltas):
        return bytes((255,)) + len(deltas).to_bytes(4, "little") + b"".join(d.to_bytes(4, "little") for d in deltas)
    head = bytes((len(deltas),)) if len(deltas) < 254 else bytes((254,)) + len(deltas).to_bytes(4, "little")
    return head + b"".join(d.to_bytes(2, "little") for d in deltas)


@pytest.mark.parametrize("positions", POSITIONS + [[65534, 65535], [1, 65536], list(range(60_000, 60_253))])
def test_positions_are_written_in_the_documented_layout(positions: list[int]) -> None:
    """The fast paths (a table of single positions, one struct per count) write the bytes
    every index already holds."""
    assert encode_positions(positions) == _layout(positions)


def test_a_single_small_position_takes_three_bytes() -> None:
    assert len(encode_positions([300])) == 3 and len(encode_positions([1, 2])) == 5


BLOCKS = [
    POSITIONS,
    [[i] for i in range(0, 128 * 500, 500)],  # single positions only: the 3-byte fast path
    [[1], [2], [1, 2], [3]],  # one value of two positions among single ones
    [[1], [], [2]],  # an empty value (1 byte) shifts the 3-byte grid
    [[65536], [1]],  # single but wide: not 3 bytes
    [[1]] * 85 + [[0x0101], [2, 3]],  # position 257 is bytes 01 01, then a two-position value
]


@pytest.mark.parametrize("block", BLOCKS, ids=range(len(BLOCKS)))
def test_joined_values_split_back(block: list[list[int]]) -> None:
    values = [encode_positions(p) for p in block]
    joined = b"".join(values)
    assert split_values(joined) == tuple(values)
    assert values_at(joined, list(range(len(values)))) == values
    for picked in ([0], [len(values) - 1], list(range(0, len(values), 2)), list(range(1, len(values), 3))):
        assert values_at(joined, picked) == [values[i] for i in picked]


def test_no_values_split_to_none() -> None:
    assert split_values(b"") == ()


def test_phrases_and_counts_across_blocks(tmp_path: Path) -> None:
    """Terms in 300 documents span three posting blocks; a phrase reads their positions."""
    folder = tmp_path / "archive"
    folder.mkdir()
    for i in range(300):
        middle = "chars lourds" if i % 2 else "chars très lourds"
        body = " ".join(["mot"] * (i % 7)) + f" envoi de {middle} vers Kiev, jour {i}."
        (folder / f"a{i:03d}.txt").write_text(f"Dépêche {i}\n\n{body}\n", encoding="utf-8")
    with NewsIndex.open(tmp_path / "ix", create=True) as ix:
        ix.add([folder])
        assert ix.query('"chars lourds"', all_versions=True).total == 150
        assert ix.query('"envoi de chars"', all_versions=True).total == 300
        assert ix.query('"envoi chars"', all_versions=True).total == 0  # the stop word keeps its place


def test_phrases_survive_segment_merges(tmp_path: Path) -> None:
    """Small commits make Whoosh merge segments: the merged postings are read through the
    split values and written joined again."""
    from newssearch.engine import open_index, segment_count
    from newssearch.indexing import update_index

    folder = tmp_path / "archive"
    folder.mkdir()
    for i in range(40):
        body = f"envoi de chars lourds vers Kiev, dépêche {i}." if i % 4 else f"des chars et des blindés, note {i}."
        (folder / f"a{i:02d}.txt").write_text(f"Dépêche {i}\n\n{body}\n", encoding="utf-8")
    for step in range(1, 5):  # four runs of ten new files, each committed five articles at a time
        update_index(tmp_path / "ix", sorted(folder.iterdir())[:step * 10], commit_every=5, procs=1, group=False)
    ix = open_index(str(tmp_path / "ix"))
    assert segment_count(ix) < 8  # merged
    ix.close()
    with NewsIndex.open(tmp_path / "ix") as news:
        assert news.query('"envoi de chars lourds"', all_versions=True).total == 30
        assert news.query('"chars et des blindés"', all_versions=True).total == 10


@pytest.mark.parametrize("analyzer", ["french", "whoosh standard"])
def test_columns_are_word_values_transposed(analyzer: str) -> None:
    """The pool takes a field's postings as columns (terms, frequencies, weights, values):
    the same as the format's ``word_values``, whichever the analyzer (the French one's fast
    path, or any Whoosh analyzer through Whoosh's own word_values)."""
    from whoosh.analysis import StandardAnalyzer

    from newssearch.analysis import french_analyzer
    from newssearch.engine.positions import FrenchPositions

    chain = french_analyzer() if analyzer == "french" else StandardAnalyzer()
    fmt = FrenchPositions(field_boost=2.0)
    text = "Le Monde, le monde et l'État : le monde entier. Notre-Dame de Paris, Paris !"
    expected = list(fmt.word_values(text, chain, mode="index"))
    assert expected and list(zip(*fmt.columns(text, chain))) == expected
    if analyzer == "french":  # stop words' terms are indexed with a frequency of 0
        assert dict((t, f) for t, f, _, _ in expected)["_le"] == 0


@pytest.mark.parametrize("docs", [[], [[5]], [[0, 1, 2], [7], [3, 65535]], [[1], [2, 4, 8, 16]], [[9], list(range(200))],
                                  # 254 positions or more: a 4-byte count, among short values
                                  [[3], list(range(0, 600, 2)), [8, 9]], [list(range(254))], [list(range(70_000))]])
def test_position_keys_are_each_documents_positions(docs: list[list[int]]) -> None:
    from newssearch.engine.positions import position_keys

    docnums = [3 * i + 1 for i in range(len(docs))]
    keys = position_keys([encode_positions(p) for p in docs], docnums)
    assert keys is not None
    assert keys.tolist() == [(d << 32) | p for d, positions in zip(docnums, docs) for p in positions]


@pytest.mark.parametrize("positions", [[1, 70_000], [5] + list(range(70_000, 70_300))])  # 32-bit deltas
def test_position_keys_leave_32_bit_deltas_to_decode_positions(positions: list[int]) -> None:
    from newssearch.engine.positions import position_keys

    assert position_keys([encode_positions([4]), encode_positions(positions)], [1, 2]) is None
