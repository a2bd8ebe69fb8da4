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
from make_fixtures import norm, tutorial_delayed  # noqa: E402


def tutorial_norm(n=1000):
    """The tutorial's normalization: 590 tasks at 1000x1000 in 100x100 chunks."""
    return norm(n)


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


@pytest.fixture
def no_leftover_files(tmp_path):
    yield tmp_path
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".taskscope-")]
    assert not leftovers, f"temporary files left behind: {leftovers}"


os.environ.setdefault("DASK_DISTRIBUTED__WORKER__DAEMON", "False")
