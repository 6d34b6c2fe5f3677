"""The class gradebook: one row per student, one column per stage, how far each got and their score.

CSV for a spreadsheet, JSON for scripts; both from the same rows. A stage's cell is `passed`, `failed`
or `not-run`; a submission the grader could not grade (a timeout, an error) says so in `outcome` and
`error`, and its cells are what its run got to, if anything.
"""

from __future__ import annotations

import csv
import io
import json

from tester.reports.records import CourseStages, Record, highest_passed, max_score, score, statuses

VERSION = 1


def rows(records: list[Record], stages: CourseStages) -> list[dict]:
    table = []
    for record in records:
        found = statuses(record)
        table.append({
            "id": record["id"], "outcome": record["outcome"], "error": record.get("error"),
            "highest_stage": highest_passed(record, stages), "score": score(record, stages),
            "max_score": max_score(stages), "seed": (record.get("result") or {}).get("seed"),
            "stages": {stage["slug"]: found.get(stage["slug"], "not-run") for stage in stages},
        })
    return table


def to_csv(records: list[Record], stages: CourseStages) -> str:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["id", "outcome", "highest_stage", "score", "max_score", "seed", "error"]
                    + [f"{stage['number']:02d} {stage['slug']}" for stage in stages])
    for row in rows(records, stages):
        writer.writerow([row["id"], row["outcome"], row["highest_stage"], _number(row["score"]),
                         _number(row["max_score"]), row["seed"] if row["seed"] is not None else "", row["error"] or ""]
                        + [row["stages"][stage["slug"]] for stage in stages])
    return text.getvalue()


def to_json(records: list[Record], stages: CourseStages, about: dict) -> str:
    """`about`: what the whole batch shares (course, seed, tracks, isolation), kept beside the rows."""
    return json.dumps({"version": VERSION, **about, "stages": stages, "students": rows(records, stages)},
                      indent=2, ensure_ascii=False) + "\n"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
