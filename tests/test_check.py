"""`tester check` passes on the shipped courses and names each problem of a broken course in one line.

The broken courses are copies of the small example course (examples/hit-counter) with one thing wrong.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import COURSE, ROOT
from tester.cli import main

EXAMPLE = ROOT / "examples" / "hit-counter"


@dataclass
class Checked:
    code: int
    lines: list[str]

    def problems(self) -> list[str]:
        return self.lines[:-1] if self.code else []

    def one(self, fragment: str) -> str:
        found = [line for line in self.lines if fragment in line]
        assert len(found) == 1, f"expected one line with {fragment!r}:\n" + "\n".join(self.lines)
        return found[0]


@pytest.fixture
def check(capsys):
    def run(manifest: Path, *args: str) -> Checked:
        code = main(["check", "--course", str(manifest), "--no-color", *args])
        output = capsys.readouterr().out
        assert "Traceback" not in output, output
        return Checked(code, output.splitlines())
    return run


@pytest.fixture
def course(tmp_path) -> Path:
    """A copy of the example course, to break; returns its folder."""
    folder = tmp_path / "course"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def line_of(path: Path, fragment: str) -> int:
    return next(number for number, line in enumerate(path.read_text().splitlines(), 1) if fragment in line)


def test_example_course_passes(check):
    result = check(EXAMPLE / "stages.yaml")
    assert result.code == 0, "\n".join(result.lines)
    assert "3 stages" in result.lines[0]
    assert "5 of 5 behaved as they should (3 fixtures, seed 1)" in result.lines[2]
    assert result.lines[-1].startswith(f"{EXAMPLE / 'stages.yaml'}: no problems (")


def test_shipped_course_files_pass(check):
    result = check(COURSE, "--no-servers")
    assert result.code == 0, "\n".join(result.lines)
    assert "servers not run" in result.lines[-1]


def test_duplicate_slug(check, course):
    manifest = course / "stages.yaml"
    edit(manifest, "slug: count", "slug: hello")
    result = check(manifest)
    assert result.code == 1
    line = result.one("already used")
    second = [number for number, text in enumerate(manifest.read_text().splitlines(), 1) if "slug: hello" in text][1]
    assert line.startswith(f"{manifest}:{second}: stages[2].slug:")
    assert "the slug 'hello' is already used by stage 2" in line
    assert result.lines[-1].startswith("1 problem in")


def test_missing_description(check, course):
    (course / "stages" / "02-hello.md").unlink()
    result = check(course / "stages.yaml")
    assert result.code == 1
    line = result.one("does not exist")
    assert f"stages.yaml:{line_of(course / 'stages.yaml', 'description: stages/02-hello.md')}:" in line
    assert "the description file stages/02-hello.md does not exist" in line


def test_stage_no_fixture_fails(check, course):
    shutil.rmtree(course / "fixtures" / "count-per-connection")
    result = check(course / "stages.yaml", "--no-servers")
    assert result.code == 1
    line = result.one("has no fixture that fails it")
    assert f"stages.yaml:{line_of(course / 'stages.yaml', 'slug: count')}: stage 3 count" in line


def test_fixture_that_does_not_fail_its_stage(check, course):
    fixture = course / "fixtures" / "count-per-connection"
    edit(fixture / "server.py", "reference.count_visit = count_visit\n", "")
    result = check(course / "stages.yaml")
    assert result.code == 1
    line = result.one("passes stage 3 count")
    assert line.startswith(f"{fixture / 'fixture.yaml'}:{line_of(fixture / 'fixture.yaml', 'fails_at')}:")
    assert len(result.problems()) == 1


def test_fixture_that_fails_too_early(check, course):
    fixture = course / "fixtures" / "count-per-connection"
    (fixture / "server.py").write_text('print("gone")\n')
    result = check(course / "stages.yaml")
    line = result.one("before stage 3 count")
    assert "fails stage 1 bind" in line and "exited" in line


def test_reference_failing(check, course):
    edit(course / "fixtures" / "reference" / "server.py", 'GREETING = b"Hello, world!"', 'GREETING = b"Hello!"')
    result = check(course / "stages.yaml")
    assert result.code == 1
    line = result.one("the reference fails")
    assert line.startswith(f"{course / 'fixtures' / 'reference'}: the reference fails stage 2 hello:")
    assert "Content-Length" in line


def test_starter_that_passes_stage_1(check, course):
    shutil.rmtree(course / "solution")
    shutil.copytree(course / "fixtures" / "reference", course / "solution")
    result = check(course / "stages.yaml")
    result.one("the starter passes stage 1 bind")


def test_description_disagreeing_with_its_probes(check, course):
    description = course / "stages" / "02-hello.md"
    edit(description, "Content-Length: 13\n", "Content-Length: 12\n")
    result = check(course / "stages.yaml", "--no-servers")
    assert result.code == 1
    line = result.one("Content-Length: 12")
    assert line.startswith(f"{description}:{line_of(description, 'Content-Length: 12')}: the expected response shows")
    assert "'Content-Length: 13'" in line


def test_fixture_spec_naming_no_stage(check, course):
    spec = course / "fixtures" / "wrong-length" / "fixture.yaml"
    edit(spec, "fails_at: hello", "fails_at: helo")
    result = check(course / "stages.yaml", "--no-servers")
    line = result.one("'helo' is not a stage")
    assert line.startswith(f"{spec}:2:") and "bind, hello, count" in line
    result.one("stage 2 hello has no fixture")


def test_several_problems_are_all_listed(check, course):
    edit(course / "stages" / "01-bind.md", "# Listen for connections", "# Listen")
    edit(course / "stages" / "03-count.md", "## Hints", "## Tips")
    result = check(course / "stages.yaml", "--no-servers")
    assert len(result.problems()) == 2
    assert result.lines[-1].startswith("2 problems in")
    for line in result.problems():
        assert Path(line.split(":")[0]).is_file(), line


def test_example_course_runs_with_its_own_probe_kind(tester):
    run = tester("test", solution=EXAMPLE / "fixtures" / "reference", course=EXAMPLE / "stages.yaml")
    assert run.code == 0, run.output
    assert [stage["slug"] for stage in run.report["stages"]] == ["bind", "hello", "count"]
    assert run.output.count("GET /count") == 4
    failing = tester("test", solution=EXAMPLE / "fixtures" / "count-per-connection", course=EXAMPLE / "stages.yaml")
    assert failing.failed["slug"] == "count"
    assert "visit 2 was answered 1, but the visit before was answered 1" in failing.failed["message"]


def test_one_fixture_per_stage_prefers_ones_that_are_not_hostile():
    from tester.lint.course import _one_per_stage
    from tester.lint.layout import Fixture

    def fixture(name, slug):
        return Fixture(Path(name), slug, "m", 2)

    chosen = _one_per_stage([fixture("hostile-a", "bind"), fixture("zz", "bind"), fixture("b", "bind"),
                             fixture("hostile-c", "count"), fixture("ok", None)], ["bind", "hello", "count"])
    assert [item.name for item in chosen] == ["b", "hostile-c"]


def test_a_passing_fixture_names_only_tracks_of_the_course(check, course):
    spec = course / "fixtures" / "wrong-length" / "fixture.yaml"
    spec.write_text("description: correct after all\npasses: true\ntracks: [mian]\n")
    result = check(course / "stages.yaml", "--no-servers")
    line = result.one("'mian' is not a track of this course")
    assert line.startswith(f"{spec}:3:") and "name one of: main" in line
    spec.write_text("description: wrong\nfails_at: hello\nmessage: x\ntracks: [main]\n")
    result = check(course / "stages.yaml", "--no-servers")
    result.one("'tracks' lists the tracks a passing fixture passes")
