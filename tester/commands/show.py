"""`tester show [N]`: a stage's description, for reading in the terminal."""

from __future__ import annotations

import argparse

from tester import markdown, progress
from tester.commands import learning, options

NAME = "show"
HELP = "print stage N's description (default: your current stage)"


def configure(parser: argparse.ArgumentParser) -> None:
    options.add_course(parser)
    learning.add_solution(parser)
    parser.add_argument("stage", metavar="N", nargs="?", help="stage number or slug (default: your current stage)")


def execute(arguments: argparse.Namespace, console) -> int:
    course = options.outline(arguments)
    state = learning.load_progress(arguments, console)[1] if arguments.stage is None else progress.Progress()
    stage = learning.stage_for(course, arguments.stage, state)
    number = course.stage_number(stage)
    text = learning.description(course, stage)
    console.note(f"stage {number} of {len(course.stages)} ({stage.slug}), from {stage.description}; in the "
                 "indented HTTP messages, each head line ends with the \\r\\n it has on the wire, and a "
                 "whole request head with its empty line (the Markdown file leaves both out)")
    console.print()
    console.description(markdown.terminal_lines(markdown.without_hints(text)))
    count = len(markdown.hints(text))
    console.print()
    if count:
        console.print(f"This stage has {count} hint{'s' * (count != 1)}: 'tester hint {number}' gives "
                      f"{'them one at a time' if count != 1 else 'it'}.")
    console.print(f"Check your server with: tester stage {number}")
    return 0
