"""`tester grade`: the roster and the folder, the digest that decides what to regrade, the gradebook, and
whole batches of real fixture servers graded side by side, isolated, with nothing left running."""

from __future__ import annotations

import io
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import aftermath
from conftest import COURSE, FIXTURES, REFERENCE, write_program
from tester.cli import main
from tester.errors import UsageError
from tester.grading import fingerprint, sandbox, submissions
from tester.grading.live import Progress
from tester.ports import free_port
from tester.reports import gradebook
from tester.reports.records import highest_passed, message_shape, score

RECORDS = Path(__file__).resolve().parent / "data" / "records"
NAMESPACES = sandbox.namespaces_unavailable()
needs_namespaces = pytest.mark.skipif(NAMESPACES is not None, reason=f"no namespaces here: {NAMESPACES}")


def sample_records() -> tuple[list[dict], list[dict]]:
    records = [json.loads((RECORDS / f"{name}.json").read_text()) for name in ("alice", "bob", "carol", "dave", "erin")]
    return records, json.loads((RECORDS / "course-stages.json").read_text())


# --------------------------------------------------------------------------- submissions


def test_a_folder_gives_one_submission_per_sub_folder_hidden_ones_skipped(tmp_path):
    for name in ("bob", "alice", ".git"):
        (tmp_path / name).mkdir()
    (tmp_path / "notes.txt").write_text("not a submission")
    assert [(item.id, item.path) for item in submissions.find(tmp_path)] == [
        ("alice", tmp_path / "alice"), ("bob", tmp_path / "bob")]


def test_a_roster_takes_ids_and_paths_relative_to_itself(tmp_path):
    (tmp_path / "work" / "a").mkdir(parents=True)
    (tmp_path / "b").mkdir()
    roster = tmp_path / "class" / "roster.csv"
    roster.parent.mkdir()
    roster.write_text(f"id,path\n# late\nzoe,../work/a\n\namy,{tmp_path / 'b'}\n")
    assert [(item.id, item.path) for item in submissions.find(roster)] == [
        ("amy", tmp_path / "b"), ("zoe", tmp_path / "work" / "a")]


@pytest.mark.parametrize("rows, words", [
    ("amy,a\namy,a\n", "roster.csv:2: the id 'amy' is given twice"),
    ("amy\n", "roster.csv:1: expected two cells"),
    ("a b,a\n", "roster.csv:1: the id 'a b' is used as a file name"),
    ("amy,nowhere\n", "roster.csv:1: "),
])
def test_a_roster_mistake_is_named_by_its_line(tmp_path, rows, words):
    (tmp_path / "a").mkdir()
    roster = tmp_path / "roster.csv"
    roster.write_text(rows)
    with pytest.raises(UsageError, match=words.replace(".", r"\.").replace("(", r"\(")):
        submissions.find(roster)


def test_nothing_to_grade_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="holds no submissions"):
        submissions.find(tmp_path)
    with pytest.raises(UsageError, match="does not exist"):
        submissions.find(tmp_path / "missing")


# --------------------------------------------------------------------------- what needs grading again


def test_the_digest_follows_the_code_not_the_clutter(tmp_path):
    folder = write_program(tmp_path / "s", "exec python3 server.py\n")
    (folder / "server.py").write_text("print('hi')\n")
    first = fingerprint.of_submission(folder)
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (folder / ".tester-progress.json").write_text("{}")
    assert fingerprint.of_submission(folder) == first
    (folder / "server.py").write_text("print('hello')\n")
    assert fingerprint.of_submission(folder) != first


def test_the_grading_digest_changes_with_the_options():
    assert fingerprint.of_grading("s", "c", ["seed=1"]) != fingerprint.of_grading("s", "c", ["seed=2"])
    assert fingerprint.of_grading("s", "c", ["seed=1"]) == fingerprint.of_grading("s", "c", ["seed=1"])


# --------------------------------------------------------------------------- the gradebook and progress


