"""trace() with a dask.distributed Client: the scheduler's record of every task."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

import taskscope_dask
from conftest import Taskscope, check_run, read_records, render_pdf, stats_json
from dask_programs import failing_computation, tutorial_delayed, tutorial_norm

if TYPE_CHECKING:
    from distributed import Client

distributed = pytest.importorskip("distributed", reason="the distributed extra is not installed")

# Dask's workers report times on the scheduler's clock: their own time plus
# `scheduler_delay`, which each heartbeat estimates again from half a round trip
# (distributed/worker.py). The estimate moves by milliseconds between tasks, and by
# tens of milliseconds on a loaded machine (16 ms seen in CI, 90 ms at load 6), so a
# dependency may seem to end after its dependent started, or two tasks of one thread
# to overlap. The hook writes the times Dask reports; these tests allow that much.
CLOCK_SLACK_NS = 250_000_000


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with (
        distributed.LocalCluster(processes=False, n_workers=2, dashboard_address=None) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


def test_a_run_on_a_local_cluster_records_both_workers(tmp_path: Path, client: Client, taskscope: Taskscope) -> None:
    path = tmp_path / "norm.trace.jsonl"
    with taskscope_dask.trace(path) as t:
        values = tutorial_norm().compute()
    assert np.abs(values.mean(axis=1)).max() < 1e-9
    assert t.paths == [str(path)]
    r = check_run(path, clock_slack_ns=CLOCK_SLACK_NS)
    assert r["header"] is not None
    run = r["header"]["run"]
    assert run["executor"] == "dask.distributed" and run["workers"] == 2
    workers = set(client.scheduler_info()["workers"])
    assert {e["address"] for e in r["event"]} == workers
    assert len({e["worker"] for e in r["event"]}) == 2
    # one lane per worker thread: its tasks do not overlap (but for the clock's slack)
    for lane in {e["worker"] for e in r["event"]}:
        spans = sorted((e["start"], e["end"]) for e in r["event"] if e["worker"] == lane)
        assert all(a[1] - b[0] <= CLOCK_SLACK_NS for a, b in pairwise(spans))
    # results moved between the two workers are recorded as transfers
    transfers = [s for e in r["event"] for s in e.get("startstops", []) if s["action"] == "transfer"]
    assert transfers and all(s["source"] in workers and s["start"] <= s["stop"] for s in transfers)
    assert all(e["bytes"] > 0 for e in r["event"])
    stats = stats_json(taskscope, path)
    assert stats["status"] == "ok" and stats["events"] == stats["tasks"]
    assert len(stats["workers"]) == 2
    render_pdf(taskscope, path, tmp_path / "norm_cluster.pdf")


def test_each_graph_sent_to_the_cluster_gets_its_own_file(tmp_path: Path, client: Client) -> None:
    path = tmp_path / "delayed.trace.jsonl"
    with taskscope_dask.trace(path) as t:
        assert tutorial_delayed().compute() == 50
        assert client.compute(tutorial_delayed()).result() == 50
    assert len(t.paths) == 2
    for p in t.paths:
        r = check_run(p, clock_slack_ns=CLOCK_SLACK_NS)
        assert {"inc", "double", "add", "sum"} <= {t["op"] for t in r["task"]}


def test_a_failed_task_on_the_cluster_ends_the_trace_with_its_key(tmp_path: Path, client: Client) -> None:
    path = tmp_path / "failed.trace.jsonl"
    with taskscope_dask.trace(path), pytest.raises(ValueError, match="no good: 3"):
        failing_computation().compute()
    r = read_records(path)
    end = r["end"]
    assert end is not None and end["status"] == "failed" and "boom-1" in end["error"]
    failed = [e for e in r["event"] if e["status"] == "failed"]
    assert len(failed) == 1 and "no good" in failed[0]["message"]
