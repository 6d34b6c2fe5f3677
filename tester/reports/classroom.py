"""GitHub Classroom's autograding result: what a grader step hands to the
`classroom-resources/autograding-grading-reporter` action, so that a course run on GitHub Classroom gets its
points from this tester, a test per stage, instead of from one pass/fail command.

How the pieces fit, read from the sources of GitHub's own grader actions (autograding-command-grader,
autograding-io-grader) and of the reporter:

- A grader step sets its step output `result` to the base64 of a JSON document: {"version": 1, "status":
  "pass" | "fail" | "error", "max_score": N, "tests": [{"name", "status", "score", "message", "test_code",
  "filename", "line_no", "execution_time"}]}. The command grader writes one test; nothing stops a grader
  from writing many.
- The reporter is given the step ids (`runners: tester`) and reads each result from the environment
  variable named by the id in capitals plus `_RESULTS` (`TESTER_RESULTS: ${{ steps.tester.outputs.result
  }}`), decodes it as UTF-8 JSON, prints each test's name (and an "error" test's message), fails the job
  when a status is "fail" or "error", and tells GitHub Classroom the points: the sum of the tests' `score`
  out of `max_score`. So every test needs a numeric `score`; `line_no` 0 keeps " - line N" off the log.
  Its printed table, unlike the points sent, counts the share of tests passed times `max_score`; the two
  agree when every stage is worth the same.

How the tester maps onto it: one result per submission with a test per course stage, in the course's
order: "pass" scores the stage's points; a failed stage is "fail" with its message, and its `test_code` the
commands that run it again (only there: the reporter prints every test's code); a stage not reached is
"fail" too, scoring 0 (the reporter would print an "error" test without its name), its message saying
why. A submission the grader could not grade gets one more test, "Grading", status "error", and the result
status "error". Messages are cut to MESSAGE_LIMIT characters: the result travels through an environment
variable, and Linux refuses one longer than 128 KiB.

Example, for a run that failed stage 1 (trimmed to two tests), before base64:

    {"version": 1, "status": "fail", "max_score": 52, "tests": [
      {"name": "Stage 1 (bind): Bind to a port", "status": "fail", "score": 0,
       "message": "your program exited with code 0 before accepting a connection on port 7320",
       "test_code": "tester stage 1", "filename": "", "line_no": 0, "execution_time": "0.094s"},
      {"name": "Stage 2 (respond-200): Respond with 200", "status": "fail", "score": 0,
       "message": "not run: stage 1 (bind) failed first", "test_code": "", "filename": "", "line_no": 0,
       "execution_time": "0.000s"}]}
"""

from __future__ import annotations

import base64
import json
from typing import Any

from tester.reports import records, stagelist
from tester.reports.records import CourseStages, Record

VERSION = 1
MESSAGE_LIMIT = 2000  # characters a test's message keeps; a run fails one stage at most


def result(record: Record, stages: CourseStages | None = None) -> dict[str, Any]:
    """The result of one submission: a record, or `{"result": <the result of tester test --json>}` for a
    single run. `stages` are the course's (by default, those the result lists)."""
    course = stages if stages is not None else stagelist.of_run(record.get("result") or {})
    listing = stagelist.of_record(record, course)
    reason = stagelist.why_not_run(listing, record)
    tests = [_test(stage, reason) for stage in listing]
    if not records.graded(record):
        tests.append({"name": "Grading", "status": "error", "score": 0,
                      "message": stagelist.cut(stagelist.ungraded_message(record), MESSAGE_LIMIT),
                      "test_code": "", "filename": "", "line_no": 0,
                      "execution_time": _seconds(record.get("elapsed") or 0)})
    return {"version": VERSION, "status": _status(record, tests),
            "max_score": stagelist.plain(records.max_score(course)), "tests": tests}


def encoded(document: dict[str, Any]) -> str:
    """The result as the reporter reads it: base64 of its JSON, in UTF-8."""
    return base64.b64encode(json.dumps(document).encode("utf-8")).decode("ascii")


def output_line(document: dict[str, Any], name: str = "result") -> str:
    """The line to append to $GITHUB_OUTPUT that sets the step's output `name` to the encoded result (base64
    holds no newline, so the one-line form serves)."""
    return f"{name}={encoded(document)}\n"


def _test(stage: dict, reason: str) -> dict[str, Any]:
    passed = stage["status"] == "passed"
    failure = stage.get("failure") or {}
    if passed:
        message = None
    elif stage["status"] == "failed":
        message = failure.get("message") or stage.get("message") or "failed"
    else:
        message = reason
    return {"name": stagelist.display_name(stage), "status": "pass" if passed else "fail",
            "score": stagelist.plain(stage["points"] if passed else 0),
            "message": None if message is None else stagelist.cut(message, MESSAGE_LIMIT),
            "test_code": _rerun(stage) if stage["status"] == "failed" else "",
            "filename": "", "line_no": 0, "execution_time": _seconds(stage.get("duration") or 0)}


def _rerun(stage: dict) -> str:
    """How to run the failed stage again (the reporter prints it under the test's name; for every stage it
    would bury the one that matters)."""
    return "\n".join(filter(None, [f"tester stage {stage['number']}", (stage.get("failure") or {}).get("curl")]))


def _status(record: Record, tests: list[dict]) -> str:
    if not records.graded(record):
        return "error"
    return "pass" if all(test["status"] == "pass" for test in tests) else "fail"


def _seconds(value: float) -> str:
    return f"{float(value):.3f}s"  # as autograding-io-grader writes it

