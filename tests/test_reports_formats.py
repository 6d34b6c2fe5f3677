"""The report formats: JUnit XML, TAP, and the results Exercism, Gradescope and GitHub Classroom read, each
rendered from the sample records (tests/data/records) and read back the way its consumer would; then
`tester test --junit --tap --json` against a server that fails stage 1."""

from __future__ import annotations

import base64
import copy
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from tester.reports import classroom, exercism, gradescope, junit, records, tap

from conftest import FIXTURES

RECORDS = Path(__file__).parent / "data" / "records"
NAMES = ("alice", "bob", "carol", "dave", "erin")
NASTY = "got <b> & \"quotes\" \x00 nul \x1b[31mred\x1b[0m \udcff byte # hash \\ slash"


@pytest.fixture(scope="module")
def stages() -> list[dict]:
    return json.loads((RECORDS / "course-stages.json").read_text())


@pytest.fixture(scope="module")
def sample() -> dict[str, dict]:
    return {name: json.loads((RECORDS / f"{name}.json").read_text()) for name in NAMES}


def nasty_bob(sample) -> dict:
    """Bob's record with a failure whose message and report hold markup, control characters and a lone
    surrogate (what undecodable bytes become)."""
    record = copy.deepcopy(sample["bob"])
    failed = record["result"]["stages"][0]
    failed["message"] = failed["failure"]["message"] = NASTY
    failed["failure"]["report"] = f"✗ stage 1 bind failed: {NASTY}\n  second line\n"
    return record


# JUnit XML

SUREFIRE_TIME = re.compile(r"\d+(\.\d{1,3})?")


def check_junit(text: str) -> ET.Element:
    """The document parsed, after checking the structure CI tools read (the Jenkins/Surefire JUnit schemas):
    testsuites of testsuite of testcase, the attributes each needs, and counts that match the elements."""
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "testsuites"
    assert {child.tag for child in root} <= {"testsuite"}
    for suite in root:
        assert {"name", "tests", "failures", "errors", "skipped", "time"} <= set(suite.attrib)
        assert SUREFIRE_TIME.fullmatch(suite.get("time")), suite.get("time")
        tags = [child.tag for child in suite]
        assert set(tags) <= {"properties", "testcase", "system-out", "system-err"}
        assert "properties" not in tags or tags.index("properties") == 0
        cases = suite.findall("testcase")
        for case in cases:
            assert case.get("name") and case.get("classname")
            assert SUREFIRE_TIME.fullmatch(case.get("time"))
            assert {child.tag for child in case} <= {"failure", "error", "skipped", "system-out", "system-err"}
            outcomes = [child for child in case if child.tag in ("failure", "error", "skipped")]
            assert len(outcomes) <= 1
            for child in outcomes:
                assert child.tag == "skipped" or child.get("message"), "a failure or error needs its message"
        assert int(suite.get("tests")) == len(cases)
        for kind, count in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
            assert int(suite.get(count)) == sum(case.find(kind) is not None for case in cases)
    for total in ("tests", "failures", "errors", "skipped"):
        assert int(root.get(total)) == sum(int(suite.get(total)) for suite in root)
    return root


def test_junit_class_report_has_a_suite_per_submission_with_the_right_counts(sample, stages):
    root = check_junit(junit.class_report(sample.values(), stages))
    counts = {suite.get("name"): tuple(int(suite.get(key)) for key in ("tests", "failures", "errors", "skipped"))
              for suite in root}
    assert counts == {"alice": (52, 0, 0, 0), "bob": (52, 1, 0, 51), "carol": (52, 1, 0, 2),
                      "dave": (53, 0, 1, 52), "erin": (53, 0, 1, 52)}
    assert root.get("tests") == str(52 * 3 + 53 * 2)


def test_junit_failure_carries_the_terminal_report_and_the_stages_after_it_are_skipped(sample, stages):
    root = check_junit(junit.class_report([sample["bob"]], stages))
    cases = root.find("testsuite").findall("testcase")
    first = cases[0]
    failure_record = sample["bob"]["result"]["stages"][0]["failure"]
    assert (first.get("classname"), first.get("name")) == ("bob.base", "01 bind")
    assert first.find("failure").get("message") == failure_record["message"]
    assert first.find("failure").text == failure_record["report"]
    assert cases[1].find("skipped").get("message") == "not run: stage 1 (bind) failed first"
    assert cases[8].get("classname") == "bob.compression"


