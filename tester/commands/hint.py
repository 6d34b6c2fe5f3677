"""`tester hint [N]`: the hints of a stage's description, one more each time it is run.

How many hints of each stage the learner has seen is kept with their progress, so a hint is never a
spoiler they did not ask for; `--all` shows every hint at once.
"""

from __future__ import annotations

import argparse

from tester import markdown, progress
from tester.commands import learning, options

NAME = "hint"
HELP = "show the next hint for stage N (default: your current stage); --all shows them all"


def configure(parser: argparse.ArgumentParser) -> None:
    options.add_course(parser)
    learning.add_solution(parser)
    parser.add_argument("stage", metavar="N", nargs="?", help="stage number or slug (default: your current stage)")
    parser.add_argument("--all", action="store_true", help="show every hint of the stage")


def execute(arguments: argparse.Namespace, console) -> int:
    course = options.outline(arguments)
    folder, state = learning.load_progress(arguments, console)
    stage = learning.stage_for(course, arguments.stage, state)
    number = course.stage_number(stage)
    items = markdown.hints(learning.description(course, stage))
    if not items:
        console.print(f"Stage {number} ({stage.slug}) has no hints; 'tester show {number}' has its description.")
        return 0
    seen = state.hints_seen.get(stage.slug, 0)
    if arguments.all or seen >= len(items):
        shown = range(len(items))
    else:
        shown = range(seen, seen + 1)
    console.print(console.paint(f"Hints for stage {number} ({stage.slug}):", "bold"))
    for index in shown:
        console.print(f"  {index + 1}/{len(items)}  {console.inline(items[index])}")
    state.hints_seen[stage.slug] = max(seen, shown[-1] + 1)
    note = progress.save(folder, state)
    if note:
        console.note(note)
    left = len(items) - state.hints_seen[stage.slug]
    if left and note:  # not saved: running it again would show the same hint
        console.note(f"{left} more: 'tester hint {number} --all' shows them.")
    elif left:
        console.note(f"{left} more: run 'tester hint {number}' again, or 'tester hint {number} --all'.")
    else:
        console.note("That was the last hint. The failure report of 'tester stage "
                     f"{number}' has one aimed at what went wrong.")
    return 0
