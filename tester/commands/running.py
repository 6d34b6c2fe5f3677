"""Running stages against the learner's program and reporting: what `tester`, `tester stage`,
`tester test` and `tester watch` share. Every run updates the progress file in the solution folder."""

from __future__ import annotations

import argparse
import json
import random
from typing import TYPE_CHECKING

from tester import progress
from tester.commands import learning, options
from tester.errors import UsageError

if TYPE_CHECKING:
    from tester.manifest.models import Course, Stage, Track


def current_stage(course: Course, arguments: argparse.Namespace, console) -> Stage:
    """The stage plain `tester` runs: the first of the current track not passed yet, or the track's last
    once all of it has passed."""
    folder = options.solution(arguments)
    state, note = progress.load(folder) if arguments.progress else (progress.Progress(), None)
    if note:
        console.note(note)
    track = progress.current_track(course, state)
    stage = progress.current(course, state)
    tracked = course.has_tracks
    if stage is None and not tracked:
        console.note(f"every stage has passed; running them all again (stage {len(course.stages)} "
                     "with the others as regression)")
        return course.stages[-1]
    if stage is None:
        last = track.stages[-1]
        console.note(f"every stage of your track {track.slug} has passed; running them again (stage "
                     f"{course.stage_number(last)} with its regression). 'tester tracks' shows the other tracks, "
                     "'tester track SLUG' switches")
        return last
    where = f" in track {track.slug}" if tracked else ""
    console.note(f"your current stage is {course.stage_number(stage)} ({stage.slug}){where}; "
                 "'tester status' shows the course, 'tester show' this stage's description")
    return stage


def run_stages(arguments: argparse.Namespace, console, course: Course, target: Stage | None,
               only: bool = False, tracks: list[Track] | None = None) -> int:
    from tester.runner import Options, RunInterrupted, plan, run  # the probes and the I/O: only when stages run

    folder = options.solution(arguments)
    seed = arguments.seed if arguments.seed is not None else random.randrange(1, 1_000_000)
    chosen = Options(solution=folder, port=options.port(arguments), seed=seed, debug=arguments.debug,
                     limits=options.limits(arguments))
    console.seed(seed)
    try:
        outcome = run(course, plan(course, target, only, tracks), chosen, console)
    except RunInterrupted as interrupt:  # what was reached is still worth its reports (a grader's time limit)
        write_reports(arguments, interrupt.outcome.as_json(), folder.name)
        raise
    state = remember(folder, outcome, console, save=arguments.progress)
    upcoming = progress.current(course, state)
    finished = all(state.has_passed(stage) for stage in course.stages)
    if (upcoming is not None or not finished) and not arguments.progress:
        console.summary(outcome)  # with no progress file there is no telling which stage comes next
    elif upcoming is None and not finished:  # the current track is done, the course is not
        console.summary(outcome)
        if outcome.passed:
            done = progress.current_track(course, state)
            console.print(f"You have passed every stage of track {done.slug}. 'tester tracks' shows the others, "
                          "'tester track SLUG' switches to one.")
    else:
        console.summary(outcome, None if upcoming is None else (course.stage_number(upcoming), upcoming.slug))
    write_reports(arguments, outcome.as_json(), folder.name)
    return 0 if outcome.passed else 1


def write_reports(arguments: argparse.Namespace, result: dict, suite: str) -> None:
    """The versioned result as --json, --junit and --tap asked, each rendered (and its renderer imported: TAP's
    needs PyYAML, which a run from the course cache does not load otherwise) only when asked for."""
    def junit() -> str:
        from tester.reports import junit

        return junit.run_report(result, suite or "tester")

    def tap() -> str:
        from tester.reports import tap

        return tap.run_stream(result)

    renderers = ((arguments.json, lambda: json.dumps(result, indent=2) + "\n"), (arguments.junit, junit),
                 (arguments.tap, tap))
    for path, render in renderers:
        if path:
            try:
                path.write_text(render(), encoding="utf-8")
            except OSError as error:
                raise UsageError(f"cannot write {path}: {error.strerror}") from None


def remember(folder, outcome, console, save: bool = True) -> progress.Progress:
    """The progress after this run; kept in the solution folder unless `save` is off (--no-progress)."""
    state = progress.load(folder)[0] if save else progress.Progress()
    progress.record(state, outcome.results)
    note = progress.save(folder, state) if save else None
    if note:
        console.note(note)
    return state
