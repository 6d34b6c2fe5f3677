"""`tester test`: every stage in order, stopping at the first failure; with --track, the tracks named and
the tracks they require, each once, in the course's order."""

from __future__ import annotations

import argparse

from tester.commands import options
from tester.commands.learning import find_track
from tester.commands.running import run_stages

NAME = "test"
HELP = "run every stage in order (--track SLUG: that track, after the tracks it requires; may be repeated)"


def configure(parser: argparse.ArgumentParser) -> None:
    options.add_course(parser)
    options.add_running(parser)
    parser.add_argument("--track", metavar="SLUG", action="append",
                        help="run this track's stages, after those of the tracks it requires ('tester tracks' "
                             "lists them); give it again for more tracks, each stage still runs once")


def execute(arguments: argparse.Namespace, console) -> int:
    course = options.course(arguments)
    tracks = [find_track(course, slug) for slug in arguments.track] if arguments.track else None
    return run_stages(arguments, console, course, None, tracks=tracks)
