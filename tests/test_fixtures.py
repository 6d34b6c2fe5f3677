"""Tests of the tester: servers with one known defect each must fail at a known stage, with a known message.

Each folder `fixtures/<name>/` holds a server (`your_program.sh`) and a `fixture.yaml` saying what its defect
is and where the tester must catch it: `fails_at` (the slug of the first stage to fail when every stage
runs in order) with `message` (a fragment of that stage's failure message), or `passes: true` for a
correct server that does things in an unusual way (with `tracks: [...]`, the tracks it was written for and
passes, with the tracks they require; a server older than a track need not pass it). Every stage before `fails_at` must pass: a defect
caught too early is as wrong a verdict as one caught too late.

A fixture that fails elsewhere because of a bug in the tester (not in the fixture) is listed in
TESTER_BUGS: it runs as a strict xfail, so the test turns red once the tester is fixed.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
import yaml

from tester.manifest.load import load_course

from conftest import COURSE, FIXTURES, REFERENCE, STARTER, course_with
from aftermath import assert_clean

NOT_FIXTURES = {"reference", "_lib"}
FIXTURE_DIRS = sorted(path.parent for path in FIXTURES.glob("*/fixture.yaml") if path.parent.name not in NOT_FIXTURES)

# a fixture's server file -> the program it needs; a fixture whose program is missing is skipped
RUNTIMES = {"server.py": "python3", "server.js": "node"}
# fixture name -> the tester bug that makes it fail elsewhere; none known now (no-blank-line was one)
TESTER_BUGS: dict[str, str] = {}


def course_slugs() -> list[str]:
    return [stage.slug for stage in load_course(COURSE).stages]


def track_of(slug: str) -> str:
    course = load_course(COURSE)
    return course.track_of(course.find(slug)).slug


def spec_of(folder: Path) -> dict:
    return yaml.safe_load((folder / "fixture.yaml").read_text())


def runtime_of(folder: Path) -> str:
    servers = [name for name in RUNTIMES if (folder / name).is_file()]
    assert len(servers) == 1, f"{folder.name} needs exactly one of {', '.join(RUNTIMES)}"
    return RUNTIMES[servers[0]]


def params():
    for folder in FIXTURE_DIRS:
        marks = []
        runtime = runtime_of(folder)
        if shutil.which(runtime) is None:
            marks.append(pytest.mark.skip(reason=f"{folder.name} is written for {runtime}, which is not installed here"))
        if folder.name in TESTER_BUGS:
            marks.append(pytest.mark.xfail(strict=True, reason=TESTER_BUGS[folder.name]))
        yield pytest.param(folder, id=folder.name, marks=marks)


def test_fixtures_were_found():
    assert len(FIXTURE_DIRS) >= 20
    assert set(TESTER_BUGS) <= {folder.name for folder in FIXTURE_DIRS}


@pytest.mark.parametrize("folder", [pytest.param(folder, id=folder.name) for folder in FIXTURE_DIRS])
def test_fixture_is_well_formed(folder):
    spec = spec_of(folder)
    assert isinstance(spec.get("description"), str) and spec["description"].strip()
    assert ("fails_at" in spec) != ("passes" in spec), "give either fails_at (with message) or passes: true"
    if "passes" in spec:
        assert spec["passes"] is True
        assert set(spec) <= {"description", "passes", "tracks"}
        course = load_course(COURSE)
        assert all(course.find_track(slug) is not None for slug in spec.get("tracks", []))
    else:
        assert spec["fails_at"] in course_slugs()
        assert isinstance(spec.get("message"), str) and spec["message"]
        assert set(spec) == {"description", "fails_at", "message"}
    script = folder / "your_program.sh"
    assert script.is_file() and os.access(script, os.X_OK)
    runtime_of(folder)


@pytest.mark.parametrize("folder", list(params()))
def test_fixture_verdict(tester, folder, tmp_path):
    spec = spec_of(folder)
    course = COURSE
    if spec.get("fails_at") == "bind" and "did not accept a connection" in spec["message"]:
        # the verdict is the readiness wait running out: a shorter wait proves the same bound
        course = course_with(tmp_path, ready_timeout=3)
    # a failing fixture runs its stage's track and the tracks it requires, as `tester check` runs it
    slugs = spec.get("tracks", []) if spec.get("passes") else [track_of(spec["fails_at"])]
    tracks = [argument for slug in slugs for argument in ("--track", slug)]
    run = tester("test", *tracks, solution=folder, course=course)
    assert_clean(run, folder)  # no traceback of the tester's own, nothing left running
    stages = run.report["stages"]
    if spec.get("passes"):
        assert run.code == 0, run.output
        assert [stage["status"] for stage in stages] == ["passed"] * len(stages)
        return
    assert run.code == 1, run.output
    failed = run.failed
    assert failed is not None, run.output
    assert failed["slug"] == spec["fails_at"], f"failed at {failed['slug']}: {failed['message']}"
    assert spec["message"] in failed["message"], failed["message"]
    position = [stage["slug"] for stage in stages].index(failed["slug"])
    assert [stage["status"] for stage in stages[:position]] == ["passed"] * position
    assert all(stage["status"] == "not-run" for stage in stages[position + 1:])


def test_reference_passes_every_stage(tester):
    run = tester("test", solution=REFERENCE)
    assert run.code == 0, run.output
    assert [stage["slug"] for stage in run.report["stages"]] == course_slugs()
    assert all(stage["status"] == "passed" for stage in run.report["stages"])
    # the reference is the course's model answer: not one should-level warning or may-level note either
    assert [(stage["slug"], stage["warnings"]) for stage in run.report["stages"] if stage["warnings"]] == []
    assert "Traceback" not in run.output


def test_starter_fails_bind_and_points_to_main_py(tester):
    run = tester("test", solution=STARTER)
    assert run.code == 1
    failed = run.failed
    assert failed is not None and failed["slug"] == "bind"
    assert run.report["stages"][0] is failed
    assert "exited" in failed["message"]
    hints = re.findall(r"^\s*hint: (.*)$", run.output, flags=re.MULTILINE)
    assert len(hints) == 1 and "app/main.py" in hints[0], run.output
    assert "Traceback" not in run.output
