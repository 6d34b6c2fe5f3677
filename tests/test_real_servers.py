"""Real servers by other authors on the http11 track: gunicorn, waitress and Node's http module, each serving a
two-byte 200 to every request (fixtures/real/), run on every check of the track that asks only for `/`.

tests/real_course.py cuts the track into one stage per such check, so that each runs alone (`tester stage
SLUG --only`) and one failure hides nothing after it. The verdict of each (server, check) is pinned here:
pass, warn (the should/may mismatches, level and words) or fail (the words of the failure), and each failure
names who is right by the RFC. docs/conformance.md is the same table for people, with the bytes of every
failing MUST. A check added to the track has no verdict here until someone runs it and writes one down.

The verdicts were taken with gunicorn 27.0.1 and waitress 3.0.2 (the versions the test extra of
pyproject.toml pins) and Node 20.20. Where gunicorn or waitress is not importable, or `node` is not
installed, that server's tests skip, with the reason.
"""

from __future__ import annotations

import sys

import pytest

import real_course
from aftermath import assert_clean
from conftest import FIXTURES

REAL = FIXTURES / "real"
CHECKS = [check.slug for check in real_course.checks()]

PASS = ("pass",)


def warn(*warnings: tuple[str, str]) -> tuple:
    """Passed, with these mismatches of should/may checks: (level, words of the message), in order."""
    return ("warn", *warnings)


def fail(words: str, why: str) -> tuple:
    """Failed, its message holding `words`; `why` says who is right, by the RFC."""
    return ("fail", words, why)


HOST_400 = "RFC 9112 §3.2: a request without Host, with two, or with an invalid one MUST get 400; the server is wrong"

# server -> check -> verdict
VERDICTS: dict[str, dict[str, tuple]] = {
    "gunicorn": {
        "request-line-1": PASS,
        "request-line-2": PASS,
        "request-line-3": PASS,
        "request-line-5": PASS,
        "request-line-6": PASS,
        "host-1": fail("expected status code 400, got 200", HOST_400),
        "host-2": PASS,
        "host-3": fail("expected status code 400, got 200", HOST_400),
        "host-5": PASS,
        "header-fields-1": PASS,
        "message-framing-1": PASS,
        "message-framing-2": PASS,
        "message-framing-3": PASS,
        "message-framing-4": PASS,
        "message-framing-7": PASS,
        "message-framing-8": PASS,
        "message-framing-9": PASS,
        "versions-2": PASS,
        "versions-3": PASS,
        "versions-4": fail("the status line does not start with HTTP/1.1",
                           "RFC 9110 §6.2: a server MUST NOT send a version it does not conform to; gunicorn "
                           "echoes the request's HTTP/1.9; the server is wrong"),
        "versions-5": PASS,
        "methods-1": warn(("should", "got 200")),
        "limits-1": PASS,
        "limits-2": PASS,
        "limits-3": PASS,
        "limits-4": PASS,
    },
    "waitress": {
        "request-line-1": warn(("should", "got 200")),
        "request-line-2": PASS,
        "request-line-3": PASS,
        "request-line-5": warn(("should", "got 200")),
        "request-line-6": PASS,
        "host-1": fail("expected status code 400, got 200", HOST_400),
        "host-2": fail("expected status code 400, got 200", HOST_400),
        "host-3": fail("expected status code 400, got 200", HOST_400),
        "host-5": PASS,
        "header-fields-1": PASS,
        "message-framing-1": PASS,
        "message-framing-2": PASS,
        "message-framing-3": PASS,
        "message-framing-4": PASS,
        "message-framing-7": PASS,
        "message-framing-8": PASS,
        "message-framing-9": PASS,
        "versions-2": PASS,
        "versions-3": PASS,
        "versions-4": warn(("should", "the status line says HTTP/1.0, not HTTP/1.1")),
        "versions-5": warn(("should", "got 200")),
        "methods-1": warn(("should", "got 200")),
        "limits-1": PASS,
        "limits-2": PASS,
        "limits-3": PASS,
        "limits-4": PASS,
    },
    "node": {
        "request-line-1": warn(("should", "got 200")),
        "request-line-2": PASS,
        "request-line-3": PASS,
        "request-line-5": PASS,
        "request-line-6": fail("expected status 200, 404 or 414, got 431",
                               "RFC 9112 §3: a request-target longer than the server will parse MUST get 414; Node "
                               "answers 431 (and then resets); the server is wrong"),
        "host-1": PASS,
        "host-2": fail("expected status code 400, got 200", HOST_400),
        "host-3": fail("expected status code 400, got 200", HOST_400),
        "host-5": PASS,
        "header-fields-1": PASS,
        "message-framing-1": PASS,
        "message-framing-2": PASS,
        "message-framing-3": PASS,
        "message-framing-4": PASS,
        "message-framing-7": PASS,
        "message-framing-8": warn(("should", "got 200")),
        "message-framing-9": PASS,
        "versions-2": PASS,
        "versions-3": PASS,
        "versions-4": warn(("should", "got 400")),
        "versions-5": warn(("should", "got 200")),
        "methods-1": warn(("should", "got 400")),
        "limits-1": PASS,
        "limits-2": PASS,
        "limits-3": PASS,
        "limits-4": PASS,
    },
}


def _params():
    for server, verdicts in VERDICTS.items():
        reason = real_course.missing(server)
        marks = [pytest.mark.skip(reason=reason)] if reason else []
        for slug in verdicts:
            yield pytest.param(server, slug, id=f"{server}-{slug}", marks=marks)


@pytest.fixture(scope="module")
def derived(tmp_path_factory):
    return real_course.derive_course(tmp_path_factory.mktemp("real-course"))


@pytest.mark.parametrize("server", list(VERDICTS))
def test_every_check_has_a_verdict(server):
    assert list(VERDICTS[server]) == CHECKS


def test_the_derived_course_holds_only_checks_aimed_at_the_root():
    checks = real_course.checks()
    assert len(checks) >= 20
    for check in checks:
        for target in real_course.targets(check.probe):
            assert target is None or not target.startswith(real_course.COURSE_ROUTES), (check.slug, target)


@pytest.mark.parametrize(("server", "slug"), list(_params()))
def test_real_server_verdict(tester, derived, monkeypatch, server, slug):
    monkeypatch.setenv("PYTHON", sys.executable)  # the launchers' interpreter: this one, where gunicorn was found
    solution = REAL / server
    run = tester("stage", slug, "--only", solution=solution, course=derived)
    assert_clean(run, solution)
    found = real_course.verdict(run.report, slug)
    expected = VERDICTS[server][slug]
    assert found.outcome == expected[0], f"{found.outcome}: {found.message} {found.warnings}\n{run.output}"
    if found.outcome == "fail":
        assert expected[1] in found.message, found.message
    elif found.outcome == "warn":
        assert [warning["level"] for warning in found.warnings] == [level for level, _ in expected[1:]], found.warnings
        for warning, (_, words) in zip(found.warnings, expected[1:]):
            assert words in warning["message"], warning["message"]
