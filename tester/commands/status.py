"""`tester status`: every stage, passed, current or locked, and the one thing to do next."""

from __future__ import annotations

import argparse

from tester import progress
from tester.commands import learning, options

NAME = "status"
HELP = "show which stages you have passed, your current stage, and what to do next"


def configure(parser: argparse.ArgumentParser) -> None:
    options.add_course(parser)
    learning.add_solution(parser)


def execute(arguments: argparse.Namespace, console) -> int:
    course = options.course(arguments)
    folder, state = learning.load_progress(arguments, console)
    current = progress.current(course, state)
    width = len(str(len(course.stages)))
    for number, stage in enumerate(course.stages, start=1):
        if state.has_passed(stage):
            mark, word, style = "✓", "passed ", "green"
        elif stage is current:
            mark, word, style = "→", "current", "bold"
        else:
            mark, word, style = "·", "locked ", "dim"
        console.print(console.paint(f"{mark} {number:>{width}}. {word}  {stage.slug:<20} {stage.title}", style))
    console.print()
    passed = sum(state.has_passed(stage) for stage in course.stages)
    if current is None:
        console.print(f"All {passed} stages passed. 'tester test' runs the whole course again.")
        return 0
    number = course.stage_number(current)
    console.print(f"{passed} of {len(course.stages)} passed (progress kept in {folder / progress.FILE}).")
    console.print(f"Next: read stage {number} with 'tester show', build it in {folder}, then run 'tester'.")
    if state.hints_seen.get(current.slug):
        console.print(f"You have seen {state.hints_seen[current.slug]} of its hints ('tester hint --all' "
                      "shows them again).")
    return 0
