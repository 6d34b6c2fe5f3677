"""The concurrency stage must fail every serial server, whatever its style, with every seed.

A server that serves one connection at a time can be written many ways: a plain accept loop, the same
with keep-alive, a selectors or asyncio loop that serves one client to its end, threads serialised by a
lock (taken at once, or only after the first recv), a pool with one worker, a stack of connections
served newest first. The stage's proof (tester/probes/concurrency.py) must leave none of them a lucky
seed: each `fixtures/serial-*` style (and x-keep-alive-serial) runs `tester stage concurrency --only`
with several seeds and must fail every time, with the message its fixture.yaml declares. Seeds 29, 46
and 57 are ones where an earlier proof, which opened every connection at once, let serial-newest-first
pass.

A style's runs go in parallel, as separate `tester` processes: a serial server spends most of its run
waiting out the answer timeout, so this costs far less than the runs one after another. Each style is its
own test, so parallel test workers share the styles out and no run happens twice.
"""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES, ROOT, free_port

SEEDS = (1, 2, 29, 46, 57)
STYLES = sorted([*FIXTURES.glob("serial*/fixture.yaml"), FIXTURES / "x-keep-alive-serial" / "fixture.yaml"])
RUN_LIMIT = 60  # seconds; far beyond the stage's own bounds, so hitting it means the tester hung


def run_concurrency_stage(folder: Path, seed: int, report: Path) -> tuple[int, str, dict]:
    command = [sys.executable, "-m", "tester", "stage", "concurrency", "--only", "--no-progress", "--solution", str(folder),
               "--port", str(free_port()), "--seed", str(seed), "--json", str(report), "--no-color"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=RUN_LIMIT)
    data = json.loads(report.read_text()) if report.exists() else {}
    return result.returncode, result.stdout + result.stderr, data


def test_there_are_several_serial_styles():
    assert len(STYLES) >= 8
    for spec in STYLES:
        assert yaml.safe_load(spec.read_text())["fails_at"] == "concurrency", spec


@pytest.mark.parametrize("spec", STYLES, ids=lambda spec: spec.parent.name)
def test_concurrency_stage_fails_the_serial_style_with_every_seed(spec, tmp_path):
    message = yaml.safe_load(spec.read_text())["message"]
    with ThreadPoolExecutor(max_workers=len(SEEDS)) as pool:
        runs = list(pool.map(lambda seed: run_concurrency_stage(spec.parent, seed, tmp_path / f"{seed}.json"), SEEDS))
    for seed, (code, output, report) in zip(SEEDS, runs):
        assert code == 1, f"seed {seed}: exit {code}\n{output}"
        assert "Traceback" not in output, output
        [stage] = report["stages"]
        assert stage["slug"] == "concurrency" and stage["status"] == "failed", f"seed {seed}: {stage}"
        assert message in stage["message"], f"seed {seed}: {stage['message']}"
