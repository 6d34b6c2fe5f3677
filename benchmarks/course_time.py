"""Wall time of the full course against the reference server.

Runs `tester test --solution fixtures/reference` several times as a learner would (a fresh `tester`
process each time) and prints, for each run setting, the median and best wall time of the whole command
and of the stages alone (the sum of the per-stage durations in --json). The "direct interpreter"
setting puts this Python's own bin folder first on PATH, so neither the tester nor the reference
server pays for a version-manager shim in front of `python3` (pyenv's costs about 0.1 s a start).

    python benchmarks/course_time.py [--runs 5] [--stages N]
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


def one_run(environment: dict[str, str], stages: int | None) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        command = [sys.executable, "-m", "tester"]
        command += ["stage", str(stages)] if stages else ["test"]
        command += ["--solution", str(ROOT / "fixtures" / "reference"), "--port", str(free_port()),
                    "--seed", "7", "--json", str(report), "--no-color", "--no-progress"]
        started = time.perf_counter()
        result = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True)
        wall = time.perf_counter() - started
        if result.returncode != 0:
            sys.exit(f"the reference did not pass:\n{result.stdout}\n{result.stderr}")
        data = json.loads(report.read_text())
        return wall, sum(stage["duration"] for stage in data["stages"]), len(data["stages"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--stages", type=int, help="run stage N and the earlier ones instead of the whole course")
    arguments = parser.parse_args()
    settings = {
        "python3 from PATH as found": dict(os.environ),
        "direct interpreter": dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"),
    }
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, {arguments.runs} runs per setting")
    for name, environment in settings.items():
        one_run(environment, arguments.stages)  # warm the file cache
        walls, courses = [], []
        count = 0
        for _ in range(arguments.runs):
            wall, course, count = one_run(environment, arguments.stages)
            walls.append(wall)
            courses.append(course)
        print(f"{name}: {count} stages; whole command median {statistics.median(walls):.3f} s "
              f"(best {min(walls):.3f}); stages alone median {statistics.median(courses):.3f} s "
              f"(best {min(courses):.3f})")


if __name__ == "__main__":
    main()
