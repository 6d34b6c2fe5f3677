"""The learner's program as a child process: start it, relay its output, wait until it listens, stop it.

It runs as `./your_program.sh` from the solution folder in a session (and process group) of its own,
so one signal reaches every process it starts and the terminal's Ctrl-C reaches only the tester.
Stopping is TERM to the group, a short grace, then KILL: nothing it started outlives the stage. A process
that left the group (setsid, a daemon's double fork) is found by the marker in its environment
(tester/processes.py) and stopped the same way. Its output is relayed by a thread that reads the pipe
without blocking, so a process that keeps the pipe open can never hang the tester; settle() gives a program
that is still printing (a crash report, line by line) a bounded moment to finish before it is read or stopped.
A stage may stop it with a signal of its choosing (end) and start it again: each start is a run with its
own relay, and what the last run printed is forgotten, so a crash report is always the current run's.
"""

from __future__ import annotations

import collections
import os
import resource
import selectors
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from tester import hints, listeners, processes
from tester.connection import Address, addresses, connect_first
from tester.errors import Evidence, StageFailure, UsageError

POLL_INTERVAL = 0.005
STOP_GRACE = 0.5
RELAY_LIMIT = 400  # program output lines shown per stage; the rest is read and counted
LAST_LINES = 15
RECENT_LINES = 200  # output lines kept to look for a crash report in: a stack trace is often longer than 15
LINE_LIMIT = 4096  # a longer output line is shown in pieces of this many bytes
RELAY_POLL = 0.05  # how often the relay checks whether it should stop
STRANGER_RECHECK = 0.05  # seconds before a listener that is not ours is looked for again
RELAY_DRAIN = 0.5  # how long stop() lets the relay read the output left in the pipe
SETTLE_QUIET = 0.1  # settle(): the output has settled once nothing came for this long
SETTLE_LIMIT = 1.0  # settle() never waits longer than this

SCRIPT = "your_program.sh"


@dataclass(frozen=True)
class Limits:
    """Bounds on the learner's program, for graders that run programs they have not read: its memory (the
    data segment: heap and private mappings, not address space merely reserved, which Go, Java and Node
    reserve by the gigabyte), its processes (counted per user, and not enforced for root), and the size of
    any file it writes."""

    memory_mb: int | None = None
    processes: int | None = None
    file_size_mb: int | None = None

    def apply(self) -> None:
        """In the child, before it runs the program (subprocess's preexec_fn)."""
        for kind, value in ((resource.RLIMIT_DATA, self.memory_mb and self.memory_mb * 2**20),
                            (resource.RLIMIT_NPROC, self.processes),
                            (resource.RLIMIT_FSIZE, self.file_size_mb and self.file_size_mb * 2**20)):
            if value:
                hard = resource.getrlimit(kind)[1]
                value = value if hard == resource.RLIM_INFINITY else min(value, hard)
                resource.setrlimit(kind, (value, value))


