"""`tester status`: every stage, passed, current or locked (grouped by track in a course with tracks),
and the one thing to do next."""

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
    course = options.outline(arguments)
    folder, state = learning.load_progress(arguments, console)
    track = progress.current_track(course, state)
    current = progress.current(course, state)
    width = len(str(len(course.stages)))
    tracked = course.has_tracks
    needed = course.required(track)
    for index, group in enumerate(course.tracks):
        if tracked:
            if index:
                console.print()
            mine = "  ← your track" if group is track else ""
            console.print(console.paint(learning.track_heading(course, group) + mine, "bold"))
        for stage in group.stages:
            if state.has_passed(stage):
                mark, word, style = "✓", "passed ", "green"
            elif stage is current:
                mark, word, style = "→", "current", "bold"
            elif group is track:
                mark, word, style = "·", "locked ", "dim"
            elif group in needed:  # a track that the learner's track builds on: its stages run as regression
                mark, word, style = "·", "needed ", "dim"
            else:  # another track: open to the learner once they switch to it
                mark, word, style = "·", "pending", "dim"
            indent = "  " if tracked else ""
            number = course.stage_number(stage)
            console.print(console.paint(f"{indent}{mark} {number:>{width}}. {word}  {stage.slug:<20} {stage.title}",
                                        style))
    console.print()
    passed = sum(state.has_passed(stage) for stage in course.stages)
    if passed == len(course.stages):
        console.print(f"All {passed} stages passed. 'tester test' runs the whole course again.")
        return 0
    kept = f"progress kept in {folder / progress.FILE}"
    if tracked:
        console.print(f"{passed} of {len(course.stages)} passed; your track is {track.slug}, "
                      f"{progress.passed_in(track, state)} of {len(track.stages)} passed ({kept}).")
    else:
        console.print(f"{passed} of {len(course.stages)} passed ({kept}).")
    if current is None:
        console.print(f"You have passed every stage of track {track.slug}. 'tester tracks' shows the others, "
                      "'tester track SLUG' switches to one.")
        return 0
    number = course.stage_number(current)
    console.print(f"Next: read stage {number} with 'tester show', build it in {folder}, then run 'tester'.")
    if state.hints_seen.get(current.slug):
        console.print(f"You have seen {state.hints_seen[current.slug]} of its hints ('tester hint --all' "
                      "shows them again).")
    return 0
