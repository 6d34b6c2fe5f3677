"""One tester run per port: a lock file held for the whole run, so two runs never share a server's port.

Two runs on one port (`tester watch` in one terminal, `tester` in another) would each start a server
there; with SO_REUSEPORT the kernel then splits connections between the two programs, and a correct
server fails at random. Every command that starts the learner's program takes this lock first. A second
run waits a bounded time for the first to finish, then refuses with a message that names it. The lock is
an advisory `flock` on a file in the temporary directory: the kernel drops it when the holder exits, even
after a crash or a kill, so a stale file never blocks anyone.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterator

from tester.errors import UsageError

try:
    import fcntl
except ImportError:  # not on Windows: there the tester runs without the lock
    fcntl = None  # type: ignore[assignment]

WAIT = 30.0  # seconds a second run waits for the port before it gives up
POLL = 0.05


def lock_path(port: int) -> Path:
    return Path(tempfile.gettempdir()) / f"http-tester-port-{port}.lock"


def describe(holder: dict) -> str:
    """The other run, in words: pid, command and folder, as far as its lock file tells."""
    if not holder:
        return "another tester run"
    command = holder.get("command") or "tester"
    where = f" in {holder['cwd']}" if holder.get("cwd") else ""
    return f"another tester run (pid {holder.get('pid', '?')}: {command}{where})"


def _read_holder(path: Path) -> dict:
    try:
        return json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return {}


@contextlib.contextmanager
def hold(port: int, note: Callable[[str], None], wait: float | None = None) -> Iterator[None]:
    """Own `port` for the duration of the block; wait up to `wait` seconds for another run to let go."""
    if fcntl is None:
        yield
        return
    wait = WAIT if wait is None else wait
    path = lock_path(port)
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError:
        yield  # an unwritable temporary directory must not stop the learner; the run goes on unguarded
        return
    try:
        _acquire(descriptor, path, port, note, wait)
        os.ftruncate(descriptor, 0)
        os.write(descriptor, json.dumps({"pid": os.getpid(), "command": " ".join(["tester", *sys.argv[1:]]),
                                         "cwd": os.getcwd()}).encode())
        yield
    finally:
        os.close(descriptor)  # closing the descriptor releases the lock


def _acquire(descriptor: int, path: Path, port: int, note: Callable[[str], None], wait: float) -> None:
    deadline = time.monotonic() + wait
    announced = False
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        holder = describe(_read_holder(path))
        if time.monotonic() >= deadline:
            raise UsageError(
                f"port {port} is in use by {holder}, and it did not finish within {wait:g} s. Two runs on one "
                "port would start two servers there and each judge the other's answers. Wait for it or stop "
                "it, or give this run another port with --port N."
            )
        if not announced:
            note(f"port {port} is in use by {holder}; waiting up to {wait:g} s for it to finish")
            announced = True
        time.sleep(POLL)
