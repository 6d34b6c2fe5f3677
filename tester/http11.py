"""A strict HTTP/1.1 response reader with no I/O in it.

The tester judges a learner's server by the bytes it writes, so the reader is deliberately stricter than
a browser: it accepts exactly the grammar of RFC 9112 and, when the bytes go wrong, says where (the
offset of the first wrong byte) and what was expected there. It never touches a socket: the I/O layer
feeds it bytes as they arrive and asks for complete responses, the same shape h11 uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

MAX_HEAD_BYTES = 64 * 1024

_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_FIELD_VALUE_BYTE = re.compile(rb"[\t\x20-\x7e\x80-\xff]")
_REASON_BYTE = _FIELD_VALUE_BYTE
_HEX = re.compile(rb"[0-9A-Fa-f]+")

NO_BODY_STATUSES = frozenset({204, 304})


class ParseError(Exception):
    """The bytes are not a valid HTTP/1.1 response.

    `data` is what had arrived on the connection, `offset` the index of the first byte that is wrong,
    `expected` says in words what should have been there.
    """

    def __init__(self, problem: str, data: bytes, offset: int, expected: str, *, kind: str = "syntax"):
        super().__init__(problem)
        self.problem = problem
        self.data = bytes(data)
        self.offset = offset
        self.expected = expected
        self.kind = kind


@dataclass(frozen=True)
class Header:
    name: str
    value: str
    offset: int  # where the header line starts in Response.raw


@dataclass(frozen=True)
class Response:
    version: str
    status: int
    reason: str
    headers: tuple[Header, ...]
    body: bytes
    raw: bytes
    head_length: int
    framing: str  # "content-length", "chunked", "close" or "none"
    request_method: str = "GET"  # of the request it answers: a response to HEAD has no body
    interim: tuple[int, ...] = ()  # status codes of the 1xx responses that came before this one
    # for a request sent with Expect: 100-continue, set by the connection: True if a 100 Continue came
    # before the tester sent the body (or the body was held back), False if the tester had stopped waiting
    # after `continue_wait` seconds and sent it anyway; None for any other request
    continued_in_time: bool | None = None
    continue_wait: float | None = None  # the seconds the tester waited for that 100 Continue
    # when its bytes came, where the reader was told: (offset in `raw` just after a piece, time it arrived)
    arrivals: tuple[tuple[int, float], ...] = ()

    def header(self, name: str) -> Header | None:
        """The first header with this name, compared case-insensitively, as RFC 9110 §5.1 requires."""
        wanted = name.lower()
        for header in self.headers:
            if header.name.lower() == wanted:
                return header
        return None

    def header_values(self, name: str) -> list[str]:
        wanted = name.lower()
        return [header.value for header in self.headers if header.name.lower() == wanted]

    @property
    def status_line(self) -> str:
        return f"{self.version} {self.status} {self.reason}"


@dataclass(frozen=True)
class Waiting:
    """What the reader still needs, used to explain a response that never finished."""

    stage: str  # "nothing", "head", "body", "chunked", "close"
    received: int  # bytes of this response received so far
    declared: int | None = None  # body bytes declared by Content-Length
    body_received: int = 0


@dataclass
class _Head:
    version: str
    status: int
    reason: str
    headers: tuple[Header, ...]
    length: int
    framing: str
    content_length: int | None


@dataclass
class ResponseReader:
    """Reads responses in turn from one connection's byte stream.

    Call `feed` with bytes as they arrive and `feed_eof` when the peer closes; `next_response` returns a
    complete Response, or None while more bytes are needed. Bytes after a response stay in `buffer` for
    the next call; `pending` tells what the reader waits for.
    """

    request_methods: list[str] = field(default_factory=list)
    buffer: bytearray = field(default_factory=bytearray)  # grows in place: a long body costs no re-copying
    eof: bool = False
    interim: list[Response] = field(default_factory=list)
    _chunks: _ChunkProgress | None = field(default=None, repr=False)  # how far a chunked body is read
    _interim_given: int = field(default=0, repr=False)  # interim responses already told of by a final one
    _arrivals: list[tuple[int, float]] = field(default_factory=list, repr=False)  # (end in buffer, time) per feed

    def expect_response_to(self, method: str) -> None:
        """Record the method of a request sent, so a response to HEAD is read without a body."""
        self.request_methods.append(method.upper())

    def feed(self, data: bytes, at: float | None = None) -> None:
        """Bytes as they came; `at`, the time they arrived, goes into the responses' `arrivals`."""
        self.buffer += data
        if at is not None:
            self._arrivals.append((len(self.buffer), at))

    def feed_eof(self) -> None:
        self.eof = True

    def next_response(self) -> Response | None:
        """The next final response; interim (1xx) responses before it are skipped into `interim`, and their
        status codes are in the final response's own `interim`."""
        while True:
            response = self._next()
            if response is None:
                return None
            if not 100 <= response.status < 200 or response.status == 101:
                codes = tuple(item.status for item in self.interim[self._interim_given:])
                self._interim_given = len(self.interim)
                return replace(response, interim=codes) if codes else response
            self.interim.append(response)

    def interim_since_last_response(self) -> list[Response]:
        """The interim responses read since the last final one (a 100 Continue waited for, say)."""
        return self.interim[self._interim_given:]

    def _next(self) -> Response | None:
        if not self.buffer:
            return None
        head = _parse_head(self.buffer, self.eof)
        if head is None:
            if len(self.buffer) > MAX_HEAD_BYTES:
                raise ParseError(
                    f"the response head is longer than {MAX_HEAD_BYTES} bytes", self.buffer, MAX_HEAD_BYTES,
                    "the empty line that ends the head", kind="too-long",
                )
            return None
        interim = 100 <= head.status < 200
        method = self.request_methods[0] if self.request_methods else "GET"
        if method == "HEAD" or head.status in NO_BODY_STATUSES or interim:
            framing, body, end = "none", b"", head.length
        elif head.framing == "chunked":
            if self._chunks is None:
                self._chunks = _ChunkProgress(head.length)
            end = _parse_chunked(self.buffer, self._chunks, self.eof)
            if end is None:
                return None
            body, self._chunks = bytes(self._chunks.body), None
            framing = "chunked"
        elif head.content_length is not None:
            end = head.length + head.content_length
            if len(self.buffer) < end:
                return None
            framing, body = "content-length", bytes(self.buffer[head.length:end])
        else:
            if not self.eof:
                return None
            framing, body, end = "close", bytes(self.buffer[head.length:]), len(self.buffer)
        raw = bytes(self.buffer[:end])
        self.buffer = self.buffer[end:]
        if self.request_methods and not (interim and head.status != 101):
            self.request_methods.pop(0)
        return Response(head.version, head.status, head.reason, head.headers, body, raw, head.length, framing,
                        method, arrivals=self._take_arrivals(end))

    def _take_arrivals(self, end: int) -> tuple[tuple[int, float], ...]:
        """The arrivals of the buffer's first `end` bytes (the last one cut at `end`); the rest move up."""
        taken = []
        for offset, at in self._arrivals:
            taken.append((min(offset, end), at))
            if offset >= end:
                break
        self._arrivals = [(offset - end, at) for offset, at in self._arrivals if offset > end]
        return tuple(taken)

    @property
    def pending(self) -> Waiting:
        if not self.buffer:
            return Waiting("nothing", 0)
        try:
            head = _parse_head(self.buffer, eof=False)
        except ParseError:
            return Waiting("head", len(self.buffer))
        if head is None:
            return Waiting("head", len(self.buffer))
        body_received = len(self.buffer) - head.length
        if head.framing == "chunked":
            return Waiting("chunked", len(self.buffer), body_received=body_received)
        if head.content_length is not None:
            return Waiting("body", len(self.buffer), head.content_length, body_received)
        return Waiting("close", len(self.buffer), body_received=body_received)


