"""Running stages: for each one, a fresh program, its probes in order, and a result.

This is where I/O meets the course: a temporary folder and files for the file stages (tester.stagefiles),
the program started with the stage's arguments and stopped, the probes run against it. Whatever happens
(a failure, a bug, Ctrl-C), the program is stopped and the folder removed before the next stage starts.
"""

from __future__ import annotations

import importlib
import io
import shutil
import signal
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from tester import __version__, crashes, hints, portlock, request, stagefiles, variables
from tester.console import Console
from tester.errors import ManifestError, ManifestProblem, StageFailure
from tester.manifest.models import Course, Stage, Track
from tester.probes import ProbeContext
from tester.program import Limits, Program
from tester.templates import Value

Status = Literal["passed", "failed", "not-run"]
RESULT_VERSION = 1  # of the JSON result; a change that removes or redefines a field raises it
ERROR_SHOWN = 200  # characters of a crash's error line quoted in the hint
EXIT_SETTLE = 0.5  # seconds a program whose connection was lost may take to finish exiting
EXIT_RECHECK = 0.05  # seconds given again, after its output settled, to a program that may be ending


@dataclass
class Options:
    solution: Path
    port: int = 4221
    seed: int = 0
    debug: bool = False
    host: str = "localhost"
    limits: Limits | None = None


@dataclass
class StageResult:
    number: int
    stage: Stage
    status: Status = "not-run"
    failure: StageFailure | None = None
    duration: float = 0.0
    regression: bool = False
    warnings: list[StageFailure] = field(default_factory=list)  # mismatches of `should`/`may` checks

    track: str = ""

    def as_json(self) -> dict:
        """This stage in the versioned result (docs/grading.md, "The result format")."""
        failure = self.failure
        return {
            "number": self.number, "slug": self.stage.slug, "title": self.stage.title, "track": self.track,
            "points": self.stage.points, "status": self.status, "regression": self.regression,
            "duration": round(self.duration, 4), "message": failure.message if failure else None,
            "failure": None if failure is None else {
                "message": failure.message, "expected": failure.expected or None, "hint": failure.hint or None,
                "rfc": failure.rfc or None, "curl": failure.curl or None,
                "report": rendered(self.number, self.stage.slug, failure),
            },
            "warnings": [{"level": warning.level, "rfc": warning.rfc or None, "message": warning.message,
                          "expected": warning.expected} for warning in self.warnings],
        }


@dataclass
class Run:
    seed: int
    results: list[StageResult] = field(default_factory=list)
    interrupted: bool = False  # stopped by Ctrl-C or SIGTERM: the stages after the last verdict did not run

    @property
    def passed(self) -> bool:
        return all(result.status == "passed" for result in self.results)

    def as_json(self) -> dict:
        """The versioned result of a run: what `--json` writes and what grading reads."""
        return {"version": RESULT_VERSION, "tester": __version__, "seed": self.seed, "passed": self.passed,
                "interrupted": self.interrupted, "stages": [result.as_json() for result in self.results]}


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM in the middle of a run, carrying the verdicts reached so far (to write them)."""

    def __init__(self, outcome: Run):
        super().__init__()
        self.outcome = outcome


def rendered(number: int, slug: str, failure: StageFailure) -> str:
    """A failure as the terminal shows it, without colours: what a report quotes as the evidence."""
    text = io.StringIO()
    Console(text, colour=False).failure(number, slug, failure)
    return text.getvalue()


def plan(course: Course, target: Stage | None, only: bool,
         tracks: list[Track] | None = None) -> list[tuple[Stage, bool]]:
    """(stage, is-regression) in run order: the target first, then its regression (the stages of the tracks
    its track requires, then the earlier stages of its own track); or every stage of `tracks` and of the
    tracks they require, each track once, in the course's order; or, with neither, every stage of the
    course."""
    if target is None:
        wanted = {track.slug for chosen in tracks or () for track in [*course.required(chosen), chosen]}
        return [(stage, False) for track in course.tracks if not tracks or track.slug in wanted
                for stage in track.stages]
    if only:
        return [(target, False)]
    return [(target, False)] + [(stage, True) for stage in course.regression(target)]


def run(course: Course, order: list[tuple[Stage, bool]], options: Options, console) -> Run:
    _import_in_background({name for stage, _ in order for probe in stage.probes for name in probe.imports})
    outcome = Run(options.seed)
    outcome.results = [StageResult(course.stage_number(stage), stage, regression=regression,
                                   track=course.track_of(stage).slug) for stage, regression in order]
    try:
        with portlock.hold(options.port, console.note):
            for result in outcome.results:
                console.stage_started(result)
                run_stage(course, result, options, console)
                console.stage_finished(result)
                if result.status == "failed":
                    break
    except KeyboardInterrupt:  # the stage under way has been stopped; it counts as not run
        outcome.interrupted = True
        raise RunInterrupted(outcome) from None
    return outcome


def _import_in_background(modules: set[str]) -> None:
    """Import what the probes will need while the main thread mostly sleeps, waiting for programs to listen;
    a probe that needs a module sooner waits on Python's import lock, never on a half-imported module."""
    def work() -> None:
        for name in sorted(modules):
            try:
                importlib.import_module(name)
            except Exception:  # the probe's own import will raise it where it can be reported
                pass
    if modules:
        threading.Thread(target=work, name="import-ahead", daemon=True).start()


def draw_values(stage: Stage, seed: int) -> dict[str, Value]:
    rng = variables.stage_rng(seed, stage.slug)
    values: dict[str, Value] = {}
    for name, spec in stage.vars.items():
        if isinstance(spec, str):
            values[name] = variables.GENERATORS[spec](rng)
        else:
            values[name] = variables.GENERATORS[spec.generate](rng, **spec.params())
    return values


