"""What a class hands in: a folder with one solution folder per student, or a roster of ids and paths.

A roster is CSV: an id and a path per line (a first line `id,path` is a header), a relative path taken
from the roster's own folder. Every mistake in it is named by line, since an instructor edits it by hand.
A submission without your_program.sh is still listed: grading records why it could not run it.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from tester.errors import UsageError

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]*$")  # safe as a file name in every report


@dataclass(frozen=True)
class Submission:
    id: str
    path: Path


def find(source: Path) -> list[Submission]:
    """The submissions of a folder or a roster file, in the order of their ids."""
    if source.is_dir():
        found = from_folder(source)
    elif source.is_file():
        found = from_roster(source)
    else:
        raise UsageError(f"{source} does not exist: give a folder of submissions or a roster file (CSV: id,path)")
    if not found:
        raise UsageError(f"{source} holds no submissions: a folder needs one sub-folder per student")
    return sorted(found, key=lambda submission: submission.id)


def from_folder(folder: Path) -> list[Submission]:
    """One submission per sub-folder, named after it; hidden folders are skipped."""
    found = []
    for path in sorted(folder.iterdir()):
        if path.is_dir() and not path.name.startswith("."):
            if not ID_PATTERN.match(path.name):
                raise UsageError(f"{path}: the folder's name is the student's id in every report; use letters, "
                                 "digits and . _ @ + - only")
            found.append(Submission(path.name, path.resolve()))
    return found


def from_roster(roster: Path) -> list[Submission]:
    found: dict[str, Submission] = {}
    try:
        text = roster.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read the roster {roster}: {error}") from None
    for number, row in enumerate(csv.reader(text.splitlines()), start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if number == 1 and [cell.lower() for cell in cells[:2]] == ["id", "path"]:
            continue
        if len(cells) != 2 or not all(cells):
            raise UsageError(f"{roster}:{number}: expected two cells, an id and a path, got {row!r}")
        student, path = cells
        if not ID_PATTERN.match(student):
            raise UsageError(f"{roster}:{number}: the id {student!r} is used as a file name in every report; use "
                             "letters, digits and . _ @ + - only")
        if student in found:
            raise UsageError(f"{roster}:{number}: the id {student!r} is given twice; each student needs an id of "
                             "their own")
        folder = (roster.parent / path).resolve()
        if not folder.is_dir():
            raise UsageError(f"{roster}:{number}: {folder} is not a folder (the path of {student}'s solution)")
        found[student] = Submission(student, folder)
    return list(found.values())
