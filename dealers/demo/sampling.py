"""Cheap draws from the one random.Random of the run.

random.Random.choices / randrange / choice do argument checking and bit-exact rejection sampling that
the demo does not need; millions of draws make that a measurable share of the seed's time. These
helpers use `random()` directly (still the same seeded stream, so runs stay reproducible).
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


class Weighted:
    """A fixed population with weights, drawn by bisecting cumulative weights."""

    __slots__ = ("items", "cumulative", "total")

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        self.items = list(items)
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]


class Draw:
    __slots__ = ("rng", "random")

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.random = rng.random

    def between(self, low: int, high: int) -> int:
        """An int in [low, high)."""
        return low + int(self.random() * (high - low))

    def pick(self, items: Sequence[T]) -> T:
        return items[int(self.random() * len(items))]

    def weighted(self, table: Weighted):
        return table.items[bisect.bisect_right(table.cumulative, self.random() * table.total)]
