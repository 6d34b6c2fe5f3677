"""What `tester show`, `tester hint` and `tester status` share: the --solution option, the learner's
progress, the stage a command is about (N, or the current stage; `tester stage N` looks N up here too),
and its description's text."""

from __future__ import annotations

import argparse
from pathlib import Path

from tester import progress
from tester.commands import options
from tester.errors import UsageError
from tester.manifest.models import Course, Stage


def add_solution(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--solution", type=Path, default=None,
                        help="folder with your_program.sh and your progress (default: this folder if it has "
                             "your_program.sh, else solution/)")


def load_progress(arguments: argparse.Namespace, console) -> tuple[Path, progress.Progress]:
    folder = options.solution(arguments)
    state, note = progress.load(folder)
    if note:
        console.note(note)
    return folder, state


def stage_for(course: Course, name: str | None, state: progress.Progress) -> Stage:
    """Stage `name` (number or slug), or the current stage when no name is given."""
    if name is None:
        return progress.current(course, state) or course.stages[-1]
    return find_stage(course, name)


def find_stage(course: Course, name: str) -> Stage:
    """Stage `name` (number or slug), or a usage error that says where the stages are listed."""
    stage = course.find(name)
    if stage is None:
        raise UsageError(f"there is no stage {name!r}; 'tester list' shows the "
                         f"{len(course.stages)} stages (numbers 1-{len(course.stages)} or slugs)")
    return stage


def description(course: Course, stage: Stage) -> str:
    path = course.root / stage.description
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read the description of stage {stage.slug}, {path}: "
                         f"{getattr(error, 'strerror', None) or error}") from None
