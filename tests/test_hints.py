"""Every usual mistake the course names gets a hint aimed at it, shown in the failure report.

Each mistake is made by one server under fixtures/; the test runs the stage that catches it and looks
for the hint's key words on the report's `hint:` line, so a verdict that lands on the right stage but
with a generic or wrong hint fails here. The course is the real one with shorter timeouts, so the cases
that wait (nothing listening, a body that never arrives) stay quick.
"""

from __future__ import annotations

import re
import shutil

import pytest

from conftest import FIXTURES, course_with

# mistake -> (fixture that makes it, stage that catches it, words the hint must contain)
MISTAKES = {
    "bare \\n line ends": ("bare-lf", "respond-200", "HTTP lines end with \\r\\n, not \\n alone"),
    "no blank line after the headers": ("no-blank-line", "respond-200", "write an empty line"),
    "Content-Length missing": ("no-content-length", "echo", "Send Content-Length"),
    "Content-Length too small": ("length-minus-one", "echo", "in bytes"),
    "Content-Length too large": ("length-plus-one", "echo", "Content-Length is larger than the body you sent"),
    "Content-Length in characters, not bytes": ("length-in-characters", "files-get", "not characters"),
    "body longer than declared": ("trailing-newline", "echo", "Content-Length is smaller than the body you sent"),
    "request assumed to fit one recv": ("one-recv", "concurrency", "one recv() may return only the first"),
    "request body assumed to fit one recv": ("post-one-recv", "files-post", "may arrive over several reads"),
    "listening on another port or interface": ("other-port", "bind", "listening on another port"),
    "exiting after the first connection": ("exits-after-first", "url-path", "in a loop"),
    "a serial server": ("serial", "concurrency", "one connection at a time"),
    "compression announced, not applied": ("x-gzip-not-applied", "gzip", "Compress the body"),
    "an uncaught exception (Python)": ("hostile-crash-after-first", "url-path",
                                       "it printed `RuntimeError: the server fell over on its second request`"),
    "a handler that throws (Node.js)": ("crash-node-header-case", "user-agent",
                                        "it printed `TypeError: Cannot read properties of undefined (reading "
                                        "'length')`"),
    "a panic in a connection's thread (Rust)": ("crash-rust-style-panic", "echo",
                                                'it printed "called `Option::unwrap()` on a `None` value"'),
    "a panic that ends the program (Go)": ("crash-go-style-panic", "url-path",
                                           "it printed `runtime error: index out of range [3] with length 3`"),
    # the REST track: hints the course gives in its manifest (`hint:`), and the burst probe's own
    "an API error that is not JSON": ("rest-404-empty-body", "api-empty", "Every answer of the API is JSON"),
    "a create answered 200": ("rest-create-200", "api-create", "answered 201 Created, not 200"),
    "Content-Length on a 204": ("rest-204-content-length", "api-delete", "forbids Content-Length (even 0)"),
    "ids counted from the items": ("rest-reuses-ids", "api-delete", "len(items) + 1 and max(ids) + 1"),
    "405 without Allow": ("rest-405-no-allow", "api-methods", "must list what it does support in Allow"),
    "a body type answered 400": ("rest-415-as-400", "api-bad-input", "Look at Content-Type before parsing the body"),
    "shared state without a lock": ("rest-racy-ids", "api-concurrent", "hold a lock (threading.Lock)"),
    "items kept in memory only": ("rest-memory-only", "api-restart", "save the items to a file"),
    "the next id not saved": ("rest-next-id-not-saved", "api-restart", "Save the next id with the items"),
    "saving only on SIGTERM": ("rest-saves-on-exit", "api-crash", "SIGKILL gives a program no time to save"),
    # the static-site track
    "one type for every file": ("static-octet-stream-all", "static-types", "Take the type from the file's extension"),
    "index.html at the top only": ("static-index-top-only", "static-index", "in every folder, not only at the top"),
    "a name looked up still encoded": ("static-names-undecoded", "static-names", "Decode the path"),
    "traversal blocked for a plain .. only": ("static-plain-dotdot-only", "static-escape", "Decode the name first"),
    "a file read with one read()": ("static-one-read", "static-large", "f.read() with no size"),
    "Content-Range one past the end": ("static-range-off-by-one", "static-ranges", "includes both ends"),
    # the HTTP/1.1 conformance track
    "Host not checked": ("h11-no-host-check", "host", "exactly one Host header"),
    "absolute-form not routed": ("h11-absolute-form-404", "host", "Route on its path"),
    "whitespace before the colon": ("h11-space-before-colon", "header-fields", "with no whitespace before it"),
    "Content-Length read with int()": ("h11-int-content-length", "message-framing", "one or more digits and nothing"),
    "Content-Length over Transfer-Encoding": ("h11-cl-over-te", "message-framing", "A request ends where its framing"),
    "a chunk size in 64 bits": ("h11-chunk-size-64bit", "chunked-requests", "parse it without overflowing"),
    "chunk extensions refused": ("h11-chunk-extensions", "chunked-requests", "may be followed by"),
    "no 100 Continue": ("h11-no-100-continue", "expect-continue", "write HTTP/1.1 100 Continue"),
    "chunked sent to HTTP/1.0": ("h11-chunked-to-http10", "chunked-responses", "cannot read chunked"),
    # the wsgi track
    "the reason phrase rebuilt": ("wsgi-standard-reason", "wsgi-call", "with the status string start_response"),
    "PATH_INFO left encoded": ("wsgi-path-undecoded", "wsgi-environ", "PATH_INFO is the path"),
    "wsgi.input without an end": ("wsgi-input-never-ends", "wsgi-input", "act as if it ended"),
    "close() never called": ("wsgi-never-closes", "wsgi-cleanup", "call it once the"),
}


