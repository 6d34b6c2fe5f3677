"""Unit tests for tester.expectations: a parsed response against a manifest Expect, caret at the first wrong byte."""

from __future__ import annotations

import gzip
import io
import zlib
from dataclasses import replace

import pytest

from tester import hints
from tester.console import Console
from tester.errors import StageFailure
from tester.expectations import check, first_difference, verify
from tester.http11 import Response, ResponseReader
from tester.manifest.models import Expect, HeaderRule, Stage, Step
from tester.runner import Run, StageResult


def parse(data: bytes, method: str = "GET") -> Response:
    reader = ResponseReader()
    reader.expect_response_to(method)
    reader.feed(data)
    response = reader.next_response()
    assert response is not None, data
    assert reader.buffer == b""
    return response


def make(status_line: bytes = b"HTTP/1.1 200 OK", headers: list[bytes] = (), body: bytes = b"",
         length: bool = True) -> Response:
    lines = [status_line, *headers]
    if length:
        lines.append(b"Content-Length: " + str(len(body)).encode())
    return parse(b"".join(line + b"\r\n" for line in lines) + b"\r\n" + body)


def fail(response: Response, expect: Expect, values=None) -> StageFailure:
    with pytest.raises(StageFailure) as info:
        check(response, expect, values or {})
    failure = info.value
    assert failure.hint.strip(), "every failure has a hint"
    assert failure.message.strip()
    assert failure.evidence, "every failure shows the bytes"
    return failure


def received(failure: StageFailure):
    evidence = next(item for item in failure.evidence if item.label.startswith("received"))
    return evidence


# --------------------------------------------------------------------------- first_difference


@pytest.mark.parametrize("expected, actual, index", [
    (b"", b"", None),
    (b"abc", b"abc", None),
    (b"abc", b"abd", 2),
    (b"abc", b"xbc", 0),
    (b"", b"a", 0),
    (b"a", b"", 0),
    (b"abc", b"ab", 2),
    (b"ab", b"abc", 2),
    (b"abc", b"abcdef", 3),
    (b"\xff\x00", b"\xff\x01", 1),
])
def test_first_difference(expected, actual, index):
    assert first_difference(expected, actual) == index


# --------------------------------------------------------------------------- passing


def test_matching_response_passes():
    response = make(headers=[b"Content-Type: text/plain"], body=b"abc")
    check(response, Expect(status=200, reason="OK", headers={"Content-Type": "text/plain", "Content-Length": "3"},
                           body="abc"), {})


def test_matching_response_with_values_passes():
    response = make(headers=[b"Content-Type: text/plain"], body=b"banana")
    check(response, Expect(status=200, headers={"Content-Length": "{text|len}"}, body="{text}"), {"text": "banana"})


def test_empty_expect_passes_anything():
    check(make(b"HTTP/1.1 500 Internal Server Error"), Expect(), {})


def test_binary_body_value_passes():
    blob = b"\xff\xfe\x00\xc3\x28\r\n\x80"
    check(make(body=blob), Expect(status=200, body="{blob}", headers={"Content-Length": "{blob|len}"}), {"blob": blob})


# --------------------------------------------------------------------------- status and reason


def test_wrong_status():
    response = make(b"HTTP/1.1 404 Not Found")
    failure = fail(response, Expect(status=200))
    assert "200" in failure.message and "404" in failure.message
    assert failure.evidence[0].caret == 9
    assert failure.evidence[0].data == response.raw


def test_status_checked_before_reason():
    failure = fail(make(b"HTTP/1.1 404 Not Found"), Expect(status=200, reason="OK"))
    assert failure.evidence[0].caret == 9


def test_wrong_reason_caret_at_first_differing_byte():
    failure = fail(make(b"HTTP/1.1 200 Ok"), Expect(status=200, reason="OK"))
    assert "'OK'" in failure.message and "'Ok'" in failure.message
    assert failure.evidence[0].caret == 14


def test_wrong_reason_entirely_different():
    failure = fail(make(b"HTTP/1.1 404 Missing"), Expect(status=404, reason="Not Found"))
    assert failure.evidence[0].caret == 13


def test_reason_longer_than_expected():
    failure = fail(make(b"HTTP/1.1 200 OKAY"), Expect(reason="OK"))
    assert failure.evidence[0].caret == 15


def test_empty_reason_when_one_is_expected():
    response = make(b"HTTP/1.1 200 ")
    failure = fail(response, Expect(reason="OK"))
    assert failure.evidence[0].caret == 13
    assert response.raw[13:15] == b"\r\n"


# --------------------------------------------------------------------------- headers


def test_header_names_compare_case_insensitively():
    response = make(headers=[b"content-type: text/plain"], body=b"x")
    check(response, Expect(headers={"Content-Type": "text/plain"}), {})
    check(response, Expect(headers={"CONTENT-TYPE": "text/plain"}), {})


def test_header_value_is_compared_exactly():
    response = make(headers=[b"Content-Type: Text/Plain"])
    fail(response, Expect(headers={"Content-Type": "text/plain"}))


