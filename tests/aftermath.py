"""What a tester run must leave behind: no process it started, a free port, and no traceback of its own.

Used after every fixture run (tests/test_fixtures.py) and by tests/test_hostile.py. Survivors are looked
for two ways, so that a bug in one does not hide itself: the marker the tester puts in its programs'
environment (with this test process's pid in its value, so other runs on the machine do not count), and,
independently, any process working in the solution folder with this run's port in its environment.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import time
from pathlib import Path

from tester import processes
from tester.connection import connected_to_itself

SETTLE = 1.0  # a killed process may take a moment to vanish from /proc


def survivors(solution: Path, port: int, proc: Path = Path("/proc")) -> dict[int, str]:
    """The live processes left by runs of this test process, pid -> why it counts; {} once they are gone."""
    deadline = time.monotonic() + SETTLE
    while True:
        found = _scan(solution, port, proc)
        if not found or time.monotonic() >= deadline:
            return found
        time.sleep(0.02)


def _scan(solution: Path, port: int, proc: Path) -> dict[int, str]:
    found = {pid: f"{_command(proc, pid)}: carries this test process's marker"
             for pid in processes.marked(f"{os.getpid()}-", proc)}
    return {**working_in(solution, port, proc), **found}


def working_in(folder: Path, port: int | None = None, proc: Path = Path("/proc")) -> dict[int, str]:
    """The live processes whose working folder is `folder` or inside it (and, given a port, with that PORT in
    their environment, where other runs use the folder too), pid -> why it counts."""
    found: dict[int, str] = {}
    port_entry = f"PORT={port}".encode() if port is not None else None
    where = str(folder.resolve())
    if not proc.is_dir():
        return found
    for entry in os.scandir(proc):
        if not entry.name.isdigit():
            continue
        try:
            cwd = os.readlink(Path(entry.path, "cwd"))
            environ = Path(entry.path, "environ").read_bytes() if port_entry else b""
        except OSError:
            continue
        if (cwd == where or cwd.startswith(where + os.sep)) and (not port_entry or port_entry in environ.split(b"\0")):
            found[int(entry.name)] = f"{_command(proc, int(entry.name))}: works in {cwd}" + (
                f" with {port_entry.decode()}" if port_entry else "")
    return found


def _command(proc: Path, pid: int) -> str:
    try:
        return Path(proc, str(pid), "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"


def port_in_use(port: int, host: str = "localhost") -> bool:
    try:
        probe = socket.create_connection((host, port), timeout=0.5)
    except OSError:
        return False
    taken = not connected_to_itself(probe)
    probe.close()
    return taken


_OWN_TRACEBACK = re.compile(r"^(Traceback \(most recent call last\)|Exception in thread)", re.MULTILINE)


def crash_in_output(output: str) -> str | None:
    """The first sign of the tester's own crash in its output, if any.

    A traceback the learner's program prints is part of its relayed output (indented, after
    `[your_program]` or under "its last output lines") and is fine to show; the tester's own would
    start a line, or be reported as a bug in the tester.
    """
    match = _OWN_TRACEBACK.search(output)
    if match:
        return output[match.start():match.start() + 400]
    if "the tester itself failed" in output:
        return "the tester reported a bug in itself"
    return None


def assert_clean(run, solution: Path) -> None:
    """A run ended without a crash of the tester and left nothing running."""
    crash = crash_in_output(run.output + "\n" + run.errors)
    assert crash is None, f"the tester crashed:\n{crash}\n\n{run.output}"
    left = survivors(solution, run.port)
    processes.signal_each(list(left), signal.SIGKILL)  # so that one leak does not spoil the tests after it
    assert not left, "processes left running:\n" + "\n".join(f"pid {pid} {why}" for pid, why in left.items())
    assert not port_in_use(run.port), f"something still listens on port {run.port} after the run"