def _line_end(data: bytes, start: int, eof: bool, what: str) -> int | None:
    """Index of the CR of the CRLF ending the line that starts at `start`, or None if not yet arrived."""
    newline = data.find(b"\n", start)
    if newline < 0:
        if len(data) - start > MAX_HEAD_BYTES:
            raise ParseError(
                f"the {what} goes on for more than {MAX_HEAD_BYTES} bytes without a line end",
                data, start, "\\r\\n to end the line", kind="too-long",
            )
        if eof:
            raise ParseError(
                f"the connection closed in the middle of the {what}", data, len(data),
                "the rest of the line and \\r\\n", kind="truncated",
            )
        return None
    if newline == start or data[newline - 1:newline] != b"\r":
        raise ParseError(
            f"the {what} ends with a bare \\n", data, newline, "\\r\\n (CR LF): HTTP lines end with both bytes",
            kind="bare-lf",
        )
    carriage = data.find(b"\r", start, newline - 1)
    if carriage >= 0:
        raise ParseError(f"a stray \\r inside the {what}", data, carriage, "\\r only directly before \\n")
    return newline - 1


def _parse_head(data: bytes, eof: bool) -> _Head | None:
    newline = data.find(b"\n")
    _check_status_prefix(data, len(data) if newline < 0 else newline)
    line_end = _line_end(data, 0, eof, "status line")
    if line_end is None:
        return None
    version, status, reason = _parse_status_line(data, line_end)
    headers: list[Header] = []
    position = line_end + 2
    while True:
        if len(data) - position >= 2 and data[position:position + 2] == b"\r\n":
            head_length = position + 2
            break
        if data[position:position + 1] == b"\n":
            raise ParseError(
                "the blank line after the headers is a bare \\n", data, position,
                "\\r\\n: the head ends with an empty line, \\r\\n\\r\\n in all", kind="bare-lf",
            )
        if eof and position == len(data):
            raise ParseError(
                "the response head is incomplete: the connection closed before the empty line that ends it",
                data, position, "\\r\\n: an empty line ends the head, even when there are no headers",
                kind="no-blank-line",
            )
        line_end = _line_end(data, position, eof, "header section")
        if line_end is None:
            return None
        headers.append(_parse_header(data, position, line_end))
        position = line_end + 2
        if position > MAX_HEAD_BYTES:
            raise ParseError(
                f"the response head is longer than {MAX_HEAD_BYTES} bytes", data, MAX_HEAD_BYTES,
                "the empty line that ends the head", kind="too-long",
            )
    framing, content_length = _framing(data, headers)
    return _Head(version, status, reason, tuple(headers), head_length, framing, content_length)


