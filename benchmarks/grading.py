"""What grading a class costs: submissions per minute, CPU per submission, the slowest submission.

Builds a folder of --count submissions, most of them copies of the reference (each graded through the
whole course) and the rest links to fixtures with known defects, hostile ones among them (a silent server, an
output flood, a forking one, one that leaves its session, an endless body), then times one
`tester grade` of it and reads the records.

    python benchmarks/grading.py [--count 50] [--jobs N] [--track SLUG] [--isolation auto|namespace|port]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
# graded by their path, one entry each per round; the rest of the class are copies of the reference
DEFECTS = ["no-listen", "always-200", "wsgi-buffers-parts", "h11-no-host-check", "rest-memory-only",
           "hostile-silent", "hostile-flood", "hostile-fork-keeps-port", "hostile-escapes-session",
           "hostile-endless-body", "hostile-ignores-sigterm", "crash-after-listen"]


def build_class(folder: Path, count: int) -> Path:
    """A folder with a sub-folder per student: copies of the reference, and links to fixtures (which find the
    reference's code beside themselves, where a link leads)."""
    defects = max(count // 4, 1)
    for number in range(defects):
        name = DEFECTS[number % len(DEFECTS)]
        (folder / f"{name}-{number:02d}").symlink_to(FIXTURES / name, target_is_directory=True)
    for number in range(count - defects):
        shutil.copytree(FIXTURES / "reference", folder / f"reference-{number:02d}",
                        ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def left_running(folders: list[Path]) -> list[str]:
    """Processes still working in the class's folders or the fixtures once grading is over: none is right."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            where = os.readlink(entry / "cwd") if entry.name.isdigit() else ""
        except OSError:
            continue
        if any(where.startswith(str(folder)) for folder in folders):
            found.append(f"{entry.name} in {where}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--track", action="append", default=[])
    parser.add_argument("--isolation", default="auto")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="grade-bench-") as scratch:
        folder = Path(scratch)
        (folder / "class").mkdir()
        submissions = build_class(folder / "class", arguments.count)
        command = [sys.executable, "-m", "tester", "grade", str(submissions), "--out", str(folder / "grades"),
                   "--seed", "1", "--jobs", str(arguments.jobs), "--isolation", arguments.isolation, "--no-color",
                   *[option for track in arguments.track for option in ("--track", track)]]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        wall = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if finished.returncode != 0:
            sys.exit(f"tester grade failed ({finished.returncode}):\n{finished.stdout}{finished.stderr}")
        records = [json.loads(path.read_text()) for path in (folder / "grades" / "results").glob("*.json")]
        reports = sorted(str(path.relative_to(folder / "grades")) for path in (folder / "grades").iterdir()
                         if path.is_file())
        left = left_running([folder, FIXTURES])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    slowest = max(records, key=lambda record: record["elapsed"])
    outcomes = {name: sum(record["outcome"] == name for record in records) for name in ("graded", "timeout", "error")}
    passed = sum(bool((record.get("result") or {}).get("passed")) for record in records)
    print(f"{len(records)} submissions ({arguments.count - max(arguments.count // 4, 1)} copies of the reference, "
          f"{max(arguments.count // 4, 1)} with defects), {arguments.jobs} at once, {os.cpu_count()} cores, "
          f"isolation {records[0]['isolation']}")
    print(f"wall            {wall:8.1f} s")
    print(f"per minute      {len(records) / wall * 60:8.1f} submissions")
    print(f"cpu in all      {cpu:8.1f} s (the grader and everything it ran)")
    print(f"cpu/submission  {cpu / len(records):8.2f} s mean; per record: median "
          f"{statistics.median(record['cpu'] for record in records):.2f} s")
    print(f"slowest         {slowest['elapsed']:8.1f} s ({slowest['id']}, {slowest['outcome']})")
    print(f"median          {statistics.median(record['elapsed'] for record in records):8.1f} s per submission")
    print(f"outcomes        {outcomes}, {passed} passed the whole run")
    print(f"reports         {', '.join(reports)}")
    print(f"left running    {len(left)} processes" + (": " + "; ".join(left) if left else ""))


if __name__ == "__main__":
    main()
