"""`tester list`: the stages, numbered (under a heading per track, in a course with tracks)."""

from __future__ import annotations

import argparse

from tester.commands import learning, options

NAME = "list"
HELP = "list the stages"


def configure(parser: argparse.ArgumentParser) -> None:
    options.add_course(parser)


def execute(arguments: argparse.Namespace, console) -> int:
    course = options.outline(arguments)
    width = len(str(len(course.stages)))
    tracked = course.has_tracks
    for index, track in enumerate(course.tracks):
        if tracked:
            if index:
                console.print()
            console.print(learning.track_heading(course, track))
        for stage in track.stages:
            indent = "  " if tracked else ""
            console.print(f"{indent}{course.stage_number(stage):>{width}}. {stage.slug:<20} {stage.title}")
    return 0
