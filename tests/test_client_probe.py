"""The `client` probe: what it checks through the requests library, and every key it refuses at load time
because the library hides the bytes on the wire (it would silently not check them)."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from tester.errors import StageFailure
from tester.probes.client import ClientProbe

from scripted_server import Server, run_probe


def answering(status: str = "200 OK", body: bytes = b"hello", headers: str = ""):
    def serve(peer):
        while peer.read() is not None:
            peer.answer(status, body, headers)
    return serve


def client(expect: dict, send: dict | None = None, **step) -> dict:
    return {"kind": "client", "requests": [{"send": send or {"target": "/"}, "expect": expect, **step}]}


@pytest.mark.parametrize("step,key", [
    (client({"headers": {"Date": {"present": True}}}), "expect.headers.Date (a rule)"),
    (client({"headers": {"Vary": {"tokens": ["a"]}}}), "expect.headers.Vary (a rule)"),
    (client({"headers": {"Allow": {"one_of": ["GET"]}}}), "expect.headers.Allow (a rule)"),
    (client({"headers": {"ETag": {"matches": "x"}}}), "expect.headers.ETag (a rule)"),
    (client({"headers": {"Date": {"date": True}}}), "expect.headers.Date (a rule)"),
    (client({"headers": {"Vary": {"token": "a"}}}), "expect.headers.Vary (a rule)"),
    (client({"body_contains": ["x"]}), "expect.body_contains"),
    (client({"body_excludes": ["x"]}), "expect.body_excludes"),
    (client({"json": {"a": 1}}), "expect.json"),
    (client({"absent": ["Server"]}), "expect.absent"),
    (client({"reason": "OK"}), "expect.reason"),
    (client({"decode": "gzip"}), "expect.decode"),
    (client({"framing": "chunked"}), "expect.framing"),
    (client({"continued": False}), "expect.continued"),
    (client({"then": "open"}), "expect.then"),
    (client({"files": {"a.txt": "x"}}), "expect.files"),
    (client({"or_close": True}), "expect.or_close"),
    (client({}, also=[{"status": 200}]), "also"),
    (client({}, capture={"id": {"header": "X-Id"}}), "capture"),
    (client({}, {"raw": "GET / HTTP/1.1\r\n\r\n"}), "send.raw"),
    (client({}, {"method": "POST", "body": "x", "chunks": 2}), "send.chunks"),
    (client({}, {"method": "POST", "body": "x", "expect_continue": True}), "send.expect_continue"),
    (client({}, {"pieces": 3}), "send.pieces"),
])
def test_every_key_the_client_cannot_honour_is_refused_at_load_time(step, key):
    with pytest.raises(ValidationError) as caught:
        ClientProbe.model_validate(step)
    message = str(caught.value)
    assert re.search(rf"requests\[0\] uses {re.escape(key)}, which the client probe cannot do or check", message)
    assert "Move that to an exchange probe" in message


def test_what_it_can_check_loads():
    ClientProbe.model_validate(client({"status": [200, 404], "headers": {"Content-Type": "text/plain"},
                                       "body": "x", "level": "should", "rfc": "RFC 9110 §15"},
                                      {"method": "POST", "target": "/a", "headers": {"X": "y"}, "body": "x"}))
    ClientProbe.model_validate(client({"continued": None, "absent": [], "or_close": False}))  # defaults, spelled


def test_a_should_status_mismatch_is_a_warning_and_the_probe_goes_on():
    probe = {"kind": "client", "requests": [
        {"send": {"target": "/"}, "expect": {"status": 201, "level": "should", "rfc": "RFC 9110 §15.3.2"}},
        {"send": {"target": "/"}, "expect": {"status": 200, "body": "hello"}}]}
    with Server(answering()) as server:
        context, _ = run_probe(server, probe)
    [warning] = context.warnings
    assert warning.level == "should" and warning.rfc == "RFC 9110 §15.3.2"
    assert warning.message == "through requests, request 1: status 200, expected 201 (RFC 9110 §15.3.2)"


def test_a_may_body_mismatch_is_kept_among_the_warnings():
    with Server(answering()) as server:
        context, _ = run_probe(server, client({"status": 200, "body": "other", "level": "may"}))
    assert [warning.level for warning in context.warnings] == ["may"]


def test_a_must_mismatch_still_fails_with_its_level_and_rfc():
    with Server(answering("404 Not Found")) as server:
        with pytest.raises(StageFailure) as caught:
            run_probe(server, client({"status": 200, "rfc": "RFC 9110 §15"}))
    assert caught.value.level == "must"
    assert caught.value.message == "through requests, request 1: status 404, expected 200 (RFC 9110 §15)"


def test_a_plain_content_length_is_compared_not_skipped():
    with Server(answering()) as server:
        run_probe(server, client({"headers": {"Content-Length": "5"}}))
        with pytest.raises(StageFailure) as caught:
            run_probe(server, client({"headers": {"Content-Length": "6"}}))
    assert caught.value.message == "through requests, request 1: Content-Length is '5', expected '6'"


def test_a_missing_header_says_so():
    with Server(answering()) as server:
        with pytest.raises(StageFailure) as caught:
            run_probe(server, client({"headers": {"X-Thing": "a"}}))
    assert caught.value.message == "through requests, request 1: the client saw no X-Thing header (expected X-Thing: a)"
