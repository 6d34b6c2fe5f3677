"""`tester watch`: run your current stage again every time a file in your solution changes.

The standard library has no portable file-event API, so this polls: it compares every file's
modification time and size at a fixed interval. Polling is also what works on network drives and WSL
mounts, where file events do not arrive. Each run is an ordinary `tester` run (bounded, its program
stopped at the end); Ctrl-C stops the watch with exit status 130.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from tester import progress
from tester.commands import options
from tester.commands.running import current_stage, run_stages
from tester.errors import UsageError

NAME = "watch"
HELP = ("run your current stage again whenever a file in your solution changes (found by polling "
        "modification times; Ctrl-C stops)")
SKIP_DIRS = {"__pycache__", "node_modules", "target", "build", "dist", "venv"}
MAX_FILES = 20_000

Snapshot = dict[str, tuple[int, int]]


def configure(parser: argparse.ArgumentParser) -> None:
    options.add_course(parser)
    options.add_running(parser)
    parser.add_argument("--interval", type=float, default=0.1,
                        help="seconds between two looks at your files (default 0.1: a save is seen within it, and "
                             "the run starts once the files stayed the same for one more)")
    parser.add_argument("--runs", type=int, default=None, metavar="N", help="stop after N runs (default: never)")


def snapshot(folder: Path, skip: frozenset[str] = frozenset()) -> Snapshot:
    """(modification time, size) of every file under `folder`, skipping hidden folders, caches, the
    progress file and the paths in `skip` (each run rewrites them: the --json report)."""
    seen: Snapshot = {}
    for root, dirs, files in os.walk(folder):
        dirs[:] = [name for name in dirs if not name.startswith(".") and name not in SKIP_DIRS]
        for name in files:
            if name == progress.FILE or name.endswith((".pyc", ".tmp", ".swp", "~")):
                continue
            path = os.path.join(root, name)
            if path in skip:
                continue
            try:
                status = os.stat(path)
            except OSError:
                continue  # removed while we looked
            seen[os.path.relpath(path, folder)] = (status.st_mtime_ns, status.st_size)
            if len(seen) >= MAX_FILES:
                return seen
    return seen


def changes(before: Snapshot, after: Snapshot) -> list[str]:
    """The files added, removed or modified between two snapshots, sorted."""
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


def wait_for_change(folder: Path, before: Snapshot, interval: float,
                    skip: frozenset[str] = frozenset()) -> list[str]:
    """Poll until something changed and then stayed still for one interval (an editor saving in steps)."""
    while True:
        time.sleep(interval)
        now = snapshot(folder, skip)
        changed = changes(before, now)
        if not changed:
            continue
        while True:
            time.sleep(interval)
            settled = snapshot(folder, skip)
            if settled == now:
                return changes(before, settled)
            now = settled


def execute(arguments: argparse.Namespace, console) -> int:
    if not 0 < arguments.interval < float("inf"):  # also refuses nan
        raise UsageError(f"--interval {arguments.interval:g}: give a positive number of seconds")
    course = options.course(arguments)
    folder = options.solution(arguments)
    skip = frozenset(str(path.resolve()) for path in options.report_paths(arguments))  # the folder is resolved too
    console.note(f"watching {len(snapshot(folder, skip))} files in {folder} by polling every {arguments.interval:g} s "
                 "(modification times and sizes; no file events needed, so network drives and WSL work too)")
    runs = 0
    while True:
        before = snapshot(folder, skip)  # taken before the run, so a save during the run is not missed
        code = run_stages(arguments, console, course, current_stage(course, arguments, console))
        runs += 1
        if arguments.runs is not None and runs >= arguments.runs:
            return code
        console.print()
        console.note("waiting for a change in your files (Ctrl-C to stop)")
        changed = wait_for_change(folder, before, arguments.interval, skip)
        shown = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
        console.print()
        console.print(console.paint(f"── changed: {shown} — running again ──", "bold"))
