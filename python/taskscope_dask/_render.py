"""Drawing Dask graphs with the ``taskscope`` binary (no Graphviz needed)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping

from ._records import StrPath


class TaskscopeNotFound(FileNotFoundError):
    """The ``taskscope`` program is neither in ``TASKSCOPE_BIN`` nor on ``PATH``."""


def taskscope_bin() -> str:
    """The path of the ``taskscope`` program: ``$TASKSCOPE_BIN``, else ``taskscope`` on PATH."""
    given = os.environ.get("TASKSCOPE_BIN")
    if given:
        if os.path.isfile(given) and os.access(given, os.X_OK):
            return given
        raise TaskscopeNotFound(
            f"TASKSCOPE_BIN is {given!r}, which is not an executable file; point it at the "
            "taskscope program (target/release/taskscope after `cargo build --release`)"
        )
    found = shutil.which("taskscope")
    if found:
        return found
    raise TaskscopeNotFound(
        "the taskscope program was not found: put it on PATH or set TASKSCOPE_BIN to its path "
        "(build it with `cargo build --release` in the taskscope repository: target/release/taskscope)"
    )


def run_taskscope(*args: object) -> str:
    """Runs ``taskscope ARGS…`` and returns its standard output; raises with its message."""
    exe = taskscope_bin()
    done = subprocess.run([exe, *map(str, args)], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(
            f"`taskscope {' '.join(map(str, args))}` failed (exit {done.returncode}): {done.stderr.strip()}"
        )
    return done.stdout


def render_options(options: Mapping[str, object]) -> list[str]:
    """``render`` flags from keyword options: ``rankdir="LR"`` -> ``--rankdir LR``,
    ``timeline=True`` -> ``--timeline``."""
    flags = []
    for name, value in options.items():
        flag = "--" + name.replace("_", "-")
        if value is True:
            flags.append(flag)
        elif value not in (False, None):
            flags += [flag, str(value)]
    return flags


def render_graph(
    write: Callable[[str], object], filename: StrPath, format: str | None = None, **options: object
) -> str:
    """Writes a graph file with ``write(path)`` into a scratch folder and draws it."""
    filename = os.fspath(filename)
    root, ext = os.path.splitext(filename)
    if format:
        filename = root + "." + format.lower().lstrip(".") if not ext else filename
    elif not ext:
        filename = root + ".png"  # like dask.visualize
    taskscope_bin()  # fail before doing any work
    flags = render_options(options)
    if format:
        flags += ["--format", format.lower().lstrip(".")]
    with tempfile.TemporaryDirectory(prefix="taskscope-") as scratch:
        graph_path = os.path.join(scratch, os.path.basename(root) + ".trace.jsonl")
        write(graph_path)
        run_taskscope("render", graph_path, "-o", filename, *flags)
    return filename
