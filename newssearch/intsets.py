"""Large sets of integers in little memory: a sorted numpy array (4 or 8 bytes a value) and
a Python set of the latest additions, merged into the array every RECENT of them. Wire-story
grouping keeps its furniture marks in one, an indexing run the hashes of its ids in another.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

RECENT = 50_000  # values kept in the set before they join the sorted array


class IntSet:
    """Integers of one numpy ``dtype``, added and looked up; never removed."""

    def __init__(self, dtype: Any, values: Any = ()) -> None:
        self.dtype = dtype
        self.sorted = np.sort(np.asarray(values, dtype=dtype))
        self.recent: set[int] = set()

    def add(self, values: Iterable[int]) -> None:
        self.recent.update(values)
        if len(self.recent) >= RECENT:
            self.sorted = np.union1d(self.sorted, np.fromiter(self.recent, dtype=self.dtype, count=len(self.recent)))
            self.recent.clear()

    def among(self, values: list[int]) -> set[int]:
        """Those of ``values`` that are in the set (one vectorised search)."""
        found = self.recent.intersection(values)
        if values and len(self.sorted):
            wanted = np.array(values, dtype=self.dtype)
            hits = self.sorted.take(self.sorted.searchsorted(wanted), mode="clip") == wanted
            if hits.any():
                found.update(wanted[hits].tolist())
        return found

    def __contains__(self, value: int) -> bool:
        if value in self.recent:
            return True
        at = int(self.sorted.searchsorted(value))
        return at < len(self.sorted) and int(self.sorted[at]) == value
