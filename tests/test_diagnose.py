"""Unit tests for tester.diagnose: verdicts for responses that never completed."""

from __future__ import annotations

import pytest

from tester import hints
from tester.diagnose import leftover, parse_failure, timed_out, trailing
from tester.errors import StageFailure
from tester.http11 import ParseError, ResponseReader, Waiting

HEAD = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"


def pending(data: bytes):
    reader = ResponseReader()
    reader.feed(data)
    assert reader.next_response() is None
    return reader.pending


def assert_complete(failure: StageFailure):
    assert isinstance(failure, StageFailure)
    assert failure.message.strip() and failure.hint.strip() and failure.expected.strip()


# --------------------------------------------------------------------------- nothing


def test_nothing_without_eof():
    failure = timed_out(Waiting("nothing", 0), b"", 3.0)
    assert_complete(failure)
    assert failure.message == "no response within 3 s"
    assert failure.hint == hints.NO_RESPONSE
    assert failure.evidence == []


def test_nothing_formats_fractional_seconds():
    assert "within 0.5 s" in timed_out(Waiting("nothing", 0), b"", 0.5).message


def test_nothing_with_eof():
    failure = timed_out(Waiting("nothing", 0), b"", 3.0, eof=True)
    assert_complete(failure)
    assert "closed the connection without sending a response" in failure.message
    assert "within" not in failure.message


# --------------------------------------------------------------------------- head


@pytest.mark.parametrize("eof, fragment", [(False, "nothing more came within 2 s"), (True, "the connection closed")])
def test_incomplete_head(eof, fragment):
    buffer = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
    waiting = pending(buffer)
    assert waiting.stage == "head"
    failure = timed_out(waiting, buffer, 2.0, eof=eof)
    assert_complete(failure)
    assert "head is incomplete" in failure.message
    assert fragment in failure.message
    assert "\\r\\n\\r\\n" in failure.expected
    assert failure.hint == hints.NO_RESPONSE_PARTIAL_HEAD
    assert failure.evidence[0].data == buffer
    assert failure.evidence[0].caret == len(buffer)


# --------------------------------------------------------------------------- body


@pytest.mark.parametrize("eof, fragment", [(False, "no more arrived within 3 s"), (True, "the connection closed")])
def test_short_body(eof, fragment):
    buffer = HEAD + b"abcd"
    waiting = pending(buffer)
    assert (waiting.stage, waiting.declared, waiting.body_received) == ("body", 10, 4)
    failure = timed_out(waiting, buffer, 3.0, eof=eof)
    assert_complete(failure)
    assert "Content-Length declares 10 body bytes but only 4 arrived" in failure.message
    assert fragment in failure.message
    assert "10 bytes" in failure.expected
    assert failure.hint == hints.SHORT_BODY
    assert failure.evidence[0].caret == len(buffer)


def test_short_body_with_no_body_bytes_yet():
    waiting = pending(HEAD)
    failure = timed_out(waiting, HEAD, 3.0)
    assert "only 0 arrived" in failure.message


# --------------------------------------------------------------------------- chunked


@pytest.mark.parametrize("eof", [False, True])
def test_unfinished_chunked_body(eof):
    buffer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"
    waiting = pending(buffer)
    assert waiting.stage == "chunked"
    failure = timed_out(waiting, buffer, 3.0, eof=eof)
    assert_complete(failure)
    assert "chunked body never ended" in failure.message
    assert "zero-size chunk" in failure.message
    assert "0\\r\\n\\r\\n" in failure.expected
    assert failure.evidence[0].caret == len(buffer)


# --------------------------------------------------------------------------- close-delimited


def test_close_delimited_body_on_an_open_connection():
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"
    buffer = head + b"hello"
    waiting = pending(buffer)
    assert waiting.stage == "close"
    failure = timed_out(waiting, buffer, 1.0)
    assert_complete(failure)
    assert "no Content-Length" in failure.message
    assert "kept the connection open (1 s)" in failure.message
    assert failure.hint == hints.CLOSE_DELIMITED_OPEN
    # the caret sits on the empty line ending the head: where Content-Length belongs
    assert failure.evidence[0].caret == len(head) - 2
    assert buffer[failure.evidence[0].caret:len(head)] == b"\r\n"


def test_close_delimited_without_body_bytes():
    head = b"HTTP/1.1 200 OK\r\n\r\n"
    failure = timed_out(pending(head), head, 1.0)
    assert failure.evidence[0].caret == len(head) - 2


