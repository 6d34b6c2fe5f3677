"""The graded record of a submission, and what every report derives from it.

A record (the file results/<id>.json that `tester grade` writes, format version 1) is:

    {"version": 1, "id": "alice", "path": "/abs/submissions/alice", "fingerprint": "sha256...",
     "graded_at": "2026-12-03T18:00:00+00:00", "isolation": "namespace" | "port",
     "outcome": "graded" | "timeout" | "error", "error": null | "what went wrong",
     "elapsed": 12.3, "cpu": 3.1,
     "result": null | <the versioned result of `tester test --json`>,
     "output": "the tester's console output for the submission, plain, cut to a size"}

The result (tester/runner.py, Run.as_json) is {"version": 1, "tester": "0.1.0", "seed": 42, "passed": bool,
"interrupted": bool, "stages": [stage, ...]}, each stage {"number", "slug", "title", "track", "points",
"status" ("passed", "failed" or "not-run"), "regression", "duration", "message", "failure" (null, or
{"message", "expected", "hint", "rfc", "curl", "report"}, report being the failure as the terminal shows
it), "warnings" (each {"level", "rfc", "message", "expected"})}.

`outcome` says whether the grader could grade: "timeout" and "error" records carry no verdict of the
submission's own (a timeout's result holds the verdicts reached before the time ran out, and says
"interrupted"); `grader_failed` marks an error of the grader itself, `fingerprint_after` the digest of
the folder as the run left it. The course's stages, in order, come beside the records as a list of
{"number", "slug", "title", "track", "points"}.
"""

from __future__ import annotations

import re
from typing import Any

Record = dict[str, Any]
CourseStages = list[dict[str, Any]]


def course_stages(course) -> CourseStages:
    """The course's stages as the reports list them."""
    return [{"number": number, "slug": stage.slug, "title": stage.title, "track": course.track_of(stage).slug,
             "points": stage.points} for number, stage in enumerate(course.stages, start=1)]


def graded(record: Record) -> bool:
    """Whether the grader reached a verdict: "timeout" and "error" records have none of their own."""
    return record.get("outcome", "graded") == "graded"


def statuses(record: Record) -> dict[str, str]:
    """slug -> "passed", "failed" or "not-run", for the stages the record's run planned."""
    result = record.get("result") or {}
    return {stage["slug"]: stage["status"] for stage in result.get("stages", [])}


def status_of(record: Record, slug: str) -> str:
    """"passed", "failed" or "not-run" for one stage; a stage the run did not plan was not run."""
    return statuses(record).get(slug, "not-run")


def highest_passed(record: Record, stages: CourseStages) -> int:
    """The number of the last stage passed in an unbroken run from the course's first (0 for none)."""
    found = statuses(record)
    highest = 0
    for stage in stages:
        if found.get(stage["slug"]) != "passed":
            break
        highest = stage["number"]
    return highest


def score(record: Record, stages: CourseStages) -> float:
    """The points of the stages passed."""
    found = statuses(record)
    return sum(stage["points"] for stage in stages if found.get(stage["slug"]) == "passed")


def max_score(stages: CourseStages) -> float:
    return sum(stage["points"] for stage in stages)


def first_failure(record: Record) -> dict[str, Any] | None:
    """The failed stage of the record's run (a run stops at its first failure), or None."""
    result = record.get("result") or {}
    return next((stage for stage in result.get("stages", []) if stage["status"] == "failed"), None)


_QUOTED = re.compile(r"(?<!\w)(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")(?!\w)")  # not the ' of "body's"
_PORT = re.compile(r"(\bport |localhost:|127\.0\.0\.1:|\[::1\]:)\d+")


def message_shape(message: str) -> str:
    """A failure message without what differs from student to student in the same mistake: the quoted
    values (random words, bodies) and the port. Two students who fail a stage the same way get the same
    shape; the status codes and counts that tell mistakes apart stay."""
    return _PORT.sub(r"\1…", _QUOTED.sub("'…'", message))