def test_header_value_mismatch_caret_and_message():
    response = make(headers=[b"Content-Type: text/html"])
    failure = fail(response, Expect(headers={"Content-Type": "text/plain"}))
    assert "'text/html'" in failure.message and "'text/plain'" in failure.message
    value_at = response.raw.index(b"text/html")
    assert failure.evidence[0].caret == value_at + len("text/")
    assert response.raw[failure.evidence[0].caret:failure.evidence[0].caret + 1] == b"h"


def test_header_value_mismatch_caret_skips_several_spaces():
    response = make(headers=[b"Content-Type:  \ttext/html"])
    failure = fail(response, Expect(headers={"Content-Type": "text/plain"}))
    assert failure.evidence[0].caret == response.raw.index(b"text/html") + 5


def test_header_value_with_extra_parameters():
    response = make(headers=[b"Content-Type: text/plain; charset=utf-8"])
    failure = fail(response, Expect(headers={"Content-Type": "text/plain"}))
    assert failure.evidence[0].caret == response.raw.index(b"; charset")


def test_header_value_mismatch_on_a_later_header():
    response = make(headers=[b"X-One: a", b"X-Two: bbb"])
    failure = fail(response, Expect(headers={"X-One": "a", "X-Two": "bcb"}))
    assert failure.evidence[0].caret == response.raw.index(b"bbb") + 1


def test_header_value_rendered_from_values():
    response = make(headers=[b"X-Echo: apple"])
    check(response, Expect(headers={"X-Echo": "{word}"}), {"word": "apple"})
    failure = fail(response, Expect(headers={"X-Echo": "{word}"}), {"word": "apples"})
    assert "'apples'" in failure.message
    assert failure.evidence[0].caret == response.raw.index(b"apple") + 5


def test_missing_header():
    response = make(body=b"x")
    failure = fail(response, Expect(headers={"Content-Type": "text/plain"}))
    assert "no Content-Type header" in failure.message
    assert failure.evidence[0].caret == response.head_length - 2
    assert response.raw[failure.evidence[0].caret:response.head_length] == b"\r\n"


def test_content_length_mismatch_mentions_the_body_bytes():
    response = make(body=b"abc")
    failure = fail(response, Expect(headers={"Content-Length": "5"}))
    assert "'3'" in failure.message and "'5'" in failure.message
    assert "3 bytes" in failure.message
    assert failure.evidence[0].caret == response.raw.index(b"Content-Length: 3") + len("Content-Length: ")


