"""What tracing costs per task on Dask's threaded scheduler: no callbacks, the
taskscope_dask hook (trace file written), and Dask's own Profiler.

    python benches/dask_hook_overhead.py [--tasks 10000] [--repeat 9] [--workers 2]

Workloads of --tasks tasks, run with `dask.threaded.get(graph, keys, num_workers=W)`:
- `fanin`: --tasks - 1 trivial tasks (`inc`) and one task that sums them;
- `chain`: a chain of trivial tasks, each needing the one before;
- `norm`: the tutorial's normalization at 4000x4000 in 100x100 chunks (9,160 tasks,
  numpy work in every task), through `res.compute(scheduler="threads")`.
The three modes alternate, one warm-up run each, then --repeat runs each; the table
gives the median wall time per task and the median added per task against no
callbacks (whole computation, including the hook writing its file).
"""

import argparse
import os
import statistics
import tempfile
import time

import dask
import dask.array as da
import dask.threaded
from dask.diagnostics import Profiler

import taskscope_dask


def inc(x):
    return x + 1


def total(*xs):
    return sum(xs)


def fanin(n):
    g = {("leaf", i): (inc, i) for i in range(n - 1)}
    g["sum"] = (total,) + tuple(("leaf", i) for i in range(n - 1))
    return g, "sum"


def chain(n):
    g = {("chain", 0): (inc, 0)}
    for i in range(1, n):
        g[("chain", i)] = (inc, ("chain", i - 1))
    return g, ("chain", n - 1)


def norm(n):
    x = da.random.random((n, n), chunks=(100, 100))
    return (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True)


def workloads(tasks, workers):
    for name, make in (("fanin", fanin), ("chain", chain)):
        g, key = make(tasks)
        yield name, len(g), lambda g=g, key=key: dask.threaded.get(g, key, num_workers=workers)
    res = norm(4000)
    yield "norm", len(res.__dask_graph__()), lambda: res.compute(scheduler="threads", num_workers=workers)


def modes(folder):
    path = os.path.join(folder, "run.trace.jsonl")

    def none(run):
        run()

    def hook(run):
        with taskscope_dask.trace(path):
            run()

    def profiler(run):
        with Profiler():
            run()

    return {"none": none, "taskscope_dask": hook, "Profiler": profiler}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    print(f"dask {dask.__version__}, taskscope_dask {taskscope_dask.__version__}, "
          f"{args.workers} threads, medians of {args.repeat} runs after one warm-up\n")
    print("| workload | tasks | none | taskscope_dask | Profiler | added by taskscope_dask | added by Profiler |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        ways = modes(folder)
        for name, n, run in workloads(args.tasks, args.workers):
            times = {m: [] for m in ways}
            for i in range(args.repeat + 1):
                for mode, f in ways.items():
                    t = time.perf_counter_ns()
                    f(run)
                    if i:
                        times[mode].append((time.perf_counter_ns() - t) / n / 1e3)
            med = {m: statistics.median(v) for m, v in times.items()}
            print(f"| {name} | {n} | {med['none']:.1f} us | {med['taskscope_dask']:.1f} us | "
                  f"{med['Profiler']:.1f} us | +{med['taskscope_dask'] - med['none']:.1f} us | "
                  f"+{med['Profiler'] - med['none']:.1f} us |", flush=True)


if __name__ == "__main__":
    main()
