"""The reports of a graded batch, written into OUT beside the records, and the summary the terminal shows.

Every format is a renderer in tester/reports/ that takes the records; this module only chooses the file
names and writes each file whole (batch.write_atomically).
"""

from __future__ import annotations

import json
from pathlib import Path

from tester.grading.batch import Batch, Settings, write_atomically
from tester.reports import classroom, exercism, gradebook, gradescope, html, junit, tap
from tester.reports.records import course_stages, first_failure, graded, highest_passed, max_score, score

SUMMARY_MESSAGE = 70  # characters of a first failure's message in the summary table


def write_reports(out: Path, batch: Batch, course, settings: Settings) -> list[str]:
    """Every report of the batch; the names written, relative to `out`."""
    stages = graded_stages(course, settings.tracks)
    about = {"course": str(settings.course_path), "seed": settings.seed, "tracks": list(settings.tracks),
             "isolation": batch.isolation, "isolation_note": batch.why_not_namespaces}
    files = {
        "gradebook.csv": gradebook.to_csv(batch.records, stages),
        "gradebook.json": gradebook.to_json(batch.records, stages, about),
        "report.html": html.render(batch.records, stages, title=f"{settings.course_path.name}: the class, "
                                   f"seed {settings.seed}"),
        "junit.xml": junit.class_report(batch.records, stages),
        "class.tap": tap.class_stream(batch.records, stages),
    }
    for record in batch.records:  # the autograders take one submission at a time
        student = f"students/{record['id']}"
        files[f"{student}/exercism.json"] = exercism.results_json(record, stages)
        files[f"{student}/gradescope.json"] = gradescope.results_json(record, stages)
        files[f"{student}/classroom.json"] = json.dumps(classroom.result(record, stages), indent=2) + "\n"
    for name, text in files.items():
        write_atomically(out / name, text)
    return [name for name in files if not name.startswith("students/")] + ["students/ID/{exercism,gradescope,"
                                                                             "classroom}.json"]


def graded_stages(course, tracks: tuple[str, ...]) -> list[dict]:
    """The stages the batch graded: every stage, or those of the tracks chosen and of the tracks they require."""
    stages = course_stages(course)
    if not tracks:
        return stages
    wanted = {track.slug for slug in tracks for track in [*course.required(course.find_track(slug)),
                                                          course.find_track(slug)]}
    return [stage for stage in stages if stage["track"] in wanted]


def summary_lines(batch: Batch, course, tracks: tuple[str, ...] = ()) -> list[str]:
    """The class at a glance: one line per student, how far they got and where they stopped."""
    stages = graded_stages(course, tracks)
    width = max([len(record["id"]) for record in batch.records] + [7])
    total = max_score(stages)
    lines = ["", f"{'student':<{width}}  {'highest':>7}  {'score':>9}  first failure"]
    for record in batch.records:
        failed = first_failure(record)
        if not graded(record):
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
