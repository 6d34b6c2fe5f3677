"""Behaviour tests for tester.http11, the strict HTTP/1.1 response reader.

Everything here works on byte strings: the reader does no I/O, so each test feeds bytes, maybe an
end of file, and looks at the Responses, ParseErrors or `pending` state that come out.
"""

from __future__ import annotations

import h11
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tester.http11 import MAX_HEAD_BYTES, ParseError, Response, ResponseReader

STATUS_200 = b"HTTP/1.1 200 OK\r\n"  # 17 bytes
CHUNKED_HEAD = STATUS_200 + b"Transfer-Encoding: chunked\r\n\r\n"  # 47 bytes


# --------------------------------------------------------------------------- helpers


def make_reader(methods=()) -> ResponseReader:
    reader = ResponseReader()
    for method in methods:
        reader.expect_response_to(method)
    return reader


def drain(reader: ResponseReader) -> list[Response]:
    """Every response the reader can hand out right now."""
    found = []
    while (response := reader.next_response()) is not None:
        found.append(response)
    return found


def read_whole(data: bytes, methods=(), eof: bool = False) -> tuple[list[Response], ResponseReader]:
    reader = make_reader(methods)
    reader.feed(data)
    if eof:
        reader.feed_eof()
    return drain(reader), reader


def read_in_pieces(pieces, methods=(), eof: bool = False) -> tuple[list[Response], ResponseReader]:
    """Feed the pieces one after the other, collecting whatever is complete after each."""
    reader = make_reader(methods)
    found = []
    for piece in pieces:
        reader.feed(piece)
        found += drain(reader)
    if eof:
        reader.feed_eof()
        found += drain(reader)
    return found, reader


def one_byte_at_a_time(data: bytes) -> list[bytes]:
    return [data[index:index + 1] for index in range(len(data))]


def parse_error(data: bytes, eof: bool = False, methods=()) -> ParseError:
    reader = make_reader(methods)
    reader.feed(data)
    if eof:
        reader.feed_eof()
    with pytest.raises(ParseError) as caught:
        drain(reader)
    return caught.value


def only(responses: list[Response]) -> Response:
    assert len(responses) == 1, responses
    return responses[0]


# --------------------------------------------------------------------------- 1. valid responses


def test_simple_200_with_content_length():
    data = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"
    responses, reader = read_whole(data)
    response = only(responses)
    assert response.version == "HTTP/1.1"
    assert response.status == 200
    assert response.reason == "OK"
    assert response.status_line == "HTTP/1.1 200 OK"
    assert [(h.name, h.value) for h in response.headers] == [("Content-Type", "text/plain"), ("Content-Length", "5")]
    assert response.body == b"hello"
    assert response.raw == data
    assert response.head_length == len(data) - 5
    assert response.framing == "content-length"
    assert reader.buffer == b""


def test_header_offsets_point_at_the_start_of_each_line():
    data = STATUS_200 + b"A: 1\r\nBee: 22\r\nContent-Length: 0\r\n\r\n"
    response = only(read_whole(data)[0])
    offsets = [h.offset for h in response.headers]
    assert offsets == [17, 23, 32]
    for header in response.headers:
        assert response.raw[header.offset:].startswith(header.name.encode())


def test_empty_body_with_content_length_zero():
    data = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    response = only(read_whole(data)[0])
    assert response.body == b""
    assert response.framing == "content-length"
    assert response.head_length == len(data)


def test_body_shorter_than_content_length_waits():
    reader = make_reader()
    reader.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel")
    assert reader.next_response() is None
    reader.feed(b"lo")
    assert reader.next_response().body == b"hello"


def test_close_delimited_body_needs_eof():
    data = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of this until the close"
    reader = make_reader()
    reader.feed(data)
    assert reader.next_response() is None
    reader.feed(b", and more")
    assert reader.next_response() is None
    reader.feed_eof()
    response = reader.next_response()
    assert response.framing == "close"
    assert response.body == b"all of this until the close, and more"
    assert response.raw == data + b", and more"
    assert reader.buffer == b""
    assert reader.next_response() is None


