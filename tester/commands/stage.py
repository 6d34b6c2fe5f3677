"""`tester stage N`: stage N, then the earlier stages as regression."""

from __future__ import annotations

import argparse

from tester.commands import options
from tester.commands.running import run_stages

NAME = "stage"
HELP = "run stage N, then the earlier stages as regression"


def configure(parser: argparse.ArgumentParser) -> None:
    options.add_course(parser)
    options.add_running(parser)
    parser.add_argument("stage", metavar="N", help="stage number or slug")
    parser.add_argument("--only", action="store_true", help="run stage N alone, without the earlier stages")


def execute(arguments: argparse.Namespace, console) -> int:
    return run_stages(arguments, console, arguments.stage, arguments.only)
