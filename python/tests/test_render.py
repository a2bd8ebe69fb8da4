"""Drawings: visualize() through taskscope render, Dask's own DOT, the viewer."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

import taskscope_dask
from conftest import Taskscope, render_pdf, traced_norm
from dask_programs import tutorial_delayed, tutorial_norm


def test_visualize_draws_the_tutorial_as_a_pdf_like_daskss_visualize(
    tmp_path: Path, taskscope: Taskscope, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TASKSCOPE_BIN", taskscope.exe)
    out = tmp_path / "norm_dask.pdf"
    assert taskscope_dask.visualize(tutorial_norm(), filename=out) == str(out)
    assert out.read_bytes().startswith(b"%PDF") and out.stat().st_size > 10_000
    # no extension: a PNG, like dask.visualize; options become render flags
    png = taskscope_dask.visualize(tutorial_delayed(), filename=tmp_path / "delayed", rankdir="LR")
    assert png.endswith("delayed.png") and Path(png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = taskscope_dask.visualize(tutorial_norm(), filename=tmp_path / "groups.svg", view="groups")
    assert Path(svg).read_text().count('class="task"') == 10  # one box per group


def test_visualize_says_how_to_get_taskscope_when_it_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TASKSCOPE_BIN", str(tmp_path / "nowhere" / "taskscope"))
    with pytest.raises(taskscope_dask.TaskscopeNotFound, match="TASKSCOPE_BIN"):
        taskscope_dask.visualize(tutorial_delayed(), filename=tmp_path / "x.pdf")
    monkeypatch.delenv("TASKSCOPE_BIN")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(taskscope_dask.TaskscopeNotFound, match="PATH"):
        taskscope_dask.visualize(tutorial_delayed(), filename=tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


def test_render_errors_are_reported_with_taskscopes_message(
    tmp_path: Path, taskscope: Taskscope, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TASKSCOPE_BIN", taskscope.exe)
    with pytest.raises(RuntimeError, match="rankdir"):
        taskscope_dask.visualize(tutorial_delayed(), filename=tmp_path / "x.svg", rankdir="sideways")


def test_a_dot_file_written_by_dask_renders_with_taskscope(tmp_path: Path, taskscope: Taskscope) -> None:
    from dask.dot import to_graphviz  # needs the graphviz Python package, not Graphviz

    res = tutorial_norm()
    dot = tmp_path / "norm_dask.dot"
    dot.write_text(to_graphviz(res.__dask_graph__()).source)
    svg = tmp_path / "norm_dask.svg"
    taskscope("render", dot, "-o", svg, "--view", "tasks")
    assert svg.read_text().count('class="task"') == len(res.__dask_graph__()) == 590
    render_pdf(taskscope, dot, tmp_path / "norm_dask.pdf")


def test_a_traced_run_renders_as_a_timeline(tmp_path: Path, taskscope: Taskscope) -> None:
    path = traced_norm(tmp_path)
    svg = tmp_path / "timeline.svg"
    taskscope("render", path, "--timeline", "-o", svg)
    assert svg.stat().st_size > 10_000


def png_is_blank(data: bytes) -> bool:
    """True when a PNG's image data holds (almost) a single color. The filtered
    scanlines of a one-color image use only a handful of distinct byte values."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    return len(set(zlib.decompress(idat))) <= 8


def test_the_viewer_takes_a_screenshot_of_a_traced_run(tmp_path: Path, taskscope: Taskscope) -> None:
    """`taskscope view FILE --screenshot OUT.png` (issue 6) opens what the hook wrote.
    Runs under Xvfb when there is no display."""
    path = traced_norm(tmp_path)
    shot = tmp_path / "view.png"
    cmd = [taskscope.exe, "view", str(path), "--screenshot", str(shot)]
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY") and shutil.which("xvfb-run"):
        cmd = ["xvfb-run", "-a", *cmd]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{' '.join(cmd)} failed: {done.stderr}"
    assert shot.exists() and not png_is_blank(shot.read_bytes())
