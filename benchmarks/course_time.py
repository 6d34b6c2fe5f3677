"""What a course run costs: wall time, the programs' start-up, the tester's own overhead and CPU.

Runs the course against the reference as a learner would (a fresh `tester` process each time, plain
interpreter first on PATH) and prints, per configuration (the whole 14-stage course and the 8 base
stages), medians and best values over --runs runs of:

- wall: the whole command, from spawn to exit;
- listen: the sum over the stage runs of the time from starting the program to its first accepted
  connection (the floor one fresh program per stage sets);
- overhead: wall minus listen, what the tester itself adds (its start-up and exit, loading the course,
  its waits and checks, stopping programs);
- cpu: the tester process's own CPU time (user + system), the programs it starts excluded.

The tester runs inside benchmarks/measured.py, which records the start and listen moments and the
process's own CPU without changing what the tester does.

    python benchmarks/course_time.py [--runs 9] [--solution fixtures/reference]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tester.ports import free_port

ROOT = Path(__file__).resolve().parent.parent
MEASURED = Path(__file__).resolve().parent / "measured.py"
CONFIGURATIONS = {"14 stages": ["test"], "8 base stages": ["test", "--track", "base"]}


def one_run(arguments: list[str], solution: Path, environment: dict[str, str]) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        figures = Path(folder) / "figures.json"
        command = [sys.executable, str(MEASURED), str(figures), *arguments, "--solution", str(solution),
                   "--port", str(free_port()), "--seed", "7", "--no-color", "--no-progress"]
        started = time.perf_counter()
        result = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300)
        wall = time.perf_counter() - started
        if result.returncode != 0:
            sys.exit(f"the run did not pass:\n{result.stdout}\n{result.stderr}")
        measured = json.loads(figures.read_text())
    return {"wall": wall, "listen": measured["listen"], "overhead": wall - measured["listen"],
            "cpu": measured["cpu"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--solution", type=Path, default=ROOT / "fixtures" / "reference")
    arguments = parser.parse_args()
    environment = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, {arguments.runs} runs each, "
          f"solution {arguments.solution}")
    for name, command in CONFIGURATIONS.items():
        one_run(command, arguments.solution.resolve(), environment)  # warm the file cache
        runs = [one_run(command, arguments.solution.resolve(), environment) for _ in range(arguments.runs)]
        shown = ", ".join(f"{key} {statistics.median(run[key] for run in runs):.3f} s "
                          f"(best {min(run[key] for run in runs):.3f})" for key in ("wall", "listen", "overhead", "cpu"))
        print(f"{name}: {shown}")


if __name__ == "__main__":
    main()
