"""Exercism's test-runner interface: the `results.json` a track's test runner writes for one solution, so
that a course can run this tester behind Exercism's editor (or any tool that reads that interface).

Facts from Exercism's interface spec (exercism.org/docs/building/tooling/test-runners/interface), which
this follows at version 2 (per-test results; version 3 only adds task ids):

- top level: `version` 2; `status` "pass" (every test passed), "fail" (at least one test failed or errored)
  or "error" (no test could run); `message` only for "error", at most 65535 characters; `tests` required
  for "pass" and "fail", in the order the tests are written, since Exercism shows the first failure only.
- each test: `name`; `status` "pass", "fail" or "error" (the test errored: gave no result); `message`,
  required for "fail" and "error", not limited in length; `test_code`, what the test does (should be
  there for practice exercises); `output`, the learner's own printing, at most 500 characters.

How the tester maps onto it: a test per course stage, in the course's order. A failed stage is "fail", its
message the failure as the terminal shows it. A stage the run did not reach is "error" (it has no result),
its message saying which stage stopped the run. `test_code` is the command that runs the stage again, with
the curl command that reproduces the failure when there is one. No `output`: the tester keeps no output
of the learner's program per stage. A submission the grader could not grade (timeout, error) is status
"error" with the reason as its message, and no tests.

Example, for a run that failed stage 1 (trimmed to two tests):

    {"version": 2, "status": "fail", "tests": [
      {"name": "Stage 1 (bind): Bind to a port", "status": "fail",
       "message": "✗ stage 1 bind failed: your program exited with code 0 before ...",
       "test_code": "tester stage 1"},
      {"name": "Stage 2 (respond-200): Respond with 200", "status": "error",
       "message": "not run: stage 1 (bind) failed first", "test_code": "tester stage 2"}]}
"""

from __future__ import annotations

import json
from typing import Any

from tester.reports import records, stagelist
from tester.reports.records import CourseStages, Record

VERSION = 2
MESSAGE_LIMIT = 65535  # characters, for the top-level message


def results(record: Record, stages: CourseStages | None = None) -> dict[str, Any]:
    """The results.json of one submission: a record, or `{"result": <the result of tester test --json>}`
    for a single run. `stages` are the course's (by default, those the result lists)."""
    if not records.graded(record):
        return {"version": VERSION, "status": "error", "message": _ungraded_message(record)}
    listing = stagelist.of_record(record, stages)
    reason = stagelist.why_not_run(listing, record)
    tests = [_test(stage, reason) for stage in listing]
    if all(test["status"] == "error" for test in tests):  # "error" is for when no test ran at all
        return {"version": VERSION, "status": "error", "message": stagelist.cut(reason, MESSAGE_LIMIT)}
    status = "pass" if all(test["status"] == "pass" for test in tests) else "fail"
    return {"version": VERSION, "status": status, "tests": tests}


def results_json(record: Record, stages: CourseStages | None = None) -> str:
    """The text of results.json."""
    return json.dumps(results(record, stages), indent=2) + "\n"


def _test(stage: dict, reason: str) -> dict[str, Any]:
    test: dict[str, Any] = {"name": stagelist.display_name(stage), "status": _STATUS[stage["status"]]}
    failure = stage.get("failure") or {}
    if stage["status"] == "failed":
        test["message"] = failure.get("report") or failure.get("message") or stage.get("message") or "failed"
    elif stage["status"] == "not-run":
        test["message"] = reason
    test["test_code"] = "\n".join(filter(None, [f"tester stage {stage['number']}", failure.get("curl")]))
    return test


def _ungraded_message(record: Record) -> str:
    passed = [stage for stage in stagelist.of_run(record.get("result") or {}) if stage["status"] == "passed"]
    before = f"\nStages passed before it stopped: {', '.join(stage['slug'] for stage in passed)}." if passed else ""
    return stagelist.cut(stagelist.ungraded_message(record) + before, MESSAGE_LIMIT)


_STATUS = {"passed": "pass", "failed": "fail", "not-run": "error"}