def test_close_with_eof_still_gives_a_complete_failure():
    # unreachable from Connection.receive (a close-delimited body is complete at EOF); eof is ignored here
    head = b"HTTP/1.1 200 OK\r\n\r\n"
    assert_complete(timed_out(pending(head + b"x"), head + b"x", 1.0, eof=True))


# --------------------------------------------------------------------------- parse failures and trailing bytes


def test_parse_failure_keeps_offset_as_caret():
    data = b"HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n"
    reader = ResponseReader()
    reader.feed(data)
    with pytest.raises(ParseError) as info:
        reader.next_response()
    error = info.value
    failure = parse_failure(error)
    assert_complete(failure)
    assert failure.message == f"the response is not valid HTTP/1.1: {error.problem}"
    assert failure.expected == error.expected
    assert failure.hint == hints.PARSE["bare-lf"]
    assert failure.evidence[0].data == data
    assert failure.evidence[0].caret == error.offset == 15


def test_parse_failure_unknown_kind_uses_syntax_hint():
    failure = parse_failure(ParseError("odd", b"abc", 2, "something", kind="no-such-kind"))
    assert failure.hint == hints.PARSE["syntax"]
    assert failure.evidence[0].caret == 2


def test_trailing_caret_at_end_of_response():
    raw = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
    reader = ResponseReader()
    reader.feed(raw)
    failure = trailing(b"\r\n", reader.next_response())
    assert_complete(failure)
    assert failure.message.startswith("2 bytes arrived after the end of the response")
    assert "3 bytes its Content-Length declares" in failure.message
    assert failure.hint == hints.TRAILING
    assert failure.evidence[0].data == raw + b"\r\n"
    assert failure.evidence[0].caret == len(raw)


def test_trailing_that_is_a_whole_response_says_a_request_was_never_sent():
    raw = b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
    reader = ResponseReader()
    reader.feed(raw)
    second = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
    failure = trailing(second, reader.next_response())
    assert_complete(failure)
    assert failure.message.endswith("and they are a second response ('HTTP/1.1 400 Bad Request') to a request that "
                                    "was never sent")
    assert failure.hint == hints.SECOND_RESPONSE
    assert failure.evidence[0].caret == len(raw)


def test_trailing_gzip_explains_a_content_length_of_the_plain_text():
    import gzip

    body = gzip.compress(b"mango")
    raw = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 5\r\n\r\n" + body
    reader = ResponseReader()
    reader.feed(raw)
    response = reader.next_response()
    failure = trailing(reader.buffer, response)
    assert failure.message.startswith("Content-Length says 5, the length of the uncompressed text")
    assert f"gzip body is {len(body)} bytes" in failure.message
    assert failure.evidence[0].caret == len(response.raw)


def _read_first(data: bytes, method: str = "GET"):
    reader = ResponseReader()
    reader.expect_response_to(method)
    reader.expect_response_to("GET")
    reader.feed(data)
    return reader, reader.next_response()


def test_a_body_after_a_response_to_head_is_named_as_such():
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
    reader, response = _read_first(head + b"hello" + head + b"hello", method="HEAD")
    assert response.request_method == "HEAD" and response.framing == "none"
    failure = trailing(b"hello", response)
    assert_complete(failure)
    assert failure.message.startswith("5 bytes arrived after the end of the response, a response to HEAD")
    assert "none framing" not in failure.message
    assert failure.hint == hints.HEAD_BODY


def test_leftover_bytes_in_front_of_the_next_response_are_the_verdict():
    first = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
    reader, response = _read_first(first + b"\r\n" + first)
    failure = leftover(reader.buffer, response)
    assert failure.message == ("2 bytes arrived after the end of the previous response (its body ends after the "
                               "3 bytes its Content-Length declares), in front of the next response")
    assert failure.hint == hints.TRAILING
    assert failure.evidence[0].data == first + b"\r\n" and failure.evidence[0].caret == len(first)


def test_leftover_without_a_status_line_after_it():
    first = b"HTTP/1.1 204 No Content\r\n\r\n"
    reader, response = _read_first(first + b"oops")
    failure = leftover(reader.buffer, response)
    assert failure.message.startswith("4 bytes arrived after the end of the previous response: a 204 response")
    assert failure.message.endswith("where the next response should start with its status line")
    assert failure.hint == hints.NO_BODY_STATUS
