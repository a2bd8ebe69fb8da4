"""Dask's side of `benches/vs_dask.sh`, measured in this process, and the comparison.

    python benches/dask_bench.py TASKSCOPE_BENCH_JSON [--repeat 7] [--tasks 10000]

Times, as medians over --repeat runs after one warm-up:
- the tutorial's normalization (1000x1000 in 100x100 chunks, 590 tasks) computed with
  Dask's threaded scheduler on 2 workers and with its synchronous scheduler;
- Dask's scheduling cost per task on trivial tasks: a chain and a fan-in of --tasks
  tasks, with `dask.threaded.get(..., num_workers=2)` and `dask.get` (no culling or
  optimization in the way);
then prints a Markdown table next to taskscope's figures from `taskscope bench
--format json` (the file given), with the ratios.
"""

import argparse
import json
import statistics
import time

import dask
import dask.array as da
import dask.threaded


def median_time(f, repeat):
    f()  # warm-up
    times = []
    for _ in range(repeat):
        t = time.perf_counter_ns()
        f()
        times.append(time.perf_counter_ns() - t)
    return statistics.median(times)


def inc(x):
    return x + 1


def total(*xs):
    return sum(xs) + 1


def chain_graph(n):
    g = {("chain", 0): (inc, 0)}
    for i in range(1, n):
        g[("chain", i)] = (inc, ("chain", i - 1))
    return g, ("chain", n - 1)


def fanin_graph(n):
    g = {("leaf", i): (inc, 0) for i in range(n - 1)}
    g["sum"] = (total,) + tuple(("leaf", i) for i in range(n - 1))
    return g, "sum"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("taskscope_json")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--tasks", type=int, default=10_000)
    args = ap.parse_args()

    x = da.random.random((1000, 1000), chunks=(100, 100))
    y = (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True)
    dask_rows = {
        ("tutorial", "threads"): (590, median_time(lambda: y.compute(scheduler="threads", num_workers=2), args.repeat)),
        ("tutorial", "sequential"): (590, median_time(lambda: y.compute(scheduler="sync"), args.repeat)),
    }
    for shape, make in (("chain", chain_graph), ("fanin", fanin_graph)):
        g, key = make(args.tasks)
        dask_rows[(shape, "threads")] = (
            len(g),
            median_time(lambda: dask.threaded.get(g, key, num_workers=2), args.repeat),
        )
        dask_rows[(shape, "sequential")] = (len(g), median_time(lambda: dask.get(g, key), args.repeat))

    with open(args.taskscope_json) as f:
        ours = json.load(f)

    print(f"dask {dask.__version__}; medians of {args.repeat} runs; per-task figures are wall / tasks\n")
    print("| workload | executor | Dask | taskscope, tracing off | taskscope, tracing on | Dask / taskscope (tracing on) |")
    print("|---|---|---|---|---|---|")
    for (shape, executor), (n, ns) in dask_rows.items():
        mine = {r["traced"]: r for r in ours if r["shape"] == shape and r["executor"] == executor}
        if not mine:
            continue
        if shape == "tutorial":
            fmt = lambda v: f"{v / 1e6:.2f} ms"
            d, off, on = fmt(ns), fmt(mine[False]["wall_ns"]), fmt(mine[True]["wall_ns"])
            ratio = ns / mine[True]["wall_ns"]
        else:
            d = f"{ns / n / 1e3:.1f} us/task ({n} tasks)"
            off = f"{mine[False]['per_task_ns']:.0f} ns/task ({mine[False]['tasks']} tasks)"
            on = f"{mine[True]['per_task_ns']:.0f} ns/task"
            ratio = (ns / n) / mine[True]["per_task_ns"]
        print(f"| {shape} | {executor} | {d} | {off} | {on} | {ratio:.0f}x |")


if __name__ == "__main__":
    main()
