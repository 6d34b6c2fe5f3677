"""A class graded: which submissions need it, their units run by an executor, each record written the
moment it lands, and the reports written from all of them at the end.

Results live in OUT/results/<id>.json, one record per submission, each written whole or not at all (a
temporary file renamed over the old one), so an interrupted batch keeps what it finished. A re-run skips
a submission whose record was graded under the same digest (its files, the course, the options: see
fingerprint.py), unless told to regrade.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tester import ports
from tester.grading import fingerprint, sandbox
from tester.grading.executors import Executor
from tester.grading.live import Progress
from tester.grading.submissions import Submission
from tester.grading.unit import Unit

RESULTS = "results"
REGRADED_OUTCOMES = {"error"}  # a record with this outcome is graded again even when nothing changed


@dataclass(frozen=True)
class Settings:
    course_path: Path
    seed: int
    tracks: tuple[str, ...] = ()
    timeout: float = 900.0
    limits: tuple[str, ...] = ()
    regrade: bool = False
    scratch: Path | None = None

    def options(self, isolation: str) -> list[str]:
        """What can change a verdict, for the digest: a record graded under other options (another seed, a
        port instead of 4221, other limits) is not the one asked for."""
        return [f"seed={self.seed}", f"tracks={','.join(self.tracks)}", f"timeout={self.timeout:g}",
                f"limits={' '.join(self.limits)}", f"isolation={isolation}"]


@dataclass
class Batch:
    records: list[dict] = field(default_factory=list)  # one per submission, in id order
    graded: int = 0
    kept: int = 0
    isolation: sandbox.Isolation = "namespace"
    why_not_namespaces: str | None = None
    elapsed: float = 0.0

    @property
    def grader_failures(self) -> list[str]:
        """The ids of the submissions the grader itself failed on (a bug, or a broken worker)."""
        return [record["id"] for record in self.records if record.get("grader_failed")]


def plan(submissions: list[Submission], settings: Settings, course, out: Path,
         isolation: sandbox.Isolation) -> tuple[list[Unit], dict[str, dict]]:
    """The units to run, and the records kept from an earlier run (by id)."""
    course_digest = fingerprint.of_course(settings.course_path, course)
    options = tuple(settings.options(isolation))
    units, kept = [], {}
    for submission in submissions:
        digest = fingerprint.of_grading(fingerprint.of_submission(submission.path), course_digest, options)
        earlier = read_record(out, submission.id)
        # the folder as it was graded, or as the run left it (a server that writes a log where it runs)
        unchanged = earlier is not None and digest in (earlier.get("fingerprint"), earlier.get("fingerprint_after"))
        if not settings.regrade and unchanged and earlier.get("outcome") not in REGRADED_OUTCOMES:
            kept[submission.id] = earlier
            continue
        units.append(Unit(submission.id, submission.path, settings.course_path.resolve(), settings.seed, digest,
                          isolation, port=4221 if isolation == "namespace" else ports.free_port(),
                          timeout=settings.timeout, tracks=settings.tracks, limits=settings.limits,
                          scratch=settings.scratch, course_digest=course_digest, options=options))
    return units, kept


def grade_class(submissions: list[Submission], settings: Settings, course, out: Path, executor: Executor,
                progress: Progress, isolation: sandbox.Isolation) -> Batch:
    started = time.monotonic()
    units, kept = plan(submissions, settings, course, out, isolation)
    records = dict(kept)
    with progress:
        for record in kept.values():
            progress.finished(record["id"], record)
        for unit, record in executor.run(units, lambda unit: progress.started(unit.id)):
            write_record(out, record)
            records[unit.id] = record
            progress.finished(unit.id, record)
    return Batch([records[submission.id] for submission in submissions], graded=len(units), kept=len(kept),
                 isolation=isolation, elapsed=time.monotonic() - started)


def read_record(out: Path, student: str) -> dict | None:
    """The record kept from an earlier run; None where there is none, or none that can be read."""
    try:
        record = json.loads((out / RESULTS / f"{student}.json").read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def write_record(out: Path, record: dict) -> None:
    write_atomically(out / RESULTS / f"{record['id']}.json", json.dumps(record, indent=1, ensure_ascii=False) + "\n")


def write_atomically(path: Path, text: str) -> None:
    """The file holds the whole text or its old content, never a part: a temporary file, then a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
