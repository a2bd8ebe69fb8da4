"""write_graph: Dask collections as taskscope graph files, the same graphs as Dask's."""

from __future__ import annotations

import collections
import os
import stat
from pathlib import Path
from typing import Protocol, TypeAlias

import dask.bag as db
import dask.dataframe as dd
import pandas as pd
from dask.core import get_dependencies
from dask.delayed import delayed
from dask.typing import Graph
from dask.utils import key_split

import taskscope_dask
from conftest import Taskscope, read_records, stats_json
from dask_programs import tutorial_delayed, tutorial_norm


class Collection(Protocol):
    """A Dask collection, as far as these tests look at it."""

    def __dask_graph__(self) -> Graph: ...


View: TypeAlias = tuple[int, int, set[str], collections.Counter[str]]
"""A graph's tasks, edges, keys (as Dask prints them) and tasks per group."""


def dask_view(collection: Collection) -> View:
    """What Dask knows of a collection's graph: tasks, edges, keys and groups."""
    graph = dict(collection.__dask_graph__())
    edges = sum(len(get_dependencies(graph, k)) for k in graph)
    groups = collections.Counter(key_split(k) for k in graph)
    return len(graph), edges, {str(k) for k in graph}, groups


def written_view(path: Path) -> View:
    """The same of a graph file that write_graph wrote."""
    records = read_records(path)
    tasks, end = records["task"], records["end"]
    assert [t["id"] for t in tasks] == list(range(len(tasks)))
    assert end is not None and end["tasks"] == len(tasks)
    edges = sum(len(t.get("deps", [])) for t in tasks)
    assert end["edges"] == edges
    groups = collections.Counter(t["group"] for t in tasks)
    return len(tasks), edges, {t["key"] for t in tasks}, groups


def test_the_tutorial_normalization_has_daskss_590_tasks_and_870_edges(no_leftover_files: Path) -> None:
    res = tutorial_norm()
    path = no_leftover_files / "norm.trace.jsonl"
    assert taskscope_dask.write_graph(res, path=path) == 590
    assert written_view(path) == dask_view(res)
    assert written_view(path)[:2] == (590, 870)
    header = read_records(path)["header"]
    assert header is not None
    assert header["format"] == "taskscope" and header["version"] == 1 and header["name"] == "norm"
    assert header["tool"].startswith("taskscope_dask ")


def test_the_tutorial_delayed_example_has_16_tasks_with_their_function_names(tmp_path: Path) -> None:
    total = tutorial_delayed()
    path = tmp_path / "delayed.trace.jsonl"
    assert taskscope_dask.write_graph(total, path=path) == 16
    assert written_view(path) == dask_view(total)
    ops = collections.Counter(t["op"] for t in read_records(path)["task"])
    assert ops == {"inc": 5, "double": 5, "add": 5, "sum": 1}


def test_tuple_keys_are_written_as_dask_prints_them(tmp_path: Path) -> None:
    path = tmp_path / "norm.trace.jsonl"
    taskscope_dask.write_graph(tutorial_norm(), path=path)
    task = next(t for t in read_records(path)["task"] if t["group"] == "mean_chunk")
    assert task["key"].startswith("('mean_chunk-") and task["key"].endswith(")")
    assert task["op"] == "mean_chunk"


def test_dataframes_bags_and_several_collections_match_daskss_graphs(tmp_path: Path) -> None:
    ddf = dd.from_pandas(pd.DataFrame({"a": range(100), "b": range(100)}), npartitions=4)
    frame = ddf.groupby("a").b.sum()
    bag = db.from_sequence(range(10), npartitions=4).map(lambda x: x + 1).filter(lambda x: x % 2 == 0).sum()
    for name, collection in [("frame", frame), ("bag", bag), ("column", ddf.b + 1)]:
        path = tmp_path / f"{name}.trace.jsonl"
        taskscope_dask.write_graph(collection, path=path)
        assert written_view(path) == dask_view(collection), name
    both = tmp_path / "both.trace.jsonl"
    assert taskscope_dask.write_graph(tutorial_norm(), tutorial_delayed(), path=both) == 590 + 16


def test_the_optimized_graph_is_what_compute_runs(tmp_path: Path) -> None:
    path = tmp_path / "norm.trace.jsonl"
    n = taskscope_dask.write_graph(tutorial_norm(), path=path, optimize_graph=True)
    assert n < 590  # Dask fuses the elementwise steps
    assert len(read_records(path)["task"]) == n


def test_the_same_graph_is_written_as_the_same_bytes(tmp_path: Path) -> None:
    res = tutorial_norm()
    a, b = tmp_path / "a.trace.jsonl", tmp_path / "b.trace.jsonl"
    taskscope_dask.write_graph(res, path=a, name="norm")
    taskscope_dask.write_graph(res, path=b, name="norm")
    assert a.read_bytes() == b.read_bytes()


def test_taskscope_stats_reads_the_written_graphs(tmp_path: Path, taskscope: Taskscope) -> None:
    graphs: list[tuple[str, Collection, int, int]] = [
        ("norm", tutorial_norm(), 590, 870),
        ("delayed", tutorial_delayed(), 16, 15),
    ]
    for name, collection, tasks, edges in graphs:
        path = tmp_path / f"{name}.trace.jsonl"
        taskscope_dask.write_graph(collection, path=path)
        stats = stats_json(taskscope, path)
        assert (stats["tasks"], stats["edges"], stats["kind"]) == (tasks, edges, "graph")


def test_keys_that_need_escaping_survive_the_round_trip(tmp_path: Path, taskscope: Taskscope) -> None:
    keys = ['say-"hi"', "back\\slash-1", "tab\there-2", "ünïcode-λ-3"]
    parts = [delayed(len)(k, dask_key_name=k) for k in keys]
    total = delayed(sum)(parts, dask_key_name="total")
    path = tmp_path / "odd.trace.jsonl"
    taskscope_dask.write_graph(total, path=path)
    assert {t["key"] for t in read_records(path)["task"]} == set(keys) | {"total"}
    assert stats_json(taskscope, path)["tasks"] == 5


def test_graph_files_get_the_mode_files_normally_get(tmp_path: Path) -> None:
    # Written through a temporary file renamed over the target: that file must be
    # made 0666 less the umask, as `open` would make it, not mkstemp's 0600.
    old = os.umask(0o022)
    try:
        path = tmp_path / "g.trace.jsonl"
        taskscope_dask.write_graph(tutorial_delayed(), path=path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["g.trace.jsonl"]
