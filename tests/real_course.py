"""The http11 track cut into one stage per check, for real servers by other authors (tests/test_real_servers.py).

Most probes of the http11 track ask only for `/`, which any server answers; the others need a route of the
course (/echo, /user-agent, /files, /stream, /api). `derive_course` writes a course whose stages are the
`/`-aimed probes, each alone: stage `<stage-slug>-<n>` holds probe n (counted from 1 in its stage) with the
stage's vars, files, directory and args, so that `tester stage SLUG --only` runs one check, and a failure of
one check does not hide the checks after it (as `tester test`, which stops at the first failure, would).

Run as a script, it prints the verdict of each check for each server given (folders with a your_program.sh):

    python tests/real_course.py fixtures/reference fixtures/real/gunicorn --port 7400
"""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "stages.yaml"
TRACK = "http11"
# the course's own routes: a probe that asks for one of them needs a server written for the course
COURSE_ROUTES = ("/echo", "/user-agent", "/files", "/stream", "/api")
_ABSOLUTE_FORM = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*")


def missing(server: str) -> str | None:
    """Why a real server of fixtures/real/ cannot run here (for a skip), or None."""
    if server == "node":
        return None if shutil.which("node") else "node is not installed here"
    if importlib.util.find_spec(server) is None:
        return f"{server} is not installed in this interpreter (pip install -e '.[test]' installs it)"
    return None


@dataclass(frozen=True)
class Check:
    slug: str  # of the derived stage: <stage-slug>-<n>
    stage: str  # the slug of the stage in stages.yaml
    number: int  # of the probe in its stage, from 1
    probe: dict  # as stages.yaml gives it


@dataclass
class Verdict:
    outcome: str  # pass, warn or fail
    message: str | None = None  # of the failure
    warnings: list[dict] = field(default_factory=list)  # {level, rfc, message, expected}, as the report has them


def targets(probe: dict) -> list[str | None]:
    """The request target of each request of a probe, None for raw bytes with no request line to read.
    A target in absolute form (http://host:port/path) counts by its path."""
    found: list[str | None] = []
    for step in probe.get("requests", []):
        send = step.get("send", {})
        if "raw" in send:
            words = str(send["raw"]).split("\r\n", 1)[0].split(" ")
            target = words[1] if len(words) > 1 else None
        else:
            target = str(send.get("target", "/"))
        if target is not None:
            target = _ABSOLUTE_FORM.sub("", target) or "/"
        found.append(target)
    return found


def aimed_at_root(probe: dict) -> bool:
    """True when no request of the probe needs a route of the course (a concurrency probe asks for /)."""
    return not any(target is not None and target.startswith(COURSE_ROUTES) for target in targets(probe))


def load(course: Path = COURSE) -> dict:
    return yaml.safe_load(course.read_text(encoding="utf-8"))


def checks(data: dict | None = None) -> list[Check]:
    """The `/`-aimed probes of the track, in course order."""
    data = load() if data is None else data
    track = next(track for track in data["tracks"] if track["slug"] == TRACK)
    return [Check(f"{stage['slug']}-{number}", stage["slug"], number, probe)
            for stage in track["stages"]
            for number, probe in enumerate(stage["probes"], start=1) if aimed_at_root(probe)]


def derive_course(folder: Path, course: Path = COURSE) -> Path:
    """Write the derived course into `folder` (its stages.yaml, descriptions pointing at the real files) and
    return its path."""
    data = load(course)
    track = next(track for track in data["tracks"] if track["slug"] == TRACK)
    stages = {stage["slug"]: stage for stage in track["stages"]}
    derived = []
    for check in checks(data):
        stage = stages[check.stage]
        entry = {"slug": check.slug, "title": f"{stage['title']}, check {check.number}",
                 "description": str((course.parent / stage["description"]).resolve())}
        for key in ("directory", "args", "vars", "files"):
            if key in stage:
                entry[key] = copy.deepcopy(stage[key])
        entry["probes"] = [copy.deepcopy(check.probe)]
        derived.append(entry)
    manifest = {key: copy.deepcopy(value) for key, value in data.items() if key not in ("tracks", "stages")}
    if "probe_modules" in manifest:
        manifest["probe_modules"] = [str((course.parent / module).resolve()) for module in manifest["probe_modules"]]
    manifest["tracks"] = [{"slug": track["slug"], "title": track["title"], "description": track.get("description", ""),
                           "stages": derived}]
    path = folder / "stages.yaml"
    path.write_text(yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def verdict(report: dict, slug: str) -> Verdict:
    """The verdict of one derived stage from the JSON report of its run."""
    stage = next((stage for stage in report.get("stages", []) if stage["slug"] == slug), None)
    if stage is None:
        return Verdict("fail", "no report of the stage (the tester did not run it)")
    if stage["status"] != "passed":
        return Verdict("fail", stage["message"] or stage["status"], stage["warnings"])
    return Verdict("warn" if stage["warnings"] else "pass", None, stage["warnings"])


def main(argv: list[str]) -> int:
    import argparse

    from tester.cli import main as tester

    parser = argparse.ArgumentParser(description="the verdict of each `/`-aimed http11 check for each server")
    parser.add_argument("servers", nargs="+", type=Path)
    parser.add_argument("--port", type=int, default=7400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write every verdict here")
    arguments = parser.parse_args(argv)
    results: dict[str, dict[str, dict]] = {}
    with tempfile.TemporaryDirectory(prefix="real-course-") as temporary:
        course = derive_course(Path(temporary))
        for server in arguments.servers:
            for check in checks():
                report = Path(temporary) / "report.json"
                report.unlink(missing_ok=True)
                tester(["stage", check.slug, "--only", "--course", str(course), "--solution", str(server),
                        "--no-progress", "--no-color", "--port", str(arguments.port), "--seed", str(arguments.seed),
                        "--json", str(report)])
                found = verdict(json.loads(report.read_text()) if report.exists() else {}, check.slug)
                results.setdefault(server.name, {})[check.slug] = found.__dict__
                print(f"### {server.name} {check.slug}: {found.outcome} {found.message or ''} "
                      f"{[(w['level'], w['message']) for w in found.warnings]}", file=sys.stderr)
    if arguments.json:
        arguments.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main(sys.argv[1:]))
