"""The Dask side of the tutorial benchmark: what `taskscope demo` computes, in Dask.

    /tmp/dask-venv/bin/python benches/dask_tutorial.py [sync|threads]

Builds and computes the normalization of a random 1000x1000 array in 100x100 chunks
(590 tasks) and the delayed inc/double/add sum (16 tasks), on the given scheduler.
"""

import sys

import dask
import dask.array as da

scheduler = sys.argv[1] if len(sys.argv) > 1 else "sync"

x = da.random.random((1000, 1000), chunks=(100, 100))
y = (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True)
r = y.compute(scheduler=scheduler)


def inc(i):
    return i + 1


def double(i):
    return i * 2


def add(a, b):
    return a + b


output = []
for v in [1, 2, 3, 4, 5]:
    output.append(dask.delayed(add)(dask.delayed(inc)(v), dask.delayed(double)(v)))
total = dask.delayed(sum)(output)
assert total.compute(scheduler=scheduler) == 50