def test_junit_suite_properties_give_score_and_seed(sample, stages):
    suite = check_junit(junit.class_report([sample["carol"]], stages)).find("testsuite")
    properties = {item.get("name"): item.get("value") for item in suite.iter("property")}
    assert properties == {"seed": "5", "score": "49", "max_score": "52", "outcome": "graded"}
    assert suite.get("timestamp") == "2026-12-03T18:00:00"


def test_junit_timeout_and_error_records_get_an_error_case(sample, stages):
    root = check_junit(junit.class_report([sample["dave"], sample["erin"]], stages))
    for suite, record in zip(root, (sample["dave"], sample["erin"])):
        error = suite.find("testcase[@name='grading']/error")
        assert error.get("type") == record["outcome"]
        assert record["error"] in error.get("message") and error.text == record["error"]
        assert suite.find("testcase[@name='01 bind']/skipped") is not None


def test_junit_escapes_markup_and_replaces_what_xml_cannot_hold(sample, stages):
    text = junit.class_report([nasty_bob(sample)], stages)
    text.encode("utf-8")  # no lone surrogate left to fail the write
    failure = check_junit(text).find(".//failure")
    message = failure.get("message")
    assert 'got <b> & "quotes"' in message and "# hash \\ slash" in message
    assert "\\x00 nul \\x1b[31mred\\x1b[0m \\udcff byte" in message
    assert "\x00" not in message and "\x1b" not in message
    assert failure.text.endswith("  second line\n")


def test_junit_single_run_is_one_suite_named_as_asked(sample):
    result = sample["carol"]["result"]
    root = check_junit(junit.run_report(result, "my-server"))
    suite = root.find("testsuite")
    assert suite.get("name") == "my-server"
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("52", "1", "2")
    assert suite.find("testcase[@name='50 wsgi-streaming']").get("classname") == "wsgi"
    assert float(suite.get("time")) == pytest.approx(sum(stage["duration"] for stage in result["stages"]), abs=0.01)


# TAP

def yaml_blocks(lines: list[str], indent: str = "") -> list[dict]:
    """Every YAML diagnostic block at one level of a stream, parsed."""
    blocks, inside = [], None
    for line in lines:
        if line == indent + "  ---":
            inside = []
        elif line == indent + "  ..." and inside is not None:
            blocks.append(yaml.safe_load("".join(row[len(indent) + 2:] + "\n" for row in inside)))
            inside = None
        elif inside is not None:
            inside.append(line)
    return blocks


def check_tap(lines: list[str], indent: str = "") -> list[str]:
    """The test points of one TAP level, after checking that they are numbered 1..N as the plan says and that
    every subtest is closed by a test point named like it."""
    own = [line[len(indent):] for line in lines if line.startswith(indent) and not line[len(indent):].startswith(" ")]
    plans = [line for line in own if re.fullmatch(r"1\.\.\d+", line)]
    points = [line for line in own if re.match(r"(not )?ok \d+", line)]
    assert len(plans) == 1
    assert [int(re.match(r"(?:not )?ok (\d+)", point).group(1)) for point in points] == \
        list(range(1, int(plans[0][3:]) + 1))
    for position, line in enumerate(own):
        if line.startswith("# Subtest: "):
            name = line.removeprefix("# Subtest: ")
            closing = next(later for later in own[position + 1:] if re.match(r"(not )?ok \d+", later))
            assert closing.endswith(f" - {name}")
    return points


def test_tap_single_run(sample):
    lines = tap.run_stream(sample["carol"]["result"]).splitlines()
    assert lines[:2] == ["TAP version 14", "1..52"]
    points = check_tap(lines)
    assert points[0] == "ok 1 - bind"
    assert points[49] == "not ok 50 - wsgi-streaming"
    assert points[50] == "ok 51 - wsgi-cleanup # SKIP not run: stage 50 (wsgi-streaming) failed first"
    [diagnostic] = yaml_blocks(lines)
    failure = sample["carol"]["result"]["stages"][49]["failure"]
    assert diagnostic["message"] == failure["message"] and diagnostic["report"] == failure["report"]
    assert diagnostic["severity"] == "fail" and diagnostic["stage"] == 50
    assert diagnostic["reproduce"] == failure["curl"]


