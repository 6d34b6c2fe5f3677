"""Running stages against the learner's program and reporting: what `tester`, `tester stage`,
`tester test` and `tester watch` share. Every run updates the progress file in the solution folder."""

from __future__ import annotations

import argparse
import json
import random

from tester import progress
from tester.commands import options
from tester.errors import UsageError
from tester.manifest.models import Course, Stage
from tester.runner import Options, plan, run


def current_stage(course: Course, arguments: argparse.Namespace, console) -> Stage:
    """The stage plain `tester` runs: the first not passed yet, or the last once all have passed."""
    folder = options.solution(arguments)
    state, note = progress.load(folder) if arguments.progress else (progress.Progress(), None)
    if note:
        console.note(note)
    stage = progress.current(course, state)
    if stage is None:
        console.note(f"every stage has passed; running them all again (stage {len(course.stages)} "
                     "with the others as regression)")
        return course.stages[-1]
    console.note(f"your current stage is {course.stage_number(stage)} ({stage.slug}); "
                 "'tester status' shows the course, 'tester show' this stage's description")
    return stage


def run_stages(arguments: argparse.Namespace, console, course: Course, target: Stage | None,
               only: bool = False) -> int:
    folder = options.solution(arguments)
    seed = arguments.seed if arguments.seed is not None else random.randrange(1, 1_000_000)
    chosen = Options(solution=folder, port=options.port(arguments), seed=seed, debug=arguments.debug)
    console.seed(seed)
    outcome = run(course, plan(course, target, only), chosen, console)
    state = remember(folder, outcome, console, save=arguments.progress)
    upcoming = progress.current(course, state)
    if upcoming is not None and not arguments.progress:
        console.summary(outcome)  # with no progress file there is no telling which stage comes next
    else:
        console.summary(outcome, None if upcoming is None else (course.stage_number(upcoming), upcoming.slug))
    if arguments.json:
        try:
            arguments.json.write_text(json.dumps(outcome.as_json(), indent=2) + "\n")
        except OSError as error:
            raise UsageError(f"cannot write {arguments.json}: {error.strerror}") from None
    return 0 if outcome.passed else 1


def remember(folder, outcome, console, save: bool = True) -> progress.Progress:
    """The progress after this run; kept in the solution folder unless `save` is off (--no-progress)."""
    state = progress.load(folder)[0] if save else progress.Progress()
    progress.record(state, outcome.results)
    note = progress.save(folder, state) if save else None
    if note:
        console.note(note)
    return state
