"""`tester new-stage` scaffolds a stage on a copy of a course: manifest text kept, files made, next steps."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import ROOT
from tester.cli import main
from tester.commands.new_stage import with_entry
from tester.manifest.load import load_course

EXAMPLE = ROOT / "examples" / "hit-counter"


@pytest.fixture
def course(tmp_path) -> Path:
    folder = tmp_path / "course"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def test_scaffolds_entry_description_and_fixture(course, capsys):
    manifest = course / "stages.yaml"
    before = manifest.read_text()
    code = main(["new-stage", "reset", "--title", "Reset the count", "--course", str(manifest), "--no-color"])
    output = capsys.readouterr().out
    assert code == 0, output
    after = manifest.read_text()
    assert after.startswith(before.rstrip("\n") + "\n"), "the existing text, comments included, must stay"
    assert after[len(before):].lstrip("\n").startswith("  - slug: reset\n    title: Reset the count\n")
    loaded = load_course(manifest)
    assert [stage.slug for stage in loaded.stages] == ["bind", "hello", "count", "reset"]
    description = course / "stages" / "04-reset.md"
    text = description.read_text()
    assert text.startswith("# Reset the count\n") and "TODO" in text
    assert "```http\nGET /reset HTTP/1.1\nHost: localhost:4221\n```" in text
    fixture = course / "fixtures" / "missing-reset"
    assert "fails_at: reset" in (fixture / "fixture.yaml").read_text()
    assert os.access(fixture / "your_program.sh", os.X_OK) and (fixture / "server.py").is_file()
    line = after.splitlines().index("  - slug: reset") + 1
    assert f"stages.yaml:{line}" in output and "next:" in output and "tester check" in output


def test_the_scaffold_is_what_check_asks_to_finish(course, capsys):
    manifest = course / "stages.yaml"
    assert main(["new-stage", "reset", "--course", str(manifest), "--no-color"]) == 0
    capsys.readouterr()
    assert main(["check", "--course", str(manifest), "--no-color"]) == 1
    lines = capsys.readouterr().out.splitlines()
    problems = "\n".join(lines)
    assert "04-reset.md:3: a TODO placeholder" in problems
    assert "missing-reset/fixture.yaml:1: a TODO placeholder is left in 'description'" in problems
    assert "the reference fails stage 4 reset" in problems
    assert "Traceback" not in problems


@pytest.mark.parametrize("slug, reason", [("Reset", "is not a slug"), ("count", "already has a stage 'count'"),
                                          ("3", "would take it for a stage number"),
                                          ("42", "would take it for a stage number")])
def test_refuses_bad_or_taken_slugs(course, capsys, slug, reason):
    manifest = course / "stages.yaml"
    before = manifest.read_text()
    assert main(["new-stage", slug, "--course", str(manifest), "--no-color"]) == 2
    assert reason in capsys.readouterr().out
    assert manifest.read_text() == before


def test_entry_goes_after_the_last_stage_even_when_more_follows():
    text = ("stages:\n"
            "- slug: one\n"
            "  title: One\n"
            "  description: one.md\n"
            "  probes: [{kind: connect}]\n"
            "# trailing comment about probe modules\n"
            "probe_modules: []\n")
    after, line = with_entry(text, "two", "Two: the sequel", "two.md")
    lines = after.splitlines()
    assert lines[line - 1] == "- slug: two"
    assert lines[line] == '  title: "Two: the sequel"'
    assert lines[line - 3] == "  probes: [{kind: connect}]"
    assert lines[-2:] == ["# trailing comment about probe modules", "probe_modules: []"]


def test_a_write_that_fails_leaves_the_course_as_it_was(course, capsys):
    manifest = course / "stages.yaml"
    before = manifest.read_text()
    shutil.rmtree(course / "fixtures")
    (course / "fixtures").write_text("a file where the fixtures folder should be")
    code = main(["new-stage", "reset", "--course", str(manifest), "--no-color"])
    output = capsys.readouterr().out
    assert code == 2 and "cannot write" in output and "the course is as it was" in output, output
    assert "the tester itself failed" not in output
    assert manifest.read_text() == before
    assert not (course / "stages" / "04-reset.md").exists()
