"""Posting blocks read without unpickling (engine.postings._plain_block): the same ids and
weights as the W3 codec's pickle gives, or None for a layout it does not read."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newssearch.engine.postings import _plain_block


def _block(ids: tuple[int, ...], weights: Any, values: Any = b"\x01\x02\x00") -> bytes:
    """A block as the W3 codec writes it: a pickle (protocol 2) of (id deltas, weights, values)."""
    return pickle.dumps((ids, weights, values), 2)


def _expected(ids: tuple[int, ...], weights: Any) -> tuple[list[int], list[float]]:
    n = len(ids)
    return list(ids), [1.0] * n if weights is None else [weights] * n if isinstance(weights, float) else list(weights)


READ = [
    ((5, 1, 1, 2), (1.0, 2.0, 1.0, 3.0)),  # the usual block of a frequent word
    ((300, 1, 1, 2), (1.0, 2.0, 1.0, 3.0)),  # a first document past one byte
    ((70_000, 116, 116, 116, 40), (1.0, 1.0, 1.0, 1.0, 0.5)),  # past two bytes; deltas that are the TUPLE byte
    ((3,) + (1,) * 127, tuple(float(i % 7) for i in range(128))),  # a full block
    ((5, 1, 1, 2), None),  # no weights
    ((5, 1, 1, 2), 2.0),  # one weight for all
    ((0, 255, 255, 255), (0.0, 1e300, -1.5, 2.0)),
]
UNREAD = [  # unpickled instead
    ((5, 1, 256, 2), (1.0, 2.0, 1.0, 3.0)),  # a delta of two bytes
    ((5, 1, 2), (1.0, 2.0, 1.0)),  # three ids: a TUPLE3, no MARK
    ((5, 1, 1, 2), (1, 2, 1, 3)),  # integer weights
    ((-1, 1, 1, 2), (1.0, 1.0, 1.0, 1.0)),  # a negative first id (BININT)
]


@pytest.mark.parametrize("ids, weights", READ)
def test_blocks_read_as_their_pickle(ids: tuple[int, ...], weights: Any) -> None:
    found = _plain_block(_block(ids, weights))
    assert found is not None
    assert (found[0].tolist(), found[1].tolist()) == _expected(ids, weights)


@pytest.mark.parametrize("ids, weights", UNREAD)
def test_other_layouts_are_left_to_the_unpickler(ids: tuple[int, ...], weights: Any) -> None:
    found = _plain_block(_block(ids, weights))
    assert found is None or (found[0].tolist(), found[1].tolist()) == _expected(ids, weights)


def test_a_cut_block_is_not_read() -> None:
    data = _block((5, 1, 1, 2), (1.0, 2.0, 1.0, 3.0))
    for end in range(len(data) - 1):
        found = _plain_block(data[:end])
        assert found is None or found[0].tolist() == [5, 1, 1, 2]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 600), min_size=1, max_size=130),
       st.one_of(st.none(), st.floats(allow_nan=False), st.just("tuple")), st.binary(max_size=40))
def test_any_block_reads_as_its_pickle_or_is_left(ids: list[int], weights: Any, values: bytes) -> None:
    weights = tuple(float(i % 5) for i in range(len(ids))) if weights == "tuple" else weights
    found = _plain_block(_block(tuple(ids), weights, values))
    if found is not None:
        assert (found[0].tolist(), found[1].tolist()) == _expected(tuple(ids), weights)
