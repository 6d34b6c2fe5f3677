"""`tester check`: lint a course before learners see it; one line per problem, exit 1 if there is any."""

from __future__ import annotations

import argparse
import os
import time

from tester.commands import options

NAME = "check"
HELP = "check a course: manifest, descriptions, reference, starter and one failing fixture per stage"


def configure(parser: argparse.ArgumentParser) -> None:
    options.add_course(parser)
    parser.add_argument("--no-servers", dest="servers", action="store_false",
                        help="only the files: do not run the reference, starter or fixtures")
    parser.add_argument("--all-fixtures", action="store_true",
                        help="run every fixture with its verdict, not just one failing fixture per stage")
    parser.add_argument("--jobs", type=int, default=min(4, 2 * (os.cpu_count() or 1)), metavar="N",
                        help="servers to run side by side (default: twice the CPU count, at most 4: they "
                             "mostly wait)")
    parser.add_argument("--seed", type=int, default=1, help="the seed of the runs (default 1)")


def execute(arguments: argparse.Namespace, console) -> int:
    from tester.lint import one_line
    from tester.lint.course import Settings, check

    started = time.monotonic()
    path = options.find_course(arguments.course)
    settings = Settings(servers=arguments.servers, all_fixtures=arguments.all_fixtures,
                        workers=max(1, arguments.jobs), seed=arguments.seed)
    report = check(path, settings)
    for problem in report.problems:
        console.print(one_line(problem))
    seconds = time.monotonic() - started
    if report.problems:
        count = len(report.problems)
        console.print(console.paint(f"{count} problem{'s' * (count != 1)} in {path} ({seconds:.1f} s)", "red", "bold"))
        return 1
    for line in report.done:
        console.print(console.paint("ok ", "green") + line)
    skipped = "" if settings.servers else "; servers not run (--no-servers)"
    console.print(console.paint(f"{path}: no problems ({seconds:.1f} s){skipped}", "green", "bold"))
    return 0
