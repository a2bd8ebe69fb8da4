"""Tracing computations on a dask.distributed cluster.

A scheduler plugin sees each graph the client submits (``update_graph``) and each
task's transitions; when a task finishes, the worker's report carries its worker
address, thread, compute start and stop, transfers and output bytes (the task
stream's record). The plugin buffers these on the scheduler; the client drains them
with ``run_on_scheduler`` every ``poll_period`` and writes one trace per graph.
Times are the scheduler's epoch seconds (workers' clocks corrected by Dask).
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from distributed.diagnostics.plugin import SchedulerPlugin

from ._graph import Graph, OpNames, TaskRecord
from ._records import Run, event_line, sample_line

if TYPE_CHECKING:
    from dask.typing import Key
    from distributed import Client
    from distributed.scheduler import Scheduler
    from distributed.worker_state_machine import StartStop

    from ._trace import Trace

_DONE = ("memory", "erred", "forgotten")

WorkerMemory: TypeAlias = tuple[str, int, int, int]
"""A worker's host, process id, resident memory and bytes of task outputs held."""

Message: TypeAlias = tuple[Any, ...]
"""What the plugin hands the client, by its first item (the kind):
``("graph", run, time, task records, threads, scheduler address, workers' memory)``,
``("event", run, key, worker address, thread, startstops, bytes, error or None)``,
``("end", run, time, error or None)``, ``("memory", time, workers' memory)``."""