def test_tap_class_has_a_subtest_per_submission(sample, stages):
    lines = tap.class_stream(sample.values(), stages).splitlines()
    assert lines[:3] == ["TAP version 14", "1..5", "# Subtest: alice"]
    assert lines.count("TAP version 14") == 1  # none inside a subtest
    assert check_tap(lines) == ["ok 1 - alice", "not ok 2 - bob", "not ok 3 - carol", "not ok 4 - dave",
                                "not ok 5 - erin"]
    summaries = yaml_blocks(lines)
    assert [(summary["score"], summary["max_score"]) for summary in summaries] == [
        (52, 52), (0, 52), (49, 52), (0, 52), (0, 52)]
    assert summaries[3]["outcome"] == "timeout" and sample["dave"]["error"] in summaries[3]["message"]
    for start in (index for index, line in enumerate(lines) if line.startswith("# Subtest: ")):
        end = next(index for index in range(start + 1, len(lines)) if not lines[index].startswith("    "))
        check_tap(lines[start + 1:end], "    ")
    assert "    not ok 53 - grading" in lines
    assert "    ok 2 - respond-200 # SKIP not run: stage 1 (bind) failed first" in lines


def test_tap_escapes_descriptions_and_keeps_the_diagnostics_as_they_were(sample, stages):
    record = nasty_bob(sample)
    record["id"] = "team #1 \\ b\nc"
    text = tap.class_stream([record], stages)
    text.encode("utf-8")
    lines = text.splitlines()
    assert "# Subtest: team \\#1 \\\\ b c" in lines and "not ok 1 - team \\#1 \\\\ b c" in lines
    [diagnostic, _summary] = yaml_blocks(lines, "    ") + yaml_blocks(lines)
    assert diagnostic["message"] == NASTY.replace("\udcff", "\\udcff")
    assert diagnostic["report"].endswith("  second line\n")


def test_warnings_of_a_passed_stage_reach_junit_tap_and_gradescope(sample, stages):
    record = copy.deepcopy(sample["alice"])
    warning = {"level": "should", "rfc": "RFC 9110, 8.8.2", "message": "no Date header", "expected": "a Date"}
    record["result"]["stages"][1]["warnings"] = [warning]
    case = check_junit(junit.class_report([record], stages)).find(".//testcase[@name='02 respond-200']")
    assert case.find("system-out").text == "should: no Date header\n"
    lines = tap.run_stream(record["result"]).splitlines()
    assert lines[3] == "ok 2 - respond-200" and yaml_blocks(lines) == [{"warnings": [warning]}]
    assert gradescope.results(record, stages)["tests"][1]["output"] == "should: no Date header"


def test_a_single_run_lists_its_stages_in_the_courses_order(sample):
    result = copy.deepcopy(sample["carol"]["result"])
    result["stages"] = [result["stages"][2], result["stages"][0], result["stages"][1]]  # `tester stage 3`
    names = [case.get("name") for case in check_junit(junit.run_report(result)).iter("testcase")]
    assert names == ["01 bind", "02 respond-200", "03 url-path"]
    assert check_tap(tap.run_stream(result).splitlines()) == ["ok 1 - bind", "ok 2 - respond-200", "ok 3 - url-path"]


# Exercism results.json, version 2

EXERCISM_TEST_KEYS = {"name", "status", "message", "output", "test_code", "task_id"}


@pytest.mark.parametrize("name, status", [("alice", "pass"), ("bob", "fail"), ("carol", "fail")])
def test_exercism_results_follow_version_2(sample, stages, name, status):
    document = json.loads(exercism.results_json(sample[name], stages))
    assert document["version"] == 2 and document["status"] == status
    assert document.get("message") is None  # only an "error" has a top-level message
    tests = document["tests"]
    assert [test["name"] for test in tests][:2] == ["Stage 1 (bind): Bind to a port",
                                                    "Stage 2 (respond-200): Respond with 200"]
    for test in tests:
        assert set(test) <= EXERCISM_TEST_KEYS and test["status"] in ("pass", "fail", "error")
        assert isinstance(test["name"], str) and isinstance(test["test_code"], str)
        if test["status"] == "pass":
            assert "message" not in test
        else:
            assert isinstance(test["message"], str) and test["message"]
        assert len(test.get("output", "")) <= 500
    assert sum(test["status"] == "pass" for test in tests) == records.highest_passed(sample[name], stages)


