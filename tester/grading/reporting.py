"""The reports of a graded batch, written into OUT beside the records, and the summary the terminal shows.

Every format is a renderer in tester/reports/ that takes the records; this module only chooses the file
names and writes each file whole (batch.write_atomically).
"""

from __future__ import annotations

from pathlib import Path

from tester.grading.batch import Batch, Settings, write_atomically
from tester.reports import gradebook
from tester.reports.records import course_stages, first_failure, highest_passed, max_score, score

SUMMARY_MESSAGE = 70  # characters of a first failure's message in the summary table


def write_reports(out: Path, batch: Batch, course, settings: Settings) -> list[str]:
    """Every report of the batch; the names written, relative to `out`."""
    stages = course_stages(course)
    about = {"course": str(settings.course_path), "seed": settings.seed, "tracks": list(settings.tracks),
             "isolation": batch.isolation, "isolation_note": batch.why_not_namespaces}
    files = {
        "gradebook.csv": gradebook.to_csv(batch.records, stages),
        "gradebook.json": gradebook.to_json(batch.records, stages, about),
    }
    for name, text in files.items():
        write_atomically(out / name, text)
    return list(files)


def summary_lines(batch: Batch, course) -> list[str]:
    """The class at a glance: one line per student, how far they got and where they stopped."""
    stages = course_stages(course)
    width = max([len(record["id"]) for record in batch.records] + [7])
    total = max_score(stages)
    lines = ["", f"{'student':<{width}}  {'highest':>7}  {'score':>9}  first failure"]
    for record in batch.records:
        failed = first_failure(record)
        if record["outcome"] != "graded":
            where = f"{record['outcome']}: {record.get('error') or ''}"
        elif failed is None:
            where = "-"
        else:
            where = f"stage {failed['number']} {failed['slug']}: {failed['message'] or ''}"
        if len(where) > SUMMARY_MESSAGE:
            where = where[:SUMMARY_MESSAGE - 1] + "…"
        points = f"{score(record, stages):g}/{total:g}"
        lines.append(f"{record['id']:<{width}}  {highest_passed(record, stages):>7}  {points:>9}  {where}")
    lines.append("")
    return lines