def test_close_delimited_empty_body():
    data = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"
    response = only(read_whole(data, eof=True)[0])
    assert response.framing == "close"
    assert response.body == b""


def test_chunked_body_with_extensions_and_trailers():
    data = (
        CHUNKED_HEAD
        + b"5;name=value\r\nhello\r\n"
        + b"1A ; quoted=\"x;y\"\r\n" + b"z" * 26 + b"\r\n"
        + b"0\r\n"
        + b"Expires: never\r\nX-Checksum: abc\r\n"
        + b"\r\n"
    )
    response = only(read_whole(data)[0])
    assert response.framing == "chunked"
    assert response.body == b"hello" + b"z" * 26
    assert response.raw == data
    assert response.head_length == len(CHUNKED_HEAD)
    # trailers are not headers of the response
    assert response.header("Expires") is None


def test_chunked_body_waits_for_the_last_chunk_and_final_crlf():
    data = CHUNKED_HEAD + b"3\r\nabc\r\n0\r\n\r\n"
    reader = make_reader()
    reader.feed(data[:-2])
    assert reader.next_response() is None
    reader.feed(data[-2:])
    assert reader.next_response().body == b"abc"


def test_transfer_encoding_chunked_is_case_insensitive_and_may_follow_other_codings():
    data = STATUS_200 + b"transfer-encoding: gzip, CHUNKED\r\n\r\n2\r\nok\r\n0\r\n\r\n"
    response = only(read_whole(data)[0])
    assert response.framing == "chunked"
    assert response.body == b"ok"


def test_several_responses_in_one_buffer_are_read_in_turn():
    first = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none"
    second = CHUNKED_HEAD + b"3\r\ntwo\r\n0\r\n\r\n"
    third = b"HTTP/1.1 404 Not Found\r\nContent-Length: 5\r\n\r\nthree"
    leftover = b"HTTP/1.1 200 OK\r\nContent-Le"
    reader = make_reader()
    reader.feed(first + second + third + leftover)
    one = reader.next_response()
    assert (one.body, one.raw) == (b"one", first)
    assert reader.buffer == second + third + leftover
    two = reader.next_response()
    assert (two.body, two.raw, two.framing) == (b"two", second, "chunked")
    three = reader.next_response()
    assert (three.status, three.reason, three.body, three.raw) == (404, "Not Found", b"three", third)
    assert reader.next_response() is None
    assert reader.buffer == leftover


def test_header_offsets_are_relative_to_each_response():
    first = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"
    second = b"HTTP/1.1 200 OK\r\nX-Second: yes\r\nContent-Length: 0\r\n\r\n"
    responses, _ = read_whole(first + second)
    assert [h.offset for h in responses[1].headers] == [17, 32]


STREAM_FOR_SPLITTING = (
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A:  spaced  \r\n\r\nhello"
    + CHUNKED_HEAD + b"4;ext\r\nwiki\r\n5\r\npedia\r\n0\r\nTrailer-A: 1\r\n\r\n"
    + b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"
    + b"HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n"
    + b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"  # response to HEAD: no body follows
    + b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\n\r\nclosing now"
)
STREAM_METHODS = ["GET", "GET", "GET", "GET", "HEAD", "GET"]


def test_byte_at_a_time_gives_the_same_responses_as_whole_feeding():
    whole, whole_reader = read_whole(STREAM_FOR_SPLITTING, STREAM_METHODS, eof=True)
    pieces, piece_reader = read_in_pieces(one_byte_at_a_time(STREAM_FOR_SPLITTING), STREAM_METHODS, eof=True)
    assert [r.status for r in whole] == [200, 200, 204, 304, 200, 500]
    assert [r.body for r in whole] == [b"hello", b"wikipedia", b"", b"", b"", b"closing now"]
    assert pieces == whole
    assert whole_reader.buffer == piece_reader.buffer == b""


def test_byte_at_a_time_single_response_equal_to_whole():
    data = b"HTTP/1.1 201 Created\r\nLocation: /x\r\nContent-Length: 2\r\n\r\nok"
    assert read_in_pieces(one_byte_at_a_time(data))[0] == read_whole(data)[0]


