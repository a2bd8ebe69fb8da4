"""The Dask computations the tests run.

``norm`` and ``tutorial_delayed`` are the tutorial's programs whose graphs the
repository's Dask fixtures hold: tests/fixtures/dask/make_fixtures.py imports them
from here, so the Rust tests and these check the same programs.
"""

from __future__ import annotations

from typing import NoReturn

import dask.array as da
from dask.delayed import Delayed, delayed


def norm(n: int) -> da.Array:
    """The tutorial's normalization of an n x n random array in 100 x 100 chunks."""
    x = da.random.random((n, n), chunks=(100, 100))
    result: da.Array = (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True)
    return result


def tutorial_norm(n: int = 1000) -> da.Array:
    """The tutorial's normalization: 590 tasks at 1000x1000 in 100x100 chunks."""
    return norm(n)


def tutorial_delayed() -> Delayed:
    """The tutorial's delayed example: 16 tasks (inc, double, add, sum); computes 50."""

    def inc(x: int) -> int:
        return x + 1

    def double(x: int) -> int:
        return x * 2

    def add(x: int, y: int) -> int:
        return x + y

    output = []
    for x in [1, 2, 3, 4, 5]:
        output.append(delayed(add)(delayed(inc)(x), delayed(double)(x)))
    total: Delayed = delayed(sum)(output)
    return total


def boom(x: object) -> NoReturn:
    raise ValueError(f"no good: {x}")


def failing_computation() -> Delayed:
    """A delayed graph whose task ``boom-1`` raises ``ValueError("no good: 3")``."""
    computation: Delayed = delayed(boom)(delayed(sum)([1, 2]), dask_key_name="boom-1")
    return computation
