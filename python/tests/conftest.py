"""Shared pieces of the taskscope_dask tests: tracing the tutorial, reading taskscope
files, and running the taskscope program (``$TASKSCOPE_BIN`` or PATH)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypedDict

import pytest

import taskscope_dask
from dask_programs import tutorial_norm

Record = dict[str, Any]
"""One record of a taskscope file, as JSON reads it."""


class Records(TypedDict):
    """The records of a taskscope file, by type."""

    header: Record | None
    task: list[Record]
    event: list[Record]
    sample: list[Record]
    end: Record | None


def traced_norm(folder: Path, name: str = "norm.trace.jsonl", **compute: object) -> Path:
    """Traces the tutorial's normalization on the threaded scheduler; the trace's path."""
    path = folder / name
    with taskscope_dask.trace(path):
        tutorial_norm().compute(**{"scheduler": "threads", **compute})
    return path


def read_records(path: str | os.PathLike[str]) -> Records:
    """The records of a taskscope file, by type: header, tasks, events, samples, end."""
    out: Records = {"header": None, "task": [], "event": [], "sample": [], "end": None}
    lists = {"task": out["task"], "event": out["event"], "sample": out["sample"]}
    with open(path, encoding="utf-8") as f:
        for line in f:
            r: Record = json.loads(line)
            if r["type"] == "header":
                out["header"] = r
            elif r["type"] == "end":
                out["end"] = r
            else:
                lists[r["type"]].append(r)  # a KeyError for a type the format does not have
    return out


def check_run(path: str | os.PathLike[str], status: str = "ok", clock_slack_ns: int = 0) -> Records:
    """Checks a traced run and returns its records: every task ran once, each after
    the tasks it depends on ended (give or take ``clock_slack_ns``), inside the run's
    wall time."""
    r = read_records(path)
    tasks, events, end = r["task"], r["event"], r["end"]
    assert end is not None and end["status"] == status
    assert end["events"] == len(events)
    if status != "ok":
        return r
    assert sorted(e["task"] for e in events) == list(range(len(tasks)))
    by_task = {e["task"]: e for e in events}
    for e in events:
        assert 0 <= e["start"] <= e["end"] <= end["wall"], e
        assert e["status"] == "done"
    for t in tasks:
        for d in t.get("deps", []):
            late = by_task[d]["end"] - by_task[t["id"]]["start"]
            assert late <= clock_slack_ns, (t["key"], tasks[d]["key"], late)
    assert r["sample"] and r["sample"][0]["t"] == 0
    ts = [s["t"] for s in r["sample"]]
    assert ts == sorted(ts)
    assert all(s["rss"] > 0 for s in r["sample"])
    return r


class Taskscope:
    """Runs the taskscope program at ``exe``: ``taskscope("stats", path)``."""

    def __init__(self, exe: str) -> None:
        self.exe = exe

    def __call__(self, *args: object, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([self.exe, *map(str, args)], capture_output=True, text=True, timeout=120)
        if check and done.returncode != 0:
            raise AssertionError(f"taskscope {' '.join(map(str, args))} failed: {done.stderr}")
        return done


@pytest.fixture
def taskscope() -> Taskscope:
    """Runs the taskscope program; fails with how to get it when it is missing."""
    try:
        exe = taskscope_dask.taskscope_bin()
    except taskscope_dask.TaskscopeNotFound as e:
        pytest.fail(f"{e} (CI sets TASKSCOPE_BIN=target/release/taskscope)")
    return Taskscope(exe)


def stats_json(taskscope: Taskscope, path: Path) -> dict[str, Any]:
    stats: dict[str, Any] = json.loads(taskscope("stats", path, "--format", "json").stdout)
    return stats


def render_pdf(taskscope: Taskscope, source: Path, pdf: Path, *flags: str) -> None:
    """Draws a file as a PDF with ``taskscope render`` and checks it is one."""
    taskscope("render", source, "-o", pdf, *flags)
    assert pdf.read_bytes().startswith(b"%PDF")


@pytest.fixture
def no_leftover_files(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".taskscope-")]
    assert not leftovers, f"temporary files left behind: {leftovers}"


os.environ.setdefault("DASK_DISTRIBUTED__WORKER__DAEMON", "False")