class Program:
    def __init__(self, solution: Path, port: int, args: list[str], output: Callable[[str], None],
                 host: str = "localhost", limits: Limits | None = None):
        self.solution = solution
        self.limits = limits
        self.port = port
        self.args = args
        self.output = output
        self.host = host
        self.process: subprocess.Popen[bytes] | None = None
        self.recent_lines: collections.deque[str] = collections.deque(maxlen=RECENT_LINES)
        self.lines_seen = 0
        self._lines_at_start = 0  # lines_seen when the current run started
        self._output_at = 0.0  # time.monotonic() of the last bytes read from the program's output
        self._settle_from = 0.0  # time.monotonic() of the first settle() call
        self.marker = processes.new_marker()
        self.address: Address | None = None  # where the program answered, once it is ready
        self._relay: threading.Thread | None = None
        self._relay_stop = threading.Event()

    # starting

    def start(self) -> None:
        script = self.solution / SCRIPT
        if not script.is_file():
            raise UsageError(f"{script} does not exist: the tester starts your server with ./{SCRIPT} from "
                             f"the solution folder (--solution, now {self.solution})")
        if not os.access(script, os.X_OK):
            raise UsageError(f"{script} is not executable: run  chmod +x {script}")
        if self._port_taken():
            raise StageFailure(
                f"something is already listening on port {self.port}, before your program was started",
                expected=f"port {self.port} free", hint=(
                    "Probably a server left running from an earlier try. Stop it (find it with "
                    f"'lsof -i :{self.port}' or 'ss -ltnp'), or run the tester with --port to use another port. "
                    "While another program holds the port, every verdict would be about that program."
                ),
            )
        self._new_run()
        environment = dict(os.environ, PORT=str(self.port), PYTHONUNBUFFERED="1")
        environment[processes.MARKER] = self.marker
        try:
            self.process = subprocess.Popen(
                [f"./{SCRIPT}", *self.args], cwd=self.solution, env=environment,
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
                preexec_fn=self.limits.apply if self.limits else None,
            )
        except OSError as error:
            raise UsageError(_cannot_run(script, error)) from None
        self._relay = threading.Thread(target=self._relay_output, name="program-output", daemon=True)
        self._relay.start()

    def _new_run(self) -> None:
        """Forget what the last run of the program printed (a restart starts afresh); the relay limit counts on."""
        self.recent_lines.clear()
        self._lines_at_start = self.lines_seen
        self._output_at = self._settle_from = 0.0
        self._relay_stop = threading.Event()
        self.address = None

    def _port_taken(self) -> bool:
        try:
            probe = connect_first(addresses(self.host, self.port), 0.2)[0]
        except OSError:
            return False
        probe.close()
        return True

    def _relay_output(self) -> None:
        """Read the output pipe until it closes or stop() says so, and pass each line on."""
        assert self.process and self.process.stdout
        descriptor = self.process.stdout.fileno()
        stop = self._relay_stop  # this run's: a restart gives the next run its own
        pending = b""
        with selectors.DefaultSelector() as selector:
            selector.register(descriptor, selectors.EVENT_READ)
            while not stop.is_set():
                if not selector.select(RELAY_POLL):
                    continue
                try:
                    data = os.read(descriptor, 65536)
                except OSError:
                    break
                if not data:
                    break
                self._output_at = time.monotonic()
                *lines, pending = (pending + data).split(b"\n")
                for line in lines:
                    self._relay_line(line)
                while len(pending) >= LINE_LIMIT:
                    self._relay_line(pending[:LINE_LIMIT])
                    pending = pending[LINE_LIMIT:]
        if pending:
            self._relay_line(pending)

    def _relay_line(self, line: bytes) -> None:
        text = line.decode("utf-8", "replace").rstrip("\r")
        self.recent_lines.append(text)
        self.lines_seen += 1
        if self.lines_seen <= RELAY_LIMIT:
            self.output(text)
        elif self.lines_seen == RELAY_LIMIT + 1:
            self.output(f"… more output; the tester stops showing it after {RELAY_LIMIT} lines")

    def output_text(self) -> str:
        """What this run of the program has printed, as far as the tester keeps it (its last lines)."""
        return "\n".join(self.recent_lines)

    @property
    def last_lines(self) -> list[str]:
        """The program's last output lines, as few as fit one screen beside a failure."""
        return list(self.recent_lines)[-LAST_LINES:]

    def settle(self, quiet: float = SETTLE_QUIET, limit: float = SETTLE_LIMIT) -> None:
        """Let the program finish what it is printing (a crash report, say) before anyone reads or stops it:
        return once nothing has come for `quiet` seconds, or after `limit`. The quiet is counted from the first
        call at the earliest, so a report that starts just after the call is waited for, and a second call
        with nothing new since costs nothing. Returns at once when nothing more can come: the program was
        never started, or its output has closed."""
        relay = self._relay
        if relay is None:
            return
        called = time.monotonic()
        self._settle_from = self._settle_from or called
        deadline = called + limit
        while relay.is_alive():
            now = time.monotonic()
            if now >= deadline or now - max(self._output_at, self._settle_from) >= quiet:
                return
            relay.join(timeout=min(POLL_INTERVAL * 2, deadline - now))

    def wait_ready(self, timeout: float) -> socket.socket:
        """Poll until a connection succeeds, check that the listener is this program's, and hand that
        connection over for the stage's first use; `address` is then the address that answered."""
        deadline = time.monotonic() + timeout
        candidates = addresses(self.host, self.port)
        while True:
            try:
                sock, self.address = connect_first(candidates, 0.5)
            except OSError:
                pass
            else:
                code = self.process.poll() if self.process else None
                if code is not None and processes.marked(self.marker):  # what answered is what it left behind
                    sock.close()
                    raise self._exited_early(code)
                self._check_listener()
                return sock
            assert self.process is not None
            code = self.process.poll()
            if code is not None:
                raise self._exited_early(code)
            if time.monotonic() >= deadline:
                raise StageFailure(
                    f"your program did not accept a connection on port {self.port} within {timeout:g} s",
                    expected=f"a server listening on port {self.port}",
                    hint=hints.NOT_LISTENING.format(port=self.port),
                    evidence=self.output_evidence("its"),
                )
            time.sleep(POLL_INTERVAL)

    def _check_listener(self) -> None:
        """Every socket listening on the port must be held by a process this program started."""
        assert self.process is not None
        group = self.process.pid
        others = listeners.strangers(self.port, [group], self.pids)
        if others:  # a listener of ours that is closing can linger in the table for a moment
            time.sleep(STRANGER_RECHECK)
            others = listeners.strangers(self.port, [group], self.pids)
        if not others or self.process.poll() is not None:  # a program that ended: the probes will say so
            return
        holder = listeners.holder_of(min(others))
        who = (f"pid {holder.pid} ({holder.command})" if holder else
               "a process the tester cannot see (another user's, or in a container)")
        raise StageFailure(
            f"another program also listens on port {self.port}: {who}, which the tester did not start",
            expected=f"port {self.port} held by your program alone",
            hint=hints.FOREIGN_LISTENER.format(port=self.port),
        )

    def pids(self) -> list[int]:
        """Every live process this program started: its group, and those that left it but carry the marker."""
        if self.process is None:
            return []
        return sorted(set(processes.group_members(self.process.pid)) | set(processes.marked(self.marker)))

    def cpu_seconds(self) -> float | None:
        """CPU time used so far by the program's processes; None where it cannot be measured."""
        return processes.cpu_seconds(self.pids())

    def _exited_early(self, code: int) -> StageFailure:
        time.sleep(0.05)  # let the relay read its last lines
        if self._relay:
            self._relay.join(timeout=0.5)
        said = "\n".join(self.last_lines)
        left = processes.marked(self.marker)
        if left:
            pids = ", ".join(f"{pid} ({listeners.command_of(pid)})" for pid in left[:3])
            return StageFailure(
                f"./{SCRIPT} exited with code {code} and left its server running in the background (pid {pids})",
                expected=f"./{SCRIPT} runs your server in the foreground until the tester stops it",
                hint=hints.BACKGROUND.format(script=SCRIPT), evidence=self.output_evidence("its"),
            )
        if _has_crlf(self.solution / SCRIPT):
            hint = hints.SCRIPT_CRLF.format(script=self.solution / SCRIPT)
        elif "Address already in use" in said or "EADDRINUSE" in said:
            hint = hints.PORT_TAKEN
        elif code == 0 and self.lines_seen - self._lines_at_start <= 2:
            hint = hints.STARTER_UNTOUCHED
        else:
            hint = hints.ENDED_BEFORE_LISTENING
        return StageFailure(
            f"your program exited with code {code} before accepting a connection on port {self.port}",
            expected=f"a server listening on port {self.port}", hint=hint, evidence=self.output_evidence("its"),
        )

    def output_evidence(self, whose: str) -> list[Evidence]:
        """The program's last output lines as evidence, labelled "<whose> last N output lines"."""
        if not self.last_lines:
            return [Evidence(f"{whose} output: nothing at all", b"", text=True)]
        text = "\n".join(self.last_lines).encode("utf-8", "replace")
        count = len(self.last_lines)
        label = f"{whose} last output line" if count == 1 else f"{whose} last {count} output lines"
        return [Evidence(label, text, text=True)]

    # stopping

    def end(self, number: int, grace: float) -> bool:
        """Send signal `number` to the program's group and wait up to `grace` seconds for the leader to exit
        and the group to empty; whether it did. Nothing else is done: stop() still reaps and cleans up."""
        process = self.process
        if process is None:
            return True
        _signal_group(process.pid, number)
        return _ended(process, grace)

    def stop(self) -> None:
        """TERM to the group, a short grace, then KILL to the group and to every process that carries this
        program's marker (one that left the group gets no grace); returns once the leader is reaped and the
        output relayed, each wait bounded."""
        process = self.process
        if process is None:
            return
        group = process.pid
        _signal_group(group, signal.SIGTERM)
        try:
            _ended(process, STOP_GRACE)
        finally:  # a Ctrl-C during the grace must not spare a program that ignores TERM, nor leave it unreaped
            _signal_group(group, signal.SIGKILL)
            processes.kill_marked(self.marker)
            try:
                process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                pass
        if self._relay:
            self._relay.join(timeout=RELAY_DRAIN)  # the rest of the output, up to the pipe's close
            self._relay_stop.set()
            self._relay.join(timeout=2 * RELAY_POLL)
        if process.stdout and not (self._relay and self._relay.is_alive()):
            process.stdout.close()
        self.process = None

    @property
    def exit_code(self) -> int | None:
        return self.process.poll() if self.process else None

    def wait_exit(self, seconds: float) -> int | None:
        """The exit code if the program ends within `seconds`, else None (it is left running)."""
        if self.process is None:
            return None
        try:
            return self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            return None