def test_head_response_with_content_length_has_no_body():
    data = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1234\r\n\r\n"
    responses, reader = read_whole(data, methods=["head"])  # method name is case-insensitive
    response = only(responses)
    assert response.body == b""
    assert response.framing == "none"
    assert response.header("Content-Length").value == "1234"
    assert reader.buffer == b""


def test_head_then_get_pipelined():
    head_response = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n"
    get_response = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody"
    responses, reader = read_whole(head_response + get_response, methods=["HEAD", "GET"])
    assert [r.body for r in responses] == [b"", b"body"]
    assert [r.framing for r in responses] == ["none", "content-length"]
    assert reader.request_methods == []


def test_without_recorded_method_a_response_is_read_as_to_get():
    data = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"
    assert only(read_whole(data)[0]).body == b"hi"


@pytest.mark.parametrize(
    "data",
    [
        b"HTTP/1.1 204 No Content\r\nServer: x\r\n\r\n",
        b"HTTP/1.1 304 Not Modified\r\nETag: \"abc\"\r\nContent-Length: 100\r\n\r\n",
        b"HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n",
    ],
    ids=["204", "304-with-content-length", "204-with-chunked"],
)
def test_204_and_304_have_no_body_and_need_no_eof(data):
    follow = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n!"
    responses, reader = read_whole(data + follow)
    assert [r.body for r in responses] == [b"", b"!"]
    assert responses[0].framing == "none"
    assert responses[0].raw == data
    assert reader.buffer == b""


def test_informational_response_is_read_without_body():
    data = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    responses, reader = read_whole(data)
    assert [(r.status, r.body, r.framing) for r in responses] == [(200, b"ok", "content-length")]
    assert [(r.status, r.framing) for r in reader.interim] == [(100, "none")]


def test_interim_response_does_not_use_up_the_request_method():
    data = (
        b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n"
    )
    responses, reader = read_whole(data, methods=["GET", "HEAD"])
    assert [(r.status, r.body) for r in responses] == [(200, b"hi"), (200, b"")]
    assert [r.status for r in reader.interim] == [103]
    assert reader.buffer == b""


def test_header_names_in_any_case():
    data = STATUS_200 + b"content-LENGTH: 3\r\nX-MiXeD-CaSe: v\r\n\r\nabc"
    response = only(read_whole(data)[0])
    assert response.body == b"abc"
    assert response.framing == "content-length"
    assert response.headers[1].name == "X-MiXeD-CaSe"  # kept as sent
    for spelling in ("x-mixed-case", "X-MIXED-CASE", "x-MiXeD-cAsE"):
        assert response.header(spelling).value == "v"
    assert response.header("Missing") is None


def test_header_values_lists_every_occurrence_in_order():
    data = STATUS_200 + b"Set-Cookie: a=1\r\nX: y\r\nset-cookie: b=2\r\nContent-Length: 0\r\n\r\n"
    response = only(read_whole(data)[0])
    assert response.header_values("SET-COOKIE") == ["a=1", "b=2"]
    assert response.header("set-cookie").value == "a=1"
    assert response.header_values("nope") == []


def test_optional_whitespace_around_values_is_trimmed():
    data = STATUS_200 + b"A:no-space\r\nB: \t spaced out \t \r\nC:\r\nD:   \r\nContent-Length:\t2 \r\n\r\nok"
    response = only(read_whole(data)[0])
    assert [(h.name, h.value) for h in response.headers] == [
        ("A", "no-space"), ("B", "spaced out"), ("C", ""), ("D", ""), ("Content-Length", "2"),
    ]
    assert response.body == b"ok"


def test_empty_reason_phrase_accepted():
    response = only(read_whole(b"HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n")[0])
    assert (response.status, response.reason) == (200, "")
    assert response.status_line == "HTTP/1.1 200 "


