"""`tester list`: the stages, numbered."""

from __future__ import annotations

import argparse

from tester.commands import options

NAME = "list"
HELP = "list the stages"


def configure(parser: argparse.ArgumentParser) -> None:
    options.add_course(parser)


def execute(arguments: argparse.Namespace, console) -> int:
    course = options.course(arguments)
    width = len(str(len(course.stages)))
    for number, stage in enumerate(course.stages, start=1):
        console.print(f"{number:>{width}}. {stage.slug:<20} {stage.title}")
    return 0
