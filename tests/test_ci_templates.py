"""The CI templates in templates/github/: workflows GitHub Actions can run, whose `tester` commands the tester
accepts as written, whose reports are the files the tester writes, and whose summary scripts work."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES, ROOT
from tester.cli import _parser
from tester.commands import COMMANDS

TEMPLATES = ROOT / "templates" / "github"
LEARNER = TEMPLATES / "learner.yml"
REGRADE = TEMPLATES / "instructor-regrade.yml"
SCRIPT_LIMIT = 60  # seconds a summary script may take before the test fails
PINNED_ACTION = re.compile(r"[\w.-]+/[\w.-]+@v\d+")  # owner/name@vN: a major version, never a branch


def workflow(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(loaded: dict):
    return loaded.get("on", loaded.get(True))  # YAML 1.1 reads a bare `on` key as true


def steps(loaded: dict) -> list[dict]:
    return [step for job in loaded["jobs"].values() for step in job["steps"]]


def step(loaded: dict, name: str) -> dict:
    return next(item for item in steps(loaded) if item.get("name") == name)


def commands_of(loaded: dict) -> list[list[str]]:
    """Every `tester ...` command line of the workflow's run steps, as the shell splits it into words."""
    commands = []
    for item in steps(loaded):
        for line in item.get("run", "").replace("\\\n", " ").splitlines():
            if line.strip().startswith("tester "):
                commands.append(shlex.split(line, comments=True))
    return commands


def option_value(words: list[str], option: str) -> str:
    return words[words.index(option) + 1]


def subparsers() -> dict[str, argparse.ArgumentParser]:
    return next(action for action in _parser()._actions if isinstance(action, argparse._SubParsersAction)).choices


def parse_problem(words: list[str]) -> str:
    """What the tester's parser says of the command line, with each shell variable as the value 1; '' if it
    takes it."""
    arguments = ["1" if "$" in word else word for word in words[1:]]
    errors = io.StringIO()
    try:
        with contextlib.redirect_stderr(errors):
            _parser().parse_args(arguments)
    except SystemExit:
        return errors.getvalue().strip() or "refused"
    return ""


@pytest.fixture(params=[LEARNER, REGRADE], ids=lambda path: path.name)
def template(request) -> Path:
    return request.param


# well-formed workflows


def test_the_templates_are_the_learner_and_the_regrade_workflows():
    assert sorted(path.name for path in TEMPLATES.glob("*.yml")) == ["instructor-regrade.yml", "learner.yml"]


def test_a_template_has_a_name_triggers_and_jobs_that_run_steps(template):
    loaded = workflow(template)
    assert isinstance(loaded, dict) and loaded.get("name")
    assert triggers(loaded)
    assert loaded["jobs"]
    for name, job in loaded["jobs"].items():
        assert job.get("runs-on"), f"job {name} has no runs-on"
        assert job.get("timeout-minutes"), f"job {name} has no time limit"
        assert job["steps"], f"job {name} has no steps"


def test_every_step_either_uses_an_action_pinned_to_a_version_or_runs_a_script(template):
    for item in steps(workflow(template)):
        assert ("uses" in item) != ("run" in item), f"step {item} needs exactly one of uses and run"
        if "uses" in item:
            assert PINNED_ACTION.fullmatch(item["uses"]), item["uses"]
        else:
            assert isinstance(item["run"], str) and item["run"].strip()


def test_the_placeholders_are_marked(template):
    assert "PLACEHOLDER" in template.read_text(encoding="utf-8")


def test_the_learner_workflow_runs_on_push_and_the_regrade_on_demand_and_on_a_schedule():
    assert "push" in triggers(workflow(LEARNER))
    regrade = triggers(workflow(REGRADE))
    assert "workflow_dispatch" in regrade and regrade["schedule"][0]["cron"]


# the tester commands


@pytest.mark.parametrize(("path", "subcommand"), [(LEARNER, "test"), (REGRADE, "grade")],
                         ids=["learner", "regrade"])
def test_each_template_runs_its_one_tester_command(path, subcommand):
    assert [words[:2] for words in commands_of(workflow(path))] == [["tester", subcommand]]


