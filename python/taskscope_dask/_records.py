"""taskscope file format v1 (docs/trace-format.md): JSON lines, written as taskscope does."""

from __future__ import annotations

import os
import platform
import socket
import tempfile

from . import __version__
from ._json import encode as _encode

TOOL = f"taskscope_dask {__version__}"


def header_line(name, run=None):
    """The header record; ``run`` is the run object of a trace, None for a graph."""
    header = {"type": "header", "format": "taskscope", "version": 1, "tool": TOOL, "clock": "ns"}
    if name:
        header["name"] = name
    if run is not None:
        header["run"] = run
    return _encode(header) + "\n"


def host_info():
    """The ``host`` object of a run's header: this machine."""
    return {
        "hostname": socket.gethostname(),
        "os": platform.system().lower(),
        "arch": platform.machine(),
        "cpus": os.cpu_count() or 1,
    }


def event_line(task, worker, start, end, nbytes, status="done", message=None, extra=None):
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


def sample_line(t, rss=None, cpu=None, held=0):
    """A sample record; ``rss`` and ``cpu`` are left out when unknown."""
    line = f'{{"type":"sample","t":{t}'
    if rss is not None:
        line += f',"rss":{rss}'
    if cpu is not None:
        line += f',"cpu":{cpu}'
    return line + f',"held":{held}}}\n'


def end_line(graph, events=None, status=None, wall=None, error=None):
    """The end record: the graph's counts, and for a run how it ended."""
    end = {"type": "end", "tasks": len(graph), "edges": graph.edges}
    if events is not None:
        end["events"] = events
    if status is not None:
        end["status"] = status
    if wall is not None:
        end["wall"] = wall
    if error is not None:
        end["error"] = error
    return _encode(end) + "\n"


def write_graph_file(path, graph, name=None):
    """Writes a graph file atomically: a temporary file renamed over ``path``."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".taskscope-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(header_line(name))
            f.writelines(graph.lines)
            f.write(end_line(graph))
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class RunFile:
    """A trace written in place as the run goes: header and tasks first, then events
    and samples in flushed batches, then the end record. A file left without its end
    record reads as truncated."""

    def __init__(self, path, name, graph, run):
        self.path = os.fspath(path)
        self.graph = graph
        self.events = 0
        self._f = open(self.path, "w", encoding="utf-8", newline="\n")
        self._f.write(header_line(name, run))
        self._f.writelines(graph.lines)
        self._f.flush()

    def write(self, lines, events=0):
        """Writes lines (one batch) and counts the events among them."""
        if lines:
            self._f.write("".join(lines))
            self.events += events

    def flush(self):
        self._f.flush()

    def close(self, status, wall, error=None):
        self._f.write(end_line(self.graph, self.events, status, wall, error))
        self._f.close()

    @property
    def closed(self):
        return self._f.closed
