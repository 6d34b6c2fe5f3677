"""When a response's bytes arrived: the reader's arrival times, and the `streamed` expectation built on them."""

from __future__ import annotations

import pytest

from tester import hints
from tester.errors import StageFailure
from tester.expectations import check
from tester.http11 import ResponseReader
from tester.manifest.models import Expect
from tester.matchers import pace

CHUNKED_HEAD = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
SIZED_HEAD = b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n"


def read(*pieces: tuple[bytes, float], eof: bool = False):
    """The responses a reader makes of these pieces, each fed with its arrival time."""
    reader = ResponseReader()
    responses = []
    for data, at in pieces:
        reader.feed(data, at)
        while (response := reader.next_response()) is not None:
            responses.append(response)
    if eof:
        reader.feed_eof()
        while (response := reader.next_response()) is not None:
            responses.append(response)
    return responses


def test_arrivals_are_offsets_in_the_response_and_their_times():
    [response] = read((SIZED_HEAD, 1.0), (b"first", 2.0), (b" later", 3.0))
    assert response.arrivals == ((len(SIZED_HEAD), 1.0), (len(SIZED_HEAD) + 5, 2.0), (len(SIZED_HEAD) + 11, 3.0))


def test_a_piece_that_ends_one_response_and_starts_the_next_is_shared():
    second = b"HTTP/1.1 204 No Content\r\n\r\n"
    first, then = read((SIZED_HEAD + b"first", 1.0), (b" later" + second[:10], 2.0), (second[10:], 3.0))
    assert first.arrivals == ((len(SIZED_HEAD) + 5, 1.0), (len(SIZED_HEAD) + 11, 2.0))
    assert then.arrivals == ((10, 2.0), (len(second), 3.0))


def test_the_body_prefix_of_a_chunked_response_is_found_in_its_chunks():
    raw = CHUNKED_HEAD + b"6;name=x\r\nfirst \r\n5\r\nlater\r\n0\r\n\r\n"
    [response] = read((raw, 1.0))
    assert response.body == b"first later"
    assert pace.raw_end_of_body_prefix(response, 6) == len(CHUNKED_HEAD) + 10 + 6
    assert raw[:pace.raw_end_of_body_prefix(response, 8)].endswith(b"5\r\nla")
    assert pace.raw_end_of_body_prefix(response, 12) is None


def test_lead_is_the_time_from_the_first_part_to_the_last_byte():
    part = CHUNKED_HEAD + b"6\r\nfirst \r\n"
    [response] = read((part, 10.0), (b"5\r\nlater\r\n", 11.0), (b"0\r\n\r\n", 11.25))
    assert pace.lead(response, 6) == pytest.approx(1.25)
    assert pace.lead(response, 7) == pytest.approx(0.25)


def test_a_close_delimited_body_ends_with_its_last_bytes():
    head = b"HTTP/1.1 200 OK\r\n\r\n"
    [response] = read((head + b"first ", 5.0), (b"later", 5.5), eof=True)
    assert pace.lead(response, 6) == pytest.approx(0.5)


STREAMED = Expect(streamed={"first": "first ", "lead": 0.5})


def test_a_streamed_body_passes():
    [response] = read((CHUNKED_HEAD + b"6\r\nfirst \r\n", 1.0), (b"5\r\nlater\r\n0\r\n\r\n", 2.0))
    check(response, STREAMED, {})


def test_a_body_that_came_all_at_once_fails_with_the_timeline():
    [response] = read((CHUNKED_HEAD, 1.0), (b"6\r\nfirst \r\n5\r\nlater\r\n0\r\n\r\n", 2.0))
    with pytest.raises(StageFailure) as caught:
        check(response, STREAMED, {})
    failure = caught.value
    assert "arrived 0.00 s before the response's last byte" in failure.message
    assert failure.hint == hints.STREAMED
    timeline = failure.evidence[0].data.decode()
    assert "+0.000 s" in timeline and "+1.000 s" in timeline


def test_the_first_part_itself_must_open_the_body():
    [response] = read((CHUNKED_HEAD + b"6\r\nother \r\n", 1.0), (b"0\r\n\r\n", 2.0))
    with pytest.raises(StageFailure, match="does not start with 'first '"):
        check(response, STREAMED, {})


def test_without_arrival_times_nothing_counts_as_streamed():
    reader = ResponseReader()
    reader.feed(CHUNKED_HEAD + b"6\r\nfirst \r\n5\r\nlater\r\n0\r\n\r\n")
    response = reader.next_response()
    assert response.arrivals == ()
    with pytest.raises(StageFailure):
        check(response, STREAMED, {})
