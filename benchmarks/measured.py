"""The `tester` command, measured: `python benchmarks/measured.py FIGURES ARGS...` runs `tester ARGS...` and
writes to FIGURES (JSON) the sum of the programs' start-to-listen times and this process's own CPU time.

Program.start and Program.wait_ready are wrapped to note when each run of a program was started and when
its first connection was accepted; nothing else changes. Used by benchmarks/course_time.py.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from tester import program

started: list[float] = []
listen: list[float] = []
original_start, original_wait_ready = program.Program.start, program.Program.wait_ready


def start(self) -> None:
    started.append(time.perf_counter())
    original_start(self)


def wait_ready(self, timeout: float):
    connection = original_wait_ready(self, timeout)
    listen.append(time.perf_counter() - started[-1])
    return connection


def main() -> None:
    figures = Path(sys.argv[1])
    program.Program.start, program.Program.wait_ready = start, wait_ready
    from tester.cli import finish, main as tester
    code = tester(sys.argv[2:])
    usage = resource.getrusage(resource.RUSAGE_SELF)
    figures.write_text(json.dumps({"listen": sum(listen), "starts": len(started),
                                   "cpu": usage.ru_utime + usage.ru_stime}))
    finish(code)  # as the `tester` command ends


if __name__ == "__main__":
    main()
