"""Flakiness: run the whole course many times in a row and report every stage whose verdict changed.

A verdict that depends on timing or luck rather than on the server is a tester bug, and one run in fifty
is enough to make a learner distrust every red line. This runs `tester test` as a learner would (a fresh
process, a fresh free port, a different seed each run: 1, 2, 3, ... from --first-seed) against one
solution, the reference by default, and records each stage's status. At the end it prints, for every
stage that did not get the same status in every run, the seeds of each status and the failure messages,
and the beginning of the output of any run that wrote no report (a crash or a hang of the tester),
then the totals. With --keep DIR the full output of each run that disagreed is saved there to read.

    python benchmarks/flakiness.py [--runs 50] [--first-seed 1] [--solution fixtures/reference] [--keep DIR]

Exit status 0 when every stage had one verdict throughout and every run wrote its report, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from tester.ports import free_port

ROOT = Path(__file__).resolve().parent.parent
RUN_LIMIT = 300  # seconds; the tester bounds every wait, so a run this long is itself a finding


def one_run(solution: Path, seed: int) -> tuple[dict[str, tuple[str, str]] | None, str]:
    """({slug: (status, message)} or None when the run gave no report, the run's output)."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        command = [sys.executable, "-m", "tester", "test", "--no-progress", "--solution", str(solution), "--port",
                   str(free_port()), "--seed", str(seed), "--json", str(report), "--no-color"]
        tester = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            stdout, _ = tester.communicate(timeout=RUN_LIMIT)
        except subprocess.TimeoutExpired:
            tester.terminate()  # the tester takes SIGTERM as Ctrl-C and stops the program it started
            try:
                stdout, _ = tester.communicate(timeout=5)
            except subprocess.TimeoutExpired:
                tester.kill()
                stdout, _ = tester.communicate()
            return None, f"no verdict within {RUN_LIMIT} s\n{stdout}"
        output = f"exit status {tester.returncode}\n{stdout}"
        if not report.exists():
            return None, output
        stages = json.loads(report.read_text())["stages"]
        return {stage["slug"]: (stage["status"], stage["message"] or "") for stage in stages}, output


def by_status_of(by_status: dict[str, list[int]], seed: int) -> str:
    return next(status for status, found in by_status.items() if seed in found)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--solution", type=Path, default=ROOT / "fixtures" / "reference")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="save the output of runs that disagreed here")
    arguments = parser.parse_args()
    solution = arguments.solution.resolve()
    seeds = range(arguments.first_seed, arguments.first_seed + arguments.runs)

    verdicts: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    messages: dict[tuple[str, int], str] = {}
    outputs: dict[int, str] = {}
    no_report: list[int] = []
    started = time.perf_counter()
    for seed in seeds:
        results, outputs[seed] = one_run(solution, seed)
        if results is None:
            no_report.append(seed)
            print(f"seed {seed}: no JSON report ({outputs[seed].splitlines()[0]})", flush=True)
            continue
        for slug, (status, message) in results.items():
            verdicts[slug][status].append(seed)
            if message:
                messages[slug, seed] = message
        failed = [slug for slug, (status, _) in results.items() if status == "failed"]
        print(f"seed {seed}: " + (f"failed at {', '.join(failed)}" if failed else "no stage failed"), flush=True)
    elapsed = time.perf_counter() - started

    # A run's verdict is the first stage it failed; stages after it not running is a consequence, not a change.
    run_verdicts = {seed: next((f"failed at {slug}" for slug, by_status in verdicts.items() if seed in by_status.get("failed", ())),
                               "every stage passed") for seed in seeds if seed not in no_report}
    usual = Counter(run_verdicts.values()).most_common(1)[0][0] if run_verdicts else None
    odd_seeds = set(no_report) | {seed for seed, verdict in run_verdicts.items() if verdict != usual}
    changed = {slug: by_status for slug, by_status in verdicts.items() if len(set(by_status) - {"not-run"}) > 1}
    print()
    if usual is not None:
        print(f"usual verdict: {usual}")
    for slug, by_status in changed.items():
        print(f"stage {slug}: verdict changed; " + ", ".join(
            f"{status} in {len(found)} runs" for status, found in by_status.items() if status != "not-run"))
        majority = max(by_status, key=lambda status: len(by_status[status]))
        for seed in sorted(seed for status, found in by_status.items() if status not in (majority, "not-run")
                           for seed in found):
            print(f"    seed {seed}: {messages.get((slug, seed), by_status_of(by_status, seed))}")
    for seed in no_report:
        print(f"seed {seed}: the run wrote no JSON report; its output began:")
        print("".join(f"    {line}\n" for line in outputs[seed].splitlines()[:15]), end="")
    if arguments.keep and odd_seeds:
        arguments.keep.mkdir(parents=True, exist_ok=True)
        for seed in odd_seeds:
            (arguments.keep / f"seed-{seed}.txt").write_text(outputs[seed])
        print(f"the full output of those runs is in {arguments.keep}")
    statuses = Counter(status for by_status in verdicts.values() for status, found in by_status.items()
                       for _ in found)
    print(f"{len(seeds)} runs (seeds {seeds.start}..{seeds.stop - 1}) of {solution.name} in {elapsed:.1f} s; "
          f"{len(verdicts)} stages; stage verdicts: "
          + ", ".join(f"{count} {status}" for status, count in sorted(statuses.items())))
    print(f"stages whose verdict changed: {len(changed)}; runs without a report: {len(no_report)}; "
          f"runs that disagreed: {len(odd_seeds)}" + (f" (seeds {sorted(odd_seeds)})" if odd_seeds else ""))
    return 1 if odd_seeds else 0


if __name__ == "__main__":
    sys.exit(main())