def test_exercism_failure_message_is_the_report_and_later_stages_errored(sample, stages):
    tests = exercism.results(sample["carol"], stages)["tests"]
    failure = sample["carol"]["result"]["stages"][49]["failure"]
    assert tests[49]["status"] == "fail" and tests[49]["message"] == failure["report"]
    assert tests[49]["test_code"] == f"tester stage 50\n{failure['curl']}"
    assert {tests[50]["status"], tests[51]["status"]} == {"error"}
    assert tests[50]["message"] == "not run: stage 50 (wsgi-streaming) failed first"


def test_exercism_ungraded_record_is_an_error_with_a_bounded_message(sample, stages):
    document = exercism.results(sample["dave"], stages)
    assert document == {"version": 2, "status": "error",
                        "message": "not graded (timeout): still running after 300 s: stopped"}
    flooded = dict(sample["erin"], error="x" * 100_000)
    assert len(exercism.results(flooded, stages)["message"]) <= exercism.MESSAGE_LIMIT


def test_exercism_single_run_uses_the_runs_own_stages(sample):
    document = exercism.results({"result": sample["bob"]["result"]})
    assert document["status"] == "fail" and len(document["tests"]) == 52
    assert json.loads(json.dumps(exercism.results({"result": nasty_bob(sample)["result"]})))


# Gradescope results.json

@pytest.mark.parametrize("name", NAMES)
def test_gradescope_results_fields_and_scores(sample, stages, name):
    document = json.loads(gradescope.results_json(sample[name], stages))
    assert document["score"] == records.score(sample[name], stages)
    assert isinstance(document["execution_time"], int) and document["output_format"] == "text"
    assert document["test_output_format"] == document["test_name_format"] == "text"
    assert isinstance(document["output"], str) and "max_score" not in document
    stage_tests = [test for test in document["tests"] if "score" in test]
    assert len(stage_tests) == 52
    for test in stage_tests:
        assert test["status"] in ("passed", "failed") and isinstance(test["name"], str)
        assert isinstance(test["score"], (int, float)) and test["max_score"] == 1
        assert (test["status"] == "passed") == (test["score"] == test["max_score"])
    assert sum(test["score"] for test in stage_tests) == document["score"]


def test_gradescope_failure_output_and_ungraded_note(sample, stages):
    carol = gradescope.results(sample["carol"], stages)
    assert carol["tests"][49]["output"] == sample["carol"]["result"]["stages"][49]["failure"]["report"]
    assert carol["tests"][49]["number"] == "50" and carol["tests"][49]["tags"] == ["wsgi"]
    assert "49 of 52 points" in carol["output"]
    dave = gradescope.results(sample["dave"], stages)
    assert dave["tests"][-1] == {"name": "Grading", "status": "failed",
                                 "output": "not graded (timeout): still running after 300 s: stopped"}
    assert dave["execution_time"] == 300


def test_gradescope_visibility_is_checked(sample, stages):
    document = gradescope.results(sample["alice"], stages, visibility="after_due_date", stdout_visibility="hidden")
    assert (document["visibility"], document["stdout_visibility"]) == ("after_due_date", "hidden")
    assert "visibility" not in gradescope.results(sample["alice"], stages)
    with pytest.raises(ValueError, match="visible"):
        gradescope.results(sample["alice"], stages, visibility="later")


def test_gradescope_json_survives_control_characters(sample, stages):
    text = gradescope.results_json(nasty_bob(sample), stages)
    text.encode("utf-8")
    assert json.loads(text)["tests"][0]["output"].startswith("✗ stage 1 bind failed: got <b> & \"quotes\" \x00")


# GitHub Classroom

CLASSROOM_TEST_KEYS = {"name", "status", "score", "message", "test_code", "filename", "line_no", "execution_time"}


def reporter_points(encoded: str) -> tuple[float, float]:
    """What autograding-grading-reporter sends GitHub Classroom for one runner: the base64 decoded as UTF-8
    JSON, the tests' scores summed, out of max_score."""
    document = json.loads(base64.b64decode(encoded).decode("utf-8"))
    return sum(test["score"] for test in document["tests"]), document["max_score"]


