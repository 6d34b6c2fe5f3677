"""Running the course's own servers against it: the reference, the starter and the fixtures.

Each server is one job: a program started stage by stage on its own free port, as `tester test` would,
with the output kept out of sight. The jobs do not share anything, so they run side by side on a few
threads (the work is waiting on sockets and processes); the verdicts come back in a fixed order.
"""

from __future__ import annotations

import io
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from tester.console import Console
from tester.errors import TesterError
from tester.lint import Problem, shown
from tester.lint.layout import Fixture
from tester.manifest.models import Course, Stage
from tester.ports import free_port
from tester.runner import Options, Run, run


@dataclass
class Job:
    """One server run through stages in order; `judge` turns the run into problems."""

    label: str
    solution: Path
    stages: list[Stage]
    judge: Callable[[Run], list[Problem]]


def reference_jobs(course: Course, folder: Path) -> list[Job]:
    """The reference must pass every stage: one job per track, so a failure in one track does not keep
    the stages of the others from being checked. A stage starts a fresh program, so a track's stages
    need no other track's to run before them."""
    tracked = course.has_tracks

    def judge(outcome: Run) -> list[Problem]:
        failed = _first_failure(outcome)
        if failed is None:
            return []
        where = f" (track {course.track_of(failed.stage).slug})" if tracked else ""
        return [Problem(shown(folder), None, f"the reference fails stage {failed.number} {failed.stage.slug}{where}: "
                        f"{failed.failure.message}",
                        f"fix the reference or the stage; see it with: tester stage {failed.stage.slug} "
                        f"--course {shown(course.source)} --solution {shown(folder)}")]
    if not tracked:
        return [Job("the reference", folder, list(course.stages), judge)]
    return [Job(f"the reference (track {track.slug})", folder, list(track.stages), judge) for track in course.tracks]


def starter_job(course: Course, folder: Path) -> Job:
    first = course.stages[0]

    def judge(outcome: Run) -> list[Problem]:
        if _first_failure(outcome) is not None:
            return []
        return [Problem(shown(folder), None, f"the starter passes stage 1 {first.slug}, so a learner would "
                        "start with a stage already done", "take the stage's work out of the starter")]
    return Job("the starter", folder, [first], judge)


def fixture_job(course: Course, fixture: Fixture) -> Job:
    """A fixture must pass its `fails_at` stage's regression (the tracks it builds on, and the earlier
    stages of its own track) and fail that stage, with its message; stages of other tracks are not run."""
    where = shown(fixture.spec)
    if fixture.fails_at is None:
        def judge_passing(outcome: Run) -> list[Problem]:
            failed = _first_failure(outcome)
            if failed is None:
                return []
            return [Problem(where, fixture.line, f"says it passes, but fails stage {failed.number} "
                            f"{failed.stage.slug}: {failed.failure.message}")]
        return Job(f"fixture {fixture.name}", fixture.folder, list(course.stages), judge_passing)

    target = next(stage for stage in course.stages if stage.slug == fixture.fails_at)
    number = course.stage_number(target)

    def judge(outcome: Run) -> list[Problem]:
        failed = _first_failure(outcome)
        if failed is None:
            return [Problem(where, fixture.line, f"the fixture passes stage {number} {target.slug} and every "
                            "stage before it, so nothing shows that the stage catches its defect",
                            "make the stage's probes catch the defect, or the fixture commit it")]
        if failed.stage is not target:
            return [Problem(where, fixture.line, f"the fixture fails stage {failed.number} {failed.stage.slug}, "
                            f"before stage {number} {target.slug}: {failed.failure.message}",
                            f"a fixture must pass every stage that stage {number} builds on")]
        if fixture.message not in failed.failure.message:
            return [Problem(where, fixture.line, f"the fixture fails stage {number} {target.slug}, but with "
                            f"{failed.failure.message!r}, which does not contain {fixture.message!r}",
                            "update 'message', or check why the failure changed")]
        return []
    return Job(f"fixture {fixture.name}", fixture.folder, course.regression(target) + [target], judge)


class _Stopped(Exception):
    """The check was interrupted: a job stops before its next stage (its program is already stopped)."""


class _QuietConsole(Console):
    """Output out of sight, and a stop between stages once the check is interrupted."""

    def __init__(self, stop: threading.Event):
        super().__init__(io.StringIO(), colour=False)
        self.stop = stop

    def stage_started(self, result) -> None:
        if self.stop.is_set():
            raise _Stopped


def run_jobs(course: Course, jobs: list[Job], workers: int, seed: int) -> list[list[Problem]]:
    """Every job's problems, in the order of `jobs`; the longest start first so the threads finish together.
    On Ctrl-C, jobs not started are dropped and running ones stop after their current stage."""
    order = sorted(range(len(jobs)), key=lambda index: -len(jobs[index].stages))
    results: list[list[Problem]] = [[] for _ in jobs]
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="check") as pool:
        futures = {index: pool.submit(_run_job, course, jobs[index], seed, stop) for index in order}
        try:
            for index, future in futures.items():
                results[index] = future.result()
        except BaseException:
            stop.set()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return results


def _run_job(course: Course, job: Job, seed: int, stop: threading.Event) -> list[Problem]:
    options = Options(solution=job.solution.resolve(), port=free_port(), seed=seed)
    try:
        outcome = run(course, [(stage, False) for stage in job.stages], options, _QuietConsole(stop))
    except _Stopped:
        return []
    except TesterError as error:
        return [Problem(shown(job.solution), None, f"{job.label} could not be run: {error}")]
    except Exception as error:  # a bug in the tester or in a course's own probe kind: report it, check the rest
        return [Problem(shown(job.solution), None, f"running {job.label} raised {type(error).__name__}: {error}",
                        "a bug in a probe kind (or in the tester); tester test --debug shows the traceback")]
    return job.judge(outcome)


def _first_failure(outcome: Run):
    return next((result for result in outcome.results if result.status == "failed"), None)
