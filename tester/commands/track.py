"""`tester track SLUG`: make SLUG the learner's current track, kept with their progress, and say where
in it they stand. Without SLUG, it names the current track."""

from __future__ import annotations

import argparse

from tester import progress
from tester.commands import learning, options

NAME = "track"
HELP = "switch to track SLUG: plain 'tester' then runs its current stage (without SLUG: your track)"


def configure(parser: argparse.ArgumentParser) -> None:
    options.add_course(parser)
    learning.add_solution(parser)
    parser.add_argument("track", metavar="SLUG", nargs="?", help="the track to switch to ('tester tracks' lists them)")


def execute(arguments: argparse.Namespace, console) -> int:
    course = options.outline(arguments)
    folder, state = learning.load_progress(arguments, console)
    if arguments.track is None:
        track = progress.current_track(course, state)
        console.print(f"Your track is {track.slug} ({track.title}). 'tester tracks' lists every track, "
                      "'tester track SLUG' switches.")
        return 0
    track = learning.find_track(course, arguments.track)
    before = progress.current_track(course, state)
    state.track = track.slug
    note = progress.save(folder, state)
    if note:
        console.note(note)
    if track is before:
        console.print(f"Your track is already {track.slug} ({track.title}).")
    else:
        console.print(f"Your track is now {track.slug} ({track.title}), in place of {before.slug}.")
    stage = progress.current(course, state)
    if stage is None:
        console.print(f"You have passed all {len(track.stages)} of its stages. 'tester tracks' shows the others.")
    else:
        console.print(f"Its current stage is {course.stage_number(stage)} ({stage.slug}): read it with "
                      "'tester show', then run 'tester'.")
    behind = progress.unfinished_requirements(course, track, state)
    if behind:
        names = ", ".join(f"{item.slug} ({progress.passed_in(item, state)} of {len(item.stages)} passed)"
                          for item in behind)
        console.print(f"Note: {track.slug} builds on {names}, which {'is' if len(behind) == 1 else 'are'} not "
                      f"finished yet: every stage of {track.slug} runs "
                      f"the stages of {'that track' if len(behind) == 1 else 'those tracks'} as regression, so they "
                      f"must pass too. 'tester track {behind[0].slug}' goes back to {behind[0].slug}.")
    return 0
