"""`tester test`: every stage in order, stopping at the first failure."""

from __future__ import annotations

import argparse

from tester.commands import options
from tester.commands.running import run_stages

NAME = "test"
HELP = "run every stage in order"


def configure(parser: argparse.ArgumentParser) -> None:
    options.add_course(parser)
    options.add_running(parser)


def execute(arguments: argparse.Namespace, console) -> int:
    return run_stages(arguments, console, options.course(arguments), None)
