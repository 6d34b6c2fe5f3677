"""gunicorn and waitress as second references for the wsgi track: each stage of the track, run alone on
each of them through its launcher in fixtures/real/, which maps `--wsgi FILE:CALLABLE` onto the server's
own command line. Both are real WSGI servers by other authors, so a stage that fails one of them is
suspect until PEP 3333 says who is right; the verdicts are pinned here, each failure with that reasoning.

The servers come with the test extra of pyproject.toml; where one is not importable, its tests skip.
"""

from __future__ import annotations

import sys

import pytest

import real_course
from aftermath import assert_clean
from conftest import COURSE, FIXTURES
from tester.manifest.load import load_course

REAL = FIXTURES / "real"
SERVERS = ["gunicorn", "waitress"]
STAGES = [stage.slug for stage in load_course(COURSE).find_track("wsgi").stages]

# (server, stage) -> the words of its failure and why the stage is right; every other pair passes
FAILURES: dict[tuple[str, str], tuple[str, str]] = {}


def _params():
    for server in SERVERS:
        reason = real_course.missing(server)
        marks = [pytest.mark.skip(reason=reason)] if reason else []
        for slug in STAGES:
            yield pytest.param(server, slug, id=f"{server}-{slug}", marks=marks)


def test_every_pinned_failure_names_a_stage_of_the_track():
    assert all(server in SERVERS and slug in STAGES for server, slug in FAILURES)


@pytest.mark.parametrize(("server", "slug"), list(_params()))
def test_real_wsgi_server_verdict(tester, monkeypatch, server, slug):
    monkeypatch.setenv("PYTHON", sys.executable)  # the launchers' interpreter: this one, where the server is
    solution = REAL / server
    run = tester("stage", slug, "--only", solution=solution)
    assert_clean(run, solution)
    failure = FAILURES.get((server, slug))
    if failure is None:
        assert run.code == 0, run.output
        assert [stage["status"] for stage in run.report["stages"]] == ["passed"], run.output
    else:
        assert run.code == 1 and run.failed is not None and failure[0] in run.failed["message"], run.output