def _check_status_prefix(data: bytes, end: int) -> None:
    """The status line starts 'HTTP/1.1 ' or 'HTTP/1.0 '; which of them is allowed is the expectation's
    business (a 1.0 answer to an HTTP/1.0 request is the server's choice, RFC 9110 §6.2)."""
    expected = b"HTTP/1.1 "
    for index, byte in enumerate(data[: min(end, len(expected))]):
        if byte != expected[index] and not (index == 7 and byte == ord("0")):
            if index == 0:
                problem = "the response does not start with a status line"
            else:
                problem = "the status line does not start with HTTP/1.1"
            raise ParseError(problem, data, index, f"{chr(expected[index])!r}: a response starts with 'HTTP/1.1 '",
                             kind="status-line")
    if end < len(expected) and end < len(data):
        raise ParseError("the status line is too short", data, end, "'HTTP/1.1 ', a status code and a reason",
                         kind="status-line")


def _parse_status_line(data: bytes, line_end: int) -> tuple[str, int, str]:
    code = data[9:12]
    for index in range(9, 12):
        if index >= line_end or not data[index:index + 1].isdigit():
            raise ParseError("the status code is not three digits", data, index, "a digit of the 3-digit status code",
                             kind="status-line")
    if data[12:13] != b" " or 12 >= line_end:
        raise ParseError(
            "the status code is not followed by a space", data, 12,
            "a space after the status code, even when the reason phrase is empty", kind="status-line",
        )
    reason = data[13:line_end]
    for index, byte in enumerate(reason):
        if not _REASON_BYTE.fullmatch(bytes([byte])):
            raise ParseError("the reason phrase holds a control byte", data, 13 + index,
                             "visible characters, spaces or tabs", kind="status-line")
    return data[:8].decode("ascii"), int(code), reason.decode("latin-1")


