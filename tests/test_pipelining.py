"""Pipelined exchanges: every request in one write, the responses read and checked in order."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from tester import hints
from tester.errors import StageFailure
from tester.probes.exchange import ExchangeProbe

from scripted_server import Server, notes, run_probe


def pipelining(peer):
    """A server that answers every request it finds in what it has read, in order."""
    while (request := peer.read()) is not None:
        body = request.target.encode()
        peer.answer(body=body, headers=f"X-Id: id-{request.target.strip('/')}\r\n", head_only=request.method == "HEAD")


def one_per_read(peer):
    """Reads once, answers the first request in it, throws the rest away."""
    while True:
        data = peer.sock.recv(65536)
        if not data:
            return
        target = data.split(b" ")[1]
        peer.answer(body=target)


def step(target, method="GET", **expect):
    return {"send": {"method": method, "target": target}, "expect": {"status": 200, **expect}}


PROBE = {"kind": "exchange", "pipelined": True,
         "requests": [step("/a", body="/a"), step("/b", method="HEAD"), step("/c", body="/c")]}


def test_the_requests_go_out_in_one_write_and_the_responses_are_checked_in_order():
    with Server(pipelining) as server:
        context, events = run_probe(server, PROBE)
    assert [event for event, _ in events].count("send") == 3 and [e for e, _ in events].count("receive") == 3
    first_read = server.peers[0].reads[0]
    assert first_read.count(b"HTTP/1.1\r\n") == 3  # all three in the server's first recv
    assert not server.errors


def test_a_wrong_response_in_the_middle_names_its_request():
    probe = {**PROBE, "requests": [step("/a", body="/a"), step("/b", body="/nope"), step("/c")]}
    with Server(pipelining) as server, pytest.raises(StageFailure) as caught:
        run_probe(server, probe)
    failure = caught.value
    assert "the body differs from the expected one" in failure.message
    assert failure.evidence[0].label == "sent in one write (GET /a, GET /b, GET /c)"
    assert failure.evidence[0].data.count(b"HTTP/1.1\r\n") == 3
    assert failure.curl.startswith("printf ") and failure.curl.endswith("# 3 requests in one write")


def test_a_server_that_answers_one_request_per_read_is_told_about_pipelining():
    with Server(one_per_read) as server, pytest.raises(StageFailure) as caught:
        run_probe(server, {**PROBE, "requests": [step("/a", body="/a"), step("/b", body="/b")]})
    failure = caught.value
    assert "no response within 1 s" in failure.message
    assert "to request 2; the 2 requests were written at once (pipelined), and the first was answered" in \
        failure.message
    assert failure.hint == hints.PIPELINED


def test_a_body_after_a_response_to_head_is_named_before_the_next_response():
    def head_with_body(peer):
        while (request := peer.read()) is not None:
            peer.answer(body=b"hello")  # the body even for HEAD

    probe = {**PROBE, "requests": [step("/a", method="HEAD"), step("/b")]}
    with Server(head_with_body) as server, pytest.raises(StageFailure) as caught:
        run_probe(server, probe)
    message = caught.value.message
    assert "5 bytes arrived after the end of the previous response, a response to HEAD" in message, message
    assert caught.value.hint == hints.HEAD_BODY


def test_later_expectations_can_use_a_value_captured_from_an_earlier_response():
    probe = {"kind": "exchange", "pipelined": True, "requests": [
        {"send": {"target": "/x"}, "expect": {"status": 200}, "capture": {"id": {"header": "X-Id"}}},
        {"send": {"target": "/y"}, "expect": {"status": 200, "headers": {"X-Id": "{id|slice:0:3}y"}}},
    ]}
    with Server(pipelining) as server:
        context, events = run_probe(server, probe)
    assert context.values["id"] == b"id-x"
    assert "captured {id} = 'id-x' from the X-Id header" in notes(events)


@pytest.mark.parametrize("requests,words", [
    ([{"send": {"target": "/x"}, "expect": {}, "capture": {"id": {"header": "X-Id"}}},
      {"send": {"target": "/items/{id}"}, "expect": {}}],
     "requests[1] is pipelined but uses {id}, captured from an earlier response"),
    ([{"send": {"method": "POST", "body": "x", "expect_continue": True}, "expect": {}}],
     "requests[0] waits for a 100 Continue (expect_continue), which a pipelined probe cannot do"),
    ([{"send": {"target": "/", "pieces": 3}, "expect": {}}], "pipelined requests go out in one write"),
    ([{"send": {"target": "/"}, "expect": {"then": "close"}}, {"send": {"target": "/"}, "expect": {}}],
     "requests[0] expects the server to close the connection, but more pipelined requests follow it"),
])
def test_what_a_pipelined_probe_cannot_do_is_a_load_error(requests, words):
    with pytest.raises(ValidationError, match=re.escape(words)):
        ExchangeProbe.model_validate({"kind": "exchange", "pipelined": True, "requests": requests})


def test_a_pipelined_probe_may_end_with_a_close():
    def closing(peer):
        for _ in range(2):
            request = peer.read()
            peer.answer(body=request.target.encode())
        peer.sock.close()

    probe = {"kind": "exchange", "pipelined": True,
             "requests": [step("/a"), {"send": {"target": "/b", "headers": {"Connection": "close"}},
                                       "expect": {"status": 200, "then": "close"}}]}
    with Server(closing) as server:
        context, events = run_probe(server, probe)
    assert "the server closed the connection cleanly" in notes(events)
