"""`tester grade`: a class's submissions, each isolated, graded in parallel, with reports for people and
for tools. The work is in tester/grading/ and the formats in tester/reports/; this module reads the
command line, says what it is about to do, and prints the summary."""

from __future__ import annotations

import argparse
import json
import os
import random
from pathlib import Path

from tester.commands import options
from tester.commands.learning import find_track
from tester.errors import UsageError

NAME = "grade"
HELP = "grade a class: every submission in a folder (or a roster CSV: id,path), isolated, in parallel"
DEFAULT_TIMEOUT = 900.0
DEFAULT_MEMORY_MB = 2048
DEFAULT_FILE_SIZE_MB = 1024


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submissions", type=Path, metavar="SUBMISSIONS",
                        help="a folder with one solution folder per student, or a roster CSV (id,path per line)")
    parser.add_argument("--out", type=Path, default=Path("grades"), help="where results and reports go "
                        "(default: grades/)")
    options.add_course(parser)
    parser.add_argument("--track", metavar="SLUG", action="append",
                        help="grade this track (after the tracks it requires); may be repeated; default: all")
    parser.add_argument("--seed", type=int, help="the class's seed (default: the last grading's in --out, else a new "
                                                 "one, printed)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="submissions graded at once (default: the number of cores)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help=f"seconds one submission may take in all (default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--regrade", action="store_true",
                        help="grade every submission again, also those unchanged since their last result")
    parser.add_argument("--isolation", choices=["auto", "namespace", "port"], default="auto",
                        help="namespace: each submission in its own network and PID namespace, on port 4221; "
                             "port: a port of its own; auto (default): namespaces where Linux allows them")
    parser.add_argument("--dask", metavar="ADDRESS", help="run the submissions on this Dask scheduler's workers "
                        "(pip install 'http-server-tester[dask]'; the paths must be the same on the workers)")
    options.add_limits(parser, memory_mb=DEFAULT_MEMORY_MB, file_size_mb=DEFAULT_FILE_SIZE_MB)


def execute(arguments: argparse.Namespace, console) -> int:
    from tester.grading import submissions
    from tester.grading.batch import Settings, grade_class
    from tester.grading.executors import DaskCluster, LocalPool
    from tester.grading.live import Progress
    from tester.grading.reporting import summary_lines, write_reports

    course_path = options.find_course(arguments.course)
    course = options.course(arguments)
    tracks = tuple(find_track(course, slug).slug for slug in arguments.track or ())
    if arguments.jobs < 1:
        raise UsageError(f"--jobs {arguments.jobs}: give at least 1")
    if arguments.timeout <= 0:
        raise UsageError(f"--timeout {arguments.timeout:g}: give a number of seconds above 0")
    found = submissions.find(arguments.submissions)
    _writable(arguments.out)
    seed = arguments.seed if arguments.seed is not None else _earlier_seed(arguments.out)
    reused = arguments.seed is None and seed is not None
    seed = seed if seed is not None else random.randrange(1, 1_000_000)
    limits = _limit_arguments(arguments)
    settings = Settings(course_path, seed, tracks, arguments.timeout, limits, arguments.regrade)
    executor = DaskCluster(arguments.dask) if arguments.dask else LocalPool(arguments.jobs)
    try:
        isolation, why_not = _isolation(arguments.isolation, executor.namespaces_unavailable)
        console.print(f"grading {len(found)} submission{'s' if len(found) != 1 else ''} of {arguments.submissions} "
                      f"with {course_path}, seed {seed}"
                      + (" (the last grading's, kept in the gradebook)" if reused else "") + f", on a {executor.name}")
        if isolation == "namespace":
            console.print("isolation: a network and PID namespace per submission, each on port 4221")
        else:
            console.print(f"isolation: a port per submission, no namespaces ({why_not})")
        progress = Progress(len(found), console.stream, live=console.stream.isatty())
        batch = grade_class(found, settings, course, arguments.out, executor, progress, isolation)
    finally:
        executor.close()
    batch.why_not_namespaces = why_not
    written = write_reports(arguments.out, batch, course, settings)
    for line in summary_lines(batch, course, tracks):
        console.print(line)
    console.print(f"graded {batch.graded}, kept {batch.kept} unchanged, in {batch.elapsed:.1f} s; reports in "
                  f"{arguments.out}: " + ", ".join(written))
    console.print(f"replay one student: tester test --seed {seed} --solution PATH"
                  + "".join(f" --track {track}" for track in tracks))
    if batch.grader_failures:
        console.error(f"the grader itself failed on {', '.join(batch.grader_failures)}: their records say how; "
                      "run again to retry them")
        return 1
    return 0


def _earlier_seed(out: Path) -> int | None:
    """The seed of the batch graded into `out` before: a re-run without --seed goes on with it, so that the
    unchanged submissions keep their results."""
    try:
        seed = json.loads((out / "gradebook.json").read_text()).get("seed")
    except (OSError, ValueError, AttributeError):
        return None
    return seed if isinstance(seed, int) else None


def _writable(out: Path) -> None:
    try:
        (out / "results").mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"--out {out}: cannot make {out / 'results'} there ({error.strerror}); give a folder "
                         "you can write to") from None


def _isolation(chosen: str, checker) -> tuple[str, str | None]:
    why_not = checker() if chosen != "port" else "--isolation port"
    if chosen == "namespace" and why_not:
        raise UsageError(f"--isolation namespace: {why_not}")
    return ("namespace", None) if why_not is None else ("port", why_not)


def _limit_arguments(arguments: argparse.Namespace) -> tuple[str, ...]:
    given = []
    for option, value in (("--limit-memory", arguments.limit_memory), ("--limit-processes", arguments.limit_processes),
                          ("--limit-file-size", arguments.limit_file_size)):
        if value:
            given += [option, str(value)]
    return tuple(given)