def test_reason_phrase_may_hold_spaces_tabs_and_obs_text():
    response = only(read_whole(b"HTTP/1.1 418 I'm a\tteapot \xe9\r\nContent-Length: 0\r\n\r\n")[0])
    assert response.status == 418
    assert response.reason == "I'm a\tteapot \u00e9"


def test_obs_text_in_header_values_accepted():
    value = bytes(range(0x80, 0x100))
    response = only(read_whole(STATUS_200 + b"X-Bytes: " + value + b"\r\nContent-Length: 0\r\n\r\n")[0])
    assert response.header("x-bytes").value == value.decode("latin-1")


def test_identical_duplicate_content_length_accepted():
    data = STATUS_200 + b"Content-Length: 2\r\nContent-Length: 2\r\n\r\nok"
    assert only(read_whole(data)[0]).body == b"ok"


def test_feed_eof_after_a_complete_response_changes_nothing():
    responses, reader = read_whole(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", eof=True)
    assert only(responses).body == b"x"
    assert reader.next_response() is None


# --------------------------------------------------------------------------- 2. agreement with h11


def h11_read(stream: bytes, methods: list[str], eof: bool) -> list[tuple[int, str, list, bytes]]:
    """Read the responses to `methods` from `stream` with h11, as (status, reason, headers, body)."""
    connection = h11.Connection(our_role=h11.CLIENT)
    connection.receive_data(stream)
    results = []
    for index, method in enumerate(methods):
        if index:
            connection.start_next_cycle()
        connection.send(h11.Request(method=method, target="/", headers=[("Host", "example.test")]))
        connection.send(h11.EndOfMessage())
        response, body, eof_sent = None, b"", False
        while True:
            event = connection.next_event()
            if event is h11.NEED_DATA:
                assert eof and not eof_sent, "h11 wants more data than the case provides"
                connection.receive_data(b"")
                eof_sent = True
                continue
            if isinstance(event, h11.Response):
                response = event
            elif isinstance(event, h11.Data):
                body += bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                break
            else:
                raise AssertionError(f"unexpected h11 event {event!r}")
        headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in response.headers]
        results.append((response.status_code, response.reason.decode("latin-1"), headers, body))
    return results


