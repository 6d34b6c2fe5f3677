"""The pytest plugin (tester.pytest_plugin), run as a user runs it: pytest in a subprocess, in a folder of its
own, on the small example course (three stages) or a few stages of the bundled one picked with -k."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from conftest import COURSE, FIXTURES, REFERENCE, ROOT

pytest_plugins = ["pytester"]

EXAMPLE = ROOT / "examples" / "hit-counter"
EXAMPLE_COURSE = EXAMPLE / "stages.yaml"
EXAMPLE_REFERENCE = EXAMPLE / "fixtures" / "reference"
EXAMPLE_WRONG_LENGTH = EXAMPLE / "fixtures" / "wrong-length"  # fails stage 2, hello, on its Content-Length
NO_LISTEN = FIXTURES / "no-listen"  # fails stage 1
RUN_LIMIT = 120  # seconds one inner pytest run may take before it is killed and the test fails
USAGE_ERROR = 4  # pytest's exit status for a usage error


def plugin_arguments() -> list[str]:
    """`-p tester.pytest_plugin` while no installed entry point loads the plugin: given both under different
    names, pytest would register it twice and refuse to start."""
    installed = any(point.value == "tester.pytest_plugin" for point in entry_points(group="pytest11"))
    return [] if installed else ["-p", "tester.pytest_plugin"]


def run_pytest(pytester: pytest.Pytester, *arguments: str) -> pytest.RunResult:
    # paths as --option=PATH: pytest picks its rootdir before it knows the plugin's options, and would take a
    # bare PATH for a test path there (and this project's pyproject.toml, with its -n 4, for the config)
    return pytester.runpytest_subprocess(*plugin_arguments(), "-p", "no:cacheprovider",
                                         "-p", "no:hypothesispytest", *arguments, timeout=RUN_LIMIT)


def run_course(pytester: pytest.Pytester, solution: Path, *arguments: str,
               course: Path = EXAMPLE_COURSE) -> pytest.RunResult:
    return run_pytest(pytester, f"--tester-solution={solution}", f"--tester-course={course}", *arguments)


def output_of(result: pytest.RunResult) -> str:
    return result.stdout.str() + result.stderr.str()


def collected_ids(result: pytest.RunResult) -> list[str]:
    return [line for line in result.stdout.lines if "::" in line]


# without --tester-solution


def test_without_a_solution_the_plugin_collects_nothing_of_its_own(pytester):
    pytester.makepyfile(test_plain="def test_one():\n    assert 1 + 1 == 2\n")
    result = run_pytest(pytester)
    result.assert_outcomes(passed=1)
    assert "collected 1 item" in result.stdout.str()
    assert "tester:" not in output_of(result)
    assert collected_ids(run_pytest(pytester, "--collect-only", "-q")) == ["test_plain.py::test_one"]


def test_the_options_are_listed_in_pytest_help(pytester):
    result = run_pytest(pytester, "--help")
    assert result.ret == 0
    for option in ("--tester-solution", "--tester-course", "--tester-seed", "--tester-track"):
        assert option in result.stdout.str()


# collection


def test_one_item_per_stage_named_by_number_and_slug(pytester):
    result = run_course(pytester, EXAMPLE_REFERENCE, "--collect-only", "-q")
    assert result.ret == 0
    assert collected_ids(result) == ["stages.yaml::01-bind", "stages.yaml::02-hello", "stages.yaml::03-count"]


def test_a_course_in_tracks_has_a_node_and_a_marker_per_track(pytester):
    result = run_course(pytester, REFERENCE, "--collect-only", "-q", "-m", "persistence", course=COURSE)
    assert result.ret == 0
    assert collected_ids(result) == ["stages.yaml::persistence::12-keep-alive",
                                     "stages.yaml::persistence::13-keep-alive-multi",
                                     "stages.yaml::persistence::14-connection-close"]


def test_tester_track_collects_the_track_after_the_tracks_it_requires(pytester):
    result = run_course(pytester, REFERENCE, "--collect-only", "-q", "--tester-track=persistence", course=COURSE)
    tracks = {item.split("::")[1] for item in collected_ids(result)}
    assert tracks == {"base", "persistence"}
    assert collected_ids(result)[0] == "stages.yaml::base::01-bind"


# running


def test_a_passing_solution_passes_every_stage(pytester):
    result = run_course(pytester, EXAMPLE_REFERENCE)
    result.assert_outcomes(passed=3)
    assert result.ret == 0


def test_a_failing_stage_is_reported_as_the_tester_prints_it(pytester):
    result = run_course(pytester, NO_LISTEN, "-k", "bind or respond-200", course=COURSE)
    result.assert_outcomes(failed=2, deselected=50)
    output = output_of(result)
    assert "✗ stage 1 bind failed: your program exited" in output
    assert "  hint: Your program ended without listening." in output
    assert "FAILED stages.yaml::base::01-bind - stage 1 bind failed: your program exited" in output
    assert "Traceback" not in output and "tester/runner.py" not in output and "raise StageFailed" not in output


def test_k_selects_stages_by_slug(pytester):
    result = run_course(pytester, EXAMPLE_REFERENCE, "-k", "hello", "-v")
    result.assert_outcomes(passed=1, deselected=2)
    assert "stages.yaml::02-hello PASSED" in result.stdout.str()


def test_the_seed_is_in_the_header_and_the_failure_and_tester_seed_replays_it(pytester):
    result = run_course(pytester, EXAMPLE_WRONG_LENGTH, "--tester-seed=4321", "-k", "hello")
    result.assert_outcomes(failed=1, deselected=2)
    output = output_of(result)
    assert "tester: seed 4321 (replay this run with --tester-seed 4321)" in output
    assert "  seed: 4321 (replay with --tester-seed 4321)" in output


def test_junitxml_has_a_testcase_per_stage_with_the_failure_message(pytester):
    report = pytester.path / "junit.xml"
    run_course(pytester, EXAMPLE_WRONG_LENGTH, f"--junitxml={report}").assert_outcomes(passed=2, failed=1)
    cases = {case.get("name"): case for case in ElementTree.parse(report).iter("testcase")}
    assert sorted(cases) == ["01-bind", "02-hello", "03-count"]
    assert cases["01-bind"].find("failure") is None and cases["03-count"].find("failure") is None
    failure = cases["02-hello"].find("failure")
    assert failure.get("message").startswith("stage 2 hello failed: connection #1: Content-Length is '12'")
    assert "\n" not in failure.get("message")
    assert "✗ stage 2 hello failed" in failure.text and "expected: Content-Length: 13" in failure.text


def test_xdist_workers_run_the_stages_with_one_seed(pytester):
    result = run_course(pytester, EXAMPLE_WRONG_LENGTH, "-n", "2", "-rA")
    result.assert_outcomes(passed=2, failed=1)
    output = output_of(result)
    assert "✗ stage 2 hello failed: connection #1: Content-Length is '12'" in output
    header_seed = re.search(r"tester: seed (\d+)", output).group(1)
    seeds_of_items = re.findall(r"^seed (\d+) \(replay with", output, re.MULTILINE)
    assert len(seeds_of_items) == 3 and set(seeds_of_items) == {header_seed}


def test_a_should_warning_of_a_passing_stage_is_a_pytest_warning(pytester):
    course = pytester.path / "polite.yaml"
    course.write_text(
        "stages:\n"
        "  - slug: hello\n"
        "    title: Say hello\n"
        f"    description: {EXAMPLE / 'stages' / '02-hello.md'}\n"
        "    probes:\n"
        "      - kind: exchange\n"
        "        requests:\n"
        "          - send: {method: GET, target: /}\n"
        "            expect: {status: 200}\n"
        "            also:\n"
        "              - level: should\n"
        "                headers: {X-Greeting: 'yes'}\n"
        "                hint: a greeting header is polite\n")
    result = run_course(pytester, EXAMPLE_REFERENCE, course=course)
    result.assert_outcomes(passed=1, warnings=1)
    assert "StageWarning: stage 1 hello: should:" in result.stdout.str()
    assert "hint: a greeting header is polite" in result.stdout.str()


# usage errors


def test_a_missing_solution_folder_is_a_usage_error(pytester):
    result = run_course(pytester, pytester.path / "nowhere")
    assert result.ret == USAGE_ERROR
    assert "ERROR: --tester-solution" in result.stderr.str() and "there is no such folder" in result.stderr.str()
    assert "Traceback" not in output_of(result)


def test_a_manifest_with_problems_is_a_usage_error_that_names_them(pytester):
    course = pytester.path / "broken.yaml"
    course.write_text("stages:\n  - slug: Hello\n")
    result = run_course(pytester, EXAMPLE_REFERENCE, course=course)
    assert result.ret == USAGE_ERROR
    assert "ERROR: the course manifest has problems:" in result.stderr.str()
    assert "broken.yaml:2: stages[0].slug: the slug 'Hello' is not valid" in result.stderr.str()
    assert "Traceback" not in output_of(result)


def test_an_unknown_track_is_a_usage_error(pytester):
    result = run_course(pytester, REFERENCE, "--tester-track=persistance", course=COURSE)
    assert result.ret == USAGE_ERROR
    assert "there is no track 'persistance'; did you mean 'persistence'?" in result.stderr.str()
