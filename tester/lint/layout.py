"""Where a course keeps its servers, relative to the folder of its manifest.

    stages.yaml            the manifest
    fixtures/reference/    the reference server: passes every stage
    solution/              the learner's starter: fails the first stage
    fixtures/<name>/       a server with one defect, and a fixture.yaml saying where the tester catches it:
                           {description, fails_at: SLUG, message: FRAGMENT} or {description, passes: true},
                           the latter with `tracks: [SLUG, ...]` for a server written before later tracks

Each server folder holds a `your_program.sh`. Folders under fixtures/ without a fixture.yaml (shared
code, such as fixtures/_lib) are not fixtures. Fixtures named `hostile-*` attack the tester itself (a
server that never listens, one that floods its output); they prove the tester's limits rather than a
stage's, so `tester check` runs one only when no other fixture fails its stage, or with --all-fixtures.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import yaml

from tester.lint import Problem, shown
from tester.manifest.yaml_lines import compose, locate
from tester.program import SCRIPT

REFERENCE = Path("fixtures/reference")
STARTER = Path("solution")
FIXTURES = Path("fixtures")
FIXTURE_SPEC = "fixture.yaml"
PLACEHOLDER = "TODO"
HOSTILE = "hostile-"


@dataclass(frozen=True)
class Fixture:
    folder: Path
    fails_at: str | None  # the slug of the first stage it fails; None for a server that passes
    message: str
    line: int | None  # of `fails_at` (or `passes`) in its fixture.yaml

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def spec(self) -> Path:
        return self.folder / FIXTURE_SPEC


@dataclass(frozen=True)
class Layout:
    root: Path

    @property
    def reference(self) -> Path:
        return self.root / REFERENCE

    @property
    def starter(self) -> Path:
        return self.root / STARTER

    def fixture_specs(self) -> list[Path]:
        return sorted(path for path in (self.root / FIXTURES).glob(f"*/{FIXTURE_SPEC}")
                      if path.parent != self.reference)


def script_problem(folder: Path, role: str) -> Problem | None:
    """Why the tester could not start the server in `folder`, or None."""
    script = folder / SCRIPT
    if not folder.is_dir():
        return Problem(shown(folder), None, f"the {role} folder does not exist",
                       f"create it with an executable {SCRIPT} (see docs/authoring.md)")
    if not script.is_file():
        return Problem(shown(script), None, f"the {role} has no {SCRIPT}", f"add {SCRIPT}, executable")
    if not os.access(script, os.X_OK):
        return Problem(shown(script), None, f"the {role}'s {SCRIPT} is not executable", f"chmod +x {shown(script)}")
    return None


def read_fixture(spec: Path, slugs: list[str], tracks: Sequence[str] = ()) -> tuple[Fixture | None, list[Problem]]:
    """A fixture from its fixture.yaml, or the problems that keep it from being one."""
    where = shown(spec)
    try:
        text = spec.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        tree = compose(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        mark = getattr(error, "problem_mark", None)
        return None, [Problem(where, mark.line + 1 if mark else None, f"cannot read the fixture spec: {error}")]
    if not isinstance(data, dict):
        return None, [Problem(where, 1, "a fixture spec is a mapping",
                              "write 'description:', then 'fails_at: SLUG' and 'message: ...', or 'passes: true'")]
    problems = []
    if not isinstance(data.get("description"), str) or not data["description"].strip():
        problems.append(Problem(where, locate(tree, ("description",))[0], "the fixture has no description",
                                "add 'description:' saying what its defect is"))
    unknown = sorted(set(data) - {"description", "fails_at", "message", "passes", "tracks"})
    for key in unknown:
        problems.append(Problem(where, locate(tree, (key,))[0], f"unknown key '{key}'",
                                "the keys are description, fails_at, message, passes and tracks"))
    if "tracks" in data:
        named = data["tracks"]
        if "passes" not in data or not isinstance(named, list) or not named:
            problems.append(Problem(where, locate(tree, ("tracks",))[0],
                                    "'tracks' lists the tracks a passing fixture passes",
                                    "give it with 'passes: true', as a list: tracks: [base, compression]"))
        else:
            for slug in named:
                if tracks and slug not in tracks:
                    problems.append(Problem(where, locate(tree, ("tracks",))[0], f"'{slug}' is not a track of "
                                            "this course", f"name one of: {', '.join(tracks)}"))
    for key in ("description", "message"):
        if PLACEHOLDER in str(data.get(key, "")):
            problems.append(Problem(where, locate(tree, (key,))[0], f"a {PLACEHOLDER} placeholder is left in '{key}'",
                                    "write what it stands for"))
    if "passes" in data:
        if data["passes"] is not True or "fails_at" in data or "message" in data:
            problems.append(Problem(where, locate(tree, ("passes",))[0],
                                    "'passes' must be true, and without 'fails_at' or 'message'",
                                    "a fixture either passes every stage or fails one"))
            return None, problems
        return Fixture(spec.parent, None, "", locate(tree, ("passes",))[0]), problems
    slug, message = data.get("fails_at"), data.get("message")
    line = locate(tree, ("fails_at",))[0]
    if not isinstance(slug, str) or slug not in slugs:
        problems.append(Problem(where, line if "fails_at" in data else 1,
                                f"fails_at {slug!r} is not a stage of this course" if "fails_at" in data
                                else "the fixture says neither 'fails_at' nor 'passes'",
                                f"name one of: {', '.join(slugs)}"))
        return None, problems
    if not isinstance(message, str) or not message:
        problems.append(Problem(where, locate(tree, ("message",))[0] if "message" in data else line,
                                "the fixture has no 'message'",
                                "add 'message:' with a fragment of the failure message it must get"))
        return None, problems
    return Fixture(spec.parent, slug, message, line), problems