@pytest.mark.parametrize("name, status, points", [
    ("alice", "pass", 52), ("bob", "fail", 0), ("carol", "fail", 49), ("dave", "error", 0), ("erin", "error", 0)])
def test_classroom_result_as_the_reporter_reads_it(sample, stages, name, status, points):
    document = classroom.result(sample[name], stages)
    assert set(document) == {"version", "status", "max_score", "tests"}
    assert (document["version"], document["status"], document["max_score"]) == (1, status, 52)
    for test in document["tests"]:
        assert set(test) == CLASSROOM_TEST_KEYS and test["status"] in ("pass", "fail", "error")
        assert isinstance(test["score"], (int, float)) and test["line_no"] == 0
        assert re.fullmatch(r"\d+\.\d{3}s", test["execution_time"])
    assert reporter_points(classroom.encoded(document)) == (points, 52)
    assert json.loads(base64.b64decode(classroom.encoded(document))) == document


def test_classroom_not_run_stages_fail_and_ungraded_adds_an_error_test(sample, stages):
    bob = classroom.result(sample["bob"], stages)["tests"]
    assert bob[0]["message"] == sample["bob"]["result"]["stages"][0]["message"]
    assert (bob[1]["status"], bob[1]["message"]) == ("fail", "not run: stage 1 (bind) failed first")
    assert (bob[0]["test_code"], bob[1]["test_code"]) == ("tester stage 1", "")  # only the failure's is printed
    carol = classroom.result(sample["carol"], stages)["tests"]
    assert carol[49]["test_code"] == "tester stage 50\ncurl -i http://localhost:7321/stream/fig"
    erin = classroom.result(sample["erin"], stages)["tests"]
    assert len(erin) == 53 and erin[-1]["name"] == "Grading" and erin[-1]["status"] == "error"
    assert "no your_program.sh" in erin[-1]["message"]


def test_classroom_output_line_and_size_bound(sample, stages):
    record = nasty_bob(sample)
    record["result"]["stages"][0]["failure"]["message"] = "y" * 1_000_000  # still fits an environment variable
    document = classroom.result(record, stages)
    line = classroom.output_line(document)
    assert line.startswith("result=") and line.endswith("\n") and line.count("\n") == 1
    assert line.removeprefix("result=").strip() == classroom.encoded(document)
    assert len(line) < 128 * 1024
    assert all(len(test["message"]) <= classroom.MESSAGE_LIMIT for test in document["tests"])
    nasty = classroom.result(nasty_bob(sample), stages)
    assert json.loads(base64.b64decode(classroom.encoded(nasty)).decode("utf-8"))["tests"][0]["message"] == NASTY


# The command line

def test_tester_test_writes_junit_tap_and_json(tester, tmp_path):
    written = {kind: tmp_path / f"report.{kind}" for kind in ("xml", "tap")}
    run = tester("test", "--junit", str(written["xml"]), "--tap", str(written["tap"]), solution=FIXTURES / "no-listen")
    assert run.code == 1 and run.failed["slug"] == "bind"  # run.report is what --json wrote
    root = check_junit(written["xml"].read_text(encoding="utf-8"))
    suite = root.find("testsuite")
    assert suite.get("name") == "no-listen"
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("52", "1", "51")
    assert suite.find("testcase/failure").get("message") == run.failed["message"]
    assert suite.find("testcase/failure").text == run.failed["failure"]["report"]
    lines = written["tap"].read_text(encoding="utf-8").splitlines()
    points = check_tap(lines)
    assert lines[:3] == ["TAP version 14", "1..52", "not ok 1 - bind"]
    assert points[1] == "ok 2 - respond-200 # SKIP not run: stage 1 (bind) failed first"
    assert yaml_blocks(lines)[0]["message"] == run.failed["message"]


def test_an_unwritable_report_path_is_a_usage_error(tester, tmp_path):
    run = tester("stage", "1", "--tap", str(tmp_path / "missing" / "report.tap"), solution=FIXTURES / "no-listen")
    assert run.code == 2 and "cannot write" in run.output and "report.tap" in run.output