def test_the_gradebook_has_a_row_per_student_and_a_column_per_stage():
    records, stages = sample_records()
    lines = gradebook.to_csv(records, stages).splitlines()
    header = lines[0].split(",")
    assert header[:7] == ["id", "outcome", "highest_stage", "score", "max_score", "seed", "error"]
    assert header[7] == "01 bind" and len(header) == 7 + len(stages)
    rows = {line.split(",")[0]: line.split(",") for line in lines[1:]}
    assert rows["alice"][1:5] == ["graded", "52", "52", "52"]
    assert rows["bob"][2:4] == ["0", "0"] and rows["bob"][7] == "failed"
    assert rows["carol"][2] == "49" and rows["carol"][7 + 49] == "failed" and rows["carol"][7 + 50] == "not-run"
    assert rows["dave"][1] == "timeout" and rows["dave"][6].startswith("still running")
    parsed = json.loads(gradebook.to_json(records, stages, {"seed": 5}))
    assert parsed["version"] == 1 and parsed["seed"] == 5 and len(parsed["students"]) == 5
    assert parsed["students"][2]["stages"]["wsgi-streaming"] == "failed"


@pytest.mark.parametrize("message, shape", [
    ("no response within 3 s", "no response within 3 s"),
    ("connection refused on port 7320", "connection refused on port …"),
    ("curl -i http://localhost:4221/echo/x failed", "curl -i http://localhost:…/echo/x failed"),
    ("the body's first 10 bytes, 'first fig\\n', arrived", "the body's first 10 bytes, '…', arrived"),
    ('expected "/caf x", got "/caf%20x"', "expected '…', got '…'"),
    ("expected status code 404, got 200", "expected status code 404, got 200"),
])
def test_a_message_shape_keeps_what_tells_mistakes_apart(message, shape):
    assert message_shape(message) == shape


def test_points_weigh_the_score():
    records, stages = sample_records()
    stages = [dict(stage, points=5 if stage["slug"] == "bind" else 0.5) for stage in stages]
    assert score(records[2], stages) == 5 + 48 * 0.5
    assert highest_passed(records[2], stages) == 49


def test_progress_prints_a_line_per_submission_off_a_terminal():
    stream = io.StringIO()
    records, _ = sample_records()
    with Progress(2, stream, live=False) as progress:
        progress.started("alice")
        progress.started("bob")
        assert "running 2, slowest alice" in progress.line()
        progress.finished("alice", records[0])
        progress.finished("dave", records[3])
    assert stream.getvalue().splitlines() == ["[1/2] alice: passed in 41.2 s", "[2/2] dave: timeout"]


# --------------------------------------------------------------------------- whole batches


def processes_in(folders: list[Path], port: int | None = None) -> list[str]:
    """Live processes working in any of these folders (and given this PORT, where the folders are shared with
    other tests): a grader must leave none."""
    return [why for folder in folders for why in aftermath.working_in(folder, port).values()]


