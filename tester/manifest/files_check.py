"""Load-time checks of what a stage puts in place before its program starts: `files` and `args`.

Both are rendered before the first probe runs, so they may use the stage's vars, {port} and {directory},
but not a value captured from a response. The path, time and source rules are the ones the runner applies
(tester.stagefiles), checked here on the manifest's text so that a mistake is named with its line rather
than found halfway through a run.
"""

from __future__ import annotations

import difflib
from pathlib import Path, PurePosixPath
from typing import Protocol

from tester import stagefiles
from tester.manifest.models import FileSpec, Stage
from tester.templates import names

BEFORE_START = ("port", "directory")  # the built-in values that exist before the program starts


class Problems(Protocol):
    def add(self, place: tuple, problem: str, fix: str = "") -> None: ...


def check(stage: Stage, place: tuple, problems: Problems, root: Path) -> None:
    """Report every problem of the stage's files and args; `root` is the manifest's folder."""
    captured = {name for probe in stage.probes for name in probe.captures()}
    known = set(stage.vars) | set(BEFORE_START)
    placed: dict[PurePosixPath, str] = {}
    for name, spec in stage.files.items():
        where = place + ("files", name)
        _check_path(name, where, placed, problems)
        _check_captures(name, where, captured, "files are written", problems)
        if isinstance(spec, str):
            _check_captures(spec, where, captured, "files are written", problems)
        else:
            _check_spec(spec, where, known, captured, problems, root)
    for number, arg in enumerate(stage.args or ()):
        where = place + ("args", number)
        _check_names(arg, where, known, captured, "the program's arguments are given", problems)
        if not stage.directory and any(used == "directory" for used, _ in names(arg)):
            problems.add(where, f"the argument {arg!r} uses {{directory}}, but the stage has no directory",
                         "add 'directory: true' to the stage, so that the directory is made")


def _check_path(name: str, where: tuple, placed: dict[PurePosixPath, str], problems: Problems) -> None:
    try:
        path = stagefiles.place(name)
    except stagefiles.PlanError as error:
        problems.add(where, str(error), error.fix)
        return
    for earlier, earlier_name in placed.items():
        if earlier == path or earlier in path.parents or path in earlier.parents:
            problems.add(where, f"the files {earlier_name!r} and {name!r} are in each other's way",
                         "give each file its own path, and no file the name of another's folder")
    placed[path] = name


def _check_spec(spec: FileSpec, where: tuple, known: set[str], captured: set[str], problems: Problems,
                root: Path) -> None:
    for key in ("content", "symlink"):
        template = getattr(spec, key)
        if template is not None:
            _check_names(template, where + (key,), known, captured, "files are written", problems)
    if spec.source is not None:
        source = root / spec.source
        if not source.is_file():
            problems.add(where + ("source",), f"the source file {spec.source} does not exist"
                         + (" (it is a folder)" if source.is_dir() else ""),
                         f"put the file at {source}, or point 'source' at a file (relative to the manifest's folder)")
    if spec.mtime is not None:
        if spec.symlink is not None:
            problems.add(where + ("mtime",), "mtime on a symlink: a server sees the time of the file it points to",
                         "give the mtime to the target file instead")
        elif isinstance(spec.mtime, str) and names(spec.mtime):
            _check_names(spec.mtime, where + ("mtime",), known, captured, "files are written", problems)
        else:
            try:
                stagefiles.parse_mtime(spec.mtime)
            except stagefiles.PlanError as error:
                problems.add(where + ("mtime",), str(error), error.fix)


def _check_names(template: str, where: tuple, known: set[str], captured: set[str], when: str,
                 problems: Problems) -> None:
    for name, _ in names(template):
        if name in captured:
            problems.add(where, _captured_problem(template, name, when), _captured_fix())
        elif name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1)
            problems.add(where, f"the template {template!r} uses {{{name}}}, which this stage does not define",
                         f"did you mean {{{close[0]}}}?" if close else f"add '{name}' under this stage's vars")


def _check_captures(template: str, where: tuple, captured: set[str], when: str, problems: Problems) -> None:
    """Only captures: the loader's own check has already named the unknown values of plain templates."""
    for name, _ in names(template):
        if name in captured:
            problems.add(where, _captured_problem(template, name, when), _captured_fix())


def _captured_problem(template: str, name: str, when: str) -> str:
    return f"the template {template!r} uses {{{name}}}, a value captured from a response, but {when} " \
           "before the program starts, when no response has come yet"


def _captured_fix() -> str:
    return "use a value of the stage's vars here, or check the captured value in a later request instead"
