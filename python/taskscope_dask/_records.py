"""taskscope file format v1 (docs/trace-format.md): JSON lines, written as taskscope does."""

from __future__ import annotations

import contextlib
import os
import platform
import secrets
import socket
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, TypeAlias

from . import __version__
from ._json import encode as _encode

if TYPE_CHECKING:
    from ._graph import Graph

StrPath: TypeAlias = str | os.PathLike[str]
"""A file's path, as a string or a path object."""

TOOL = f"taskscope_dask {__version__}"


def header_line(name: str | None, run: Mapping[str, object] | None = None) -> str:
    """The header record; ``run`` is the run object of a trace, None for a graph."""
    header: dict[str, object] = {"type": "header", "format": "taskscope", "version": 1, "tool": TOOL, "clock": "ns"}
    if name:
        header["name"] = name
    if run is not None:
        header["run"] = run
    return _encode(header) + "\n"


def host_info() -> dict[str, str | int]:
    """The ``host`` object of a run's header: this machine."""
    return {
        "hostname": socket.gethostname(),
        "os": platform.system().lower(),
        "arch": platform.machine(),
        "cpus": os.cpu_count() or 1,
    }


def event_line(
    task: int,
    worker: int,
    start: int,
    end: int,
    nbytes: int,
    status: str = "done",
    message: str | None = None,
    extra: Mapping[str, object] | None = None,
) -> str:
    """An event record; ``extra`` holds a writer's own fields, written after the rest."""
    line = (
        f'{{"type":"event","task":{task},"worker":{worker},"start":{start},"end":{end},'
        f'"status":"{status}","bytes":{nbytes}'
    )
    if message is not None:
        line += f',"message":{_encode(message)}'
    if extra:
        line += "," + _encode(extra)[1:-1]
    return line + "}\n"


def sample_line(t: int, rss: int | None = None, cpu: int | None = None, held: int = 0) -> str:
    """A sample record; ``rss`` and ``cpu`` are left out when unknown."""
    line = f'{{"type":"sample","t":{t}'
    if rss is not None:
        line += f',"rss":{rss}'
    if cpu is not None:
        line += f',"cpu":{cpu}'
    return line + f',"held":{held}}}\n'


def end_line(
    graph: Graph,
    events: int | None = None,
    status: str | None = None,
    wall: int | None = None,
    error: str | None = None,
) -> str:
    """The end record: the graph's counts, and for a run how it ended."""
    end: dict[str, object] = {"type": "end", "tasks": len(graph), "edges": graph.edges}
    if events is not None:
        end["events"] = events
    if status is not None:
        end["status"] = status
    if wall is not None:
        end["wall"] = wall
    if error is not None:
        end["error"] = error
    return _encode(end) + "\n"


def _create_temp(folder: str) -> tuple[int, str]:
    """A new file in ``folder`` for an atomic write, with the mode files normally get
    (0666 less the umask: ``tempfile.mkstemp`` makes 0600, which the rename keeps)."""
    for _ in range(100):
        name = f".taskscope-{os.getpid()}-{secrets.token_hex(6)}.tmp"
        tmp = os.path.join(folder, name)
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"{folder}: cannot find a free name for a temporary file")


def write_graph_file(path: StrPath, graph: Graph, name: str | None = None) -> None:
    """Writes a graph file atomically: a temporary file renamed over ``path``."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = _create_temp(folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(header_line(name))
            f.writelines(graph.lines)
            f.write(end_line(graph))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class Run:
    """One computation as a ``Trace`` records it, whatever ran it (``LocalRun``,
    ``ClusterRun``). The recorder makes it; the trace then sets its file's ``path``,
    the ``header``'s run object and ``lock``, and ``file`` once the file is started."""

    path: str
    header: dict[str, object]
    lock: threading.Lock
    file: RunFile | None = None
    broken = False  # set when writing its file failed: nothing more is written
    first_sample: str  # the sample record at time 0, written right after the graph

    def build_graph(self) -> Graph:
        """The graph of the computation, as its file's task records."""
        raise NotImplementedError

    def elapsed_ns(self) -> int:
        """Nanoseconds since the computation started."""
        raise NotImplementedError

    def pump_lines(self) -> tuple[list[str], int]:
        """The records gathered since the last call, and how many of them are events."""
        raise NotImplementedError


class RunFile:
    """A trace written in place as the run goes: header and tasks first, then events
    and samples in flushed batches, then the end record. A file left without its end
    record reads as truncated."""

    def __init__(self, path: StrPath, name: str | None, graph: Graph, run: Mapping[str, object]) -> None:
        self.path = os.fspath(path)
        self.graph = graph
        self.events = 0
        self._f = open(self.path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115 (open until close())
        self._f.write(header_line(name, run))
        self._f.writelines(graph.lines)
        self._f.flush()

    def write(self, lines: list[str], events: int = 0) -> None:
        """Writes lines (one batch) and counts the events among them."""
        if lines:
            self._f.write("".join(lines))
            self.events += events

    def flush(self) -> None:
        self._f.flush()

    def close(self, status: str, wall: int, error: str | None = None) -> None:
        self._f.write(end_line(self.graph, self.events, status, wall, error))
        self._f.close()

    @property
    def closed(self) -> bool:
        return self._f.closed
