"""Wall time of the commands a learner types between runs: `tester --help`, `list`, `status`, `tracks`;
and how soon `tester watch` gives its verdict after a file is saved.

Each command runs as a fresh process (plain interpreter first on PATH) from the bundled solution folder,
--runs times after one warm-up run (which also fills the course cache); prints the median and best. For
watch, a copy of the reference is watched; a file of it is saved again and again, and the time from the
save to the verdict line is split into the stage's own duration (as the verdict line gives it: the
program's start and the probes) and the rest, which is watch's own latency.

    python benchmarks/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import re
import selectors
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = (["--help"], ["list"], ["status"], ["tracks"])


def one_run(arguments: list[str], environment: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "tester", *arguments, "--no-color"] if arguments != ["--help"]
                            else [sys.executable, "-m", "tester", "--help"], cwd=ROOT / "solution",
                            env=environment, capture_output=True, timeout=60)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"tester {' '.join(arguments)} failed:\n{result.stdout.decode()}\n{result.stderr.decode()}")
    return wall


def watch_latency(saves: int, environment: dict[str, str]) -> list[tuple[float, float]]:
    """(save to verdict, the stage's own duration) for each save."""
    from tester.ports import free_port

    found: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory() as folder:
        solution = Path(folder) / "solution"
        shutil.copytree(ROOT / "fixtures" / "reference", solution)
        command = [sys.executable, "-m", "tester", "watch", "--course", str(ROOT / "stages.yaml"), "--solution",
                   str(solution), "--port", str(free_port()), "--no-progress", "--no-color", "--runs", str(saves + 1)]
        watcher = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert watcher.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(watcher.stdout, selectors.EVENT_READ)
        pending = b""

        def verdict(limit: float = 30) -> float:
            nonlocal pending
            deadline = time.monotonic() + limit
            while time.monotonic() < deadline:
                match = re.search(rb"stage \d+ \S+ (?:passed|failed) \(([0-9.]+) s\)", pending)
                if match:
                    pending = pending[match.end():]
                    return float(match.group(1))
                if selector.select(deadline - time.monotonic()):
                    pending += os.read(watcher.stdout.fileno(), 65536)
            watcher.kill()
            sys.exit(f"tester watch gave no verdict within {limit} s:\n{pending.decode(errors='replace')}")

        verdict()
        time.sleep(0.3)  # watch takes its snapshot, then starts polling
        for _ in range(saves):
            target = solution / "your_program.sh"
            saved = time.perf_counter()
            target.write_bytes(target.read_bytes())
            os.utime(target)
            duration = verdict()
            found.append((time.perf_counter() - saved, duration))
            time.sleep(0.3)
        watcher.wait(timeout=30)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    arguments = parser.parse_args()
    environment = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, {arguments.runs} runs each")
    for command in COMMANDS:
        one_run(command, environment)
        walls = [one_run(command, environment) for _ in range(arguments.runs)]
        print(f"tester {' '.join(command)}: median {statistics.median(walls):.3f} s (best {min(walls):.3f})")
    latencies = watch_latency(arguments.runs, environment)
    rest = [total - stage for total, stage in latencies]
    print(f"tester watch, save to verdict: median {statistics.median(total for total, _ in latencies):.3f} s, "
          f"of which the stage itself {statistics.median(stage for _, stage in latencies):.3f} s and watch's "
          f"own latency {statistics.median(rest):.3f} s (best {min(rest):.3f})")


if __name__ == "__main__":
    main()