def test_every_tester_command_names_a_subcommand_the_tester_has(template):
    names = {command.NAME for command in COMMANDS}
    for words in commands_of(workflow(template)):
        assert words[1] in names, f"{shlex.join(words)}: the tester has no command {words[1]!r}"


def test_every_option_of_a_tester_command_is_one_its_subcommand_takes(template):
    for words in commands_of(workflow(template)):
        taken = subparsers()[words[1]]._option_string_actions
        for word in words[2:]:
            if word.startswith("-"):
                assert word.split("=")[0] in taken, f"{shlex.join(words)}: 'tester {words[1]}' has no {word}"


def test_every_tester_command_parses_as_written(template):
    for words in commands_of(workflow(template)):
        assert parse_problem(words) == "", shlex.join(words)


# the reports: what the tester writes is what the workflow keeps and reads


def test_the_learner_run_writes_junit_and_json_and_keeps_both():
    loaded = workflow(LEARNER)
    [words] = commands_of(loaded)
    assert "--no-progress" in words
    junit, result = option_value(words, "--junit"), option_value(words, "--json")
    kept = step(loaded, "Keep the reports")["with"]["path"].split()
    assert junit in kept and result in kept
    assert f'Path("{result}")' in step(loaded, "Write the summary")["run"]


def test_the_regrade_keeps_the_folder_it_grades_into_and_summarises_its_gradebook():
    loaded = workflow(REGRADE)
    [words] = commands_of(loaded)
    out = option_value(words, "--out")
    assert step(loaded, "Keep the grades")["with"]["path"].rstrip("/") == out
    assert f'Path("{out}/gradebook.csv")' in step(loaded, "Write the class summary")["run"]


# the summary scripts


def run_script(script: str, folder: Path, **environment: str) -> str:
    """Run a step's script in `folder` as a runner would, and return what it wrote to the step summary."""
    summary = folder / "step-summary.md"
    subprocess.run(["bash", "-e", "-c", script], cwd=folder, check=True, timeout=SCRIPT_LIMIT,
                   env={**os.environ, **environment, "GITHUB_STEP_SUMMARY": str(summary)})
    return summary.read_text(encoding="utf-8")


def test_the_learner_summary_shows_each_stage_and_the_report_of_the_failure(tester, tmp_path):
    run = tester("test", solution=FIXTURES / "no-listen", seed=7)
    (tmp_path / "tester-result.json").write_text(json.dumps(run.report))
    summary = run_script(step(workflow(LEARNER), "Write the summary")["run"], tmp_path)
    assert f"**0 of {len(run.report['stages'])} stages passed.** Seed 7" in summary
    assert "| 1 | bind | ❌ failed | your program exited with code 0" in summary
    assert "| 2 | respond-200 | · not run |  |" in summary
    assert "~~~~text\n✗ stage 1 bind failed: your program exited" in summary


def test_the_learner_summary_says_when_there_is_no_result(tmp_path):
    summary = run_script(step(workflow(LEARNER), "Write the summary")["run"], tmp_path)
    assert "No result: the tester stopped before it ran a stage." in summary


def test_the_regrade_summary_has_a_row_per_student_with_the_first_failure(tmp_path):
    (tmp_path / "grades").mkdir()
    (tmp_path / "grades" / "gradebook.csv").write_text(
        "id,outcome,highest_stage,score,max_score,seed,error,01 bind,02 hello\n"
        "alice,graded,2,2,2,9,,passed,passed\n"
        "bob,graded,1,1,2,9,,passed,failed\n"
        "carol,error,0,0,2,,no your_program.sh | nothing to start,not-run,not-run\n")
    summary = run_script(step(workflow(REGRADE), "Write the class summary")["run"], tmp_path, CLASS_SEED="9")
    assert "3 submissions, seed 9." in summary
    assert "| alice | graded | 2 | 2/2 |  |  |" in summary
    assert "| bob | graded | 1 | 1/2 | 02 hello |  |" in summary
    assert "| carol | error | 0 | 0/2 |  | no your_program.sh \\| nothing to start |" in summary
