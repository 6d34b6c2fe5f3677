"""The `hang-up` probe against scripted servers: the server sees the client go, by a close or a reset,
at the point the probe says; a response that never gets that far fails the stage with what came."""

from __future__ import annotations

import threading
import time

import pytest

from scripted_server import Server, notes, run_probe
from tester import hints
from tester.errors import StageFailure


def slow_writer(seen: list, done: threading.Event):
    """Sends a head and a first line, then keeps writing lines; records how its writes ended."""
    def serve(peer):
        peer.read()
        peer.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nfirst\n\r\n")
        try:
            for _ in range(50):
                time.sleep(0.02)
                peer.send(b"5\r\nmore\n\r\n")
            seen.append("all sent")
        except OSError as error:
            seen.append(type(error).__name__)
        done.set()
    return serve


@pytest.mark.parametrize("reset", [True, False])
def test_the_server_sees_the_client_go_after_the_text(reset):
    seen, done = [], threading.Event()
    with Server(slow_writer(seen, done)) as server:
        context, events = run_probe(server, {"kind": "hang-up", "send": {"target": "/slow"}, "after": "first\n",
                                             "reset": reset})
        assert done.wait(3)
    assert seen and seen[0] != "all sent"
    if reset:
        assert seen[0] in ("ConnectionResetError", "BrokenPipeError")
    how = "a reset" if reset else "a close"
    assert any(note.startswith(f"the tester went away with {how}, after ") for note in notes(events))


def test_without_after_it_goes_right_after_sending():
    seen = []

    def serve(peer):
        request = peer.read()
        seen.append(request.target)
        seen.append(peer.sock.recv(10))  # the client's close: b""

    with Server(serve) as server:
        _, events = run_probe(server, {"kind": "hang-up", "send": {"target": "/x"}})
        deadline = time.monotonic() + 2
        while len(seen) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
    assert seen == ["/x", b""]
    assert "right after sending the request" in notes(events)[0]


def test_a_response_that_never_gets_that_far_fails_with_what_came():
    def serve(peer):
        peer.read()
        peer.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nsome")
        time.sleep(2)

    with Server(serve) as server, pytest.raises(StageFailure) as caught:
        run_probe(server, {"kind": "hang-up", "send": {"target": "/"}, "after": "first"}, response_timeout=0.3)
    failure = caught.value
    assert "the response never got as far as 'first'" in failure.message
    assert "sent nothing more for 0.3 s" in failure.message
    assert failure.hint == hints.HANG_UP_NOT_REACHED
    assert [item.data for item in failure.evidence if item.label == "received"] == [b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nsome"]
