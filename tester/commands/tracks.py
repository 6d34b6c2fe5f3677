"""`tester tracks`: the course's tracks, what each teaches and builds on, the learner's progress in each,
and which one is theirs."""

from __future__ import annotations

import argparse

from tester import progress
from tester.commands import learning, options

NAME = "tracks"
HELP = "list the tracks of the course, your progress in each, and your current track"


def configure(parser: argparse.ArgumentParser) -> None:
    options.add_course(parser)
    learning.add_solution(parser)


def execute(arguments: argparse.Namespace, console) -> int:
    course = options.outline(arguments)
    _, state = learning.load_progress(arguments, console)
    if not course.has_tracks:
        console.print(f"This course has no tracks: its {len(course.stages)} stages are one list, which "
                      "'tester status' shows.")
        return 0
    mine = progress.current_track(course, state)
    for track in course.tracks:
        passed = progress.passed_in(track, state)
        if track is mine:
            mark, style, tail = "→", "bold", "  ← your track"
        elif passed == len(track.stages):
            mark, style, tail = "✓", "green", ""
        else:
            mark, style, tail = "·", "", ""
        line = f"{mark} {learning.track_heading(course, track)}: {passed} of {len(track.stages)} passed{tail}"
        console.print(console.paint(line, style) if style else line)
        if track.description:
            console.print(f"    {track.description}")
    console.print()
    console.print(f"Your track is {mine.slug}. 'tester track SLUG' switches; plain 'tester' runs your track's "
                  "current stage, and 'tester test --track SLUG' a whole track.")
    return 0
