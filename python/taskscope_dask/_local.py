"""Tracing Dask's local schedulers (sync, threads, processes) through its callbacks.

Dask calls ``_pretask``/``_posttask`` on the scheduling thread when a task is handed
to the pool and when its result comes back, so their times include queueing. To time
the task's own code, ``_pretask`` swaps the task in the graph for a ``_Timed`` wrapper
that reads the clock on the worker, just around the task, and measures its output
with ``dask.sizeof``. Under the processes scheduler the wrapper is pickled into the
worker process as a ``_Remote`` one, which sends its times back with the result.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Mapping
from operator import itemgetter
from time import perf_counter_ns, process_time_ns
from typing import TYPE_CHECKING, Any, TypeAlias

from dask.callbacks import Callback
from dask.sizeof import sizeof

from ._graph import Graph, graph_of_dsk
from ._records import Run, event_line, sample_line

if TYPE_CHECKING:
    from types import FrameType

    from dask._task_spec import GraphNode
    from dask.typing import Key

    from ._trace import Trace

    Event: TypeAlias = tuple[Key, int | None, int, int, int, str | None]
    """(key, worker id, start, end, output bytes, failure message or None)"""

_by_end = itemgetter(3)
_FAILURE = "_taskscope_failure"  # attribute set on a task's exception: (key, start, end, worker)


def _run(
    task: GraphNode, key: Key, data: Mapping[Key, object], worker: Callable[[], int]
) -> tuple[object, int, int, int]:
    """Runs a task: ``(value, start, end, output bytes)``. A failure carries
    ``(key, start, end, worker())`` in its exception for the run's end record."""
    start = perf_counter_ns()
    try:
        value = task(data)
    except BaseException as e:
        with contextlib.suppress(Exception):  # exceptions with __slots__ take no attribute
            setattr(e, _FAILURE, (key, start, perf_counter_ns(), worker()))
        raise
    end = perf_counter_ns()
    try:
        nbytes: int = sizeof(value)
    except Exception:  # an object sizeof cannot measure: count nothing
        nbytes = 0
    return value, start, end, nbytes


class _Timed:
    """A task that records when it ran and how big its output is."""

    __slots__ = ("end", "key", "nbytes", "start", "task")

    task: GraphNode
    key: Key
    start: int
    end: int
    nbytes: int

    def __init__(self, task: GraphNode, key: Key) -> None:
        self.task = task
        self.key = key

    @property
    def dependencies(self) -> frozenset[Key]:
        return self.task.dependencies

    def __call__(self, data: Mapping[Key, object]) -> object:
        value, self.start, self.end, self.nbytes = _run(self.task, self.key, data, threading.get_ident)
        return value

    def __reduce__(self) -> tuple[type[_Remote], tuple[GraphNode, Key]]:
        return (_Remote, (self.task, self.key))


class _Stamped(tuple[object, int, int, int]):
    """``(value, start, end, nbytes)``: a result from another process with its times."""

    __slots__ = ()


class _Remote:
    """``_Timed`` in a worker process: returns its times along with the result."""

    __slots__ = ("key", "task")

    task: GraphNode
    key: Key

    def __init__(self, task: GraphNode, key: Key) -> None:
        self.task = task
        self.key = key

    def __call__(self, data: Mapping[Key, object]) -> _Stamped:
        return _Stamped(_run(self.task, self.key, data, os.getpid))


_SCHEDULERS = {"_thread_get_id": "threads", "_process_get_id": "processes", "default_get_id": "sync"}


def _scheduler_of(frame: FrameType) -> tuple[str, int]:
    """Which local scheduler called, and with how many workers: read from the frame of
    ``dask.local.get_async`` (best effort; Dask has no public way to ask)."""
    try:
        if frame.f_code.co_name == "get_async":
            local = frame.f_locals
            get_id = getattr(local.get("get_id"), "__name__", "")
            return _SCHEDULERS.get(get_id, "dask-local"), int(local.get("num_workers") or 1)
    except Exception:
        pass
    return "dask-local", os.cpu_count() or 1


_PAGE: int | None
try:
    _PAGE = os.sysconf("SC_PAGE_SIZE")
except (AttributeError, ValueError, OSError):  # not a POSIX system
    _PAGE = None


def process_rss(pid: int | None = None) -> int | None:
    """Resident memory of a process (this one by default) in bytes, or None."""
    if _PAGE is not None:
        try:
            with open(f"/proc/{pid or 'self'}/statm", "rb") as f:
                return int(f.read().split()[1]) * _PAGE
        except (OSError, ValueError, IndexError):
            pass
    try:
        import psutil

        return psutil.Process(pid).memory_info().rss
    except Exception:  # no psutil, or the process is gone
        return None


