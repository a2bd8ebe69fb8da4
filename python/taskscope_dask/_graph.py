"""A Dask graph as taskscope's task records: keys, groups, ops and dependencies."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from dask.utils import funcname, key_split

from ._json import quote

if TYPE_CHECKING:
    from dask.typing import Key

try:  # Dask's task spec (2024.12 and later); older graphs are plain tuples.
    from dask._task_spec import Alias, GraphNode, convert_legacy_graph

    TASK_SPEC = True
except ImportError:  # pragma: no cover - old Dask
    TASK_SPEC = False

TaskRecord: TypeAlias = tuple["Key", str, Collection["Key"]]
"""A task as ``Graph.from_tasks`` takes it: key, op name, dependency keys."""


class Graph:
    """The tasks of one Dask graph in file order, ready to write: task ``i`` has
    ``keys[i]``, ``ids`` maps each key to its position, ``lines[i]`` is its task
    record (``str(key)``, group ``key_split(key)``, op, sorted dependency ids)."""

    __slots__ = ("edges", "ids", "keys", "lines")

    keys: list[Key]
    ids: dict[Key, int]
    lines: list[str]
    edges: int

    def __init__(self, keys: list[Key], ops: Sequence[str], deps: Sequence[Collection[Key]]) -> None:
        """``ops[i]`` and ``deps[i]`` are the op name and the set of dependency keys of
        ``keys[i]``. Dependencies on keys outside the graph (results of an earlier
        computation) are left out."""
        self.keys = keys
        self.ids = ids = {k: i for i, k in enumerate(keys)}
        groups: dict[str, str] = {}  # tuple keys share a few names: split and quote each once
        quoted_ops: dict[str, str] = {}
        lines = []
        edges = 0
        for i, (key, op, ds) in enumerate(zip(keys, ops, deps, strict=True)):
            if type(key) is tuple and key and type(key[0]) is str:
                group = groups.get(key[0])
                if group is None:
                    group = groups[key[0]] = quote(key_split(key[0]))
            else:
                group = quote(key_split(key))
            qop = quoted_ops.get(op)
            if qop is None:
                qop = quoted_ops[op] = quote(op)
            line = f'{{"type":"task","id":{i},"key":{quote(str(key))},"group":{group},"op":{qop}'
            if ds:
                dep_ids = sorted([ids[d] for d in ds if d in ids]) if len(ds) > 1 else [ids[d] for d in ds if d in ids]
                if dep_ids:
                    edges += len(dep_ids)
                    line += f',"deps":[{",".join(map(str, dep_ids))}]'
            lines.append(line + "}\n")
        self.lines = lines
        self.edges = edges

    def __len__(self) -> int:
        return len(self.keys)

    @classmethod
    def from_tasks(cls, tasks: Sequence[TaskRecord]) -> Graph:
        """Builds a graph from ``(key, op, dependency keys)`` triples, in that order."""
        return cls([key for key, _, _ in tasks], [op for _, op, _ in tasks], [deps for _, _, deps in tasks])


class OpNames:
    """The name of what a task runs: its function's name (``funcname``, cached per
    function for one graph), ``data`` or ``alias``."""

    def __init__(self) -> None:
        self._names: dict[Callable[..., object], str] = {}

    def __call__(self, node: object) -> str:
        func = getattr(node, "func", None)
        if func is None:
            if TASK_SPEC and isinstance(node, Alias):
                return "alias"
            if isinstance(node, tuple) and node and callable(node[0]):
                func = node[0]
            else:
                return "data"
        try:
            name = self._names.get(func)
        except TypeError:  # an unhashable callable
            return funcname(func)
        if name is None:
            name = self._names[func] = funcname(func)
        return name


def graph_nodes(dsk: Mapping[Key, Any]) -> Mapping[Key, Any]:
    """The graph as a dict of Dask task-spec nodes (legacy tuples converted)."""
    if not TASK_SPEC:  # pragma: no cover - old Dask
        return dict(dsk)
    if isinstance(dsk, dict) and all(isinstance(v, GraphNode) for v in dsk.values()):
        return dsk  # what the local schedulers hand their callbacks: read, never changed
    nodes: dict[Key, GraphNode] = convert_legacy_graph(dict(dsk))
    return nodes


def dependencies(nodes: Mapping[Key, Any], key: Key) -> Collection[Key]:
    """The keys a task depends on."""
    node = nodes[key]
    deps: Collection[Key] | None = getattr(node, "dependencies", None)
    if deps is None:  # pragma: no cover - old Dask
        from dask.core import get_dependencies

        return get_dependencies(nodes, key)
    return deps


def graph_of_dsk(dsk: Mapping[Key, Any], order: bool = False) -> Graph:
    """The taskscope graph of a Dask graph (a mapping of key to task).

    With ``order=True`` tasks are numbered in ``dask.order`` priority (the order
    Dask's schedulers prefer), otherwise in the mapping's own order, which is cheaper.
    """
    nodes = graph_nodes(dsk)
    keys = list(nodes)
    if order and keys:
        from dask.order import order as dask_order

        priority = dask_order(nodes)
        keys.sort(key=priority.__getitem__)
    op = OpNames()
    return Graph(keys, [op(nodes[k]) for k in keys], [dependencies(nodes, k) for k in keys])


def collections_graph(collections: Iterable[object], optimize_graph: bool = False) -> dict[Key, Any]:
    """The materialized graph of Dask collections, as ``dask.visualize`` sees it.

    Without optimization it is the union of each collection's ``__dask_graph__()``,
    so its size is ``len(collection.__dask_graph__())`` for one collection; with it,
    the graph that ``dask.compute`` would run, less its final gathering task.
    """
    from dask.base import collections_to_expr, unpack_collections

    colls, _ = unpack_collections(*collections)
    if not colls:
        raise ValueError("no Dask collections given (arrays, dataframes, bags or delayed)")
    if optimize_graph:
        return dict(collections_to_expr(list(colls), True).optimize().__dask_graph__())
    dsk: dict[Key, Any] = {}
    for c in colls:
        dsk.update(c.__dask_graph__())
    return dsk
