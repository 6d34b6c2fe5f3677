"""Finding every process the tester started, even one that left the program's process group.

Stopping the program signals its process group, but a process can leave the group (setsid, or a double
fork into a new session, as daemons do) and keep the port and the output pipe. Every program the tester
starts therefore carries a marker in its environment, which its children inherit whatever group they
join; on Linux, /proc/<pid>/environ shows it. Where /proc does not exist, nothing is found and the
process-group signal is all there is.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

MARKER = "HTTP_TESTER_PROGRAM"
PROC = Path("/proc")


def new_marker() -> str:
    """A marker value unique to one program start; it begins with the tester's pid, so tests can find
    whatever their own runs left behind."""
    return f"{os.getpid()}-{os.urandom(8).hex()}"


def carries(environ: bytes, entry_start: bytes) -> bool:
    """Whether a NUL-separated environment block (as in /proc/<pid>/environ) has an entry starting so."""
    return any(entry.startswith(entry_start) for entry in environ.split(b"\0"))


def marked(value: str, proc: Path | None = None) -> list[int]:
    """Pids of the processes whose environment holds MARKER with this value, or a value starting with it.

    Processes of other users, and ones that end while being looked at, are skipped; without /proc the
    answer is empty.
    """
    entry_start = f"{MARKER}={value}".encode()
    proc = proc or PROC
    found = []
    try:
        names = os.listdir(proc)
    except OSError:
        return []
    for name in names:
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open(f"{proc}/{name}/environ", "rb") as file:
                environ = file.read()
        except OSError:
            continue
        if entry_start in environ and carries(environ, entry_start):
            found.append(int(name))
    return found


def signal_each(pids: list[int], number: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, number)
        except (ProcessLookupError, PermissionError):
            pass


def kill_marked(value: str, rounds: int = 20, proc: Path | None = None) -> list[int]:
    """SIGKILL every marked process, looking again after each round (a process may fork while it is being
    killed) until none is left or the rounds run out; returns the pids still found at the end.
    A killed process drops out by itself: once it is dead, even as a zombie, its environ reads empty."""
    left = marked(value, proc)
    for _ in range(rounds):
        if not left:
            break
        signal_each(left, signal.SIGKILL)
        time.sleep(0.005)
        left = marked(value, proc)
    return left

