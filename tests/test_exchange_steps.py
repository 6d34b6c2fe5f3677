"""Steps of an exchange against scripted servers: captures used later in the stage, refusals (`or_close`),
`Expect: 100-continue`, chunked bodies and HEAD."""

from __future__ import annotations

import json
import re
import socket
import struct
import time

import pytest
from pydantic import ValidationError

from tester import hints
from tester.errors import StageFailure
from tester.probes.exchange import ExchangeProbe

from scripted_server import Server, notes, run_probe


def failure_of(server, probe, values=None, **options) -> StageFailure:
    with pytest.raises(StageFailure) as caught:
        run_probe(server, probe, values, **options)
    return caught.value


# --------------------------------------------------------------------------- captures


def items_api(peer):
    """POST /items creates item 7 (Location and JSON); GET /items/7 reads it back."""
    while (request := peer.read()) is not None:
        if request.method == "POST":
            body = json.dumps({"id": 7, "name": json.loads(request.body)["name"], "tags": ["x"]}).encode()
            peer.answer("201 Created", body, "Location: /items/7\r\nContent-Type: application/json\r\n")
        elif request.target == "/items/7":
            peer.answer(body=b"item 7: token=abc123;")
        else:
            peer.answer("404 Not Found")


CREATE = {"send": {"method": "POST", "target": "/items", "body": '{{"name": {name|json}}}'},
          "expect": {"status": 201},
          "capture": {"where": {"header": "Location"}, "id": {"json": "$.id"}, "tags": {"json": "$.tags"}}}


def test_captured_values_are_used_by_later_requests_and_expectations_and_later_probes():
    read = {"send": {"target": "{where}"}, "expect": {"status": 200, "body_contains": ["item {id}"]},
            "capture": {"token": {"body": "token=(\\w+);"}}}
    with Server(items_api) as server:
        context, events = run_probe(server, {"kind": "exchange", "requests": [CREATE, read]}, {"name": 'a "b"'})
        run_probe(server, {"kind": "exchange", "requests": [
            {"send": {"target": "/items/{id}", "headers": {"X-Token": "{token}"}}, "expect": {"status": 200}}]},
            context.values)
    assert context.values["where"] == b"/items/7" and context.values["id"] == "7"
    assert context.values["tags"] == '["x"]' and context.values["token"] == b"abc123"
    assert "captured {where} = '/items/7' from the Location header" in notes(events)
    assert "captured {id} = '7' from $.id" in notes(events)
    assert server.peers[1].reads[0].startswith(b"GET /items/7 HTTP/1.1\r\n")
    assert b"X-Token: abc123\r\n" in server.peers[1].reads[0]


def test_a_captured_lone_surrogate_renders_in_later_requests():
    def api(peer):
        peer.read()
        peer.answer("201 Created", b'{"id": "\\ud800"}', "Content-Type: application/json\r\n")
        request = peer.read()
        peer.answer(body=request.body)
        peer.read()

    probe = {"kind": "exchange", "requests": [
        {"send": {"method": "POST", "target": "/items", "body": "x"}, "expect": {"status": 201},
         "capture": {"id": {"json": "$.id"}}},
        {"send": {"method": "POST", "target": "/items/{id}", "body": '{{"id": {id|json}}}'},
         "expect": {"status": 200, "body": '{{"id": {id|json}}}'}}]}
    with Server(api) as server:
        context, events = run_probe(server, probe)
    assert context.values["id"] == "\ud800"
    assert b"POST /items/\xed\xa0\x80 HTTP/1.1\r\n" in b"".join(server.peers[0].reads)
    assert b'{"id": "\\ud800"}' in b"".join(server.peers[0].reads)


def test_a_capture_that_finds_nothing_fails_the_stage_with_the_connection_named():
    probe = {"kind": "exchange", "requests": [{**CREATE, "capture": {"item": {"header": "X-Item"}}}]}
    with Server(items_api) as server:
        failure = failure_of(server, probe, {"name": "n"})
    assert failure.message == "connection #1: the response has no X-Item header to take {item} from"
    assert failure.hint == hints.CAPTURE_HEADER
    assert failure.evidence[0].label == "sent (POST /items)"


def test_a_capture_is_not_taken_from_a_response_that_failed_its_checks():
    probe = {"kind": "exchange", "requests": [{**CREATE, "expect": {"status": 200}}]}
    with Server(items_api) as server:
        failure = failure_of(server, probe, {"name": "n"})
    assert "expected status code 200, got 201" in failure.message