def a_class(tmp_path: Path) -> tuple[Path, list[Path]]:
    """A roster of six: two copied solutions (they can be edited), fixtures by path, one without a script."""
    shutil.copytree(REFERENCE, tmp_path / "alice", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(FIXTURES / "no-listen", tmp_path / "bob")
    (tmp_path / "erin").mkdir()
    roster = tmp_path / "roster.csv"
    people = {"alice": tmp_path / "alice", "bob": tmp_path / "bob", "erin": tmp_path / "erin",
              "carol": FIXTURES / "always-200", "dave": FIXTURES / "hostile-escapes-session",
              "fred": FIXTURES / "hostile-fork-keeps-port"}
    roster.write_text("id,path\n" + "".join(f"{name},{path}\n" for name, path in people.items()))
    return roster, list(people.values())


def grade(capsys, *arguments: str) -> tuple[int, str]:
    code = main(["grade", *arguments, "--no-color"])
    return code, capsys.readouterr().out


@needs_namespaces
def test_a_class_is_graded_side_by_side_on_port_4221_and_nothing_is_left_running(tmp_path, capsys):
    roster, folders = a_class(tmp_path)
    out = tmp_path / "grades"
    code, printed = grade(capsys, str(roster), "--out", str(out), "--track", "base", "--seed", "7", "--jobs", "3")
    assert code == 0, printed
    assert "each on port 4221" in printed and "seed 7" in printed
    records = {path.stem: json.loads(path.read_text()) for path in (out / "results").glob("*.json")}
    assert sorted(records) == ["alice", "bob", "carol", "dave", "erin", "fred"]
    assert all(record["isolation"] == "namespace" and record["version"] == 1 for record in records.values())
    assert records["alice"]["outcome"] == "graded" and records["alice"]["result"]["passed"]
    assert records["bob"]["result"]["stages"][0]["message"].endswith("on port 4221")
    assert records["carol"]["result"]["stages"][2]["status"] == "failed"
    assert records["erin"]["outcome"] == "error" and "no your_program.sh" in records["erin"]["error"]
    assert records["dave"]["outcome"] == "graded" and records["fred"]["outcome"] == "graded"
    assert (out / "gradebook.csv").read_text().count("\n") == 7
    for report in ("gradebook.json", "report.html", "junit.xml", "class.tap", "students/bob/exercism.json",
                   "students/erin/gradescope.json", "students/alice/classroom.json"):
        assert (out / report).is_file(), report
    assert "8/8" in printed  # the base track's 8 stages are what the class is graded on
    assert processes_in(folders, port=4221) == []  # the fixtures' folders serve other tests at the same time
    for line in ("alice", "bob", "carol"):
        assert any(row.startswith(line) for row in printed.splitlines())

    code, printed = grade(capsys, str(roster), "--out", str(out), "--track", "base")
    assert code == 0 and "graded 1, kept 5 unchanged" in printed  # erin's error is tried again
    assert "seed 7 (the last grading's" in printed
    (tmp_path / "alice" / "app" / "main.py").write_text((tmp_path / "alice" / "app" / "main.py").read_text() + "\n")
    code, printed = grade(capsys, str(roster), "--out", str(out), "--track", "base", "--seed", "7")
    assert "graded 2, kept 4 unchanged" in printed
    code, printed = grade(capsys, str(roster), "--out", str(out), "--track", "base", "--seed", "8")
    assert "graded 6, kept 0 unchanged" in printed


def test_without_namespaces_each_submission_gets_a_port_of_its_own(tmp_path, capsys):
    shutil.copytree(REFERENCE, tmp_path / "class" / "alice", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(FIXTURES / "no-listen", tmp_path / "class" / "bob")
    code, printed = grade(capsys, str(tmp_path / "class"), "--out", str(tmp_path / "grades"), "--track", "base",
                          "--isolation", "port")
    assert code == 0, printed
    assert "a port per submission, no namespaces (--isolation port)" in printed
    bob = json.loads((tmp_path / "grades" / "results" / "bob.json").read_text())
    assert bob["isolation"] == "port" and "on port 4221" not in bob["result"]["stages"][0]["message"]
    if NAMESPACES is None:  # a verdict on another port is not the one asked for: graded again
        code, printed = grade(capsys, str(tmp_path / "class"), "--out", str(tmp_path / "grades"), "--track", "base")
        assert "graded 2, kept 0 unchanged" in printed


def test_what_a_run_leaves_in_the_folder_does_not_make_it_changed(tmp_path, capsys):
    write_program(tmp_path / "class" / "logger", "echo started >> server.log\nexit 0\n")
    arguments = [str(tmp_path / "class"), "--out", str(tmp_path / "grades"), "--track", "base", "--isolation", "port"]
    assert "graded 1, kept 0" in grade(capsys, *arguments)[1]
    assert (tmp_path / "class" / "logger" / "server.log").read_text() == "started\n"
    assert "graded 0, kept 1" in grade(capsys, *arguments)[1]
    (tmp_path / "class" / "logger" / "notes.txt").write_text("a real change")
    assert "graded 1, kept 0" in grade(capsys, *arguments)[1]


def test_a_record_that_is_not_an_object_is_graded_again(tmp_path, capsys):
    shutil.copytree(FIXTURES / "no-listen", tmp_path / "class" / "bob")
    (tmp_path / "grades" / "results").mkdir(parents=True)
    (tmp_path / "grades" / "results" / "bob.json").write_text("[1, 2]")
    code, printed = grade(capsys, str(tmp_path / "class"), "--out", str(tmp_path / "grades"), "--track", "base",
                          "--isolation", "port")
    assert code == 0 and "graded 1, kept 0" in printed


def test_an_out_folder_that_cannot_be_made_is_a_usage_error(tmp_path, capsys):
    shutil.copytree(FIXTURES / "no-listen", tmp_path / "class" / "bob")
    (tmp_path / "taken").write_text("a file")
    code, printed = grade(capsys, str(tmp_path / "class"), "--out", str(tmp_path / "taken"))
    assert code == 2 and "--out" in printed and "cannot make" in printed and "bug in the tester" not in printed


def interruptible() -> None:
    """In a child: SIGINT back to its default, which a shell's background job (pytest started with &) ignores."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def silent_server(folder: Path) -> Path:
    """A student's server that accepts connections and never answers: it holds a unit for its whole course."""
    return write_program(folder, 'exec python3 -c "import os, socket, time\n'
                                 "server = socket.create_server(('localhost', int(os.environ['PORT'])))\n"
                                 'held = []\nwhile True: held.append(server.accept())"\n')


@pytest.mark.parametrize("isolation", ["port", "namespace"])
def test_ctrl_c_stops_the_batch_and_everything_it_started(tmp_path, isolation):
    if isolation == "namespace" and NAMESPACES is not None:
        pytest.skip(f"no namespaces here: {NAMESPACES}")
    folders = [silent_server(tmp_path / "class" / f"slow{number}") for number in range(3)]
    grader = subprocess.Popen([sys.executable, "-m", "tester", "grade", str(tmp_path / "class"), "--out",
                               str(tmp_path / "grades"), "--track", "base", "--jobs", "2", "--isolation", isolation,
                               "--no-color"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              preexec_fn=interruptible)
    try:
        deadline = time.monotonic() + 20
        while len(processes_in(folders)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)  # until two students' servers run
        assert len(processes_in(folders)) >= 2
        grader.send_signal(signal.SIGINT)
        output = grader.communicate(timeout=30)[0]
    finally:
        grader.kill()
    assert grader.returncode == 130, output
    assert "interrupted" in output and "Traceback" not in output
    assert processes_in(folders) == []


@pytest.mark.parametrize("isolation", ["port", "auto"])
def test_a_submission_past_its_time_is_stopped_and_recorded(tmp_path, capsys, isolation):
    folder = silent_server(tmp_path / "class" / "slow")
    code, printed = grade(capsys, str(tmp_path / "class"), "--out", str(tmp_path / "grades"), "--track", "base",
                          "--timeout", "2", "--isolation", isolation)
    assert code == 0, printed
    record = json.loads((tmp_path / "grades" / "results" / "slow.json").read_text())
    assert record["outcome"] == "timeout" and record["error"] == "still running after 2 s: stopped"
    # stopped by SIGTERM, the tester wrote what it had reached: bind passed, the stage under way did not run
    assert record["result"]["interrupted"] is True
    assert [stage["status"] for stage in record["result"]["stages"][:3]] == ["passed", "not-run", "not-run"]
    assert processes_in([folder]) == []


def test_grade_refuses_what_it_cannot_do(tmp_path, capsys):
    (tmp_path / "a").mkdir()
    assert grade(capsys, str(tmp_path / "missing"))[0] == 2
    assert grade(capsys, str(tmp_path), "--jobs", "0")[0] == 2
    assert grade(capsys, str(tmp_path), "--track", "nope")[0] == 2


def test_a_memory_limit_stops_a_program_that_eats_memory(tmp_path, tester):
    greedy = write_program(tmp_path / "greedy", 'exec python3 -c "x = bytearray(800 * 2**20)"\n')
    run = tester("stage", "bind", "--only", "--limit-memory", "200", solution=greedy)
    assert run.code == 1 and "MemoryError" in run.output


def test_the_dask_executor_gives_the_same_records(tmp_path):
    distributed = pytest.importorskip("distributed")
    from tester.grading import unit
    from tester.grading.executors import DaskCluster, LocalPool

    units = [unit.Unit(name, FIXTURES / name, COURSE, 3, "digest", "port", port=free_port(), tracks=("base",))
             for name in ("no-listen", "always-200")]
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        executor = DaskCluster(cluster.scheduler_address)
        try:
            started = []
            found = {found_unit.id: record for found_unit, record in executor.run(units, started.append)}
        finally:
            executor.close()
    local = {found_unit.id: record for found_unit, record in LocalPool(2).run(units, lambda item: None)}
    assert sorted(found) == sorted(local) == ["always-200", "no-listen"]
    for name in found:
        assert [stage["status"] for stage in found[name]["result"]["stages"]] == \
            [stage["status"] for stage in local[name]["result"]["stages"]]
    assert len(started) == 2
