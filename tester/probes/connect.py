"""`connect`: the server accepts a TCP connection on the port and keeps running. The first stage's check.

A connect alone proves little: a program that listens and crashes a few milliseconds later (a second
bind() that raises, an exception after listen()) can accept the tester's connection in the gap. So after
the connect the probe waits `settle` seconds, during which the program must stay alive and the
connection must not be reset; a clean close by the server is fine (it may not read requests yet).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tester import hints
from tester.connection import shown
from tester.errors import StageFailure
from tester.probes.base import Probe, ProbeContext

EXIT_GRACE = 0.1  # after a close or reset, how long a dying program may take to be seen as exited


class ConnectProbe(Probe):
    kind: Literal["connect"]
    settle: float = Field(0.2, ge=0, le=5, description="Seconds after the connect during which the program "
                                                       "must keep running and the connection must not be reset")
    summary = "open a TCP connection to the server; the program keeps running"

    def run(self, context: ProbeContext) -> None:
        connection = context.connect()
        at = f" (at {shown(context.address)})" if context.address else ""
        context.listener(connection.label, "note", f"connected to {context.host}:{context.port}{at}")
        if not self.settle or context.program is None:
            return
        outcome = connection.wait_for_close(self.settle)
        ended = outcome in ("closed", "reset")
        code = context.program.wait_exit(EXIT_GRACE) if ended else context.program.exit_code
        if code is not None:
            raise StageFailure(
                f"your program accepted the connection, but ended within {self.settle:g} s",
                expected="a server that keeps running and accepting connections", hint=hints.EXITED,
                connection_lost=True,
            )
        if outcome == "reset":
            raise StageFailure(
                f"the server reset the connection within {self.settle:g} s of accepting it",
                expected="the connection accepted and kept, or closed cleanly", hint=hints.RESET_ON_CONNECT,
                connection_lost=True,
            )
        context.listener(connection.label, "note", f"your program is still running {self.settle:g} s later")
