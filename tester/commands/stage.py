"""`tester stage [N]`: stage N (by default your current stage), then the earlier stages as regression."""

from __future__ import annotations

import argparse

from tester.commands import options
from tester.commands.learning import find_stage
from tester.commands.running import current_stage, run_stages

NAME = "stage"
HELP = "run stage N (default: your current stage), then the earlier stages as regression"


def configure(parser: argparse.ArgumentParser) -> None:
    options.add_course(parser)
    options.add_running(parser)
    parser.add_argument("stage", metavar="N", nargs="?",
                        help="stage number or slug (default: the first stage you have not passed yet)")
    parser.add_argument("--only", action="store_true", help="run stage N alone, without the earlier stages")


def execute(arguments: argparse.Namespace, console) -> int:
    course = options.course(arguments)
    if arguments.stage is None:
        target = current_stage(course, arguments, console)
    else:
        target = find_stage(course, arguments.stage)
    return run_stages(arguments, console, course, target, arguments.only)