@pytest.mark.parametrize("requests,words", [
    ([{"send": {"target": "/items/{id}"}, "expect": {}}, {"send": {}, "expect": {}, "capture": {"id": {"json": "$.id"}}}],
     "requests[0] uses {id}, which requests[1] captures only after a later request's response"),
    ([{"send": {}, "expect": {"body": "{id}"}, "capture": {"id": {"json": "$.id"}}}],
     "requests[0] uses {id}, which requests[0] captures only after its own response is checked"),
    ([{"send": {"method": "HEAD"}, "expect": {"body_contains": ["x"]}}],
     "requests[0] is a HEAD request, whose response has no body (RFC 9110 §9.3.2): body_contains cannot hold"),
    ([{"send": {"method": "HEAD"}, "expect": {"json": {}}}], "json cannot hold"),
])
def test_what_cannot_work_in_any_order_is_a_load_error(requests, words):
    with pytest.raises(ValidationError, match=re.escape(words)):
        ExchangeProbe.model_validate({"kind": "exchange", "requests": requests})


def test_a_head_step_may_expect_an_empty_body_and_the_get_length():
    def head(peer):
        while (request := peer.read()) is not None:
            peer.answer(body=b"hello", head_only=request.method == "HEAD")

    probe = {"kind": "exchange", "requests": [
        {"send": {"method": "HEAD"}, "expect": {"status": 200, "body": "", "headers": {"Content-Length": "5"}}},
        {"send": {}, "expect": {"status": 200, "body": "hello"}}]}
    with Server(head) as server:
        run_probe(server, probe)


def test_a_body_sent_late_after_the_last_response_to_head_is_caught():
    def late_body(peer):
        peer.read()
        peer.answer(body=b"hello", head_only=True)
        time.sleep(0.03)
        peer.send(b"hello")
        peer.read()

    probe = {"kind": "exchange", "requests": [{"send": {"method": "HEAD"}, "expect": {"status": 200}}]}
    with Server(late_body) as server:
        failure = failure_of(server, probe)
    assert "5 bytes arrived after the end of the response, a response to HEAD" in failure.message
    assert "(RFC 9110 §9.3.2)" in failure.message


# --------------------------------------------------------------------------- refusals


def refusing(how):
    def serve(peer):
        request = peer.read_head()
        if request.target == "/fine":
            peer.answer(body=b"ok")
            peer.read()
            return
        if how == "reset":
            peer.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif how == "partial":
            peer.send(b"HTTP/1.1 400 Bad")
        elif how == "refusal-then-reset":  # a close-delimited refusal, ended by a reset (as Node does)
            peer.send(b"HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n")
            peer.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif how == "silent":
            peer.read()  # never answers: still waiting for the rest of the request
        elif how == "answer":
            peer.answer("400 Bad Request")
            peer.read()
    return serve


BAD = {"send": {"raw": "GET /bad\x01 HTTP/1.1\r\n\r\n"}, "expect": {"status": 400, "or_close": True}}
AFTER = {"send": {"target": "/fine"}, "expect": {"status": 200}}


@pytest.mark.parametrize("how", ["close", "reset"])
def test_a_refusal_by_close_or_reset_passes_and_ends_the_probe(how):
    with Server(refusing(how)) as server:
        context, events = run_probe(server, {"kind": "exchange", "requests": [BAD, AFTER]})
    word = "reset" if how == "reset" else "closed"
    assert f"the server {word} the connection instead of answering request 1, which this request allows " \
           "(or_close)" in notes(events)
    assert [event for event, _ in events].count("send") == 1  # the probe ended with that connection


def test_a_listed_status_passes_too():
    with Server(refusing("answer")) as server:
        run_probe(server, {"kind": "exchange", "requests": [BAD]})


def test_a_refusal_whose_body_ends_with_a_reset_is_judged_by_its_status():
    refused = {"send": BAD["send"], "expect": {"status": "4xx", "or_close": True}}
    with Server(refusing("refusal-then-reset")) as server:
        run_probe(server, {"kind": "exchange", "requests": [refused]})
    wrong = {"send": BAD["send"], "expect": {"status": 414, "or_close": True}}
    with Server(refusing("refusal-then-reset")) as server:
        assert "expected status code 414, got 431" in failure_of(server, {"kind": "exchange", "requests": [wrong]}).message


def test_or_silence_accepts_a_server_still_reading_and_ends_the_probe():
    waiting = {"send": BAD["send"], "expect": {"status": 400, "or_silence": True}}
    with Server(refusing("silent")) as server:
        context, events = run_probe(server, {"kind": "exchange", "requests": [waiting, AFTER]},
                                    response_timeout=0.3)
    assert "the server sent nothing in 0.3 s and kept the connection open: it is still reading request 1, which " \
        "this request allows (or_silence)" in notes(events)
    assert [event for event, _ in events].count("send") == 1


