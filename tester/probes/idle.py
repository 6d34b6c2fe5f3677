"""`idle`: once its clients have gone, the program rests; it does not burn the CPU.

A handler that never checks for the end of a connection (`recv()` returning b"") loops for ever once the
client closes: every call returns at once, and the program spins at a full core per closed connection.
Every response is still right, so no exchange can see it; only the program's CPU time can. The probe
closes the stage's connections, lets the program notice, and measures the CPU time of all its processes
over a short window. A program that is over the limit is measured once more, so that a burst of work
that ends by itself (a garbage collection, a JIT compiler) is not taken for a spin.
"""

from __future__ import annotations

import time
from typing import Literal

from pydantic import Field

from tester import hints
from tester.errors import StageFailure
from tester.probes.base import Probe, ProbeContext

WINDOWS = 2  # a program fails only when every window is over the limit


class IdleProbe(Probe):
    kind: Literal["idle"]
    settle: float = Field(0.1, ge=0, le=5, description="Seconds between closing the connections and measuring")
    window: float = Field(0.25, gt=0, le=5, description="Seconds of each CPU measurement")
    max_cpu: float = Field(0.3, gt=0, le=4, description="Most CPU the program may use while idle, as a share of "
                                                        "one core (0.3: 30 %)")
    summary = "close every connection; then the program must stay idle instead of using the CPU"

    def run(self, context: ProbeContext) -> None:
        context.close_all()
        program = context.program
        if program is None or program.cpu_seconds() is None:
            context.listener("", "note", "CPU time cannot be measured on this system: the idle check is skipped")
            return
        time.sleep(self.settle)
        shares = []
        for _ in range(WINDOWS):
            before, started = program.cpu_seconds(), time.monotonic()
            time.sleep(self.window)
            used, elapsed = (program.cpu_seconds() or 0) - (before or 0), time.monotonic() - started
            shares.append(used / elapsed)
            if shares[-1] <= self.max_cpu:
                context.listener("", "note", f"with every connection closed, your program used "
                                             f"{shares[-1]:.0%} of a core over {elapsed:.2f} s: idle")
                return
        measured = " and ".join(f"{share:.0%}" for share in shares)
        raise StageFailure(
            f"after the tester closed its connections, your program kept using the CPU: {measured} of a core "
            f"in {WINDOWS} windows of {self.window:g} s, with nothing to do",
            expected=f"an idle program (at most {self.max_cpu:.0%} of a core)", hint=hints.BUSY_LOOP,
        )