class LocalRun(Run):
    """One computation on a local scheduler: its events, waiting to be written."""

    def __init__(self, nodes: dict[Key, Any], executor: str) -> None:
        # the graph as Dask gave it; made into a Graph off the run's path
        self.nodes: dict[Key, Any] | None = nodes
        self.graph: Graph | None = None
        self._graph_lock = threading.Lock()
        self.executor = executor
        self.events: deque[Event] = deque()  # (key, worker id, start, end, nbytes, failure message)
        self.sizes: dict[Key, int] = {}  # bytes of each output still held
        self.held = 0
        self.lanes: dict[int | None, int] = {}  # worker id (thread or process) -> lane
        self.t0 = perf_counter_ns()
        self.cpu0 = process_time_ns()
        self.first_sample = sample_line(0, process_rss(), 0, 0)
        self.file = None  # set by the session

    def build_graph(self) -> Graph:
        with self._graph_lock:
            if self.graph is None:
                assert self.nodes is not None  # dropped only once the graph is built
                self.graph = graph_of_dsk(self.nodes)
                self.nodes = None
        return self.graph

    def elapsed_ns(self) -> int:
        return perf_counter_ns() - self.t0

    def sample_line(self) -> str:
        """RSS (of the worker processes too, under the processes scheduler) and CPU
        time of this process, and the outputs held, now."""
        t = perf_counter_ns() - self.t0
        rss = process_rss()
        if rss is not None and self.executor == "processes":
            rss += sum(process_rss(pid) or 0 for pid in self.lanes)  # lanes: worker pids
        return sample_line(t, rss, process_time_ns() - self.cpu0, self.held)

    def pump_lines(self) -> tuple[list[str], int]:
        """Everything to write since the last call: events and a sample."""
        lines, n = self.take_lines()
        lines.append(self.sample_line())
        return lines, n

    def take_lines(self) -> tuple[list[str], int]:
        """The events recorded since the last call, as lines sorted by end."""
        assert self.graph is not None  # built when the run's file was started
        queue = self.events
        events = [queue.popleft() for _ in range(len(queue))]  # appends may go on meanwhile
        events.sort(key=_by_end)
        ids, lanes, t0 = self.graph.ids, self.lanes, self.t0
        lines: list[str] = []
        append = lines.append
        for key, worker, start, end, nbytes, failure in events:
            lane = lanes.get(worker)
            if lane is None:
                lane = lanes[worker] = len(lanes)
            start, end = max(start - t0, 0), max(end - t0, 0)  # other processes' clocks too
            if failure is None:
                append(event_line(ids[key], lane, start, end, nbytes))
            elif key in ids:
                append(event_line(ids[key], lane, start, end, nbytes, "failed", failure))
        return lines, len(lines)

    def fail(self, exc: BaseException | None) -> str:
        """Records the task whose exception ended the run, if it says which, and
        returns the run's error message."""
        message = f"{type(exc).__name__}: {exc}" if exc is not None else "the computation failed"
        info = getattr(exc, _FAILURE, None)
        if info is None:
            return message
        key, start, end, worker = info
        self.events.append((key, None if self.executor == "sync" else worker, start, end, 0, message))
        return f"task {key} failed: {message}"


class LocalRecorder(Callback):
    """The callbacks that trace every computation on a local scheduler."""

    def __init__(self, session: Trace) -> None:
        # untyped in Dask; untyped_calls_exclude does not reach super() calls (mypy issue 16653)
        super().__init__()  # type: ignore[no-untyped-call]
        self._session = session
        self._runs: dict[int, LocalRun] = {}  # id(graph dict) -> LocalRun

    def _start(self, dsk: dict[Key, Any]) -> None:
        executor, workers = _scheduler_of(sys._getframe(1))
        run = LocalRun(dict(dsk), executor)  # a copy: _pretask swaps tasks in dsk
        self._runs[id(dsk)] = run
        self._session.open_run(run, {"executor": executor, "workers": workers})

    def _pretask(self, key: Key, dsk: dict[Key, Any], state: dict[str, Any]) -> None:
        dsk[key] = _Timed(dsk[key], key)

    def _posttask(self, key: Key, result: object, dsk: dict[Key, Any], state: dict[str, Any], worker_id: int) -> None:
        timed = dsk[key]
        if type(timed) is not _Timed:  # not ours (a graph that started before the trace)
            return
        dsk[key] = timed.task
        if type(result) is _Stamped:
            value, start, end, nbytes = result
            while type(value) is _Stamped:  # wrapped by a second trace around this one
                value = value[0]
            cache = state["cache"]
            if key in cache:
                cache[key] = value
        else:
            start, end, nbytes = timed.start, timed.end, timed.nbytes
        run = self._runs.get(id(dsk))
        if run is None:
            return
        run.events.append((key, worker_id, start, end, nbytes, None))
        sizes = run.sizes
        sizes[key] = nbytes
        held = run.held + nbytes
        cache = state["cache"]
        for dep in state["dependencies"][key]:
            if dep not in cache:
                held -= sizes.pop(dep, 0)
        run.held = held

    def _finish(self, dsk: dict[Key, Any], state: dict[str, Any], failed: bool) -> None:
        run = self._runs.pop(id(dsk), None)
        if run is None:
            return
        wall = perf_counter_ns() - run.t0
        if not failed:
            self._session.close_run(run, "ok", wall)
            return
        exc = sys.exc_info()[1]
        status = "cancelled" if isinstance(exc, KeyboardInterrupt) else "failed"
        self._session.close_run(run, status, wall, run.fail(exc))
