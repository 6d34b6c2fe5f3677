"""Demonstrations of the manifest language: small courses that use every key, run against small servers.

Each folder in tests/demonstrations/ holds a course (`stages.yaml`, its `stages/*.md`), one server
(`server.py`) and `cases.yaml`. The server, started with no `--defect`, passes every stage; started with
`--defect NAME` it breaks one behaviour, and `cases.yaml` says at which stage that must fail and with what
words in the message, and which manifest keys that failure demonstrates:

    warnings: [words of a warning the passing server gets]      # optional
    fail:
      - defect: wrong-status
        stage: status-sets
        message: "expected status 403 or 404"
        keys: [status]
        args: [--track, extra-b]       # optional: more arguments of `tester test`

The last test holds the demonstrations to the language: every key the manifest models define must be
used in some demonstration course, and every key named in NEW_KEYS must be caught failing by some case.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import write_program
from tester.manifest import models
from tester.manifest.load import load_course

HERE = Path(__file__).resolve().parent / "demonstrations"
DEMOS = sorted(path for path in HERE.iterdir() if (path / "cases.yaml").is_file()) if HERE.is_dir() else []

# The keys issues 11, 13, 14 and 15 added to the language; each must fail a broken server in some case.
NEW_KEYS = {
    # what a check can say
    "status", "one_of", "matches", "tokens", "date", "present", "body_contains", "body_excludes", "json",
    "$any", "$match", "$unordered", "$is", "$partial", "framing", "capture", "level", "rfc", "or_close",
    "also", "continued",
    # requests as data
    "chunks", "trailers", "pipelined", "expect_continue", "HEAD", "|slice", "|sha256", "|json",
    # stage and program
    "args", "mtime", "symlink", "source", "../", "restart", "tracks", "requires",
    # issue 13 (the REST track)
    "$not", "$number", "$all", "optional", "hint", "pattern",
    # issue 14 (the static-site track)
    "when_status",
    # issue 15 (the HTTP/1.1 conformance track)
    "version", "or_silence", "if_present",
    # issue 16 (the WSGI track)
    "streamed", "output_contains", "hang-up",
}


def _cases(demo: Path) -> dict:
    return yaml.safe_load((demo / "cases.yaml").read_text()) or {}


def _solution(tmp_path: Path, demo: Path, defect: str | None) -> Path:
    flag = f" --defect {defect}" if defect else ""
    return write_program(tmp_path / (defect or "pass"), f'exec python3 -u "{demo / "server.py"}"{flag} "$@"\n')


@pytest.mark.parametrize("demo", DEMOS, ids=[demo.name for demo in DEMOS])
def test_the_server_passes_every_stage(demo, tester, tmp_path):
    run = tester("test", solution=_solution(tmp_path, demo, None), course=demo / "stages.yaml")
    assert run.code == 0, run.output
    assert all(stage["status"] == "passed" for stage in run.report["stages"]), run.output
    for words in _cases(demo).get("warnings", []):
        assert words in run.output, f"expected a warning with {words!r}:\n{run.output}"


CASES = [(demo, case) for demo in DEMOS for case in _cases(demo).get("fail", [])]


@pytest.mark.parametrize("demo,case", CASES, ids=[f"{demo.name}-{case['defect']}" for demo, case in CASES])
def test_each_defect_fails_its_stage(demo, case, tester, tmp_path):
    run = tester("test", *case.get("args", []), solution=_solution(tmp_path, demo, case["defect"]),
                 course=demo / "stages.yaml")
    assert run.code != 0, run.output
    assert run.failed is not None and run.failed["slug"] == case["stage"], run.output
    assert case["message"] in run.output, run.output


def _keys_used(node) -> set[str]:
    if isinstance(node, dict):
        return {str(key) for key in node} | {key for value in node.values() for key in _keys_used(value)}
    if isinstance(node, list):
        return {key for item in node for key in _keys_used(item)}
    return set()


def _model_keys() -> set[str]:
    found: set[str] = set()
    for model in (models.Request, models.HeaderRule, models.Expect, models.Capture, models.Step,
                  models.FileSpec, models.Stage, models.Track, models.Course):
        found |= {field.alias or name for name, field in model.model_fields.items()}
    return found


def test_every_key_is_demonstrated():
    used: set[str] = set()
    text = ""
    for demo in DEMOS:
        load_course(demo / "stages.yaml")  # every demonstration course is a valid course
        raw = (demo / "stages.yaml").read_text()
        text += raw
        used |= _keys_used(yaml.safe_load(raw))
    unused = _model_keys() - used - {"stages", "description", "directory", "decode", "pieces", "piece_pause",
                                     "raw", "defaults", "probe_modules"}
    assert not unused, f"keys of the models that no demonstration uses: {sorted(unused)}"
    caught = {key for demo in DEMOS for case in _cases(demo).get("fail", []) for key in case.get("keys", [])}
    assert NEW_KEYS <= caught, f"new keys that no failing case demonstrates: {sorted(NEW_KEYS - caught)}"
