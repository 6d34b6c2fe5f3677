"""A stage's file tree and program arguments: planned without files, written with them, checked at load."""

from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path, PurePosixPath

import pytest

from tester import stagefiles
from tester.errors import ManifestError
from tester.manifest.load import load_course
from tester.manifest import files_check
from tester.manifest.models import FileSpec, Stage
from tester.stagefiles import PlanError, place, parse_imf_fixdate, parse_mtime, plan, program_args

ROOT = Path("/course")


# where paths land


@pytest.mark.parametrize("path,landed", [
    ("a.txt", "served/a.txt"),
    ("sub/deeper/a.txt", "served/sub/deeper/a.txt"),
    ("./a.txt", "served/a.txt"),
    ("../secret.txt", "secret.txt"),
    ("../beside/x.txt", "beside/x.txt"),
    ("sub/../a.txt", "served/a.txt"),
    ("{name}", "served/{name}"),
])
def test_paths_land_in_the_served_folder_or_beside_it(path, landed):
    assert place(path) == PurePosixPath(landed)


@pytest.mark.parametrize("path,words", [
    ("", "empty"),
    ("/etc/passwd", "absolute"),
    ("../../x.txt", "climbs out"),
    ("sub/../../../x", "climbs out"),
    ("sub/", "names a folder"),
    ("..", "names a folder"),
    ("../served", "names the directory itself"),
])
def test_paths_that_escape_or_name_no_file_are_refused(path, words):
    with pytest.raises(PlanError) as caught:
        place(path)
    assert words in str(caught.value) and caught.value.fix


# modification times


