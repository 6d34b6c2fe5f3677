"""The stages as every per-stage report lists them: each stage of the course in the course's order, with what
the run found for it, and the one sentence that says why a stage has no verdict.

The JUnit, TAP and autograder renderers all walk this list, so they agree on the order, the names and the
reasons; a stage the run did not plan (a run of some tracks only, or no run at all) shows as not run.
"""

from __future__ import annotations

from typing import Any

from tester.reports.records import CourseStages, Record, graded

Stage = dict[str, Any]


def of_record(record: Record, stages: CourseStages | None = None) -> list[Stage]:
    """Every stage of the course (`stages`; by default those the record's own result lists), each as the
    record's result has it: status, duration, failure and warnings."""
    found = {stage["slug"]: stage for stage in _result_stages(record)}
    return [{**_unplanned(stage), **found.get(stage["slug"], {}), "number": stage["number"]}
            for stage in (of_run(record.get("result") or {}) if stages is None else stages)]


def of_run(result: dict[str, Any]) -> list[Stage]:
    """The stages of one run's versioned result, in the course's order (a run of one stage lists the stage
    first and its regression after it)."""
    return sorted(result.get("stages", []), key=lambda stage: stage["number"])


def why_not_run(listing: list[Stage], record: Record | None = None) -> str:
    failed = next((stage for stage in listing if stage["status"] == "failed"), None)
    if failed is not None:
        return f"not run: stage {failed['number']} ({failed['slug']}) failed first"
    if record is not None and not graded(record):
        return f"not run: the grading stopped ({record.get('outcome')})"
    return "not run"


def display_name(stage: Stage) -> str:
    """How an autograder's page names a stage: its number, slug and title."""
    return f"Stage {stage['number']} ({stage['slug']}): {stage['title']}"


def ungraded_message(record: Record) -> str:
    """What a report says about a submission the grader could not grade."""
    reason = record.get("error") or "no reason recorded"
    return f"not graded ({record.get('outcome')}): {reason}"


def cut(text: str, limit: int, note: str = "\n[cut: too long]") -> str:
    """`text` in at most `limit` characters, saying where it was cut."""
    return text if len(text) <= limit else text[:max(limit - len(note), 0)] + note[:limit]


def plain(points: float) -> int | float:
    """Points as JSON and XML should show them: 3, not 3.0."""
    return int(points) if float(points).is_integer() else points


def _result_stages(record: Record) -> list[Stage]:
    return (record.get("result") or {}).get("stages", [])


def _unplanned(stage: Stage) -> Stage:
    return {"number": stage["number"], "slug": stage["slug"], "title": stage["title"], "track": stage["track"],
            "points": stage["points"], "status": "not-run", "regression": False, "duration": 0.0,
            "message": None, "failure": None, "warnings": []}
