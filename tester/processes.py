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


def pids(proc: Path | None = None) -> list[int]:
    """Every process id in /proc (none where it does not exist)."""
    try:
        return [int(name) for name in os.listdir(proc or PROC) if name.isdigit()]
    except OSError:
        return []


def stat_fields(stat: str) -> list[str]:
    """The fields of a /proc/<pid>/stat line after the command name, which may hold spaces and parentheses:
    [0] is the state, [2] the process group, [11] and [12] the user and system CPU time in clock ticks."""
    return stat.rpartition(")")[2].split()


def group_of(stat: str) -> int | None:
    try:
        return int(stat_fields(stat)[2])
    except (IndexError, ValueError):
        return None


def cpu_ticks(stat: str) -> int | None:
    """User plus system CPU time of a process (all its threads) in clock ticks, from its stat line."""
    fields = stat_fields(stat)
    try:
        return int(fields[11]) + int(fields[12])
    except (IndexError, ValueError):
        return None


def group_members(group: int, proc: Path | None = None) -> list[int]:
    proc = proc or PROC
    members = []
    for pid in pids(proc):
        try:
            stat = (proc / str(pid) / "stat").read_text()
        except OSError:
            continue
        if group_of(stat) == group:
            members.append(pid)
    return members


def cpu_seconds(each: list[int], proc: Path | None = None) -> float | None:
    """The CPU time the processes have used so far, in seconds; None where it cannot be read (no /proc).
    A process that has ended is left out."""
    proc = proc or PROC
    if not proc.is_dir():
        return None
    total = 0
    for pid in each:
        try:
            ticks = cpu_ticks((proc / str(pid) / "stat").read_text())
        except OSError:
            continue
        total += ticks or 0
    return total / os.sysconf("SC_CLK_TCK")


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

