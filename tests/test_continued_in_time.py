"""`continued: true` wants the 100 Continue before the body (RFC 9110 §10.1.1), not merely before the final
response: a server that reads the whole body first and only then writes the 100 must not pass."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tester import hints
from tester.errors import StageFailure
from tester.expectations import check
from tester.http11 import Response, ResponseReader
from tester.manifest.models import Expect


def response() -> Response:
    reader = ResponseReader()
    reader.expect_response_to("POST")
    reader.feed(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
    found = reader.next_response()
    assert found is not None and found.interim == (100,)
    return found


def test_a_100_that_came_before_the_body_passes():
    check(replace(response(), continued_in_time=True, continue_wait=0.3), Expect(continued=True), {})


def test_a_100_that_came_only_after_the_body_fails():
    late = replace(response(), continued_in_time=False, continue_wait=0.3)
    with pytest.raises(StageFailure) as caught:
        check(late, Expect(continued=True), {})
    assert caught.value.message == ("the 100 Continue came only after the tester had sent the body anyway "
                                    "(after 0.3 s)")
    assert caught.value.hint == hints.CONTINUE_MISSING


def test_continued_false_still_means_no_100_at_all():
    late = replace(response(), continued_in_time=False, continue_wait=0.3)
    with pytest.raises(StageFailure) as caught:
        check(late, Expect(continued=False), {})
    assert caught.value.hint == hints.CONTINUE_UNWANTED


def test_a_response_not_sent_by_a_connection_is_judged_by_its_interim_codes():
    check(response(), Expect(continued=True), {})  # continued_in_time None: nothing known about timing
