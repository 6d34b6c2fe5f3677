"""`restart`: stop the program mid-stage and start it again, then let the stage go on probing.

What a server keeps must survive it being stopped: the REST track's durability stages write data, restart
the server and read the data back. The probe closes the stage's connections (a graceful server waits for
open ones), sends the signal to the program's process group, and waits a bounded time for it to end. A
server that is still running `grace` seconds after SIGTERM fails the stage: a supervisor (systemd, docker
stop) would kill it the same way and lose what it had not written. Then the program is started again with
the same arguments, environment and folder (the stage's files stay as the first run left them), and the
next probe's first connection is the one that proved it ready again.
"""

from __future__ import annotations

import signal as signals
import time
from typing import Literal

from pydantic import Field

from tester import hints
from tester.errors import StageFailure
from tester.probes.base import Probe, ProbeContext


class RestartProbe(Probe):
    kind: Literal["restart"]
    signal: Literal["TERM", "KILL"] = Field(
        "TERM", description="TERM: ask the program to stop (it must, within grace); KILL: stop it at once")
    grace: float = Field(2.0, gt=0, le=30, description="Seconds the program has to end after the signal")
    summary = "stop the program with a signal, start it again with the same arguments, and go on probing"

    def run(self, context: ProbeContext) -> None:
        program = context.program
        assert program is not None, "the runner gives every stage its program"
        context.close_all()
        name = f"SIG{self.signal}"
        code = program.exit_code
        if code is not None:
            raise StageFailure(
                f"your program exited with code {code} before the tester stopped it to restart it",
                expected="your program running until the tester stops it",
                hint=hints.EXITED_CLEANLY if code == 0 else hints.EXITED, evidence=program.output_evidence("its"),
            )
        started = time.monotonic()
        ended = program.end(getattr(signals, name), self.grace)
        took = time.monotonic() - started
        code = program.exit_code
        if not ended and self.signal == "TERM":
            program.end(signals.SIGKILL, self.grace)
        program.stop()  # whatever is left (a process that left the group), and the rest of its output
        if not ended:
            killed = " the tester killed it (SIGKILL)" if self.signal == "TERM" else ""
            raise StageFailure(
                f"your program was still running {self.grace:g} s after {name}:{killed}",
                expected=f"your program (and every process it started) ends within {self.grace:g} s of {name}",
                hint=hints.RESTART_IGNORED_TERM if self.signal == "TERM" else hints.RESTART_UNKILLABLE,
                evidence=program.output_evidence("its"),
            )
        context.listener("", "note", f"sent {name} to your program: it {_ending(code)} after {took:.2f} s; "
                                     "starting it again with the same arguments")
        try:
            program.start()
            context.ready_socket = program.wait_ready(context.defaults.ready_timeout)
        except StageFailure as failure:
            failure.message = f"after the restart ({name}), {failure.message}"
            if failure.hint == hints.PORT_TAKEN:
                failure.hint = hints.RESTART_PORT_TAKEN
            raise
        context.address = program.address
        context.listener("", "note", "your program accepts connections again")


def _ending(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"ended by {signals.Signals(-code).name}"
        except ValueError:
            return f"ended by signal {-code}"
    return f"exited with code {code}"
