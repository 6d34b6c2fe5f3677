"""Where the learner is in the course: which stages passed, and how many hints of each they have seen.

Kept in `.tester-progress.json` in the solution folder (the starter's .gitignore names it), so plain
`tester` knows which stage to run next: the first stage not passed of the learner's current track (the
one `tester track SLUG` chose, else the course's first track). The file is a convenience, never a source of failures: a
missing, corrupt or foreign file counts as no progress, a stage whose checks changed since it passed
counts as not passed, and a folder that cannot be written to only costs a note.

Version 1 files have no track and mean the first track; this version writes version 2, with `track`.

Reading and deciding are pure (`parse`, `dumps`, `current_track`, `current`, `record`); `load` and
`save` are the I/O.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # or their outlines (tester.manifest.outline), which have what this module reads
    from tester.manifest.models import Course, Stage, Track

FILE = ".tester-progress.json"
VERSION = 2
READABLE = (1, 2)  # version 1 is version 2 without a track


@dataclass
class Progress:
    passed: dict[str, str] = field(default_factory=dict)  # slug -> fingerprint of the stage when it passed
    hints_seen: dict[str, int] = field(default_factory=dict)  # slug -> number of hints shown so far
    track: str | None = None  # the slug of the current track; None: the course's first track

    def has_passed(self, stage: Stage) -> bool:
        return self.passed.get(stage.slug) == stage.fingerprint


def parse(text: str) -> tuple[Progress, str | None]:
    """The progress a file's text holds, and a note when the text could not be used."""
    try:
        data = json.loads(text)
    except ValueError:
        return Progress(), "it is not valid JSON"
    if not isinstance(data, dict) or data.get("version") not in READABLE or isinstance(data.get("version"), bool):
        return Progress(), "it was not written by this version of the tester"
    passed = data.get("passed")
    seen = data.get("hints_seen", {})
    track = data.get("track")
    if not (isinstance(passed, dict) and all(isinstance(v, str) for v in passed.values())
            and isinstance(seen, dict) and all(type(v) is int and v >= 0 for v in seen.values())
            and (track is None or isinstance(track, str))):
        return Progress(), "its contents have an unexpected shape"
    return Progress(dict(passed), dict(seen), track), None


def dumps(progress: Progress) -> str:
    return json.dumps({"version": VERSION, "track": progress.track, "passed": dict(sorted(progress.passed.items())),
                       "hints_seen": dict(sorted(progress.hints_seen.items()))}, indent=2) + "\n"


def current_track(course: Course, progress: Progress) -> Track:
    """The learner's track: the one they chose, or the first when they chose none (or one the course no
    longer has)."""
    return course.find_track(progress.track or "") or course.tracks[0]


def current(course: Course, progress: Progress) -> Stage | None:
    """The first stage of the current track not passed yet; None once every stage of it has passed."""
    return next((stage for stage in current_track(course, progress).stages if not progress.has_passed(stage)), None)


def passed_in(track: Track, progress: Progress) -> int:
    return sum(progress.has_passed(stage) for stage in track.stages)


def unfinished_requirements(course: Course, track: Track, progress: Progress) -> list[Track]:
    """The tracks `track` builds on (transitively) that still have a stage not passed."""
    return [required for required in course.required(track) if passed_in(required, progress) < len(required.stages)]


def record(progress: Progress, results) -> None:
    """Take in a run's stage results: a pass counts, a failure (a regression too) undoes an earlier pass."""
    for result in results:
        if result.status == "passed":
            progress.passed[result.stage.slug] = result.stage.fingerprint
        elif result.status == "failed":
            progress.passed.pop(result.stage.slug, None)


def load(folder: Path) -> tuple[Progress, str | None]:
    path = folder / FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Progress(), None
    except (OSError, UnicodeDecodeError) as error:
        return Progress(), f"cannot read {path} ({getattr(error, 'strerror', None) or error}); starting from stage 1"
    progress, problem = parse(text)
    if problem:
        return progress, f"ignoring {path}: {problem}; starting from stage 1 (the next run rewrites it)"
    return progress, None


def save(folder: Path, progress: Progress) -> str | None:
    """Write the file (atomically); a note instead of an error when the folder is not writable."""
    path = folder / FILE
    temporary = folder / f".{FILE}.{os.getpid()}.tmp"
    try:
        temporary.write_text(dumps(progress), encoding="utf-8")
        os.replace(temporary, path)
    except OSError as error:
        try:
            temporary.unlink()
        except OSError:
            pass
        return f"progress not saved: cannot write {path} ({error.strerror or error})"
    return None
