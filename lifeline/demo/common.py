"""What the demo's builders share: a weighted draw and the size of a bulk insert."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

BATCH = 500


def weighted(rng: random.Random, pairs: Sequence[tuple[T, int]]) -> T:
    return rng.choices([v for v, _ in pairs], weights=[w for _, w in pairs])[0]
