"""trace() on Dask's local schedulers: one event per task, consistent times."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from dask.callbacks import Callback
from dask.delayed import delayed

import taskscope_dask
from conftest import Taskscope, check_run, render_pdf, stats_json, traced_norm
from dask_programs import failing_computation, tutorial_delayed, tutorial_norm


@pytest.mark.parametrize("scheduler,workers", [("sync", 1), ("threads", 2), ("processes", 2)])
def test_a_traced_local_run_has_one_event_per_task(tmp_path: Path, scheduler: str, workers: int) -> None:
    res = tutorial_norm()
    path = tmp_path / "norm.trace.jsonl"
    with taskscope_dask.trace(path) as t:
        values = res.compute(scheduler=scheduler, num_workers=workers)
    assert np.abs(values.mean(axis=1)).max() < 1e-9
    assert t.paths == [str(path)]
    r = check_run(path)
    assert r["header"] is not None
    run = r["header"]["run"]
    assert (run["executor"], run["workers"]) == (scheduler, workers)
    assert len({e["worker"] for e in r["event"]}) <= workers
    # dask.sizeof of each 100x100 float64 block
    groups = {t["id"]: t["group"] for t in r["task"]}
    sizes = {e["bytes"] for e in r["event"] if groups[e["task"]] == "random_sample"}
    assert sizes == {80_000}
    assert max(s["held"] for s in r["sample"]) >= 8_000_000  # the result, held at the end


def test_each_computation_gets_its_own_numbered_file(tmp_path: Path) -> None:
    path = tmp_path / "delayed.trace.jsonl"
    with taskscope_dask.trace(path) as t:
        assert tutorial_delayed().compute(scheduler="threads") == 50
        assert tutorial_delayed().compute(scheduler="sync") == 50
    assert t.paths == [str(path), str(tmp_path / "delayed-2.trace.jsonl")]
    for p in t.paths:
        r = check_run(p)
        assert len(r["task"]) == 16
        assert {t["op"] for t in r["task"]} >= {"inc", "double", "add", "sum"}


def test_nothing_is_recorded_outside_the_trace(tmp_path: Path) -> None:
    path = tmp_path / "x.trace.jsonl"
    with taskscope_dask.trace(path) as t:
        pass
    assert tutorial_delayed().compute() == 50
    assert t.paths == [] and not path.exists()
    assert not Callback.active


@pytest.mark.parametrize("scheduler", ["sync", "threads"])
def test_a_failed_task_ends_the_trace_with_its_key(tmp_path: Path, scheduler: str) -> None:
    path = tmp_path / "failed.trace.jsonl"
    with taskscope_dask.trace(path), pytest.raises(ValueError, match="no good: 3"):
        failing_computation().compute(scheduler=scheduler)
    r = check_run(path, status="failed")
    assert r["end"] is not None
    assert "boom-1" in r["end"]["error"] and "no good: 3" in r["end"]["error"]
    failed = [e for e in r["event"] if e["status"] == "failed"]
    assert len(failed) == 1 and r["task"][failed[0]["task"]]["key"] == "boom-1"


def test_taskscope_stats_and_render_read_a_traced_run(tmp_path: Path, taskscope: Taskscope) -> None:
    path = traced_norm(tmp_path, num_workers=2)
    stats = stats_json(taskscope, path)
    assert stats["kind"] == "run" and stats["status"] == "ok" and not stats["truncated"]
    assert stats["events"] == stats["tasks"] > 400
    assert stats["groups"]["random_sample"] == 100
    assert stats["peak_rss_bytes"] > 0 and stats["peak_held_bytes"] >= 8_000_000
    render_pdf(taskscope, path, tmp_path / "norm_run.pdf", "--color", "duration")


def test_a_trace_cut_short_reads_as_truncated(tmp_path: Path, taskscope: Taskscope) -> None:
    path = traced_norm(tmp_path)
    lines = path.read_text().splitlines(keepends=True)
    cut = tmp_path / "cut.trace.jsonl"
    cut.write_text("".join(lines[: len(lines) - 40]) + lines[-40][:10])
    stats = stats_json(taskscope, cut)
    assert stats["truncated"] and stats["events"] > 0


def test_a_trace_being_written_reads_as_truncated_with_its_graph(tmp_path: Path, taskscope: Taskscope) -> None:
    started = threading.Event()

    def slow(x: int) -> int:
        started.set()
        time.sleep(1.0)
        return x

    first = delayed(len)("abc")
    total = delayed(sum)([delayed(slow)(first) for _ in range(2)])
    path = tmp_path / "slow.trace.jsonl"
    with taskscope_dask.trace(path):
        runner = threading.Thread(target=lambda: total.compute(scheduler="threads", num_workers=2))
        runner.start()
        assert started.wait(10)
        time.sleep(0.3)  # many writer periods: the graph and the first event are on disk
        stats = stats_json(taskscope, path)
        runner.join()
    assert stats["truncated"] and stats["tasks"] == 4 and 1 <= stats["events"] < 4
    end = check_run(path)["end"]
    assert end is not None and end["events"] == 4


def test_a_trace_into_a_missing_folder_fails_before_anything_runs(tmp_path: Path) -> None:
    with (
        pytest.raises(FileNotFoundError, match="no folder"),
        taskscope_dask.trace(tmp_path / "nowhere" / "x.trace.jsonl"),
    ):
        pass
    assert not Callback.active


def test_a_trace_that_cannot_be_written_does_not_break_the_computation(tmp_path: Path) -> None:
    folder = tmp_path / "gone"
    folder.mkdir()
    path = folder / "x.trace.jsonl"
    with pytest.raises(RuntimeError, match="could not write the trace"), taskscope_dask.trace(path):
        folder.rmdir()
        assert tutorial_delayed().compute(scheduler="sync") == 50
