"""Where the learner is in the course: which stages passed, and how many hints of each they have seen.

Kept in `.tester-progress.json` in the solution folder (the starter's .gitignore names it), so plain
`tester` knows which stage to run next. The file is a convenience, never a source of failures: a
missing, corrupt or foreign file counts as no progress, a stage whose checks changed since it passed
counts as not passed, and a folder that cannot be written to only costs a note.

Reading and deciding are pure (`parse`, `dumps`, `current`, `record`); `load` and `save` are the I/O.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from tester.manifest.models import Course, Stage

FILE = ".tester-progress.json"
VERSION = 1


@dataclass
class Progress:
    passed: dict[str, str] = field(default_factory=dict)  # slug -> fingerprint of the stage when it passed
    hints_seen: dict[str, int] = field(default_factory=dict)  # slug -> number of hints shown so far

    def has_passed(self, stage: Stage) -> bool:
        return self.passed.get(stage.slug) == fingerprint(stage)


def fingerprint(stage: Stage) -> str:
    """Changes when what the stage checks changes, so a pass of an older version of it does not count."""
    checks = json.dumps(stage.model_dump(exclude={"title", "description"}), sort_keys=True, default=repr)
    return hashlib.sha256(checks.encode()).hexdigest()[:16]


def parse(text: str) -> tuple[Progress, str | None]:
    """The progress a file's text holds, and a note when the text could not be used."""
    try:
        data = json.loads(text)
    except ValueError:
        return Progress(), "it is not valid JSON"
    if not isinstance(data, dict) or data.get("version") != VERSION:
        return Progress(), "it was not written by this version of the tester"
    passed = data.get("passed")
    seen = data.get("hints_seen", {})
    if not (isinstance(passed, dict) and all(isinstance(v, str) for v in passed.values())
            and isinstance(seen, dict) and all(type(v) is int and v >= 0 for v in seen.values())):
        return Progress(), "its contents have an unexpected shape"
    return Progress(dict(passed), dict(seen)), None


def dumps(progress: Progress) -> str:
    return json.dumps({"version": VERSION, "passed": dict(sorted(progress.passed.items())),
                       "hints_seen": dict(sorted(progress.hints_seen.items()))}, indent=2) + "\n"


def current(course: Course, progress: Progress) -> Stage | None:
    """The first stage not passed yet; None once every stage has passed."""
    return next((stage for stage in course.stages if not progress.has_passed(stage)), None)


def record(progress: Progress, results) -> None:
    """Take in a run's stage results: a pass counts, a failure (a regression too) undoes an earlier pass."""
    for result in results:
        if result.status == "passed":
            progress.passed[result.stage.slug] = fingerprint(result.stage)
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