def run_stage(course: Course, result: StageResult, options: Options, console) -> None:
    stage = result.stage
    started = time.monotonic()
    values = draw_values(stage, options.seed)
    values["port"] = str(options.port)
    folder, directory = stagefiles.make_stage_folder(stage.slug) if stage.directory else (None, None)
    program = Program(options.solution, options.port, [], console.program_output, options.host, options.limits)
    context = ProbeContext(options.host, options.port, values, course.defaults, directory,
                           variables.stage_rng(options.seed, stage.slug + ":probes"), console.event,
                           program=program)
    try:
        if folder is not None:
            values["directory"] = str(directory)
            put_files_in_place(course, stage, folder, values)
        program.args = stagefiles.program_args(stage.args, directory, values)
        program.start()
        context.ready_socket = program.wait_ready(course.defaults.ready_timeout)
        context.address = program.address
        for probe in stage.probes:
            console.probe_started(probe)
            probe.run(context)
        result.status = "passed"
    except StageFailure as failure:
        mention_exit(failure, program)
        _save_reproduce_files(failure, options.seed, stage.slug)
        result.status, result.failure = "failed", failure
    finally:
        context.close_all()
        program.stop()  # the program as it runs now: after a restart probe, the restarted one
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        result.warnings = list(context.warnings)
        result.duration = time.monotonic() - started


def put_files_in_place(course: Course, stage: Stage, folder: Path, values: dict[str, Value]) -> None:
    """The stage's files, written before the program starts; a rule a rendered value breaks (a value with a
    slash in a path) is the course's mistake, reported as the loader would."""
    try:
        stagefiles.write(stagefiles.plan(stage.files, values, course.root), folder)
    except stagefiles.PlanError as error:
        raise ManifestError([ManifestProblem(str(course.source), None, f"stage {stage.slug}: files: {error}",
                                             error.fix)]) from None
    except OSError as error:
        raise ManifestError([ManifestProblem(str(course.source), None, f"stage {stage.slug}: files: cannot put "
                                             f"{error.filename} in place: {error.strerror or error}")]) from None


def mention_exit(failure: StageFailure, program: Program) -> None:
    """If the program died during the stage, or printed a crash report, that is the news: say so beside the
    failure, naming the error it printed. `tester send --start` says the same as a stage."""
    # a lost connection may be the program dying: give its exit a moment to be seen
    code = program.wait_exit(EXIT_SETTLE) if failure.connection_lost else program.exit_code
    if code is None and not _left_unanswered(failure):
        return  # a wrong answer came: no crash explains that
    program.settle()  # a crash report may still be coming: read it to its end
    if code is None:
        code = program.wait_exit(EXIT_RECHECK)  # it may have ended once it had printed its report
    crash = crashes.find(program.recent_lines)
    if code is None:
        if crash is not None and not crash.peer_left:  # alive, but a handler died: that explains the failure
            failure.hint = _crash_hint(crash, hints.CRASHED)
        return
    if "exited with code" in failure.message:
        return
    failure.message += f" (your program {_ending(code)})"
    if crash is not None and crash.error:
        failure.hint = _crash_hint(crash, hints.CRASHED_AND_EXITED)
    else:
        failure.hint = hints.EXITED_CLEANLY if code == 0 else hints.EXITED
    if program.last_lines:
        failure.evidence.extend(program.output_evidence("your program's"))


def _ending(code: int) -> str:
    """How the program ended: its exit code, or the signal that killed it (a negative code from Popen; a
    shell that ran the server without exec reports 128 + the signal instead)."""
    if code < 0:
        return f"was killed by {_signal_name(-code)}"
    if 128 < code < 160:
        return f"had exited, with code {code} (128 + {code - 128}: what it ran was killed by {_signal_name(code - 128)})"
    return f"had exited, with code {code}"


def _signal_name(number: int) -> str:
    try:
        return f"signal {number}, {signal.Signals(number).name}"
    except ValueError:
        return f"signal {number}"


def _left_unanswered(failure: StageFailure) -> bool:
    """The failure is a response that never came, or never came whole: what a crash while handling it causes."""
    return (failure.connection_lost or "no response" in failure.message
            or failure.hint in (hints.NO_RESPONSE, hints.NO_RESPONSE_PARTIAL_HEAD, hints.SHORT_BODY))


def _crash_hint(crash: crashes.Crash, template: str) -> str:
    if not crash.error:
        return hints.CRASH_UNFINISHED.format(runtime=crash.runtime)
    error = crash.error if len(crash.error) <= ERROR_SHOWN else crash.error[:ERROR_SHOWN - 1] + "…"
    quoted = f'"{error}"' if "`" in error else f"`{error}`"  # Rust's messages quote code in backticks
    kind = {(True, True): "where and stack", (True, False): "where", (False, True): "stack",
            (False, False): "neither"}[bool(crash.where), bool(crash.stack)]
    fix = hints.CRASH_FIX[kind].format(where=crash.where, stack=crash.stack)
    if crash.runtime == "Rust" and not crash.stack:
        fix += hints.RUST_BACKTRACE
    return template.format(error=quoted, fix=fix)


def _save_reproduce_files(failure: StageFailure, seed: int, slug: str) -> None:
    """Write the files the reproduce line reads (a long request body) where they outlive the run, and name
    them in the line. The folder is named after the seed: a rerun with it sends the same bytes."""
    folder = Path(tempfile.gettempdir()) / f"tester-{seed}"
    for name, data in failure.files.items():
        path = folder / f"{slug}-{name}"
        try:
            folder.mkdir(exist_ok=True)
            path.write_bytes(data)
        except OSError:
            continue  # the line keeps the bare name; --debug shows the bytes
        failure.curl = request.saved_as(failure.curl, name, str(path))
