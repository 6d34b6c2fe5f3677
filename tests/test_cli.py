"""The command line, run in-process: stage order, exit codes, JSON, and the errors a learner can cause."""

from __future__ import annotations

import socket

from tester.cli import main

from aftermath import assert_clean
from conftest import REFERENCE, free_port


def test_list_shows_numbered_stages(capsys):
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("base: The base server (stages 1-8)")  # the shipped course is in tracks
    assert lines[1].split()[:2] == ["1.", "bind"]
    assert lines[4].split()[:2] == ["4.", "echo"]


def test_stage_runs_the_target_then_earlier_stages(tester):
    run = tester("stage", "3")
    assert run.code == 0
    assert [(stage["number"], stage["status"]) for stage in run.report["stages"]] == [
        (3, "passed"), (1, "passed"), (2, "passed")]
    assert set(run.report["stages"][0]) == {"number", "slug", "title", "track", "points", "status", "regression",
                                            "duration", "message", "failure", "warnings"}
    assert [stage["regression"] for stage in run.report["stages"]] == [False, True, True]
    assert run.report["seed"] == 1 and run.report["version"] == 1
    assert "(regression)" in run.output


def test_only_runs_the_target_alone(tester):
    run = tester("stage", "echo", "--only")
    assert run.code == 0
    assert [stage["slug"] for stage in run.report["stages"]] == ["echo"]


def test_a_failure_stops_the_run_and_later_stages_are_not_run(tester):
    run = tester("test", solution=REFERENCE.parent.parent / "solution")
    assert run.code == 1
    statuses = [stage["status"] for stage in run.report["stages"]]
    assert statuses[0] == "failed" and set(statuses[1:]) == {"not-run"}
    assert "Fix stage 1 (bind)" in run.output


def test_seed_replays_the_same_values(tester):
    first = tester("stage", "echo", "--only", seed=42).output
    second = tester("stage", "echo", "--only", seed=42).output
    third = tester("stage", "echo", "--only", seed=43).output
    path = next(line for line in first.splitlines() if "GET /echo/" in line)
    assert path in second
    assert path not in third or "GET /echo/" in third  # a different seed may rarely draw the same word


def test_unknown_stage_is_a_usage_error(capsys):
    assert main(["stage", "142", "--solution", str(REFERENCE)]) == 2
    assert "there is no stage '142'" in capsys.readouterr().out


def test_missing_solution_script_is_a_clear_usage_error(tmp_path, capsys):
    assert main(["stage", "1", "--solution", str(tmp_path), "--port", str(free_port())]) == 2
    out = capsys.readouterr().out
    assert "your_program.sh does not exist" in out and "Traceback" not in out


def test_a_port_already_in_use_stops_with_a_clear_message(tester):
    with socket.create_server(("127.0.0.1", 0)) as squatter:
        port = squatter.getsockname()[1]
        code = main(["stage", "1", "--solution", str(REFERENCE), "--port", str(port), "--no-color", "--no-progress"])
    assert code == 1


def test_port_in_use_message(capsys):
    with socket.create_server(("127.0.0.1", 0)) as squatter:
        port = squatter.getsockname()[1]
        main(["stage", "1", "--solution", str(REFERENCE), "--port", str(port), "--no-color", "--no-progress"])
    out = capsys.readouterr().out
    assert f"something is already listening on port {port}" in out
    assert "--port" in out


def test_no_process_outlives_a_run(tester):
    run = tester("test")
    assert_clean(run, REFERENCE)  # found by this run's marker and port, not confused by other runs


def test_json_records_a_failure_message(tester, tmp_path):
    run = tester("stage", "1", solution=REFERENCE.parent.parent / "solution")
    failed = run.failed
    assert failed["slug"] == "bind" and "exited with code 0" in failed["message"]