def test_without_or_silence_a_silence_is_a_failure():
    with Server(refusing("silent")) as server:
        failure = failure_of(server, {"kind": "exchange", "requests": [BAD]}, response_timeout=0.3)
    assert "0.3" in failure.message


def test_a_partial_response_then_a_close_is_still_a_failure():
    with Server(refusing("partial")) as server:
        failure = failure_of(server, {"kind": "exchange", "requests": [BAD]})
    assert "the connection closed" in failure.message


def test_a_wrong_status_says_that_a_close_would_have_done():
    def wrong(peer):
        peer.read()
        peer.answer("200 OK")
        peer.read()

    with Server(wrong) as server:
        failure = failure_of(server, {"kind": "exchange", "requests": [BAD]})
    assert "got 200" in failure.message
    assert failure.expected.endswith(", or the connection closed without a response")


def test_without_or_close_a_close_is_a_failure():
    with Server(refusing("close")) as server:
        failure = failure_of(server, {"kind": "exchange", "requests": [
            {**BAD, "expect": {"status": 400}}]})
    assert "closed the connection without sending a response" in failure.message


def test_a_value_never_captured_because_of_a_refusal_is_a_clear_failure():
    with Server(refusing("close")) as server:
        probe = {"kind": "exchange", "requests": [{**BAD, "capture": {"id": {"header": "X-Id"}}}]}
        context, _ = run_probe(server, probe)
        failure = failure_of(server, {"kind": "exchange", "requests": [
            {"send": {"target": "/{id}"}, "expect": {"status": 200}}]}, context.values)
    assert failure.message.startswith("request 1 needs a value that was never captured: {id}")
    assert failure.hint == hints.CAPTURE_NOT_TAKEN


# --------------------------------------------------------------------------- 100-continue


def continuing(mode):
    def serve(peer):
        request = peer.read_head()
        if mode == "continue":
            peer.send(b"HTTP/1.1 100 Continue\r\n\r\n")
        elif mode == "refuse":
            peer.answer("413 Content Too Large")
            peer.sock.settimeout(2)
            rest = peer.buffer
            while data := peer.sock.recv(65536):  # until the tester closes
                rest += data
            peer.reads.append(rest)  # what came after the head: nothing, if the body was held back
            return
        peer.read_body(request)
        peer.answer("201 Created", request.body)
        peer.read()
    return serve


UPLOAD = {"send": {"method": "POST", "target": "/up", "body": "hello", "expect_continue": True, "continue_wait": 0.3},
          "expect": {"status": 201, "body": "hello"}}


def test_the_body_follows_a_100_continue_and_the_response_records_it():
    with Server(continuing("continue")) as server:
        context, events = run_probe(server, {"kind": "exchange", "requests": [UPLOAD]})
    received = [payload for event, payload in events if event == "receive"]
    assert received[0].interim == (100,)
    assert "100 Continue came: sending the body" in notes(events)
    assert server.peers[0].reads[0].endswith(b"Expect: 100-continue\r\nContent-Length: 5\r\n\r\n")


def test_without_a_100_the_body_goes_after_the_wait():
    with Server(continuing("silent")) as server:
        started = time.monotonic()
        context, events = run_probe(server, {"kind": "exchange", "requests": [UPLOAD]})
    assert time.monotonic() - started >= 0.3
    assert "no 100 Continue within 0.3 s: sending the body anyway (RFC 9110 §10.1.1)" in notes(events)
    received = [payload for event, payload in events if event == "receive"]
    assert received[0].interim == ()


def test_a_final_response_instead_of_100_holds_the_body_back_and_ends_the_connection():
    refused = {"send": UPLOAD["send"], "expect": {"status": 413}}
    with Server(continuing("refuse")) as server:
        context, events = run_probe(server, {"kind": "exchange", "requests": [refused, AFTER]})
    assert any("the server answered before the body was sent" in note for note in notes(events))
    assert [event for event, _ in events].count("send") == 1
    assert server.finished.wait(2)
    assert server.peers[0].reads[-1] == b""  # the body never came