H11_CASES = {
    "simple-200": ([b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"], ["GET"], False),
    "404-several-headers": (
        [b"HTTP/1.1 404 Not Found\r\nServer: learner\r\nContent-Type: text/plain; charset=utf-8\r\n"
         b"Content-Length: 9\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\n\r\nnot found"],
        ["GET"], False,
    ),
    "content-length-zero": ([b"HTTP/1.1 201 Created\r\nLocation: /files/a\r\nContent-Length: 0\r\n\r\n"], ["POST"], False),
    "chunked-ext-trailers": (
        [CHUNKED_HEAD + b"5;a=b\r\nhello\r\n6;c;d=\"q\"\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"], ["GET"], False,
    ),
    "chunked-uppercase-hex-leading-zeros": (
        [CHUNKED_HEAD + b"00A\r\n0123456789\r\n1\r\n!\r\n000\r\n\r\n"], ["GET"], False,
    ),
    "close-delimited": ([b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end"], ["GET"], True),
    "head-with-content-length": ([b"HTTP/1.1 200 OK\r\nContent-Length: 512\r\n\r\n"], ["HEAD"], False),
    "204": ([b"HTTP/1.1 204 No Content\r\nServer: s\r\n\r\n"], ["DELETE"], False),
    "304": ([b"HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n\r\n"], ["GET"], False),
    "empty-reason": ([b"HTTP/1.1 200 \r\nContent-Length: 2\r\n\r\nok"], ["GET"], False),
    "mixed-case-ows-obs-text": (
        [b"HTTP/1.1 200 Tr\xe8s bien\r\ncOnTeNt-TyPe:text/html\r\nX-Tabs: \t a\tb \t\r\n"
         b"X-Latin: caf\xe9\r\ncontent-length:  3 \r\n\r\nabc"],
        ["GET"], False,
    ),
    "keep-alive-two-content-length": (
        [b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none",
         b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo"],
        ["GET", "GET"], False,
    ),
    "keep-alive-content-length-then-chunked": (
        [b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst",
         CHUNKED_HEAD + b"6\r\nsecond\r\n0\r\n\r\n"],
        ["GET", "GET"], False,
    ),
    "keep-alive-head-then-get": (
        [b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n",
         b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody"],
        ["HEAD", "GET"], False,
    ),
    "keep-alive-three-then-close": (
        [CHUNKED_HEAD + b"1\r\na\r\n0\r\n\r\n",
         b"HTTP/1.1 304 Not Modified\r\n\r\n",
         b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\nbye"],
        ["GET", "GET", "GET"], True,
    ),
}


@pytest.mark.parametrize("messages, methods, eof", list(H11_CASES.values()), ids=list(H11_CASES))
def test_agrees_with_h11(messages, methods, eof):
    stream = b"".join(messages)
    ours, reader = read_whole(stream, methods, eof=eof)
    expected = h11_read(stream, methods, eof)
    assert len(ours) == len(expected) == len(messages)
    for response, message, (status, reason, headers, body) in zip(ours, messages, expected):
        assert response.status == status
        assert response.reason == reason
        assert [(h.name.lower(), h.value) for h in response.headers] == headers
        assert response.body == body
        assert response.raw == message
    assert reader.buffer == b""


# --------------------------------------------------------------------------- 3. malformed responses


def assert_error(error: ParseError, data: bytes, offset: int, kind: str, at: bytes) -> None:
    """The error points at `offset`, the bytes from there start with `at`, and it is of `kind`."""
    assert error.kind == kind, (error.kind, error.problem)
    assert error.offset == offset, (error.offset, error.problem)
    assert error.data == data
    assert data[offset:].startswith(at)
    assert error.problem and error.expected
    assert str(error) == error.problem


def test_http_1_0_status_line_parses_and_keeps_its_version():
    reader = make_reader()
    reader.feed(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")
    assert reader.next_response().version == "HTTP/1.0"


def test_other_minor_versions_are_refused_at_the_digit():
    data = b"HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n"
    assert_error(parse_error(data), data, 7, "status-line", b"2 200 OK")


@pytest.mark.parametrize("data", [b"<html><body>hi</body></html>\r\n", b"OK\r\n", b"\r\n\r\n", b" HTTP/1.1 200 OK\r\n"])
def test_garbage_instead_of_status_line(data):
    assert_error(parse_error(data), data, 0, "status-line", data[:1])


def test_lowercase_http_name():
    data = b"http/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    assert_error(parse_error(data), data, 0, "status-line", b"http/")


def test_too_short_status_line():
    data = b"HTTP/1.1\r\n\r\n"
    assert_error(parse_error(data), data, 8, "status-line", b"\r\n")


@pytest.mark.parametrize(
    "data, offset",
    [
        (b"HTTP/1.1 20 OK\r\n\r\n", 11),
        (b"HTTP/1.1 2x0 OK\r\n\r\n", 10),
        (b"HTTP/1.1 OK\r\n\r\n", 9),
        (b"HTTP/1.1 2\r\n\r\n", 10),
    ],
    ids=["two-digits", "letter", "no-code", "line-ends"],
)
def test_status_code_not_three_digits(data, offset):
    assert_error(parse_error(data), data, offset, "status-line", data[offset:offset + 1])


@pytest.mark.parametrize(
    "data",
    [b"HTTP/1.1 200OK\r\n\r\n", b"HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", b"HTTP/1.1 2000 OK\r\n\r\n"],
    ids=["reason-glued", "no-reason-no-space", "four-digits"],
)
def test_missing_space_after_status_code(data):
    assert_error(parse_error(data), data, 12, "status-line", data[12:13])


def test_control_byte_in_reason_phrase():
    data = b"HTTP/1.1 200 O\x00K\r\n\r\n"
    assert_error(parse_error(data), data, 14, "status-line", b"\x00")


def test_bare_lf_ending_status_line():
    data = b"HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n"
    assert_error(parse_error(data), data, 15, "bare-lf", b"\nContent")


def test_bare_lf_ending_a_header():
    data = STATUS_200 + b"Content-Length: 0\n\r\n"
    assert_error(parse_error(data), data, 34, "bare-lf", b"\n\r\n")


def test_bare_lf_for_the_final_blank_line():
    data = STATUS_200 + b"Content-Length: 0\r\n\n"
    assert_error(parse_error(data), data, 36, "bare-lf", b"\n")


def test_all_bare_lf_response_fails_on_the_first_line():
    data = b"HTTP/1.1 200 OK\nContent-Length: 0\n\n"
    assert_error(parse_error(data), data, 15, "bare-lf", b"\n")


def test_stray_cr_inside_a_header_line():
    data = STATUS_200 + b"X-A: a\rb\r\n\r\n"
    assert_error(parse_error(data), data, 23, "syntax", b"\rb")


def test_space_before_colon_in_header_name():
    data = STATUS_200 + b"Content-Length : 0\r\n\r\n"
    assert_error(parse_error(data), data, 31, "header", b" : 0")


def test_header_line_without_colon():
    data = STATUS_200 + b"X-No-Colon-Here\r\nContent-Length: 0\r\n\r\n"
    assert_error(parse_error(data), data, 32, "header", b"\r\nContent")


@pytest.mark.parametrize(
    "line, offset_in_line",
    [
        pytest.param(b": empty-name", 0, id="empty-name"),
        pytest.param(b"X@Y: v", 1, id="at-sign"),
        pytest.param(b"Caf\xe9: v", 3, id="obs-text-in-name"),
    ],
)
def test_invalid_character_in_header_name(line, offset_in_line):
    data = STATUS_200 + line + b"\r\n\r\n"
    assert_error(parse_error(data), data, 17 + offset_in_line, "header", line[offset_in_line:offset_in_line + 1])


@pytest.mark.parametrize("fold", [b" two", b"\ttwo"], ids=["space", "tab"])
def test_obs_fold_line(fold):
    data = STATUS_200 + b"X-A: one\r\n" + fold + b"\r\nContent-Length: 0\r\n\r\n"
    assert_error(parse_error(data), data, 27, "header", fold)


@pytest.mark.parametrize("control", [b"\x00", b"\x01", b"\x1b", b"\x7f"])
def test_control_byte_in_header_value(control):
    data = STATUS_200 + b"X-A: a" + control + b"b\r\nContent-Length: 0\r\n\r\n"
    assert_error(parse_error(data), data, 23, "header", control + b"b")


@pytest.mark.parametrize("value", [b"abc", b"-1", b"+5", b"1.5", b"\xb2", b"0x10"])
def test_content_length_not_a_number(value):
    data = STATUS_200 + b"Content-Length:" + value + b"\r\n\r\n"
    assert_error(parse_error(data), data, 32, "framing", value)


def test_content_length_not_a_number_after_ows_points_at_the_value():
    data = STATUS_200 + b"Content-Length: abc\r\n\r\n"
    assert_error(parse_error(data), data, 33, "framing", b"abc")


def test_two_different_content_lengths():
    data = STATUS_200 + b"Content-Length: 1\r\nContent-Length: 2\r\n\r\nxy"
    assert_error(parse_error(data), data, 36, "framing", b"Content-Length: 2")


def test_transfer_encoding_and_content_length_together():
    data = STATUS_200 + b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
    assert_error(parse_error(data), data, 45, "framing", b"Content-Length: 5")


def test_transfer_encoding_not_ending_in_chunked():
    data = STATUS_200 + b"Transfer-Encoding: gzip\r\n\r\nxxxx"
    assert_error(parse_error(data), data, 17, "framing", b"Transfer-Encoding")


@pytest.mark.parametrize("size_line", [b"zz", b"", b";ext", b"-5"], ids=["letters", "empty", "only-ext", "negative"])
def test_bad_chunk_size(size_line):
    data = CHUNKED_HEAD + size_line + b"\r\nhello\r\n0\r\n\r\n"
    assert_error(parse_error(data), data, 47, "framing", size_line + b"\r\n")


def test_chunk_data_without_crlf():
    data = CHUNKED_HEAD + b"5\r\nhelloXX0\r\n\r\n"
    assert_error(parse_error(data), data, 55, "framing", b"XX0")


def test_chunk_data_longer_than_declared():
    data = CHUNKED_HEAD + b"3\r\nhello\r\n0\r\n\r\n"
    assert_error(parse_error(data), data, 53, "framing", b"lo\r\n")


def test_bare_lf_after_chunk_size():
    data = CHUNKED_HEAD + b"5\nhello\r\n0\r\n\r\n"
    assert_error(parse_error(data), data, 48, "bare-lf", b"\nhello")


def test_bad_trailer_line():
    data = CHUNKED_HEAD + b"0\r\nBad@Trailer: x\r\n\r\n"
    assert_error(parse_error(data), data, 53, "header", b"@Trailer")


@pytest.mark.parametrize(
    "data",
    [
        b"HTTP/1.1 20",
        b"HTTP/1.1 200 OK\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Len",
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r",
    ],
    ids=["in-status-line", "after-status-line", "in-header", "after-header", "half-blank-line"],
)
def test_connection_closed_mid_head(data):
    reader = make_reader()
    reader.feed(data)
    assert reader.next_response() is None  # incomplete, not wrong
    reader.feed_eof()
    with pytest.raises(ParseError) as caught:
        reader.next_response()
    ends_after_a_line = data.endswith(b"\r\n")  # only the empty line is missing: a more precise verdict
    assert_error(caught.value, data, len(data), "no-blank-line" if ends_after_a_line else "truncated", b"")


def test_connection_closed_mid_chunk():
    data = CHUNKED_HEAD + b"a\r\nonly5"
    reader = make_reader()
    reader.feed(data)
    assert reader.next_response() is None
    reader.feed_eof()
    with pytest.raises(ParseError) as caught:
        reader.next_response()
    ends_after_a_line = data.endswith(b"\r\n")  # only the empty line is missing: a more precise verdict
    assert_error(caught.value, data, len(data), "no-blank-line" if ends_after_a_line else "truncated", b"")


def test_head_line_over_64_kib_without_end():
    data = STATUS_200 + b"X-Filler: " + b"a" * (MAX_HEAD_BYTES + 10)
    assert_error(parse_error(data), data, 17, "too-long", b"X-Filler: aaa")


def test_status_line_over_64_kib_without_end():
    data = b"HTTP/1.1 200 " + b"O" * (MAX_HEAD_BYTES + 10)
    assert_error(parse_error(data), data, 0, "too-long", b"HTTP/1.1 200 OOO")


def test_head_of_many_lines_over_64_kib_without_end():
    line = b"X-Filler: " + b"a" * 100 + b"\r\n"
    data = STATUS_200 + line * (MAX_HEAD_BYTES // len(line) + 10)
    assert_error(parse_error(data), data, MAX_HEAD_BYTES, "too-long", b"")


def test_head_just_under_the_limit_is_fine():
    line = b"X-Filler: " + b"a" * 100 + b"\r\n"
    data = STATUS_200 + line * 500 + b"Content-Length: 0\r\n\r\n"
    assert len(data) < MAX_HEAD_BYTES
    assert len(only(read_whole(data)[0]).headers) == 501


def test_head_over_64_kib_ending_in_an_unfinished_line():
    line = b"X-Filler: " + b"a" * 100 + b"\r\n"
    data = STATUS_200 + line * 500 + b"X-Last: " + b"b" * 20_000  # ~76 KB, no end anywhere
    assert len(data) > MAX_HEAD_BYTES
    error = parse_error(data)
    assert error.kind == "too-long"


@pytest.mark.parametrize("start", [b"HELLO", b"X", b"HTTP/2", b"HTTP/1.2", b"GET / HTTP/1.1"])
def test_garbage_is_detected_before_any_line_end(start):
    reader = make_reader()
    with pytest.raises(ParseError) as caught:
        reader.feed(start)
        reader.next_response()
    assert caught.value.kind == "status-line"
    assert caught.value.offset < len(start)


def test_hello_is_wrong_at_its_second_byte():
    error = parse_error(b"HELLO")
    assert_error(error, b"HELLO", 1, "status-line", b"ELLO")


@pytest.mark.parametrize("start", [b"H", b"HTTP", b"HTTP/1.", b"HTTP/1.1 ", b"HTTP/1.1 20"])
def test_correct_prefix_is_not_an_error(start):
    reader = make_reader()
    reader.feed(start)
    assert reader.next_response() is None


def test_error_in_second_response_points_into_the_current_buffer():
    first = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"
    second = b"HTTP/1.2 200 OK\r\n\r\n"
    reader = make_reader()
    reader.feed(first + second)
    assert reader.next_response().body == b"x"
    with pytest.raises(ParseError) as caught:
        reader.next_response()
    assert_error(caught.value, second, 7, "status-line", b"2 200")


# --------------------------------------------------------------------------- 4. pending


def test_pending_nothing_received():
    waiting = ResponseReader().pending
    assert waiting.stage == "nothing"
    assert waiting.received == 0


def test_pending_partial_head():
    reader = make_reader()
    data = b"HTTP/1.1 200 OK\r\nContent-Le"
    reader.feed(data)
    assert reader.next_response() is None
    waiting = reader.pending
    assert waiting.stage == "head"
    assert waiting.received == len(data)


def test_pending_body_with_content_length():
    reader = make_reader()
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"
    reader.feed(head + b"1234")
    assert reader.next_response() is None
    waiting = reader.pending
    assert waiting.stage == "body"
    assert waiting.declared == 10
    assert waiting.body_received == 4
    assert waiting.received == len(head) + 4


def test_pending_close_delimited():
    reader = make_reader()
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"
    reader.feed(head + b"some")
    assert reader.next_response() is None
    waiting = reader.pending
    assert waiting.stage == "close"
    assert waiting.declared is None
    assert waiting.body_received == 4


def test_pending_chunked():
    reader = make_reader()
    reader.feed(CHUNKED_HEAD + b"5\r\nhel")
    assert reader.next_response() is None
    waiting = reader.pending
    assert waiting.stage == "chunked"
    assert waiting.body_received == 6


def test_pending_after_a_response_describes_the_next_one():
    reader = make_reader()
    reader.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1 2")
    assert reader.next_response().body == b"x"
    assert reader.next_response() is None
    assert (reader.pending.stage, reader.pending.received) == ("head", 10)


def test_pending_content_length_body_left_short_at_eof():
    reader = make_reader()
    reader.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n1234")
    reader.feed_eof()
    assert reader.next_response() is None
    assert (reader.pending.stage, reader.pending.declared, reader.pending.body_received) == ("body", 10, 4)


# --------------------------------------------------------------------------- property: split points


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(STREAM_FOR_SPLITTING)), max_size=12))
def test_any_split_of_a_valid_stream_gives_identical_responses(cuts):
    points = [0, *sorted(cuts), len(STREAM_FOR_SPLITTING)]
    pieces = [STREAM_FOR_SPLITTING[a:b] for a, b in zip(points, points[1:])]
    expected, _ = read_whole(STREAM_FOR_SPLITTING, STREAM_METHODS, eof=True)
    got, reader = read_in_pieces(pieces, STREAM_METHODS, eof=True)
    assert got == expected
    assert reader.buffer == b""


def test_a_final_response_carries_the_interim_codes_that_came_before_it():
    data = (
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    )
    responses, reader = read_whole(data, methods=["POST", "GET"])
    assert [(r.status, r.interim) for r in responses] == [(201, (100,)), (200, ())]
    assert reader.interim_since_last_response() == []


def test_interim_responses_read_before_the_final_one_are_told_apart():
    reader = make_reader(["POST"])
    reader.feed(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 20")
    assert reader.next_response() is None
    assert [r.status for r in reader.interim_since_last_response()] == [100]
    reader.feed(b"0 OK\r\nContent-Length: 0\r\n\r\n")
    assert reader.next_response().interim == (100,)