def _parse_header(data: bytes, start: int, end: int) -> Header:
    line = data[start:end]
    if line[:1] in (b" ", b"\t"):
        raise ParseError(
            "a header line starts with whitespace (obsolete line folding)", data, start,
            "a header name at the start of the line", kind="header",
        )
    colon = line.find(b":")
    if colon < 0:
        raise ParseError("a header line has no colon", data, end, "':' between the header name and its value",
                         kind="header")
    name = line[:colon]
    if not name:
        raise ParseError("a header line has an empty name", data, start, "a header name before the colon",
                         kind="header")
    match = _TOKEN.match(name)
    matched = match.end() if match else 0
    if matched != len(name):
        where = start + matched
        if name[matched:matched + 1] in (b" ", b"\t"):
            problem, expected = "whitespace between a header name and its colon", "':' right after the header name"
        elif matched == 0:
            problem, expected = "a header line has an empty or invalid name", "a header name (letters, digits, '-')"
        else:
            problem, expected = "a header name holds a character names may not have", "letters, digits, '-' or ':'"
        raise ParseError(problem, data, where, expected, kind="header")
    value = line[colon + 1:]
    for index, byte in enumerate(value):
        if not _FIELD_VALUE_BYTE.fullmatch(bytes([byte])):
            raise ParseError("a header value holds a control byte", data, start + colon + 1 + index,
                             "visible characters, spaces or tabs", kind="header")
    return Header(name.decode("latin-1"), value.strip(b" \t").decode("latin-1"), start)


def _framing(data: bytes, headers: list[Header]) -> tuple[str, int | None]:
    lengths = [header for header in headers if header.name.lower() == "content-length"]
    encodings = [header for header in headers if header.name.lower() == "transfer-encoding"]
    if encodings and lengths:
        raise ParseError(
            "the response has both Transfer-Encoding and Content-Length", data, lengths[0].offset,
            "only one of them (RFC 9112 §6.1: a server must not send both)", kind="framing",
        )
    if encodings:
        codings = [c.strip().lower() for header in encodings for c in header.value.split(",")]
        if codings[-1] != "chunked":
            raise ParseError(
                "Transfer-Encoding does not end with chunked", data, encodings[-1].offset,
                "'chunked' as the last transfer coding", kind="framing",
            )
        return "chunked", None
    if not lengths:
        return "close", None
    values = {header.value for header in lengths}
    for header in lengths:
        if not header.value.isdigit() or not header.value.isascii():
            value_at = data.index(b":", header.offset) + 1
            while data[value_at:value_at + 1] in (b" ", b"\t"):
                value_at += 1
            raise ParseError(
                f"Content-Length is {header.value!r}, not a number", data, value_at,
                "a decimal count of body bytes", kind="framing",
            )
    if len(values) > 1:
        raise ParseError(
            "the response has several different Content-Length values", data, lengths[1].offset,
            "a single Content-Length", kind="framing",
        )
    return "content-length", int(lengths[0].value)


@dataclass
class _ChunkProgress:
    """The chunks of a body read so far, so that each new piece of an endless body costs only its own parsing."""

    position: int  # where the next chunk-size line starts
    body: bytearray = field(default_factory=bytearray)


def _parse_chunked(data: bytes, progress: _ChunkProgress, eof: bool) -> int | None:
    """Parse the chunks after `progress`, recording each complete one there; the body's end once it ends."""
    position = progress.position
    while True:
        line_end = _line_end(data, position, eof, "chunk size line")
        if line_end is None:
            return None
        size_field = data[position:line_end].split(b";", 1)[0].strip(b" \t")
        if not _HEX.fullmatch(size_field):
            raise ParseError("a chunk size is not a hexadecimal number", data, position,
                             "the chunk's size in hexadecimal", kind="framing")
        size = int(size_field, 16)
        position = line_end + 2
        if size == 0:
            trailer_start = position
            while True:  # trailer fields, then the final empty line
                if data[position:position + 2] == b"\r\n":
                    return position + 2
                if position - trailer_start > MAX_HEAD_BYTES:
                    raise ParseError(f"the chunked trailer is longer than {MAX_HEAD_BYTES} bytes", data, position,
                                     "the empty line that ends the chunked body", kind="too-long")
                line_end = _line_end(data, position, eof, "chunked trailer")
                if line_end is None:
                    return None
                _parse_header(data, position, line_end)
                position = line_end + 2
        if len(data) < position + size + 2:
            if eof:
                raise ParseError("the connection closed in the middle of a chunk", data, len(data),
                                 f"{size} bytes of chunk data and \\r\\n", kind="truncated")
            return None
        if data[position + size:position + size + 2] != b"\r\n":
            raise ParseError("chunk data is not followed by \\r\\n", data, position + size,
                             "\\r\\n right after the chunk's bytes", kind="framing")
        progress.body += data[position:position + size]
        position += size + 2
        progress.position = position
