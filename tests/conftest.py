"""Shared helpers: a free port per run, and the tester run in-process on a solution folder."""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tester import ports
from tester.cli import main
from tester.ports import free_port

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
REFERENCE = FIXTURES / "reference"
STARTER = ROOT / "solution"
COURSE = ROOT / "stages.yaml"


def pytest_configure(config):
    """Each parallel worker (pytest-xdist) chooses ports from its own share of the range: no two collide.
    The course cache goes to a folder of the run's own, for the testers run in-process and as commands."""
    os.environ["XDG_CACHE_HOME"] = config._tester_cache = tempfile.mkdtemp(prefix="tester-test-cache-")
    # the servers run `python3`: this interpreter's own, not a version manager's shim in front of it (pyenv's
    # costs some 80 ms of CPU a start, and the suite starts thousands of servers)
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if worker.startswith("gw"):
        ports.share(int(worker[2:]), int(os.environ["PYTEST_XDIST_WORKER_COUNT"]))


# the modules whose tests wait longest, scheduled first so that no worker starts one of them at the end
SLOW_FIRST = ("test_serial_styles", "test_fixtures", "test_hostile", "test_demonstrations", "test_golden")


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: item.module.__name__ not in SLOW_FIRST)


def pytest_unconfigure(config):
    shutil.rmtree(getattr(config, "_tester_cache", ""), ignore_errors=True)


def pytest_addoption(parser):
    parser.addoption("--record-golden", action="store_true",
                     help="write tests/golden/*.txt from this run instead of comparing (see tests/test_golden.py)")


@dataclass
class TesterRun:
    code: int
    output: str
    report: dict
    port: int = 0
    errors: str = ""  # what went to stderr: a thread's traceback would show here

    def stage(self, slug: str) -> dict:
        return next(stage for stage in self.report["stages"] if stage["slug"] == slug)

    @property
    def failed(self) -> dict | None:
        return next((stage for stage in self.report["stages"] if stage["status"] == "failed"), None)


def run_tester(args: list[str], solution: Path, tmp_path: Path, capsys, course: Path = COURSE,
               seed: int = 1) -> TesterRun:
    report_path = tmp_path / f"report-{free_port()}.json"
    port = free_port()
    code = main([*args, "--course", str(course), "--solution", str(solution), "--port", str(port),
                 "--seed", str(seed), "--json", str(report_path), "--no-color", "--no-progress"])
    captured = capsys.readouterr()
    report = json.loads(report_path.read_text()) if report_path.exists() else {}
    return TesterRun(code, captured.out, report, port, captured.err)


@pytest.fixture
def tester(tmp_path, capsys):
    def run(*args: str, solution: Path = REFERENCE, course: Path = COURSE, seed: int = 1) -> TesterRun:
        return run_tester(list(args), solution, tmp_path, capsys, course, seed)
    return run


@pytest.fixture
def course_copy(tmp_path) -> Path:
    """A copy of the shipped course (manifest, descriptions, the applications its stages copy) to edit."""
    folder = tmp_path / "course"
    folder.mkdir()
    shutil.copy(COURSE, folder / "stages.yaml")
    shutil.copytree(ROOT / "stages", folder / "stages")
    shutil.copytree(ROOT / "wsgi", folder / "wsgi", ignore=shutil.ignore_patterns("__pycache__"))
    return folder / "stages.yaml"


def course_with(folder: Path, **defaults) -> Path:
    """The shipped course with other `defaults` (shorter waits), written into `folder`; its descriptions
    and the files its stages copy (`source`) still point at the real ones."""
    data = yaml.safe_load(COURSE.read_text())
    data["defaults"].update(defaults)
    for stage in (stage for track in data["tracks"] for stage in track["stages"]):
        stage["description"] = str(COURSE.parent / stage["description"])
        for rule in stage.get("files", {}).values():
            if isinstance(rule, dict) and "source" in rule:
                rule["source"] = str(COURSE.parent / rule["source"])
    path = folder / "stages.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def write_program(folder: Path, body: str) -> Path:
    """A solution folder whose executable your_program.sh is `#!/bin/sh` followed by `body`."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "your_program.sh"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return folder
