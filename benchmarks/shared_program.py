"""An evaluation, not a feature: what would one program for several consecutive stages save, and which
verdicts would it change?

Today every stage starts a fresh program. Here, consecutive stages that start the program the same way (no
`directory`, so no folder of their own, and no program arguments) share one: it is started for the first
of them and stopped after the last, or at the first failure. Everything else is the runner's own code
(values, probes, the program class). Two measurements:

- `--time`: the whole course against the reference, fresh programs and shared, medians over --runs runs;
- `--verdicts`: every fixture of the catalogue, fresh and shared, with the seeds given; prints each
  fixture whose verdict (the failing stage, its message) is not the same both ways.

    python benchmarks/shared_program.py --time [--runs 9]
    python benchmarks/shared_program.py --verdicts [--seeds 1 2 3]
"""

from __future__ import annotations

import argparse
import io
import json
import re
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_shared(course, order, options, console):
    """runner.run, with one program for each run of consecutive stages that start it alike."""
    from tester import portlock, variables
    from tester.errors import StageFailure
    from tester.probes import ProbeContext
    from tester.program import Program
    from tester.runner import Run, StageResult, draw_values, mention_exit

    outcome = Run(options.seed)
    outcome.results = [StageResult(course.stage_number(stage), stage, regression=regression)
                       for stage, regression in order]
    program = None
    with portlock.hold(options.port, console.note):
        try:
            for result in outcome.results:
                stage = result.stage
                if stage.directory or stage.args:  # a stage that needs its own program: the ordinary runner's
                    if program is not None:
                        program.stop()
                        program = None
                    from tester.runner import run_stage
                    console.stage_started(result)
                    run_stage(course, result, options, console)
                    console.stage_finished(result)
                    if result.status == "failed":
                        break
                    continue
                console.stage_started(result)
                started = time.monotonic()
                values = draw_values(stage, options.seed)
                values["port"] = str(options.port)
                ready = None
                if program is None:
                    program = Program(options.solution, options.port, [], console.program_output, options.host)
                context = ProbeContext(options.host, options.port, values, course.defaults, None,
                                       variables.stage_rng(options.seed, stage.slug + ":probes"), console.event,
                                       program=program)
                try:
                    if program.process is None:
                        program.start()
                        ready = program.wait_ready(course.defaults.ready_timeout)
                    context.ready_socket, context.address = ready, program.address
                    for probe in stage.probes:
                        probe.run(context)
                    result.status = "passed"
                except StageFailure as failure:
                    mention_exit(failure, program)
                    result.status, result.failure = "failed", failure
                finally:
                    context.close_all()
                    result.duration = time.monotonic() - started
                console.stage_finished(result)
                if result.status == "failed":
                    break
        finally:
            if program is not None:
                program.stop()
    return outcome


def one(solution: Path, seed: int, shared: bool) -> dict:
    """In this process: `tester test` on `solution`, fresh or shared; the run's JSON."""
    from tester import runner
    from tester.console import Console
    from tester.manifest import cache
    from tester.ports import free_port

    course = cache.course(ROOT / "stages.yaml")
    options = runner.Options(solution=solution.resolve(), port=free_port(), seed=seed)
    order = runner.plan(course, None, False)
    with redirect_stdout(io.StringIO()):
        console = Console(colour=False)
        outcome = (run_shared if shared else runner.run)(course, order, options, console)
    return outcome.as_json()


def in_a_process(solution: Path, seed: int, shared: bool) -> tuple[float, dict]:
    command = [sys.executable, __file__, "--one", str(solution), str(seed), "shared" if shared else "fresh"]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=ROOT)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{solution.name} seed {seed}: {done.stderr[-2000:]}")
    return wall, json.loads(done.stdout)


def verdict(report: dict) -> tuple[str, str] | None:
    """The failing stage and its message, with what differs from run to run anyway (ports, pids, CPU shares)
    left out."""
    failed = next((stage for stage in report["stages"] if stage["status"] == "failed"), None)
    if failed is None:
        return None
    return failed["slug"], re.sub(r"\b(port|pid) \d+|\d+%", "N", failed["message"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time", action="store_true")
    parser.add_argument("--verdicts", action="store_true")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.one:
        folder, seed, mode = arguments.one
        print(json.dumps(one(Path(folder), int(seed), mode == "shared")))
        return
    reference = ROOT / "fixtures" / "reference"
    if arguments.time:
        for shared in (False, True):
            in_a_process(reference, 7, shared)
            walls = [in_a_process(reference, 7, shared)[0] for _ in range(arguments.runs)]
            print(f"{'shared' if shared else 'fresh'} programs, 14 stages: median {statistics.median(walls):.3f} s "
                  f"(best {min(walls):.3f})")
    if arguments.verdicts:
        folders = sorted(path.parent for path in (ROOT / "fixtures").glob("*/fixture.yaml"))
        jobs = [(folder, seed) for folder in folders for seed in arguments.seeds]

        def compare(job):
            folder, seed = job
            return folder.name, seed, verdict(in_a_process(folder, seed, False)[1]), \
                verdict(in_a_process(folder, seed, True)[1])
        with ThreadPoolExecutor(max_workers=4) as pool:
            outcomes = list(pool.map(compare, jobs))
        differ = [(name, seed, fresh, shared) for name, seed, fresh, shared in outcomes if fresh != shared]
        stage_differs = [row for row in differ if (row[2] or ("",))[0] != (row[3] or ("",))[0]]
        print(f"{len(folders)} fixtures × {len(arguments.seeds)} seeds: {len(differ)} verdicts differ "
              f"(failing stage or message), {len(stage_differs)} of them in the failing stage")
        for name, seed, fresh, shared in differ:
            print(f"  {name} seed {seed}:\n    fresh:  {fresh}\n    shared: {shared}")


if __name__ == "__main__":
    main()
