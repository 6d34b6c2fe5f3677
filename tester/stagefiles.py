"""A stage's folder and program arguments, planned from the manifest before the program starts.

A stage with a directory gets a folder of its own holding the served folder, so a file can be put beside
the served folder (`../secret.txt`) to prove that the server never reaches outside it:

    /tmp/tester-SLUG-xxxx/          the stage folder, removed after the stage
    /tmp/tester-SLUG-xxxx/served/   the directory: {directory}, and what `--directory` names

Planning (paths, modification times, arguments) is pure and works on rendered templates, so the loader can
check the same rules at load time that the runner applies at run time; `write` is the thin part that
touches the disk. Paths may hold sub-folders; a path may climb out of the served folder once, no further.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Mapping

from tester import httpdate
from tester.errors import ValueWithFix
from tester.manifest.models import FileSpec
from tester.templates import Value, render, render_text

SERVED = "served"  # the served folder's name inside the stage folder


class PlanError(ValueWithFix):
    """A path, time or file rule that cannot be put in place; `fix` says what to write instead."""


@dataclass(frozen=True)
class Planned:
    """One entry to write, at `path` relative to the stage folder; exactly one of content, source, symlink."""

    path: PurePosixPath
    content: bytes | None = None
    source: Path | None = None
    symlink: str | None = None
    mtime: int | None = None


def place(path: str) -> PurePosixPath:
    """Where a manifest path lands, relative to the stage folder: `a/b.txt` -> served/a/b.txt,
    `../secret.txt` -> secret.txt. Raises PlanError for a path that is empty, absolute, a folder, or that
    climbs further than the stage folder."""
    if not path:
        raise PlanError("a file path is empty", "write the file's name, e.g. notes/today.txt")
    if path.startswith("/"):
        raise PlanError(f"the file path {path!r} is absolute",
                        "write it relative to the directory (notes/a.txt), or ../NAME for beside it")
    if path.endswith("/") or path.rsplit("/", 1)[-1] in (".", ".."):
        raise PlanError(f"the file path {path!r} names a folder, not a file",
                        "end it with the file's name; folders on the way are created")
    parts = [SERVED]
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part != "..":
            parts.append(part)
        elif parts:
            parts.pop()
        else:
            raise PlanError(f"the file path {path!r} climbs out of the stage's folder",
                            "a file goes in the directory, or one ../ beside it (../NAME), never further")
    if parts == [SERVED]:
        raise PlanError(f"the file path {path!r} names the directory itself", "write a file's name")
    return PurePosixPath(*parts)


def parse_imf_fixdate(text: str) -> int:
    """Seconds since 1970 of an IMF-fixdate (RFC 9110 §5.6.7); PlanError for anything else, or a day name
    that is not that date's."""
    problem = httpdate.problem(text)
    if problem is None:
        return httpdate.seconds(text)
    fix = (f"write {problem.corrected!r}" if problem.corrected else
           f"write it like {httpdate.EXAMPLE!r} (day name, two-digit day, month name, year, 24-hour time, GMT), "
           "or as seconds since 1970")
    raise PlanError(f"{text!r} is not an IMF-fixdate: {problem.problem}", fix)


def parse_mtime(value: int | str) -> int:
    if isinstance(value, bool):
        raise PlanError("mtime is true or false, not a time", f"write seconds since 1970, or {httpdate.EXAMPLE!r}")
    if isinstance(value, int):
        if value < 0:
            raise PlanError(f"mtime {value} is before 1970", "write seconds since 1970 (0 or more)")
        return value
    return parse_imf_fixdate(value)


def plan(files: Mapping[str, str | FileSpec], values: Mapping[str, Value], root: Path) -> list[Planned]:
    """What to write for a stage's `files`, rendered with its values; sources resolve against `root`, the
    manifest's folder. Raises PlanError for a rendered path that breaks the rules, or two entries in one place."""
    planned: list[Planned] = []
    taken: dict[PurePosixPath, str] = {}
    for name, spec in files.items():
        rendered = os.fsdecode(render(name, values))
        path = place(rendered)
        for earlier, earlier_name in taken.items():
            if earlier == path or earlier in path.parents or path in earlier.parents:
                raise PlanError(f"the files {earlier_name!r} and {rendered!r} are in each other's way",
                                "give each file its own path, and no file the name of another's folder")
        taken[path] = rendered
        planned.append(_entry(path, spec, values, root))
    return planned


def _entry(path: PurePosixPath, spec: str | FileSpec, values: Mapping[str, Value], root: Path) -> Planned:
    if isinstance(spec, str):
        return Planned(path, content=render(spec, values))
    mtime = None
    if spec.mtime is not None:  # a date may be a template of the stage's values: `mtime: "{when}"`
        mtime = parse_mtime(render_text(spec.mtime, values) if isinstance(spec.mtime, str) else spec.mtime)
    if spec.symlink is not None:
        return Planned(path, symlink=os.fsdecode(render(spec.symlink, values)), mtime=mtime)
    if spec.source is not None:
        return Planned(path, source=root / spec.source, mtime=mtime)
    return Planned(path, content=render(spec.content or "", values), mtime=mtime)


def program_args(args: list[str] | None, directory: Path | None, values: Mapping[str, Value]) -> list[str]:
    """The program's arguments: the stage's `args` rendered, or by default `--directory DIR` for a stage
    with a directory and nothing for one without."""
    if args is None:
        return ["--directory", str(directory)] if directory is not None else []
    return [os.fsdecode(render(arg, values)) for arg in args]


# the disk

def make_stage_folder(slug: str) -> tuple[Path, Path]:
    """A new stage folder and the (empty) served folder inside it: (stage folder, served folder)."""
    folder = Path(tempfile.mkdtemp(prefix=f"tester-{slug}-"))
    served = folder / SERVED
    served.mkdir()
    return folder, served


def write(planned: list[Planned], folder: Path) -> None:
    """Put the planned entries in place under the stage folder; modification times are set last, so that
    writing one entry cannot change another's."""
    for entry in planned:
        target = folder / entry.path
        target.parent.mkdir(parents=True, exist_ok=True)
        if entry.symlink is not None:
            os.symlink(entry.symlink, target)
        elif entry.source is not None:
            shutil.copyfile(entry.source, target)
        else:
            target.write_bytes(entry.content or b"")
    for entry in planned:
        if entry.mtime is not None:
            os.utime(folder / entry.path, (entry.mtime, entry.mtime), follow_symlinks=entry.symlink is None)