def late_continue(peer):
    """Reads the head, waits for the whole body, and only then writes the 100 Continue and the answer."""
    request = peer.read()
    peer.send(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
    peer.read()


CONTINUED = {"send": UPLOAD["send"], "expect": {"status": 201, "continued": True}}


def test_continued_fails_a_100_that_comes_only_after_the_body():
    with Server(late_continue) as server:
        failure = failure_of(server, {"kind": "exchange", "requests": [CONTINUED]})
    assert failure.message == ("connection #1: the 100 Continue came only after the tester had sent the body "
                               "anyway (after 0.3 s)")
    assert failure.hint == hints.CONTINUE_MISSING


def test_continued_passes_a_100_that_comes_before_the_body_and_records_it_in_time():
    with Server(continuing("continue")) as server:
        context, events = run_probe(server, {"kind": "exchange", "requests": [
            {"send": UPLOAD["send"], "expect": {"status": 201, "continued": True}}]})
    received = [payload for event, payload in events if event == "receive"]
    assert received[0].continued_in_time is True and received[0].continue_wait == 0.3


def test_a_late_100_still_fails_continued_false():
    with Server(late_continue) as server:
        failure = failure_of(server, {"kind": "exchange", "requests": [
            {"send": UPLOAD["send"], "expect": {"status": 201, "continued": False}}]})
    assert failure.hint == hints.CONTINUE_UNWANTED


# --------------------------------------------------------------------------- chunked bodies


def test_a_chunked_body_and_its_trailers_arrive():
    def echo(peer):
        request = peer.read()
        peer.answer(body=request.body, headers=f"X-Trailer: {request.trailers.get('x-sum', '')}\r\n")
        peer.read()

    probe = {"kind": "exchange", "requests": [
        {"send": {"method": "POST", "body": "{text}", "chunks": 4, "trailers": {"X-Sum": "{text|sha256}"}},
         "expect": {"status": 200, "body": "{text}", "headers": {"X-Trailer": "{text|sha256}"}}}]}
    with Server(echo) as server:
        run_probe(server, probe, {"text": "the quick brown fox"})
    assert b"Transfer-Encoding: chunked\r\n" in b"".join(server.peers[0].reads)


# --------------------------------------------------------------------------- warnings


def test_a_should_check_that_fails_is_a_warning_with_its_connection_and_request():
    def plain(peer):
        peer.read()
        peer.answer(body=b"ok")
        peer.read()

    probe = {"kind": "exchange", "requests": [
        {"send": {}, "expect": {"status": 200},
         "also": [{"headers": {"Date": {"present": True}}, "level": "should", "rfc": "RFC 9110 §6.6.1"}]}]}
    with Server(plain) as server:
        context, _ = run_probe(server, probe)
    [warning] = context.warnings
    assert warning.message.startswith("connection #1: the response has no Date header")
    assert warning.evidence[0].label == "sent (GET /)"


def test_a_refused_connection_still_shows_the_request_and_how_to_send_it():
    """A program that has just exited refuses the connection: the learner still gets the reproduce line and
    the bytes of the request that was to be sent."""
    import random

    from tester.manifest.models import Defaults
    from tester.ports import free_port
    from tester.probes.base import ProbeContext
    from tester.probes.exchange import ExchangeProbe

    port = free_port()
    probe = ExchangeProbe.model_validate({"kind": "exchange", "requests": [{"send": {"target": "/echo/x"},
                                                                         "expect": {"status": 200}}]})
    context = ProbeContext("localhost", port, {}, Defaults(), None, random.Random(0), lambda *_: None)
    with pytest.raises(StageFailure) as caught:
        probe.run(context)
    failure = caught.value
    assert "connection refused" in failure.message
    assert failure.curl == f"curl -i http://localhost:{port}/echo/x"
    assert failure.evidence[0].label == "would have sent (GET /echo/x)"
    assert failure.evidence[0].data.startswith(b"GET /echo/x HTTP/1.1\r\n")


# --------------------------------------------------------------------------- then: close


def keeps_open(peer):
    peer.read()
    peer.answer(body=b"ok")
    peer.read()


def test_then_close_at_should_level_warns_and_names_the_rule():
    step = {"send": {"raw": "GET / HTTP/1.0\r\n\r\n"},
            "expect": {"status": 200, "then": "close", "level": "should", "rfc": "RFC 9112 §9.3"}}
    with Server(keeps_open) as server:
        context, _ = run_probe(server, {"kind": "exchange", "requests": [step]}, close_timeout=0.2)
    [warning] = context.warnings
    assert warning.level == "should"
    assert warning.message.endswith("the connection stayed open 0.2 s after the response to request 1, after "
                                    "which it must close (RFC 9112 §9.3)")
    assert warning.hint == hints.CLOSE_EXPECTED


def test_then_close_after_connection_close_names_the_header():
    step = {"send": {"target": "/", "headers": {"Connection": "close"}}, "expect": {"status": 200, "then": "close"}}
    with Server(keeps_open) as server:
        failure = failure_of(server, {"kind": "exchange", "requests": [step]}, close_timeout=0.2)
    assert "after the response to a request that said 'Connection: close'" in failure.message
    assert failure.hint == hints.CLOSE_REQUESTED
