"""taskscope_dask: Dask computations as taskscope graphs and traces.

>>> import taskscope_dask                                       # doctest: +SKIP
>>> taskscope_dask.write_graph(res, path="norm.trace.jsonl")    # the graph
>>> with taskscope_dask.trace("run.trace.jsonl"):               # a run
...     res.compute()
>>> taskscope_dask.visualize(res, filename="norm_dask.pdf")     # a drawing, no Graphviz

Files follow taskscope's format v1 (docs/trace-format.md in the taskscope repository)
and open with ``taskscope stats``, ``taskscope render`` and ``taskscope view``.
"""

from __future__ import annotations

__version__ = "0.1.0"  # the package's one version: pyproject.toml reads it from here

import os

from ._graph import collections_graph, graph_of_dsk
from ._records import StrPath, write_graph_file
from ._render import TaskscopeNotFound, render_graph, run_taskscope, taskscope_bin
from ._trace import Trace, name_of, trace

__all__ = [
    "TaskscopeNotFound",
    "Trace",
    "run_taskscope",
    "taskscope_bin",
    "trace",
    "visualize",
    "write_graph",
]


def write_graph(*collections: object, path: StrPath, optimize_graph: bool = False, name: str | None = None) -> int:
    """Writes the graph of Dask collections (arrays, dataframes, bags, delayed) as a
    taskscope graph file, atomically, and returns the number of tasks.

    Keys are written as Dask prints them (``str(key)``), the group is
    ``dask.utils.key_split(key)`` and the op the task's function name; tasks are
    numbered in ``dask.order`` priority. Without ``optimize_graph`` the tasks are
    those of ``collection.__dask_graph__()``; with it, those ``compute`` would run.

    >>> write_graph(res, path="norm.trace.jsonl")   # doctest: +SKIP
    590
    """
    graph = graph_of_dsk(collections_graph(collections, optimize_graph), order=True)
    write_graph_file(path, graph, name or name_of(path))
    return len(graph)


def visualize(
    *collections: object,
    filename: StrPath = "mydask",
    format: str | None = None,
    optimize_graph: bool = False,
    **options: object,
) -> str:
    """Draws Dask collections with ``taskscope render``, like ``dask.visualize``.

    The format follows ``filename``'s extension (``.pdf``, ``.svg``, ``.png``,
    ``.dot``; ``.png`` when it has none), or ``format``. Other options become
    ``taskscope render`` flags: ``rankdir="LR"``, ``view="groups"``,
    ``color="group"``, ``title="…"``. Needs the ``taskscope`` program, found through
    ``$TASKSCOPE_BIN`` or ``PATH`` (``TaskscopeNotFound`` otherwise). Returns the
    path written.

    >>> visualize(res, filename="norm_dask.pdf")    # doctest: +SKIP
    'norm_dask.pdf'
    """
    base = os.path.splitext(os.path.basename(os.fspath(filename)))[0]
    return render_graph(
        lambda path: write_graph(*collections, path=path, optimize_graph=optimize_graph, name=base),
        filename,
        format,
        **options,
    )
