"""One submission graded: `tester test --json` on it, in its sandbox, bounded in time and output.

`grade(unit)` is all an executor runs, on this machine or on a Dask worker: it takes a Unit (plain data,
picklable) and gives back the record (tester/reports/records.py) without writing anything but its own
scratch folder, which it removes. Whatever the submission does (hang, flood its output, fork, eat
memory, leave its session), the unit ends within its time limit and leaves no process behind: the tester
stops every program it starts; past the limit the whole process group goes, and in namespaces the PID
namespace takes every process of the submission with it.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from tester import processes
from tester.grading import fingerprint, sandbox
from tester.program import SCRIPT

RECORD_VERSION = 1
TERM_GRACE = 3.0  # seconds between SIGTERM and SIGKILL for a unit past its time
OUTPUT_KEPT = 256 * 1024  # bytes of the tester's console output kept in a record; the rest is read and dropped
READ_SIZE = 65536
POLL = 0.05  # seconds between looks at a running unit
PR_SET_PDEATHSIG = 1
STOP = threading.Event()  # set when the batch is interrupted: every running unit stops its process group


try:  # looked up here, not in the child between fork and exec, where the dynamic loader's lock may be held
    _PRCTL = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):  # not Linux: the time limit and the process group still bound the unit
    _PRCTL = None


class Interrupted(Exception):
    """The batch was interrupted while this unit ran; it has stopped, and has no record."""


@dataclass(frozen=True)
class Unit:
    id: str
    path: Path
    course: Path
    seed: int
    fingerprint: str  # the digest of the submission's files, the course and the options, before the run
    isolation: sandbox.Isolation
    port: int = 4221
    timeout: float = 900.0
    tracks: tuple[str, ...] = ()
    limits: tuple[str, ...] = ()  # --limit-* arguments for `tester test`
    scratch: Path | None = None  # where the unit's temporary folder goes (default: the system's)
    course_digest: str = ""  # the parts of `fingerprint`, to take it again after the run
    options: tuple[str, ...] = ()

    def tester_arguments(self, result: Path) -> list[str]:
        arguments = ["test", "--course", str(self.course), "--solution", str(self.path), "--seed", str(self.seed),
                     "--port", str(self.port), "--json", str(result), "--no-progress", "--no-color", *self.limits]
        for track in self.tracks:
            arguments += ["--track", track]
        return arguments


@dataclass
class _Captured:
    data: bytearray = field(default_factory=bytearray)
    dropped: int = 0


def grade_safely(unit: Unit) -> dict:
    """grade(unit), or, where the grader itself fails on it, an "error" record that says so (`grader_failed`)."""
    try:
        return grade(unit)
    except Interrupted:
        raise
    except Exception as error:
        return {"version": RECORD_VERSION, "id": unit.id, "path": str(unit.path), "fingerprint": unit.fingerprint,
                "graded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "isolation": unit.isolation,
                "outcome": "error", "error": f"the grader itself failed on this submission: {type(error).__name__}: "
                f"{error}", "grader_failed": True, "elapsed": 0.0, "cpu": 0.0, "result": None, "output": ""}


def grade(unit: Unit) -> dict:
    """The record of one submission."""
    started, graded_at = time.monotonic(), datetime.now(timezone.utc).isoformat(timespec="seconds")
    base = {"version": RECORD_VERSION, "id": unit.id, "path": str(unit.path), "fingerprint": unit.fingerprint,
            "graded_at": graded_at, "isolation": unit.isolation}
    if not (unit.path / SCRIPT).is_file():
        return {**base, "outcome": "error", "error": f"no {SCRIPT} in {unit.path}: nothing to start", "elapsed": 0.0,
                "cpu": 0.0, "result": None, "output": ""}
    scratch = Path(tempfile.mkdtemp(prefix=f"grade-{unit.id}-", dir=unit.scratch))
    try:
        record = {**base, **_run(unit, scratch, started)}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    # what the run left in the folder (a log, a build) is part of the digest a re-run will see
    after = fingerprint.of_grading(fingerprint.of_submission(unit.path), unit.course_digest, unit.options)
    return {**record, "fingerprint_after": after}


def _run(unit: Unit, scratch: Path, started: float) -> dict:
    result_file = scratch / "result.json"
    temporary = scratch / "tmp"
    temporary.mkdir()
    # a folder of its own for temporary files: the tester's port lock lives there too, and in a namespace
    # port 4221 belongs to this unit alone
    environment = {**os.environ, "TMPDIR": str(temporary), "TESTER_CACHE": os.environ.get("TESTER_CACHE", ""),
                   "XDG_CACHE_HOME": str(scratch / "cache"), "NO_COLOR": "1"}
    environment.pop("TESTER_PORT", None)
    process = subprocess.Popen(sandbox.command(unit.isolation, unit.tester_arguments(result_file)),
                               cwd=scratch, env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_the_grader)
    captured = _Captured()
    reader = threading.Thread(target=_read, args=(process, captured), daemon=True)
    reader.start()
    try:
        ended = _wait(process.pid, unit.timeout, interruptible=True)
        timed_out = ended is None
        if ended is None:
            ended = _stop_group(process.pid)
    finally:
        if unit.isolation == "port":  # no PID namespace to end them: the programs its tester started, by marker
            processes.kill_marked(f"{process.pid}-")
    status, usage = ended
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, by wait4: tell the Popen
    reader.join(timeout=5)
    if STOP.is_set():
        raise Interrupted()
    # the unit's own CPU time and that of every process it waited for: the tester, the learner's programs
    cpu = usage.ru_utime + usage.ru_stime
    output = captured.data.decode("utf-8", "replace")
    if captured.dropped:
        output += f"\n… {captured.dropped} more bytes of output were dropped\n"
    result = _read_result(result_file)
    if timed_out:
        outcome, error = "timeout", f"still running after {unit.timeout:g} s: stopped"
    elif result is None:
        outcome = "error"
        error = f"the tester ended with code {os.waitstatus_to_exitcode(status)} and wrote no result: " \
            + _last_line(output)
    else:
        outcome, error = "graded", None
    return {"outcome": outcome, "error": error, "elapsed": round(time.monotonic() - started, 3),
            "cpu": round(cpu, 3), "result": result, "output": output}


def _read(process: subprocess.Popen, captured: _Captured) -> None:
    assert process.stdout is not None
    while True:
        data = process.stdout.read1(READ_SIZE)  # what is there, without waiting for READ_SIZE bytes
        if not data:
            return
        room = OUTPUT_KEPT - len(captured.data)
        captured.data += data[:max(room, 0)]
        captured.dropped += max(len(data) - max(room, 0), 0)


def _wait(pid: int, seconds: float, interruptible: bool = False) -> tuple[int, resource.struct_rusage] | None:
    """The unit's exit status and resource use once it ends, or None if it is still running after `seconds`
    (or, when `interruptible`, once the batch is interrupted)."""
    deadline = time.monotonic() + seconds
    while True:
        found, status, usage = os.wait4(pid, os.WNOHANG)
        if found:
            return status, usage
        if time.monotonic() >= deadline or (interruptible and STOP.is_set()):
            return None
        time.sleep(POLL)


def _stop_group(pid: int) -> tuple[int, resource.struct_rusage]:
    """SIGTERM to the unit's process group, SIGKILL after a grace; its status once it has ended."""
    for number in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, number)
        except ProcessLookupError:
            pass
        ended = _wait(pid, TERM_GRACE)
        if ended is not None:
            return ended
    return _wait(pid, 365 * 86400)  # a SIGKILLed process ends; only the kernel can delay it


def _die_with_the_grader() -> None:
    """In the unit's process: SIGKILL when the grader's thread that started it ends, the grader killed too."""
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _read_result(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _last_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"
