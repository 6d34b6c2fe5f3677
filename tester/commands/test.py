"""`tester test`: every stage in order, stopping at the first failure; with --track, one track after the
tracks it requires."""

from __future__ import annotations

import argparse

from tester.commands import options
from tester.commands.learning import find_track
from tester.commands.running import run_stages

NAME = "test"
HELP = "run every stage in order (--track SLUG: that track, after the tracks it requires)"


def configure(parser: argparse.ArgumentParser) -> None:
    options.add_course(parser)
    options.add_running(parser)
    parser.add_argument("--track", metavar="SLUG",
                        help="run this track's stages, after those of the tracks it requires ('tester tracks' "
                             "lists them)")


def execute(arguments: argparse.Namespace, console) -> int:
    course = options.course(arguments)
    track = find_track(course, arguments.track) if arguments.track is not None else None
    return run_stages(arguments, console, course, None, track=track)
