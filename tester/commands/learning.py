"""What `tester show`, `tester hint`, `tester status` and the track commands share: the --solution
option, the learner's progress, the stage a command is about (N, or the current stage; `tester stage N`
looks N up here too), its description's text, and whether the course has tracks to speak of."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from tester import progress
from tester.commands import options
from tester.errors import UsageError

if TYPE_CHECKING:  # or their outlines: this module reads only what both have
    from tester.manifest.models import Course, Stage, Track


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
        return progress.current(course, state) or progress.current_track(course, state).stages[-1]
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


def track_heading(course: Course, track: Track) -> str:
    """`compression: Compression (stages 9-11, requires base)`, the line above a track's stages."""
    first, last = course.stage_number(track.stages[0]), course.stage_number(track.stages[-1])
    numbers = f"stage {first}" if first == last else f"stages {first}-{last}"
    requires = f", requires {', '.join(track.requires)}" if track.requires else ""
    return f"{track.slug}: {track.title} ({numbers}{requires})"


def find_track(course: Course, slug: str) -> Track:
    """Track `slug`, or a usage error that names the close one and the tracks there are."""
    import difflib

    track = course.find_track(slug)
    if track is not None:
        return track
    if not course.has_tracks:
        raise UsageError(f"there is no track {slug!r}: this course is one list of {len(course.stages)} stages, "
                         "without tracks ('tester list' shows them)")
    slugs = [item.slug for item in course.tracks]
    close = difflib.get_close_matches(slug, slugs, n=1)
    raise UsageError(f"there is no track {slug!r}" + (f"; did you mean {close[0]!r}?" if close else "")
                     + f" The tracks: {', '.join(slugs)} ('tester tracks' describes them)")