@pytest.fixture(scope="module")
def quick_course(tmp_path_factory):
    """stages.yaml with short waits; descriptions still point at the real stages/ files."""
    return course_with(tmp_path_factory.mktemp("course"), ready_timeout=2, response_timeout=1, close_timeout=0.5)


def test_every_fixture_named_exists():
    for fixture, _, _ in MISTAKES.values():
        assert (FIXTURES / fixture / "your_program.sh").is_file(), fixture


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_mistake_gets_its_hint(tester, quick_course, mistake):
    fixture, slug, words = MISTAKES[mistake]
    if (FIXTURES / fixture / "server.js").is_file() and shutil.which("node") is None:
        pytest.skip(f"{fixture} is written for node, which is not installed here")
    run = tester("stage", slug, "--only", solution=FIXTURES / fixture, course=quick_course)
    assert run.code == 1, run.output
    assert run.failed is not None and run.failed["slug"] == slug, run.output
    shown = re.findall(r"^  hint: (.*)$", run.output, flags=re.MULTILINE)
    assert len(shown) == 1, run.output
    assert words in shown[0], f"{mistake}: hint was {shown[0]!r}"
    # the rest of the one-screen report: the reproducing command, the bytes, what was expected
    if slug != "bind":
        sent = "\n  sent" in run.output or "\n  would have sent" in run.output  # "would": connection refused
        assert "\n  reproduce: " in run.output and sent, run.output
    assert "\n  expected: " in run.output, run.output


def _response(raw: bytes):
    from tester.http11 import ResponseReader

    reader = ResponseReader()
    reader.expect_response_to("GET")
    reader.feed(raw)
    return reader.next_response()


def test_a_length_that_fits_a_wrong_body_blames_the_body():
    from tester import expectations, hints
    from tester.errors import StageFailure
    from tester.manifest.models import Expect

    expect = Expect(status=200, headers={"Content-Length": "{agent|len}"}, body="{agent}")
    response = _response(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    with pytest.raises(StageFailure) as caught:
        expectations.check(response, expect, {"agent": "curl/8"})
    assert caught.value.message.startswith("Content-Length is '0', expected '6'")
    assert caught.value.hint == hints.LENGTH_FITS_WRONG_BODY
    assert caught.value.evidence[0].label == "expected body" and caught.value.evidence[0].data == b"curl/8"


def test_a_length_that_does_not_fit_its_body_keeps_the_length_hint():
    from tester import expectations, hints
    from tester.errors import StageFailure
    from tester.manifest.models import Expect

    expect = Expect(status=200, headers={"Content-Length": "{agent|len}"}, body="{agent}")
    response = _response(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\ncurl/8")
    with pytest.raises(StageFailure) as caught:
        expectations.check(response, expect, {"agent": "curl/8"}, after=b"8")
    assert caught.value.hint == hints.CONTENT_LENGTH
