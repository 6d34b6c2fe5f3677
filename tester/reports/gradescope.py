"""Gradescope's autograder results: the `results.json` a Gradescope autograder leaves in
/autograder/results/, so that a course can grade submissions on Gradescope with this tester.

Facts from Gradescope's autograder specification (gradescope-autograders.readthedocs.io, "Autograder
Specifications", output format):

- top level, all optional: `score` (required when the tests carry none; when given it is the total),
  `execution_time` in seconds, `output` (text for the whole submission), `output_format` (how `output`
  is rendered: "simple_format", the default, renders HTML; "text" shows it as it is), `test_output_format`
  and `test_name_format` (the same, for every test's output and name), `visibility` and
  `stdout_visibility` ("hidden", "after_due_date", "after_published" or "visible"), `extra_data`, `tests`.
- each test, all optional: `name`, `number`, `score`, `max_score`, `status` ("passed" or "failed",
  overriding what the score implies), `output`, `tags`, `visibility`, `extra_data`. A test without a score
  is an informational check. There is no top-level `max_score`: the assignment's total points are set on
  Gradescope, and a test's `max_score` says what that test is worth.

How the tester maps onto it: a test per course stage, in the course's order, worth the stage's points,
scored its points when passed and 0 otherwise, with the failure as the terminal shows it (or why it was not
run) as its output, and the stage's track as its tag. The top-level score is the record's score
(records.score), the output a summary in plain text. A submission the grader could not grade (timeout,
error) gets an informational "Grading" test, failed, carrying the reason.

Example, for a run that failed stage 1 (trimmed to two tests):

    {"score": 0, "execution_time": 0, "output": "0 of 52 points: 0 of 52 stages passed.\\nStage 1 (bind)
     failed: your program exited with code 0 before accepting a connection on port 7320",
     "output_format": "text", "test_output_format": "text", "test_name_format": "text", "tests": [
      {"name": "Stage 1 (bind): Bind to a port", "number": "1", "score": 0, "max_score": 1,
       "status": "failed", "output": "✗ stage 1 bind failed: ...", "tags": ["base"]},
      {"name": "Stage 2 (respond-200): Respond with 200", "number": "2", "score": 0, "max_score": 1,
       "status": "failed", "output": "not run: stage 1 (bind) failed first", "tags": ["base"]}]}
"""

from __future__ import annotations

import json
from typing import Any

from tester.reports import records, stagelist
from tester.reports.records import CourseStages, Record

VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")


def results(record: Record, stages: CourseStages | None = None, visibility: str | None = None,
            stdout_visibility: str | None = None) -> dict[str, Any]:
    """The results.json of one submission: a record, or `{"result": <the result of tester test --json>}`
    for a single run. `stages` are the course's (by default, those the result lists); the visibilities,
    when given, are Gradescope's settings for the tests and for the autograder's own standard output."""
    for chosen in (visibility, stdout_visibility):
        if chosen is not None and chosen not in VISIBILITIES:
            raise ValueError(f"visibility {chosen!r} is not one of {', '.join(VISIBILITIES)}")
    course = stages if stages is not None else stagelist.of_run(record.get("result") or {})
    listing = stagelist.of_record(record, course)
    reason = stagelist.why_not_run(listing, record)
    tests = [_test(stage, reason) for stage in listing]
    if not records.graded(record):
        tests.append({"name": "Grading", "status": "failed", "output": stagelist.ungraded_message(record)})
    document: dict[str, Any] = {
        "score": stagelist.plain(records.score(record, course)), "execution_time": round(_elapsed(record, listing)),
        "output": _summary(record, listing, course), "output_format": "text", "test_output_format": "text",
        "test_name_format": "text", "tests": tests}
    if visibility is not None:
        document["visibility"] = visibility
    if stdout_visibility is not None:
        document["stdout_visibility"] = stdout_visibility
    return document


def results_json(record: Record, stages: CourseStages | None = None, visibility: str | None = None,
                 stdout_visibility: str | None = None) -> str:
    """The text of results.json."""
    return json.dumps(results(record, stages, visibility, stdout_visibility), indent=2) + "\n"


def _test(stage: dict, reason: str) -> dict[str, Any]:
    passed = stage["status"] == "passed"
    failure = stage.get("failure") or {}
    if passed:
        output = "\n".join(f"{warning['level']}: {warning['message']}" for warning in stage.get("warnings") or [])
    elif stage["status"] == "failed":
        output = failure.get("report") or failure.get("message") or stage.get("message") or "failed"
    else:
        output = reason
    test = {"name": stagelist.display_name(stage), "number": str(stage["number"]),
            "score": stagelist.plain(stage["points"] if passed else 0), "max_score": stagelist.plain(stage["points"]),
            "status": "passed" if passed else "failed", "output": output, "tags": [stage["track"]]}
    if not output:
        del test["output"]
    return test


def _summary(record: Record, listing: list[dict], course: CourseStages) -> str:
    passed = sum(stage["status"] == "passed" for stage in listing)
    score, most = stagelist.plain(records.score(record, course)), stagelist.plain(records.max_score(course))
    lines = [f"{score} of {most} points: {passed} of {len(listing)} stages passed."]
    failed = records.first_failure(record)
    if failed is not None:
        lines.append(f"Stage {failed['number']} ({failed['slug']}) failed: {failed.get('message') or 'see its test'}")
    if not records.graded(record):
        lines.append(stagelist.ungraded_message(record))
    return "\n".join(lines)


def _elapsed(record: Record, listing: list[dict]) -> float:
    return record.get("elapsed") or sum(stage.get("duration") or 0 for stage in listing)