class TaskscopePlugin(SchedulerPlugin):
    """Runs on the scheduler: records the graphs of one client and their tasks."""

    def __init__(self, name: str, client_id: str | None = None) -> None:
        self.name = name
        self.client_id = client_id
        self.scheduler: Scheduler | None = None
        self._out: list[Message] = []
        self._runs = 0
        self._run_of: dict[Key, int] = {}  # key -> run, while the task has not finished
        self._left: dict[int, int] = {}  # run -> tasks not finished
        self._error: dict[int, str] = {}  # run -> the first failure

    async def start(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler

    def update_graph(
        self,
        scheduler: Scheduler,
        *,
        client: str | None = None,
        keys: set[Key] | None = None,
        tasks: list[Key] | None = None,
        **kwargs: Any,
    ) -> None:
        if self.client_id is not None and client != self.client_id:
            return
        run = self._runs
        self._runs += 1
        known = scheduler.tasks
        op = OpNames()
        records: list[TaskRecord] = []
        left = 0
        for key in tasks or keys or ():
            ts = known.get(key)
            if ts is None:
                continue
            records.append((key, op(ts.run_spec), [d.key for d in ts.dependencies]))
            if ts.state not in _DONE and key not in self._run_of:
                self._run_of[key] = run
                left += 1
        nthreads = sum(ws.nthreads for ws in scheduler.workers.values())
        self._out.append(("graph", run, time.time(), records, nthreads, scheduler.address, self._memory()))
        self._left[run] = left
        if not left:
            self._end(run)

    def transition(self, key: Key, start: str, finish: str, *args: Any, **kwargs: Any) -> None:
        if finish not in _DONE:
            return
        run = self._run_of.pop(key, None)
        if run is None:
            return
        startstops = kwargs.get("startstops")
        error = None
        if finish == "erred":
            error = str(kwargs.get("exception_text") or kwargs.get("exception") or "failed")
            self._error.setdefault(run, f"task {key} failed: {error}")
        if startstops:
            worker, thread, nbytes = kwargs.get("worker"), kwargs.get("thread"), kwargs.get("nbytes")
            self._out.append(("event", run, key, worker, thread, startstops, nbytes or 0, error))
        self._left[run] -= 1
        if not self._left[run]:
            self._end(run)

    def _end(self, run: int) -> None:
        del self._left[run]
        self._out.append(("end", run, time.time(), self._error.pop(run, None)))

    def drain(self) -> list[Message]:
        """The records since the last call, and the workers' memory now."""
        out, self._out = self._out, []
        out.append(("memory", time.time(), self._memory()))
        return out

    def _memory(self) -> list[WorkerMemory]:
        """Per worker: host, pid, resident memory and bytes of task outputs held."""
        assert self.scheduler is not None, "the plugin has not started"
        return [(ws.host, ws.pid, ws.memory.process, ws.nbytes) for ws in self.scheduler.workers.values()]


def _drain(dask_scheduler: Scheduler, name: str) -> list[Message]:
    plugin = cast("TaskscopePlugin | None", dask_scheduler.plugins.get(name))
    return plugin.drain() if plugin is not None else []


def _ns(seconds: float, t0: float) -> int:
    return max(int((seconds - t0) * 1e9), 0)


class ClusterRun(Run):
    """One graph run on the cluster: its events and samples, waiting to be written."""

    def __init__(self, graph: Graph, t0: float, workers: Sequence[WorkerMemory]) -> None:
        self.graph = graph
        self.t0 = t0  # scheduler epoch seconds
        # (end, key, worker address, thread, the compute startstop, all startstops, bytes, error)
        self.events: list[tuple[float, Key, str, int, StartStop, list[StartStop], int, str | None]] = []
        self.samples: list[str] = []
        self.lanes: dict[tuple[str, int], int] = {}  # (worker address, thread) -> lane
        self.last = t0  # the latest time seen
        self.file = None
        self.memory = self._totals(workers)
        self.first_sample = self.sample_line()

    def build_graph(self) -> Graph:
        return self.graph

    def elapsed_ns(self) -> int:
        return _ns(self.last, self.t0)

    def sample_line(self) -> str:
        rss, held = self.memory
        return sample_line(self.elapsed_ns(), rss, None, held)

    @staticmethod
    def _totals(workers: Sequence[WorkerMemory]) -> tuple[int | None, int]:
        """Resident memory of the workers' processes (in-process workers share one)
        and the bytes of task outputs they hold."""
        by_process = {(host, pid): rss for host, pid, rss, _ in workers}
        return sum(by_process.values()) or None, sum(w[3] for w in workers)

    def add_memory(self, now: float, workers: Sequence[WorkerMemory]) -> None:
        self.memory = self._totals(workers)
        self.last = max(self.last, now)
        self.samples.append(self.sample_line())

    def add_event(
        self, key: Key, worker: str, thread: int, startstops: list[StartStop], nbytes: int, error: str | None
    ) -> None:
        compute = [s for s in startstops if s.get("action") == "compute"]
        main = compute[-1] if compute else startstops[-1]
        self.last = max(self.last, main["stop"])
        self.events.append((main["stop"], key, worker, thread, main, startstops, nbytes, error))

    def pump_lines(self) -> tuple[list[str], int]:
        """Everything to write since the last call: events sorted by end, samples."""
        events, self.events = sorted(self.events, key=lambda e: e[0]), []
        ids, lanes, t0 = self.graph.ids, self.lanes, self.t0
        lines: list[str] = []
        for _, key, worker, thread, main, startstops, nbytes, error in events:
            lane = lanes.setdefault((worker, thread), len(lanes))
            extra: dict[str, object] = {"address": worker, "thread": thread}
            others = [s for s in startstops if s is not main]
            if others:
                extra["startstops"] = [dict(s, start=_ns(s["start"], t0), stop=_ns(s["stop"], t0)) for s in others]
            status, message = ("failed", error) if error is not None else ("done", None)
            start, end = _ns(main["start"], t0), _ns(main["stop"], t0)
            lines.append(event_line(ids[key], lane, start, max(end, start), nbytes, status, message, extra))
        lines += self.samples
        self.samples = []
        return lines, len(events)


class ClusterRecorder:
    """The client's side: registers the plugin, drains it, writes the traces."""

    def __init__(self, session: Trace, client: Client) -> None:
        self.session = session
        self.client = client
        self.name = f"taskscope-{uuid.uuid4().hex[:12]}"
        self.runs: dict[int, ClusterRun] = {}
        client.register_plugin(TaskscopePlugin(self.name, client.id), name=self.name)

    def poll(self) -> None:
        try:
            messages: list[Message] = self.client.run_on_scheduler(_drain, name=self.name)
        except Exception:  # the client or cluster is closing: nothing more to read
            return
        for message in messages:
            kind, rest = message[0], message[1:]
            if kind == "graph":
                self._open(*rest)
            elif kind == "event":
                run = self.runs.get(rest[0])
                if run is not None:
                    run.add_event(*rest[1:])
            elif kind == "memory":
                for run in self.runs.values():
                    run.add_memory(*rest)
            elif kind == "end":
                self._close(*rest)

    def _open(
        self,
        number: int,
        t0: float,
        records: list[TaskRecord],
        nthreads: int,
        address: str,
        workers: list[WorkerMemory],
    ) -> None:
        run = ClusterRun(Graph.from_tasks(records), t0, workers)
        self.runs[number] = run
        info: dict[str, object] = {"executor": "dask.distributed", "workers": max(nthreads, 1), "scheduler": address}
        info["sample_period_ns"] = int(self.session.poll_period * 1e9)
        self.session.open_run(run, info, started_unix_ns=int(t0 * 1e9))

    def _close(self, number: int, now: float, error: str | None) -> None:
        run = self.runs.pop(number, None)
        if run is not None:
            run.last = max(run.last, now)
            self.session.close_run(run, "failed" if error else "ok", run.elapsed_ns(), error)

    def close(self) -> None:
        self.poll()
        with contextlib.suppress(Exception):  # the cluster is gone already
            self.client.unregister_scheduler_plugin(self.name)