def _has_crlf(script: Path) -> bool:
    try:
        return b"\r\n" in script.read_bytes()[:65536]
    except OSError:
        return False


def _cannot_run(script: Path, error: OSError) -> str:
    """Why the system refused to start the script (it exists and is executable), and the fix."""
    try:
        first = script.read_bytes()[:200].split(b"\n")[0]
    except OSError:
        first = b""
    if not first.startswith(b"#!"):
        return (f"{script} cannot be run: its first line must name the program that runs it, for example "
                "#!/bin/sh")
    if first.endswith(b"\r"):
        return (f"{script} has Windows line ends (\\r\\n), so the system looks for an interpreter named with a "
                f"\\r at its end: convert the file with  sed -i 's/\\r$//' {script}")
    interpreter = first[2:].decode("utf-8", "replace").strip()
    return f"{script} cannot be run ({error.strerror or error}): is {interpreter!r}, named on its first line, installed?"


def _ended(process: subprocess.Popen, grace: float) -> bool:
    """Wait up to `grace` seconds for the leader to exit and its group to empty; whether they did. Most
    programs end within a millisecond of the signal, so the first looks come quickly, then every POLL_INTERVAL."""
    deadline = time.monotonic() + grace
    pause = POLL_INTERVAL / 8
    while True:
        if process.poll() is not None and not _group_alive(process.pid):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(pause)
        pause = min(pause * 2, POLL_INTERVAL)


def _signal_group(group: int, number: int) -> None:
    try:
        os.killpg(group, number)
    except (ProcessLookupError, PermissionError):
        pass


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True
