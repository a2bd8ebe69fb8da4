"""``trace(path)``: every Dask computation inside it, written as a taskscope trace."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Literal

from ._local import LocalRecorder
from ._records import Run, RunFile, StrPath, host_info

if TYPE_CHECKING:
    from distributed import Client

    from ._distributed import ClusterRecorder


def _split_name(path: StrPath) -> tuple[str, str]:
    """A file name's stem and extension, ``.trace.jsonl`` counting as one."""
    name = os.path.basename(os.fspath(path))
    for ext in (".trace.jsonl", ".jsonl", ".json"):
        if name.endswith(ext):
            return name[: -len(ext)], ext
    return os.path.splitext(name)


def numbered_path(path: StrPath, n: int) -> str:
    """The file of the n-th computation of a trace: ``run.trace.jsonl``, then
    ``run-2.trace.jsonl``, ``run-3.trace.jsonl``…"""
    path = os.fspath(path)
    if n == 1:
        return path
    stem, ext = _split_name(path)
    return os.path.join(os.path.dirname(path), f"{stem}-{n}{ext}")


def name_of(path: StrPath) -> str:
    """A trace's name from its file name: ``norm`` for ``out/norm.trace.jsonl``."""
    return _split_name(path)[0]


def _current_client() -> Client | None:
    """The default dask.distributed Client, if distributed is in use."""
    if "distributed" not in sys.modules:
        return None
    try:
        from distributed import default_client

        client: Client = default_client()
        return client
    except (ImportError, ValueError):
        return None


class Trace:
    """Records every Dask computation run inside ``with``, one file per computation.

    The first computation is written to ``path``, later ones next to it with a
    number (``norm-2.trace.jsonl``); ``paths`` lists the files written. Each file is
    complete on its own: the graph Dask ran, then one event per task as tasks finish,
    resource samples, and an end record once the computation is over.
    """

    def __init__(
        self,
        path: StrPath,
        *,
        client: Client | None = None,
        name: str | None = None,
        sample_period: float = 0.01,
        poll_period: float = 0.1,
    ) -> None:
        self.path = os.fspath(path)
        self.name = name or name_of(path)
        self.paths: list[str] = []
        self.sample_period = sample_period
        self.poll_period = poll_period
        self._client = client
        self._cluster: ClusterRecorder | None = None
        self._local: LocalRecorder | None = None
        self._runs: list[Run] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._error: Exception | None = None

    # -- the context -------------------------------------------------------------

    def __enter__(self) -> Trace:
        folder = os.path.dirname(os.path.abspath(self.path))
        if not os.path.isdir(folder):
            raise FileNotFoundError(f"cannot write the trace {self.path}: no folder {folder}")
        self._error = None
        self._local = LocalRecorder(self)
        self._local.register()
        client = self._client or _current_client()
        if client is not None:
            from ._distributed import ClusterRecorder

            self._cluster = ClusterRecorder(self, client)
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="taskscope-trace", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> Literal[False]:
        assert self._thread is not None and self._local is not None, "__exit__ without __enter__"
        self._stop.set()
        self._thread.join()
        self._local.unregister()
        if self._cluster is not None:
            self._cluster.close()
        for run in list(self._runs):
            self.close_run(run, "cancelled", run.elapsed_ns(), "the trace closed before the computation ended")
        if self._error is not None and exc_type is None:
            raise RuntimeError(f"taskscope_dask could not write the trace {self.path}: {self._error}") from self._error
        return False

    # -- runs ----------------------------------------------------------------------

    def open_run(self, run: Run, run_info: Mapping[str, object], started_unix_ns: int | None = None) -> None:
        """Registers a new computation. Its file (header, graph, first sample) is
        started by the writer thread, off the computation's path, or when it ends.
        ``run_info`` has ``executor`` and ``workers``, and may have more."""
        run_info = dict(run_info)
        with self._lock:
            run.path = numbered_path(self.path, len(self.paths) + 1)
            self.paths.append(run.path)
        if started_unix_ns is None:
            started_unix_ns = time.time_ns() - run.elapsed_ns()
        info = {"executor": run_info.pop("executor"), "workers": run_info.pop("workers"), "host": host_info()}
        info["started_unix_ns"] = started_unix_ns
        info["sample_period_ns"] = run_info.pop("sample_period_ns", int(self.sample_period * 1e9))
        info.update(run_info)  # the writer's own fields, after the documented ones
        run.header, run.file, run.lock = info, None, threading.Lock()
        with self._lock:
            self._runs.append(run)

    def close_run(self, run: Run, status: str, wall: int, error: str | None = None) -> None:
        """Writes what is left of a computation, a last sample and the end record."""
        with self._lock:
            if run not in self._runs:
                return
            self._runs.remove(run)
        with run.lock:
            self._guarded_write(run, (status, wall, error))

    def _guarded_write(self, run: Run, end: tuple[str, int, str | None] | None = None) -> None:
        """``_write``, keeping a failure to write (a full disk, a folder removed) for
        the end of the trace instead of raising it inside Dask's scheduler."""
        if run.broken:
            return
        try:
            self._write(run, end)
        except Exception as e:
            run.broken = True
            if self._error is None:
                self._error = e

    def _write(self, run: Run, end: tuple[str, int, str | None] | None = None) -> None:
        """Writes what a run has gathered (called under its lock), starting its file
        first if need be, and flushes it or, with ``end``, closes it."""
        if run.file is None:
            run.file = RunFile(run.path, self.name, run.build_graph(), run.header)
            run.file.write([run.first_sample])
        elif run.file.closed:
            return
        run.file.write(*run.pump_lines())
        if end is None:
            run.file.flush()
        else:
            run.file.close(*end)

    def _loop(self) -> None:
        next_poll = 0.0
        while not self._stop.wait(self.sample_period):
            for run in list(self._runs):
                with run.lock:
                    self._guarded_write(run)
            if self._cluster is not None and time.monotonic() >= next_poll:
                next_poll = time.monotonic() + self.poll_period
                self._cluster.poll()


def trace(
    path: StrPath, *, client: Client | None = None, name: str | None = None, sample_period: float = 0.01
) -> Trace:
    """Traces the Dask computations run inside ``with``; see ``Trace``.

    >>> with taskscope_dask.trace("norm.trace.jsonl"):      # doctest: +SKIP
    ...     res.compute()

    Local schedulers (sync, threads, processes) are traced through Dask's callbacks.
    With a ``dask.distributed`` Client (the default client, or ``client=``), the
    scheduler's task stream is recorded through a scheduler plugin.
    """
    return Trace(path, client=client, name=name, sample_period=sample_period)