def test_content_length_mismatch_lowercase_header():
    response = parse(b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nabcd")
    failure = fail(response, Expect(headers={"Content-Length": "2"}))
    assert "4 bytes" in failure.message


def test_content_length_mismatch_caret_on_first_differing_digit():
    response = make(body=b"a" * 12)
    failure = fail(response, Expect(headers={"Content-Length": "13"}))
    assert failure.evidence[0].caret == response.raw.index(b": 12") + 3


def test_absent_header_present_fails():
    response = make(headers=[b"Content-Encoding: gzip"])
    failure = fail(response, Expect(absent=["content-encoding"]))
    assert "Content-Encoding" in failure.message
    assert failure.evidence[0].caret == response.raw.index(b"Content-Encoding")


def test_absent_header_missing_passes():
    check(make(), Expect(absent=["Content-Encoding"]), {})


def test_header_rule_present_false():
    check(make(), Expect(headers={"Content-Encoding": HeaderRule(present=False)}), {})
    response = make(headers=[b"Content-Encoding: gzip"])
    failure = fail(response, Expect(headers={"Content-Encoding": HeaderRule(present=False)}))
    assert failure.evidence[0].caret == response.raw.index(b"Content-Encoding")


def test_header_rule_token_listed_passes():
    response = make(headers=[b"Content-Encoding: deflate, gzip"])
    check(response, Expect(headers={"Content-Encoding": HeaderRule(token="gzip")}), {})


def test_header_rule_token_case_and_spacing():
    response = make(headers=[b"content-encoding: deflate,GZIP "])
    check(response, Expect(headers={"Content-Encoding": HeaderRule(token="gzip")}), {})


def test_header_rule_token_in_a_repeated_header():
    response = make(headers=[b"Vary: Accept", b"Vary: Accept-Encoding"])
    check(response, Expect(headers={"Vary": HeaderRule(token="accept-encoding")}), {})


def test_header_rule_token_not_listed_fails():
    response = make(headers=[b"Content-Encoding: br"])
    failure = fail(response, Expect(headers={"Content-Encoding": HeaderRule(token="gzip")}))
    assert "'br'" in failure.message and "gzip" in failure.message
    assert failure.evidence[0].caret == response.raw.index(b"br")


def test_header_rule_token_not_a_substring_match():
    response = make(headers=[b"Content-Encoding: xgzip"])
    fail(response, Expect(headers={"Content-Encoding": HeaderRule(token="gzip")}))


def test_header_rule_token_missing_header_fails():
    response = make()
    failure = fail(response, Expect(headers={"Content-Encoding": HeaderRule(token="gzip")}))
    assert "no Content-Encoding header" in failure.message


def test_header_rule_present_true():
    check(make(headers=[b"Date: whenever"]), Expect(headers={"Date": HeaderRule(present=True)}), {})
    response = make()
    failure = fail(response, Expect(headers={"Date": HeaderRule(present=True)}))
    assert "no Date header" in failure.message
    assert failure.evidence[0].caret == response.head_length - 2


# --------------------------------------------------------------------------- body


def test_body_differs():
    response = make(body=b"hello world")
    failure = fail(response, Expect(body="hello wOrld"))
    assert "differs" in failure.message and "byte 7" in failure.message
    assert received(failure).caret == response.head_length + 7
    assert response.raw[received(failure).caret:received(failure).caret + 1] == b"o"
    expected = next(item for item in failure.evidence if item.label == "expected body")
    assert expected.data == b"hello wOrld" and expected.caret == 7


def test_body_shorter():
    response = make(body=b"hel")
    failure = fail(response, Expect(body="hello"))
    assert "3 bytes" in failure.message and "shorter" in failure.message and "5" in failure.message
    assert received(failure).caret == response.head_length + 3 == len(response.raw)


def test_body_empty_when_one_is_expected():
    response = make(body=b"")
    failure = fail(response, Expect(body="hello"))
    assert "shorter" in failure.message
    assert received(failure).caret == response.head_length


def test_body_longer():
    response = make(body=b"hello\n")
    failure = fail(response, Expect(body="hello"))
    assert "1 extra bytes" in failure.message and "5" in failure.message
    assert received(failure).caret == response.head_length + 5
    assert response.raw[received(failure).caret:] == b"\n"


def test_body_differs_in_first_byte():
    response = make(body=b"Hello")
    failure = fail(response, Expect(body="hello"))
    assert "byte 0" in failure.message
    assert received(failure).caret == response.head_length


def test_binary_body_differs():
    response = make(body=b"\xff\xfe\x00")
    failure = fail(response, Expect(body="{blob}"), {"blob": b"\xff\xfe\x01"})
    assert received(failure).caret == response.head_length + 2


def test_body_utf8_text_counts_bytes():
    response = make(body="é".encode("latin-1"))  # one byte 0xe9 instead of the two UTF-8 bytes
    failure = fail(response, Expect(body="{v}"), {"v": "é"})
    assert received(failure).caret == response.head_length


def test_close_delimited_body():
    reader = ResponseReader()
    reader.feed(b"HTTP/1.1 200 OK\r\n\r\nabc")
    reader.feed_eof()
    response = reader.next_response()
    check(response, Expect(body="abc"), {})
    failure = fail(response, Expect(body="abd"))
    assert received(failure).caret == response.head_length + 2


# --------------------------------------------------------------------------- gzip


def gzip_response(body: bytes) -> Response:
    return make(headers=[b"Content-Encoding: gzip"], body=body)


GZIP_EXPECT = Expect(status=200, headers={"Content-Encoding": "gzip"}, body="{text}", decode="gzip")
TEXT = {"text": "strawberry banana"}


def test_gzip_body_passes():
    check(gzip_response(gzip.compress(b"strawberry banana")), GZIP_EXPECT, TEXT)


def test_gzip_body_with_different_content_fails():
    failure = fail(gzip_response(gzip.compress(b"strawberry bananas")), GZIP_EXPECT, TEXT)
    assert "decodes" in failure.message


def test_plain_text_claimed_as_gzip():
    response = gzip_response(b"strawberry banana")
    failure = fail(response, GZIP_EXPECT, TEXT)
    assert "plain text" in failure.message and "not gzip" in failure.message
    assert failure.evidence[0].caret == response.head_length


def test_zlib_data_claimed_as_gzip():
    failure = fail(gzip_response(zlib.compress(b"strawberry banana")), GZIP_EXPECT, TEXT)
    assert "zlib" in failure.message


def test_raw_deflate_claimed_as_gzip():
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    raw = compressor.compress(b"strawberry banana") + compressor.flush()
    failure = fail(gzip_response(raw), GZIP_EXPECT, TEXT)
    assert "raw deflate" in failure.message


def test_truncated_gzip():
    failure = fail(gzip_response(gzip.compress(b"strawberry banana")[:-6]), GZIP_EXPECT, TEXT)
    assert "starts like gzip but does not decode" in failure.message


def test_other_bytes_claimed_as_gzip():
    failure = fail(gzip_response(b"\x00\x01garbage"), GZIP_EXPECT, TEXT)
    assert "magic bytes 1f 8b" in failure.message and "00 01" in failure.message


def test_the_failure_messages_for_gzip_are_distinct():
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    raw = compressor.compress(b"strawberry banana") + compressor.flush()
    bodies = [b"strawberry banana", zlib.compress(b"strawberry banana"), raw,
              gzip.compress(b"strawberry banana")[:-6]]
    failures = [fail(gzip_response(body), GZIP_EXPECT, TEXT) for body in bodies]
    assert len({failure.message for failure in failures}) == 4
    assert len({failure.hint for failure in failures}) == 4


# --------------------------------------------------------------------------- a header value cut short

AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
AGENT_EXPECT = Expect(status=200, headers={"Content-Type": "text/plain", "Content-Length": "{agent|len}"},
                      body="{agent}")
SENT = (("Host", "localhost:4221"), ("User-Agent", AGENT), ("Accept", "*/*"))


def echo(body: str) -> Response:
    return make(headers=[b"Content-Type: text/plain"], body=body.encode())


def cut_failure(body: str, sent=SENT) -> StageFailure:
    with pytest.raises(StageFailure) as info:
        check(echo(body), AGENT_EXPECT, {"agent": AGENT}, b"", sent)
    return info.value


@pytest.mark.parametrize("separator, name", [(" ", "space"), (":", "colon"), (";", "semicolon"), (",", "comma")])
def test_a_value_cut_at_a_separator_says_where_it_stops(separator, name):
    agent = AGENT.replace("X11;", "X11; rv:120.0;")  # one with a colon too
    body = agent.split(separator)[0]
    sent = (("Host", "localhost:4221"), ("User-Agent", agent))
    with pytest.raises(StageFailure) as info:
        check(echo(body), AGENT_EXPECT, {"agent": agent}, b"", sent)
    failure = info.value
    cut = len(body)
    assert failure.message.startswith(f"the body is the first {cut} of the {len(agent)} expected bytes: "
                                      f"it stops just before the '{separator}' at byte {cut} of '")
    assert "Content-Length is" not in failure.message
    assert f"stops at its first {name}" in failure.hint and "User-Agent" in failure.hint
    assert "split(':', 1)" in failure.hint
    assert received(failure).caret == len(echo(body).raw)
    expected = next(item for item in failure.evidence if item.label == "expected body")
    assert expected.caret == cut


def test_a_cut_near_the_start_shows_the_value_from_its_start():
    failure = cut_failure("Mozilla/5.0")
    assert "at byte 11 of 'Mozilla/5.0 (X11; L...'" in failure.message


def test_a_cut_far_in_shows_the_bytes_around_it():
    failure = cut_failure(AGENT.split(",")[0])
    assert "of '...ppleWebKit/537.36 (KHTML, like G...'" in failure.message


def test_a_cut_body_that_is_no_request_header_keeps_the_general_hint():
    failure = cut_failure("Mozilla/5.0", sent=(("Host", "localhost:4221"),))
    assert "it stops just before the ' ' at byte 11" in failure.message
    assert failure.hint == hints.LENGTH_FITS_WRONG_BODY


def test_a_cut_not_at_the_first_such_character_says_how_many_bytes():
    failure = cut_failure(AGENT[:AGENT.index(" ", 20)])
    assert f"stops after {AGENT.index(' ', 20)} bytes, before a space" in failure.hint


def test_an_empty_body_is_not_reported_as_a_cut_value():
    failure = cut_failure("")
    assert "Content-Length is '0'" in failure.message
    assert "stops" not in failure.message


def test_a_body_that_is_not_a_prefix_still_blames_the_content_length_value():
    failure = cut_failure("*/*")
    assert failure.message.startswith("Content-Length is '3'")
    assert failure.hint == hints.LENGTH_FITS_WRONG_BODY


def test_a_cut_body_without_a_content_length_rule_says_where_it_stops():
    response = echo("Mozilla/5.0")
    with pytest.raises(StageFailure) as info:
        check(response, Expect(body="{agent}"), {"agent": AGENT}, b"", SENT)
    assert "shorter than the expected" in info.value.message
    assert "it stops just before the ' ' at byte 11" in info.value.message
    assert "first space" in info.value.hint


# --------------------------------------------------------------------------- a request header that is a list


GZIP_WANTED = Expect(status=200, headers={"Content-Type": "text/plain", "Content-Encoding": "gzip"})


def list_failure(accept: str, expect: Expect = GZIP_WANTED, response: Response | None = None) -> StageFailure:
    response = response or echo("abc")
    with pytest.raises(StageFailure) as info:
        check(response, expect, {}, b"", (("Host", "localhost:4221"), ("Accept-Encoding", accept)))
    return info.value


@pytest.mark.parametrize("accept", ["x-yak, gzip, x-vole", "gzip,x-yak", "x-vole,x-yak, gzip", "x-yak, GZIP"])
def test_a_missing_header_answering_a_list_item_gets_the_list_hint(accept):
    failure = list_failure(accept)
    assert failure.message.endswith(f"; the request's Accept-Encoding header, {accept!r}, is a list that "
                                    "includes 'gzip'")
    assert failure.hint == hints.REQUEST_LIST.format(header="Accept-Encoding", item="gzip",
                                                     response="Content-Encoding: gzip")
    assert "split its value at the commas" in failure.hint


def test_a_wrong_header_answering_a_list_item_gets_the_list_hint():
    response = make(headers=[b"Content-Type: text/plain", b"Content-Encoding: x-yak, gzip"], body=b"abc")
    failure = list_failure("x-yak, gzip", response=response)
    assert "is a list" in failure.hint


def test_a_token_rule_answering_a_list_item_gets_the_list_hint():
    failure = list_failure("x-yak, gzip", Expect(headers={"Content-Encoding": HeaderRule(token="gzip")}))
    assert "is a list" in failure.hint


def test_a_request_header_that_is_just_the_value_gets_the_usual_hint():
    failure = list_failure("gzip")
    assert failure.hint == hints.HEADER_MISSING
    assert "is a list" not in failure.message


def test_a_list_without_the_value_gets_the_usual_hint():
    failure = list_failure("x-yak, x-gzip")
    assert failure.hint == hints.HEADER_MISSING


def test_without_the_request_headers_the_usual_hint():
    with pytest.raises(StageFailure) as info:
        check(echo("abc"), GZIP_WANTED, {})
    assert info.value.hint == hints.HEADER_MISSING


# --------------------------------------------------------------------------- the check language (issue 11)

def expect(**keys) -> Expect:
    return Expect.model_validate(keys)


JSON_HEADERS = [b"Content-Type: application/json"]


def test_status_sets_and_classes_pass():
    for rule in ([403, 404], "4xx", [400, "4xx"]):
        check(make(b"HTTP/1.1 404 Not Found"), expect(status=rule), {})


def test_a_status_set_names_every_status_that_would_do():
    failure = fail(make(), expect(status=[403, 404, "5xx"]))
    assert failure.message == "expected status 403 or 404 (or any 5xx), got 200"
    assert failure.expected == "status 403 or 404 (or any 5xx)" and received(failure).caret == 9
    assert failure.hint == hints.STATUS_SET


def test_a_status_class_in_words():
    assert fail(make(), expect(status="4xx")).message == "expected a 4xx status, got 200"


def test_a_single_status_keeps_its_message_and_hints():
    failure = fail(make(), expect(status=404))
    assert failure.message == "expected status code 404, got 200" and failure.hint == hints.STATUS[(404, 200)]
    assert fail(make(), expect(status=[404])).message == "expected status code 404, got 200"


def test_one_of():
    response = make(headers=[b"Content-Type: text/html"])
    check(response, expect(headers={"Content-Type": {"one_of": ["text/plain", "text/html"]}}), {})
    failure = fail(response, expect(headers={"Content-Type": {"one_of": ["text/plain", "{kind}"]}}),
                   {"kind": "application/json"})
    assert failure.message == "Content-Type is 'text/html', expected one of 'text/plain', 'application/json'"
    assert received(failure).caret == response.raw.index(b"text/html")
    assert failure.hint == hints.HEADER_ONE_OF


def test_matches_is_a_full_match():
    response = make(headers=[b"X-Id: 0f3a9c7e"])
    check(response, expect(headers={"X-Id": {"matches": "[0-9a-f]{8}"}}), {})
    failure = fail(response, expect(headers={"X-Id": {"matches": "[0-9a-f]{4}"}}))
    assert failure.message == "X-Id is '0f3a9c7e', which does not match the pattern '[0-9a-f]{4}' (as a whole)"
    assert received(failure).caret == response.raw.index(b"0f3a")


def test_one_of_and_matches_judge_all_the_lines_of_a_header_joined():
    response = make(headers=[b"Vary: Accept", b"Vary: Accept-Encoding"])
    check(response, expect(headers={"Vary": {"one_of": ["Accept, Accept-Encoding"]}}), {})
    check(response, expect(headers={"Vary": {"matches": "Accept, Accept-Encoding"}}), {})
    failure = fail(response, expect(headers={"Vary": {"one_of": ["Accept"]}}))
    assert failure.message == ("Vary is 'Accept, Accept-Encoding' (its 2 lines joined, RFC 9110 §5.3), expected "
                               "one of 'Accept'")
    assert received(failure).caret == response.raw.index(b"Accept")
    failure = fail(response, expect(headers={"Vary": {"matches": "Accept"}}))
    assert failure.message.startswith("Vary is 'Accept, Accept-Encoding' (its 2 lines joined, RFC 9110 §5.3), "
                                      "which does not match")


def test_a_date_header_twice_fails_at_its_second_line():
    response = make(headers=[b"Date: Sun, 06 Nov 1994 08:49:37 GMT", b"Date: Mon, 07 Nov 1994 08:49:37 GMT"])
    failure = fail(response, expect(headers={"Date": {"date": True}}))
    assert failure.message == ("the response has 2 Date lines ('Sun, 06 Nov 1994 08:49:37 GMT', 'Mon, 07 Nov 1994 "
                               "08:49:37 GMT'); an HTTP date is a single value, so Date must come once")
    assert received(failure).caret == response.raw.index(b"Date: Mon")
    assert failure.hint == hints.HEADER_DATE


def test_a_comma_in_a_quoted_string_does_not_split_a_list():
    response = make(headers=[b'Cache-Control: no-cache="Set-Cookie, Vary", max-age=0'])
    check(response, expect(headers={"Cache-Control": {"tokens": ['no-cache="Set-Cookie, Vary"', "max-age=0"]}}), {})
    failure = fail(response, expect(headers={"Cache-Control": {"token": "Vary\""}}))
    assert "which does not list 'vary\"'" in failure.message


def test_a_missing_header_says_what_its_rule_wanted():
    failure = fail(make(), expect(headers={"X-Id": {"one_of": ["a", "b"]}}))
    assert failure.message == "the response has no X-Id header (expected one of: a, b)"
    assert failure.expected == "X-Id: one of: a, b"
    assert received(failure).caret == make().head_length - 2


def test_tokens_in_any_order_spacing_and_case():
    response = make(headers=[b"Allow: get,HEAD ,  OPTIONS"])
    check(response, expect(headers={"Allow": {"tokens": ["GET", "HEAD", "OPTIONS"]}}), {})
    check(make(headers=[b"Allow: GET", b"Allow: HEAD"]), expect(headers={"Allow": {"tokens": ["HEAD", "GET"]}}), {})


def test_tokens_name_what_is_missing_and_point_at_what_is_extra():
    response = make(headers=[b"Allow: GET, POST"])
    failure = fail(response, expect(headers={"Allow": {"tokens": ["GET", "HEAD"]}}))
    assert failure.message == ("Allow is 'GET, POST', which lacks 'HEAD' and has 'POST', not expected (expected "
                               "exactly GET, HEAD, in any order)")
    assert received(failure).caret == response.raw.index(b"POST")
    only_missing = fail(make(headers=[b"Allow: GET"]), expect(headers={"Allow": {"tokens": ["GET", "HEAD"]}}))
    assert "lacks 'HEAD'" in only_missing.message and "not expected" not in only_missing.message


def test_date():
    check(make(headers=[b"Date: Sun, 06 Nov 1994 08:49:37 GMT"]), expect(headers={"Date": {"date": True}}), {})
    response = make(headers=[b"Date: Sun, 06 Nov 1994 08:49:37 UTC"])
    failure = fail(response, expect(headers={"Date": {"date": True}}))
    assert failure.message.startswith("Date is 'Sun, 06 Nov 1994 08:49:37 UTC', not an HTTP date: found 'UTC'")
    assert received(failure).caret == response.raw.index(b"UTC")
    assert failure.hint == hints.HEADER_DATE


def test_present():
    check(make(headers=[b"Server: x"]), expect(headers={"Server": {"present": True}}), {})
    assert fail(make(), expect(headers={"Server": {"present": True}})).message == "the response has no Server header"
    failure = fail(make(headers=[b"Server: x"]), expect(headers={"Server": {"present": False}}))
    assert "must not have" in failure.message


def test_body_contains():
    response = make(body=b"<h1>Welcome</h1>")
    check(response, expect(body_contains=["<h1>{word}</h1>"]), {"word": "Welcome"})
    failure = fail(response, expect(body_contains=["<h1>Welcome!</h1>"]))
    assert failure.message == ("the body does not contain '<h1>Welcome!</h1>' (its start is there, but the body "
                               "differs from byte 11 on)")
    assert received(failure).caret == response.head_length + 11
    far = fail(response, expect(body_contains=["nothing like it"]))
    assert far.message == "the body does not contain 'nothing like it'" and received(far).caret == len(response.raw)


def test_body_excludes_points_where_the_forbidden_bytes_start():
    response = make(body=b"debug: secret-token=42")
    check(response, expect(body_excludes=["password"]), {})
    failure = fail(response, expect(body_excludes=["password", "secret"]))
    assert failure.message == "the body contains 'secret' at byte 7, which it must not"
    assert received(failure).caret == response.head_length + 7 and failure.hint == hints.BODY_EXCLUDES


def test_contents_after_decoding():
    blob = gzip.compress(b"hello secret")
    response = make(headers=[b"Content-Encoding: gzip"], body=blob)
    check(response, expect(decode="gzip", body_contains=["hello"]), {})
    failure = fail(response, expect(decode="gzip", body_excludes=["secret"]))
    assert received(failure).label == "received, decoded" and received(failure).caret == 6


def test_json_by_meaning():
    response = make(headers=JSON_HEADERS, body=b'{"items": [{"name": "apple", "n": 1.0}], "id": 3}')
    check(response, expect(json={"id": {"$is": "{id}"}, "items": [{"n": 1, "name": "{fruit}"}]}),
          {"id": "3", "fruit": "apple"})


def test_a_json_mismatch_has_its_path_and_a_caret_at_the_value():
    response = make(headers=JSON_HEADERS, body=b'{"items": [{"name": "apple"}], "id": 3}')
    failure = fail(response, expect(json={"items": [{"name": "pear"}], "id": {"$any": "integer"}}))
    assert failure.message == 'the JSON body differs at $.items[0].name: expected "pear", got "apple"'
    assert received(failure).caret == response.raw.index(b'"apple"')
    assert failure.expected == 'JSON like {"items": [{"name": "pear"}], "id": <an integer>}'
    assert failure.hint == hints.JSON_VALUE


def test_invalid_json_is_shown_at_its_first_wrong_byte():
    response = make(body=b'{"a": 1,}')
    failure = fail(response, expect(json={"a": 1}))
    assert failure.message == "the body is not valid JSON: a comma before '}' at byte 8"
    assert received(failure).caret == response.head_length + 8 and failure.hint == hints.JSON_SYNTAX


def test_a_duplicate_key_is_ambiguous_json_not_invalid_json():
    response = make(body=b'{"id": 1, "id": 2}')
    failure = fail(response, expect(json={"id": 1}))
    assert failure.message == ('the JSON body is ambiguous: at byte 10, the key "id" appears twice in one object '
                               "(RFC 8259 §4: names SHOULD be unique; receivers disagree on which value counts)")
    assert "not valid JSON" not in failure.message and failure.hint != hints.JSON_SYNTAX
    assert received(failure).caret == response.head_length + 10


def test_an_integer_is_any_number_with_an_integral_value():
    response = make(headers=JSON_HEADERS, body=b'{"a": 1, "b": 1.0, "c": 1e2, "d": 2.5}')
    check(response, expect(json={"a": {"$any": "integer"}, "b": {"$any": "integer"}, "c": {"$any": "integer"},
                                 "d": {"$any": "number"}}), {})
    assert "at $.d: expected an integer, got a number: 2.5" in fail(response, expect(json={
        "a": 1, "b": 1, "c": 100, "d": {"$any": "integer"}})).message


def test_is_compares_a_rendered_number_with_a_number_by_value():
    response = make(headers=JSON_HEADERS, body=b'{"price": 100, "count": 3.0}')
    check(response, expect(json={"price": {"$is": "{captured}"}, "count": {"$is": "3"}}), {"captured": "100.0"})


def test_a_number_too_long_for_int_is_judged_not_a_crash():
    response = make(body=b'{"n": ' + b"1" * 5000 + b"}")
    check(response, expect(json={"n": {"$any": "integer"}}), {})
    assert "expected a string, got a number: 1111" in fail(response, expect(json={"n": {"$any": "string"}})).message


def test_an_empty_body_where_json_is_expected():
    failure = fail(make(), expect(json={}))
    assert failure.message == "the body is empty, but a JSON value was expected" and failure.hint == hints.JSON_EMPTY
    assert "only whitespace" in fail(make(body=b"\r\n"), expect(json=[])).message


def test_json_null_is_a_pattern_too():
    check(make(body=b"null"), expect(json=None), {})
    assert "expected null" in fail(make(body=b"0"), expect(json=None)).message


def test_framing():
    chunked = parse(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n")
    check(chunked, expect(framing="chunked"), {})
    check(chunked, expect(framing=["content-length", "chunked"]), {})
    response = make(body=b"x")
    failure = fail(response, expect(framing="chunked"))
    assert failure.message == ("the response is framed by Content-Length, expected chunked transfer coding "
                               "(Transfer-Encoding: chunked)")
    assert received(failure).caret == response.raw.index(b"Content-Length")
    assert failure.hint == hints.FRAMING["chunked"]


def test_framing_of_a_response_to_head_is_what_its_headers_declare():
    head = parse(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", method="HEAD")
    check(head, expect(framing="content-length"), {})
    failure = fail(head, expect(framing="chunked"))
    assert "this response has no body; its headers declare Content-Length" in failure.message


@pytest.mark.parametrize("data, method", [
    (b"HTTP/1.1 204 No Content\r\n\r\n", "GET"),
    (b"HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n\r\n", "GET"),
    (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n", "HEAD"),
])
def test_a_response_without_a_body_that_declares_no_framing_passes_any_framing_rule(data, method):
    response = parse(data, method=method)  # RFC 9112 §6.3: it ends at its head, it is not close-delimited
    for rule in ("content-length", "chunked", "close", ["content-length", "chunked"]):
        check(response, expect(framing=rule), {})


def test_a_bodiless_response_that_declares_a_framing_is_judged_by_it():
    response = parse(b"HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n")
    failure = fail(response, expect(framing="content-length"))
    assert "this response has no body; its headers declare chunked transfer coding" in failure.message
    assert received(failure).caret == response.raw.index(b"Transfer-Encoding")


def test_continued():
    plain = make()
    continued = replace(plain, interim=(100,))
    check(continued, expect(continued=True), {})
    check(plain, expect(continued=False), {})
    missing = fail(plain, expect(continued=True))
    assert missing.message == "no '100 Continue' came before the response: HTTP/1.1 200 OK came first"
    assert missing.hint == hints.CONTINUE_MISSING
    assert fail(continued, expect(continued=False)).hint == hints.CONTINUE_UNWANTED


def test_a_cited_rule_ends_the_message_and_travels_with_the_failure():
    failure = fail(make(), expect(status=400, rfc="RFC 9112 §3.2"))
    assert failure.message == "expected status code 400, got 200 (RFC 9112 §3.2)"
    assert failure.rfc == "RFC 9112 §3.2" and failure.level == "must"


def step(**keys) -> Step:
    return Step.model_validate({"send": {"target": "/"}, **keys})


def test_verify_checks_also_after_expect():
    response = make(headers=[b"Server: x"])
    assert verify(response, step(expect={"status": 200}, also=[{"headers": {"Server": {"present": True}}}]), {}) == []
    with pytest.raises(StageFailure) as caught:
        verify(response, step(expect={"status": 200}, also=[{"headers": {"Date": {"present": True}}}]), {})
    assert caught.value.message == "the response has no Date header"


def test_should_and_may_mismatches_are_warnings():
    response = make()
    warnings = verify(response, step(expect={"status": 200}, also=[
        {"level": "should", "rfc": "RFC 9110 §6.6.1", "headers": {"Date": {"present": True}}},
        {"level": "may", "headers": {"Server": {"present": True}}},
        {"level": "should", "status": 200},
    ]), {})
    assert [(warning.level, warning.rfc, warning.message) for warning in warnings] == [
        ("should", "RFC 9110 §6.6.1", "the response has no Date header (RFC 9110 §6.6.1)"),
        ("may", "", "the response has no Server header"),
    ]


def test_when_status_checks_an_expectation_only_for_those_statuses():
    listing = {"when_status": 200, "body_contains": ["notes.txt"]}
    assert verify(make(b"HTTP/1.1 404 Not Found"), step(expect={"status": [200, 404]}, also=[listing]), {}) == []
    with pytest.raises(StageFailure) as caught:
        verify(make(), step(expect={"status": [200, 404]}, also=[listing]), {})
    assert "the body does not contain 'notes.txt'" in caught.value.message


def test_a_must_mismatch_after_a_warning_still_fails():
    with pytest.raises(StageFailure) as caught:
        verify(make(), step(expect={"status": 200}, also=[
            {"level": "should", "headers": {"Date": {"present": True}}}, {"status": 404}]), {})
    assert caught.value.message == "expected status code 404, got 200"


# --------------------------------------------------------------------------- warnings in the console and the report


def test_warnings_are_printed_after_a_passing_stage_and_counted():
    stage = Stage.model_validate({"slug": "s", "title": "S", "description": "s.md",
                                  "probes": [{"kind": "connect"}]})
    should = StageFailure("the response has no Date header (RFC 9110 §6.6.1)", hint="Add Date.", level="should",
                          rfc="RFC 9110 §6.6.1", expected="a Date header")
    may = StageFailure("the response has no Server header", level="may")
    result = StageResult(1, stage, "passed", warnings=[should, may])
    for debug, shown in ((False, ["should"]), (True, ["should", "may"])):
        console = Console(io.StringIO(), colour=False, debug=debug)
        console.stage_finished(result)
        console.summary(Run(1, [result]))
        output = console.stream.getvalue()
        assert "  ⚠ should: the response has no Date header (RFC 9110 §6.6.1)\n    hint: Add Date.\n" in output
        assert ("⚠ may: the response has no Server header" in output) is ("may" in shown)
        assert "1 passed, 0 failed. 1 warning (should-level checks, shown above)." in output
    assert result.as_json()["warnings"] == [
        {"level": "should", "rfc": "RFC 9110 §6.6.1", "message": should.message, "expected": "a Date header"},
        {"level": "may", "rfc": None, "message": may.message, "expected": ""},
    ]


def test_a_header_with_another_value_is_not_told_to_add_the_header():
    failure = fail(make(headers=[b"Location: /elsewhere"]), Expect(status=200, headers={"Location": "/there"}))
    assert failure.hint == hints.HEADER_VALUE
    missing = fail(make(), Expect(status=200, headers={"Location": "/there"}))
    assert missing.hint == hints.HEADER_MISSING


def test_when_status_belongs_in_an_also_item():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="put the checks that depend on the status in an also item"):
        step(expect={"status": 200, "when_status": 201})


# --------------------------------------------------------------------------- the response's version


def test_an_http_1_0_status_line_fails_by_default_at_the_digit():
    failure = fail(make(b"HTTP/1.0 200 OK"), Expect(status=200))
    assert "says HTTP/1.0, not HTTP/1.1" in failure.message
    assert failure.hint == hints.VERSION


def test_version_lists_what_the_status_line_may_say():
    check(make(b"HTTP/1.0 200 OK"), Expect(status=200, version=["HTTP/1.1", "HTTP/1.0"]), {})
    check(make(b"HTTP/1.1 200 OK"), Expect(status=200, version=["HTTP/1.1", "HTTP/1.0"]), {})
    assert "not HTTP/1.0" in fail(make(b"HTTP/1.1 200 OK"), Expect(version="HTTP/1.0")).message


def test_an_also_item_takes_its_expects_versions_and_may_prefer_one():
    step = Step.model_validate({"send": {}, "expect": {"status": 200, "version": ["HTTP/1.1", "HTTP/1.0"]},
                                "also": [{"status": 200}, {"version": "HTTP/1.1", "level": "should"}]})
    warnings = verify(make(b"HTTP/1.0 200 OK"), step, {})
    assert [warning.level for warning in warnings] == ["should"]
    assert "says HTTP/1.0" in warnings[0].message


def test_if_present_lets_a_header_be_left_out_and_checks_it_when_it_is_there():
    rule = HeaderRule(one_of=["9"], if_present=True)
    check(make(b"HTTP/1.1 204 No Content", length=False), Expect(status=204, headers={"Content-Length": rule}), {})
    check(make(body=b"123456789"), Expect(headers={"Content-Length": rule}), {})
    failure = fail(make(body=b"12"), Expect(headers={"Content-Length": rule}))
    assert "Content-Length is '2', expected one of '9'" in failure.message


@pytest.mark.parametrize("fields", [{"if_present": True}, {"if_present": True, "present": True, "one_of": ["1"]},
                                    {"if_present": False, "one_of": ["1"]}])
def test_if_present_needs_a_value_rule_and_no_present(fields):
    with pytest.raises(ValueError, match="if_present: true lets the header be left out"):
        HeaderRule(**fields)
