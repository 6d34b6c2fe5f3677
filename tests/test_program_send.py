"""`tester send --start` starts the program with the arguments a stage would: the default --directory DIR,
or with --stage, that stage's args and files (in a fresh folder, removed afterwards)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aftermath import assert_clean
from conftest import TesterRun as Outcome, free_port, write_program  # renamed: a Test* name would be collected
from tester.cli import main

DEMO = Path(__file__).resolve().parent / "demonstrations" / "program"
COURSE = DEMO / "stages.yaml"


@pytest.fixture
def solution(tmp_path):
    return write_program(tmp_path / "solution", f'exec python3 -u "{DEMO / "server.py"}" "$@"\n')


def send(capsys, solution: Path, *args: str) -> Outcome:
    port = free_port()
    code = main(["send", "--start", "--solution", str(solution), "--port", str(port), "--no-color", *args])
    captured = capsys.readouterr()
    return Outcome(code, captured.out, {}, port, captured.err)


def test_a_stage_s_args_and_files_are_those_of_the_stage(capsys, solution):
    run = send(capsys, solution, "--course", str(COURSE), "--stage", "program-args", "/files/hello.txt")
    assert run.code == 0, run.output
    assert "hello from the root" in run.output  # the stage's file, served from the folder given with --root
    folder = re.search(r"files are in (\S+)/served", run.output).group(1)
    assert f"[your_program] listening, root {folder}/served" in run.output
    assert not Path(folder).exists()  # removed once the program stopped
    assert_clean(run, solution)


def test_the_greeting_comes_from_the_seeded_values(capsys, solution):
    first = send(capsys, solution, "--course", str(COURSE), "--stage", "1", "--seed", "7", "/greeting")
    again = send(capsys, solution, "--course", str(COURSE), "--stage", "1", "--seed", "7", "/greeting")
    body = first.output.split("← received")[1]
    assert first.code == 0 and body == again.output.split("← received")[1]


def test_without_a_stage_directory_is_passed_as_a_file_stage_does(capsys, solution, tmp_path):
    (tmp_path / "served").mkdir()
    (tmp_path / "served" / "a.txt").write_text("from my folder")
    run = send(capsys, solution, "--directory", str(tmp_path / "served"), "/files/a.txt")
    assert run.code == 0 and "from my folder" in run.output, run.output
    assert f"root {tmp_path / 'served'}" in run.output


def test_a_stage_that_does_not_exist_is_a_usage_error(capsys, solution):
    run = send(capsys, solution, "--course", str(COURSE), "--stage", "nope", "/")
    assert run.code == 2 and "--stage nope: the course has no such stage" in run.output + run.errors


def test_stage_needs_start(capsys):
    code = main(["send", "--stage", "1", "/", "--no-color"])
    captured = capsys.readouterr()
    assert code == 2 and "use it with --start" in captured.out + captured.err
