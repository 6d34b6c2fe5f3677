"""Chunked request bodies: the sizes the manifest asks for or the seed draws, and the bytes on the wire."""

from __future__ import annotations

import hashlib
import random

import h11
import pytest

from tester import chunking
from tester.manifest.models import Request
from tester.request import build


def out(values=None, rng=None, **fields):
    return build(Request(**fields), values or {}, "localhost", 4221, rng)


def parsed_by_h11(data: bytes) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """The body and trailers another HTTP implementation reads from the request bytes."""
    server = h11.Connection(h11.SERVER)
    server.receive_data(data)
    body, trailers = b"", []
    while True:
        event = server.next_event()
        if isinstance(event, h11.Data):
            body += event.data
        elif isinstance(event, h11.EndOfMessage):
            return body, [(name, value) for name, value in event.headers]
        elif event is h11.NEED_DATA:
            raise AssertionError("the request did not end")


# --------------------------------------------------------------------------- sizes


def test_listed_sizes_and_the_rest_as_one_more_chunk():
    assert chunking.sizes(10, [3, 4], random.Random(0)) == [3, 4, 3]


def test_listed_sizes_that_reach_past_the_body_stop_at_its_end():
    assert chunking.sizes(5, [3, 4, 9], random.Random(0)) == [3, 2]
    assert chunking.sizes(7, [3, 4], random.Random(0)) == [3, 4]


@pytest.mark.parametrize("length,count", [(100, 5), (5, 5), (3, 10), (1, 1), (64, 1)])
def test_drawn_sizes_are_positive_and_cover_the_body(length, count):
    drawn = chunking.sizes(length, count, random.Random(7))
    assert sum(drawn) == length and all(size > 0 for size in drawn)
    assert len(drawn) == min(count, length)


def test_drawn_sizes_follow_the_seed():
    assert chunking.sizes(200, 6, random.Random("1:x")) == chunking.sizes(200, 6, random.Random("1:x"))
    draws = {tuple(chunking.sizes(200, 6, random.Random(seed))) for seed in range(10)}
    assert len(draws) > 1


def test_an_empty_body_has_no_chunks_but_the_last():
    assert chunking.sizes(0, 3, random.Random(0)) == []
    assert chunking.encode(b"", []) == b"0\r\n\r\n"


# --------------------------------------------------------------------------- bytes


def test_encode_writes_lower_case_hex_sizes_and_trailers():
    body = bytes(range(256)) * 2
    data = chunking.encode(body, [300, 212], [("X-Sum", "abc")])
    assert data.startswith(b"12c\r\n" + body[:300] + b"\r\nd4\r\n")
    assert data.endswith(b"\r\n0\r\nX-Sum: abc\r\n\r\n")


def test_a_chunked_request_has_transfer_encoding_and_no_content_length():
    outgoing = out(method="POST", target="/upload", body="hello world", chunks=[5])
    assert outgoing.data == (b"POST /upload HTTP/1.1\r\nHost: localhost:4221\r\nTransfer-Encoding: chunked\r\n\r\n"
                             b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
    assert outgoing.body == b"hello world"  # the body itself, as the server should read it
    assert ("Transfer-Encoding", "chunked") in outgoing.headers
    assert outgoing.data[outgoing.head_length:].startswith(b"5\r\n")


def test_transfer_encoding_given_in_the_manifest_is_kept_as_spelt():
    outgoing = out(method="POST", body="abc", chunks=[1], headers={"transfer-encoding": "chunked"})
    assert outgoing.data.count(b"chunked") == 1 and b"transfer-encoding: chunked\r\n" in outgoing.data


def test_trailers_are_templates_after_the_last_chunk():
    outgoing = out({"v": "plum"}, method="POST", body="{v}", chunks=[2], trailers={"X-Checksum": "{v|sha256}"})
    body, trailers = parsed_by_h11(outgoing.data)
    assert body == b"plum"
    assert trailers == [(b"x-checksum", hashlib.sha256(b"plum").hexdigest().encode())]


def test_another_http_implementation_reads_the_same_body():
    payload = bytes(random.Random(3).randbytes(5000))
    outgoing = out({"data": payload}, random.Random(5), method="POST", body="{data}", chunks=7)
    assert parsed_by_h11(outgoing.data)[0] == payload
    assert outgoing.data.count(b"\r\n") >= 7 * 2


def test_the_same_seed_sends_the_same_chunks():
    first = out({"d": "x" * 300}, random.Random("9:s:probes"), method="POST", body="{d}", chunks=4)
    again = out({"d": "x" * 300}, random.Random("9:s:probes"), method="POST", body="{d}", chunks=4)
    assert first.data == again.data


def test_the_reproduce_line_sends_the_exact_chunks():
    outgoing = out(method="POST", target="/u", body="hello", chunks=[2], trailers={"X-T": "1"})
    assert outgoing.curl.startswith("printf ") and "| tester send --raw - --port 4221" in outgoing.curl
    assert "2\\r\\nhe\\r\\n3\\r\\nllo\\r\\n0\\r\\nX-T: 1\\r\\n\\r\\n" in outgoing.curl


@pytest.mark.parametrize("fields,words", [
    ({"chunks": [2]}, "give a body too"),
    ({"body": "x", "trailers": {"A": "b"}}, "give chunks too"),
    ({"raw": "GET / HTTP/1.1\r\n\r\n", "chunks": 2}, "raw replaces"),
])
def test_chunks_and_trailers_need_their_companions(fields, words):
    with pytest.raises(ValueError, match=words):
        Request(**fields)
