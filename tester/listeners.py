"""Who listens on a port: the check that the server the tester talks to is the program it started.

A connection that succeeds proves that something listens, not what. Another program on the same port (a
server left running with SO_REUSEPORT, a second tester run) would answer some or all of the tester's
connections, and every verdict would be about the wrong program. On Linux, /proc/net/tcp and tcp6 list
the listening sockets with their inodes, and /proc/<pid>/fd shows which process holds which socket, so
after readiness the tester checks that every listener on its port belongs to a process it started.
Parsing is pure (`listening_inodes` takes the tables' text); the lookups read /proc and find nothing
where it does not exist.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from tester import processes, sock_diag

PROC = Path("/proc")
LISTEN = "0A"  # the state column's value for a listening socket


def listening_inodes(table: str, port: int) -> set[int]:
    """Inodes of the sockets listening on `port` in one /proc/net/tcp or tcp6 table."""
    found = set()
    for line in table.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 10 or fields[3] != LISTEN:
            continue
        _, _, local_port = fields[1].rpartition(":")
        try:
            if int(local_port, 16) == port and int(fields[9]):
                found.add(int(fields[9]))
        except ValueError:
            continue
    return found


def socket_inode(link: str) -> int | None:
    """The inode of an fd link such as 'socket:[4034]', None for anything else."""
    if link.startswith("socket:[") and link.endswith("]"):
        try:
            return int(link[8:-1])
        except ValueError:
            return None
    return None


@dataclass(frozen=True)
class Holder:
    pid: int
    command: str


def listeners(port: int, proc: Path = PROC) -> set[int] | None:
    """Inodes of every socket listening on `port`; None where they cannot be found (no /proc, no netlink).
    The kernel is asked through sock_diag for its listening sockets alone, which takes a fraction of a
    millisecond; reading /proc/net/tcp walks every socket's bucket, some 4 ms a table, and is the fallback."""
    if proc == PROC:
        found = sock_diag.listening(port)
        if found is not None:
            return found
    found = set()
    readable = False
    for name in ("tcp", "tcp6"):
        try:
            found |= listening_inodes((proc / "net" / name).read_text(), port)
            readable = True
        except OSError:
            continue
    return found if readable else None


def sockets_of(pid: int, proc: Path = PROC) -> set[int]:
    inodes = set()
    try:
        names = os.listdir(proc / str(pid) / "fd")
    except OSError:
        return inodes
    for name in names:
        try:
            inode = socket_inode(os.readlink(proc / str(pid) / "fd" / name))
        except OSError:
            continue
        if inode is not None:
            inodes.add(inode)
    return inodes


def holder_of(inode: int, proc: Path = PROC) -> Holder | None:
    """The process that holds the socket with this inode, if this user may see it."""
    for pid in processes.pids(proc):
        if inode in sockets_of(pid, proc):
            return Holder(pid, command_of(pid, proc))
    return None


def command_of(pid: int, proc: Path = PROC) -> str:
    try:
        text = (proc / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace").strip()
    except OSError:
        return "?"
    return text or "?"


def strangers(port: int, own: list[int], more: Callable[[], list[int]], proc: Path = PROC) -> set[int]:
    """Inodes of listeners on `port` that no process of ours holds. `own` are looked at first (usually the
    program's leader holds the socket, and the check ends there); `more()` is asked only when some are left."""
    left = listeners(port, proc)
    if not left:
        return set()
    for pid in own:
        left -= sockets_of(pid, proc)
        if not left:
            return left
    for pid in more():
        left -= sockets_of(pid, proc)
        if not left:
            break
    return left
