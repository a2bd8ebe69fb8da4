"""Shared pieces of the taskscope_dask tests: the tutorial's computations, reading
taskscope files, and running the taskscope program (``$TASKSCOPE_BIN`` or PATH)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import taskscope_dask


# The tutorial's computations as the repository defines them for its Dask fixtures
# (tests/fixtures/dask/make_fixtures.py), so both sides check the same programs.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "dask"))
from make_fixtures import norm, tutorial_delayed  # noqa: E402, F401 (tests import it from here)


def tutorial_norm(n=1000):
    """The tutorial's normalization: 590 tasks at 1000x1000 in 100x100 chunks."""
    return norm(n)


def boom(x):
    raise ValueError(f"no good: {x}")


def failing_computation():
    """A delayed graph whose task ``boom-1`` raises ``ValueError("no good: 3")``."""
    import dask

    return dask.delayed(boom)(dask.delayed(sum)([1, 2]), dask_key_name="boom-1")


def traced_norm(folder, name="norm.trace.jsonl", **compute):
    """Traces the tutorial's normalization on the threaded scheduler; the trace's path."""
    import taskscope_dask

    path = folder / name
    with taskscope_dask.trace(path):
        tutorial_norm().compute(**{"scheduler": "threads", **compute})
    return path


def read_records(path):
    """The records of a taskscope file, by type: header, tasks, events, samples, end."""
    out = {"header": None, "task": [], "event": [], "sample": [], "end": None}
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if isinstance(out[r["type"]], list):
                out[r["type"]].append(r)
            else:
                out[r["type"]] = r
    return out


def check_run(path, status="ok"):
    """Checks a traced run and returns its records: every task ran once, each after
    the tasks it depends on ended, inside the run's wall time."""
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
            assert by_task[d]["end"] <= by_task[t["id"]]["start"], (t["key"], tasks[d]["key"])
    assert r["sample"] and r["sample"][0]["t"] == 0
    ts = [s["t"] for s in r["sample"]]
    assert ts == sorted(ts)
    assert all(s["rss"] > 0 for s in r["sample"])
    return r


@pytest.fixture
def taskscope():
    """Runs the taskscope program; fails with how to get it when it is missing."""
    try:
        exe = taskscope_dask.taskscope_bin()
    except taskscope_dask.TaskscopeNotFound as e:
        pytest.fail(f"{e} (CI sets TASKSCOPE_BIN=target/release/taskscope)")

    def run(*args, check=True):
        done = subprocess.run([exe, *map(str, args)], capture_output=True, text=True, timeout=120)
        if check and done.returncode != 0:
            raise AssertionError(f"taskscope {' '.join(map(str, args))} failed: {done.stderr}")
        return done

    run.exe = exe
    return run


def stats_json(taskscope, path):
    return json.loads(taskscope("stats", path, "--format", "json").stdout)


def render_pdf(taskscope, source, pdf, *flags):
    """Draws a file as a PDF with ``taskscope render`` and checks it is one."""
    taskscope("render", source, "-o", pdf, *flags)
    assert pdf.read_bytes().startswith(b"%PDF")


@pytest.fixture
def no_leftover_files(tmp_path):
    yield tmp_path
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".taskscope-")]
    assert not leftovers, f"temporary files left behind: {leftovers}"


os.environ.setdefault("DASK_DISTRIBUTED__WORKER__DAEMON", "False")