def test_an_imf_fixdate_is_seconds_since_1970():
    assert parse_imf_fixdate("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777
    assert parse_mtime("Thu, 01 Jan 1970 00:00:00 GMT") == 0
    assert parse_mtime(1700000000) == 1700000000


@pytest.mark.parametrize("text,words", [
    ("Sunday, 06-Nov-94 08:49:37 GMT", "not an IMF-fixdate"),
    ("Sun Nov  6 08:49:37 1994", "not an IMF-fixdate"),
    ("Sun, 06 Nov 1994 08:49:37 UTC", "not an IMF-fixdate"),
    ("Mon, 06 Nov 1994 08:49:37 GMT", "is a Sunday, not a Monday"),
    ("Sun, 31 Nov 1994 08:49:37 GMT", "not a day of the calendar"),
    ("Sun, 06 Nov 1994 25:49:37 GMT", "hour 25 is more than 23"),
])
def test_other_dates_are_refused_with_the_form_to_write(text, words):
    with pytest.raises(PlanError) as caught:
        parse_mtime(text)
    assert words in str(caught.value) and caught.value.fix


def test_a_wrong_day_name_is_corrected_in_the_fix():
    with pytest.raises(PlanError) as caught:
        parse_mtime("Mon, 06 Nov 1994 08:49:37 GMT")
    assert "'Sun, 06 Nov 1994 08:49:37 GMT'" in caught.value.fix


def test_negative_times_are_refused():
    with pytest.raises(PlanError, match="before 1970"):
        parse_mtime(-1)


# the plan


def test_a_plan_renders_paths_contents_and_targets():
    values = {"name": "notes", "secret": b"\xff\x00"}
    planned = plan({
        "{name}.txt": "hello {name}",
        "sub/raw.bin": FileSpec(content="{secret}", mtime="Sun, 06 Nov 1994 08:49:37 GMT"),
        "../secret.txt": FileSpec(source="fixtures/secret.txt", mtime=5),
        "link": FileSpec(symlink="../secret.txt"),
    }, values, ROOT)
    assert planned == [
        stagefiles.Planned(PurePosixPath("served/notes.txt"), content=b"hello notes"),
        stagefiles.Planned(PurePosixPath("served/sub/raw.bin"), content=b"\xff\x00", mtime=784111777),
        stagefiles.Planned(PurePosixPath("secret.txt"), source=ROOT / "fixtures/secret.txt", mtime=5),
        stagefiles.Planned(PurePosixPath("served/link"), symlink="../secret.txt"),
    ]


def test_an_mtime_may_be_a_template_of_the_stage_values():
    planned = plan({"a.txt": FileSpec(content="a", mtime="{when}")}, {"when": "Sun, 06 Nov 1994 08:49:37 GMT"}, ROOT)
    assert planned[0].mtime == 784111777
    with pytest.raises(PlanError, match="not an IMF-fixdate"):
        plan({"a.txt": FileSpec(content="a", mtime="{when}")}, {"when": "yesterday"}, ROOT)


def test_a_value_that_makes_a_path_escape_is_refused_when_rendered():
    with pytest.raises(PlanError, match="climbs out"):
        plan({"{name}": "x"}, {"name": "../../x"}, ROOT)


@pytest.mark.parametrize("files", [{"a.txt": "1", "./a.txt": "2"}, {"a": "1", "a/b": "2"}])
def test_two_files_in_one_place_are_refused(files):
    with pytest.raises(PlanError, match="in each other's way"):
        plan(files, {}, ROOT)


# the program's arguments


def test_without_args_a_directory_stage_passes_directory_as_today():
    assert program_args(None, Path("/tmp/t/served"), {}) == ["--directory", "/tmp/t/served"]
    assert program_args(None, None, {}) == []


def test_args_are_rendered_with_the_stage_values():
    values = {"directory": "/tmp/t/served", "port": "4221"}
    assert program_args(["--wsgi", "{directory}/app.py:application", "--port={port}"], Path("/x"), values) == [
        "--wsgi", "/tmp/t/served/app.py:application", "--port=4221"]
    assert program_args([], Path("/x"), values) == []  # given empty: no arguments at all


# writing


def test_a_tree_is_written_with_folders_symlinks_sources_and_times(tmp_path):
    (tmp_path / "course").mkdir()
    (tmp_path / "course" / "secret.txt").write_bytes(b"top secret\n")
    folder, served = stagefiles.make_stage_folder("demo")
    try:
        assert served == folder / "served" and served.is_dir() and folder.name.startswith("tester-demo-")
        stagefiles.write(plan({
            "deep/er/a.txt": FileSpec(content="a", mtime="Sun, 06 Nov 1994 08:49:37 GMT"),
            "../secret.txt": FileSpec(source="secret.txt"),
            "escape": FileSpec(symlink="../secret.txt"),
            "flat": "flat bytes",
        }, {}, tmp_path / "course"), folder)
        assert (served / "deep/er/a.txt").read_bytes() == b"a"
        assert os.stat(served / "deep/er/a.txt").st_mtime == 784111777
        assert (folder / "secret.txt").read_bytes() == b"top secret\n"
        assert os.readlink(served / "escape") == "../secret.txt"
        assert (served / "escape").read_bytes() == b"top secret\n"
        assert (served / "flat").read_bytes() == b"flat bytes"
        assert sorted(path.name for path in folder.iterdir()) == ["secret.txt", "served"]
    finally:
        shutil.rmtree(folder)


# the loader


PROBES = """
probes:
  - kind: exchange
    requests:
      - send: {target: /}
        expect: {status: 200}
        capture: {token: {header: X-Token}}
"""


def _course(tmp_path: Path, stage: str) -> Path:
    """A one-stage course whose stage has the given keys, starting on line 5 of its stages.yaml."""
    (tmp_path / "one.md").write_text("# One\n")
    (tmp_path / "data.txt").write_text("data\n")
    keys = textwrap.dedent(stage).strip("\n") + PROBES
    path = tmp_path / "stages.yaml"
    path.write_text("stages:\n  - slug: one\n    title: One\n    description: one.md\n"
                    + textwrap.indent(keys, "    "))
    return path


def _problems(path: Path) -> list[str]:
    with pytest.raises(ManifestError) as caught:
        load_course(path)
    return [str(problem) for problem in caught.value.problems]


def test_a_stage_with_a_tree_and_args_loads(tmp_path):
    course = load_course(_course(tmp_path, """
        directory: true
        args: ["--root", "{directory}", "--port", "{port}"]
        files:
          a/b.txt: "x"
          ../secret.txt: {source: data.txt}
          link: {symlink: ../secret.txt}
          old.txt: {content: "old", mtime: "Sun, 06 Nov 1994 08:49:37 GMT"}
        """))
    assert course.stages[0].args == ["--root", "{directory}", "--port", "{port}"]


@pytest.mark.parametrize("stage,line,words", [
    ("directory: true\nfiles:\n  ../../x: a", 7, "climbs out of the stage's folder"),
    ("directory: true\nfiles:\n  /etc/x: a", 7, "is absolute"),
    ("directory: true\nfiles:\n  x: {source: missing.txt}", 7, "the source file missing.txt does not exist"),
    ("directory: true\nfiles:\n  x: {content: a, mtime: 'Sun, 6 Nov 1994 08:49:37 GMT'}", 7, "not an IMF-fixdate"),
    ("directory: true\nfiles:\n  x: {symlink: y, mtime: 3}", 7, "mtime on a symlink"),
    ("directory: true\nfiles:\n  x: {content: a, mtime: '{wehn}'}", 7, "uses {wehn}, which this stage does not define"),
    ("directory: true\nfiles:\n  x: {content: '{nope}'}", 7, "uses {nope}, which this stage does not define"),
    ("args: ['{directory}/app.py']", 5, "uses {directory}, but the stage has no directory"),
    ("args: ['--x', '{prot}']", 5, "did you mean {port}?"),
])
def test_mistakes_in_files_and_args_name_their_line_and_fix(tmp_path, stage, line, words):
    found = _problems(_course(tmp_path, stage))
    assert len(found) == 1, found
    assert f"stages.yaml:{line}:" in found[0] and words in found[0] and "fix:" in found[0], found


class _Capturing:
    """A probe that captures `token`, as a step with `capture: {token: ...}` does."""

    def captures(self):
        return iter(["token"])


def test_files_and_args_cannot_use_captured_values():
    stage = Stage(slug="one", title="One", description="one.md", directory=True, args=["{token}"],
                  files={"a.txt": "{token}", "b.txt": FileSpec(symlink="{token}")}, probes=[_Capturing()])
    found: list[tuple] = []
    files_check.check(stage, ("stages", 0), _Collect(found), ROOT)
    assert [place for place, _, _ in found] == [("stages", 0, "files", "a.txt"),
                                                ("stages", 0, "files", "b.txt", "symlink"),
                                                ("stages", 0, "args", 0)]
    assert all("a value captured from a response" in problem and "before the program starts" in problem
               for _, problem, _ in found)


class _Collect:
    def __init__(self, found: list):
        self.found = found

    def add(self, place, problem, fix=""):
        self.found.append((place, problem, fix))
