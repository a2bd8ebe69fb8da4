"""What tracing costs per task on Dask's threaded scheduler: no callbacks, the
taskscope_dask hook (trace file written), and Dask's own Profiler.

    python benches/dask_hook_overhead.py [--tasks 10000] [--repeat 15] [--workers 2] [--workloads fanin,chain,norm]

Workloads of --tasks tasks, run with `dask.threaded.get(graph, keys, num_workers=W)`:
- `fanin`: --tasks - 1 trivial tasks (`inc`) and one task that sums them;
- `chain`: a chain of trivial tasks, each needing the one before;
- `norm`: the tutorial's normalization at 4000x4000 in 100x100 chunks (9,160 tasks,
  numpy work in every task), through `res.compute(scheduler="threads")`.
The three modes alternate, one warm-up run each, then --repeat runs each; the table
gives, per task, the median wall time and the median CPU time of the whole process
(all threads; steadier than wall time on a shared machine), and what each adds to no
callbacks (the whole computation, including the hook writing its trace file).

With --only MODE it runs the first of --workloads --repeat times in that mode and
prints nothing, for timing whole processes against each other, for example
`hyperfine 'python benches/dask_hook_overhead.py --only taskscope_dask --workloads chain'
'python benches/dask_hook_overhead.py --only none --workloads chain'`.
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
from dask_bench import chain_graph, fanin_graph  # this folder


def norm(n):
    x = da.random.random((n, n), chunks=(100, 100))
    return (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True)


def workloads(tasks, workers):
    for name, make in (("fanin", fanin_graph), ("chain", chain_graph)):
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


def per_task_us(f, run, n):
    """Wall and CPU (all threads of this process) microseconds per task of one run."""
    wall, cpu = time.perf_counter_ns(), time.process_time_ns()
    f(run)
    return (time.perf_counter_ns() - wall) / n / 1e3, (time.process_time_ns() - cpu) / n / 1e3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--workloads", default="fanin,chain,norm")
    ap.add_argument("--only", choices=["none", "taskscope_dask", "Profiler"],
                    help="run the first workload --repeat times in this mode and print nothing "
                    "(for whole-process timings of one mode against another)")
    args = ap.parse_args()
    chosen = args.workloads.split(",")
    if args.only:
        with tempfile.TemporaryDirectory() as folder:
            f = modes(folder)[args.only]
            name, n, run = next(w for w in workloads(args.tasks, args.workers) if w[0] in chosen)
            for _ in range(args.repeat):
                f(run)
        return
    print(f"dask {dask.__version__}, taskscope_dask {taskscope_dask.__version__}, "
          f"{args.workers} threads, medians of {args.repeat} runs after one warm-up, "
          "per task: wall (CPU of all threads)\n")
    print("| workload | tasks | none | taskscope_dask | Profiler | added by taskscope_dask | added by Profiler |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        ways = modes(folder)
        for name, n, run in workloads(args.tasks, args.workers):
            if name not in chosen:
                continue
            times = {m: [] for m in ways}
            for i in range(args.repeat + 1):
                for mode, f in ways.items():
                    t = per_task_us(f, run, n)
                    if i:
                        times[mode].append(t)
            med = {m: [statistics.median(x[j] for x in v) for j in (0, 1)] for m, v in times.items()}

            def cell(m):
                return f"{med[m][0]:.1f} us ({med[m][1]:.1f})"

            def added(m):
                return f"{med[m][0] - med['none'][0]:+.1f} us ({med[m][1] - med['none'][1]:+.1f})"

            print(f"| {name} | {n} | {cell('none')} | {cell('taskscope_dask')} | {cell('Profiler')} | "
                  f"{added('taskscope_dask')} | {added('Profiler')} |", flush=True)


if __name__ == "__main__":
    main()
