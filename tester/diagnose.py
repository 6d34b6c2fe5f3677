"""Verdicts for responses that never completed. Pure: from what the reader waited for to a message.

A response can stop short in several ways (nothing at all, a head without its blank line, a body shorter
than its Content-Length, a close-delimited body on a connection that stays open); each has a different
usual cause, so each gets its own message and hint.
"""

from __future__ import annotations

import gzip
import zlib

from tester import hints
from tester.codings import GZIP_MAGIC
from tester.errors import Evidence, StageFailure
from tester.http11 import ParseError, Response, Waiting


def timed_out(waiting: Waiting, buffer: bytes, seconds: float, *, eof: bool = False) -> StageFailure:
    if waiting.stage == "nothing":
        if eof:
            return StageFailure(
                "the server closed the connection without sending a response",
                expected="a response", hint=hints.NO_RESPONSE,
            )
        return StageFailure(f"no response within {seconds:g} s", expected="a response", hint=hints.NO_RESPONSE)
    if waiting.stage == "head":
        what = "the connection closed" if eof else f"nothing more came within {seconds:g} s"
        return StageFailure(
            f"the response head is incomplete: {what} before the empty line that ends it",
            expected="\\r\\n\\r\\n at the end of the head", hint=hints.NO_RESPONSE_PARTIAL_HEAD,
            evidence=[Evidence("received", buffer, len(buffer))],
        )
    if waiting.stage == "body":
        what = "then the connection closed" if eof else f"no more arrived within {seconds:g} s"
        gzip_length = _complete_gzip_length(buffer[waiting.received - waiting.body_received:])
        if gzip_length is not None:
            same = " — exactly the length of the uncompressed text" if gzip_length == waiting.declared else ""
            return StageFailure(
                f"Content-Length declares {waiting.declared} bytes, but the gzip body is complete after "
                f"{waiting.body_received} bytes; {waiting.declared} looks like the uncompressed length{same}",
                expected=f"Content-Length: {waiting.body_received} (the compressed body's length)",
                hint=hints.GZIP_LENGTH,
                evidence=[Evidence("received", buffer, len(buffer))],
            )
        return StageFailure(
            f"Content-Length declares {waiting.declared} body bytes but only {waiting.body_received} arrived; {what}",
            expected=f"{waiting.declared} bytes of body", hint=hints.SHORT_BODY,
            evidence=[Evidence("received", buffer, len(buffer))],
        )
    if waiting.stage == "chunked":
        return StageFailure(
            f"the chunked body never ended (no final zero-size chunk within {seconds:g} s)",
            expected="0\\r\\n\\r\\n to end a chunked body",
            hint=hints.CHUNKED_END,
            evidence=[Evidence("received", buffer, len(buffer))],
        )
    return StageFailure(
        "the response has no Content-Length, so its body ends only when the connection closes, "
        f"and the server kept the connection open ({seconds:g} s)",
        expected="a Content-Length header, or the connection closed after the response",
        hint=hints.CLOSE_DELIMITED_OPEN,
        evidence=[Evidence("received", buffer, waiting.received - waiting.body_received - 2)],
    )


def too_slow(waiting: Waiting, buffer: bytes, seconds: float) -> StageFailure:
    """The response was still arriving when its time was up: a server that sends in dribs, not one that stalled."""
    evidence = [Evidence("received", buffer, len(buffer))]
    late = f"was still arriving when the {seconds:g} s limit passed"
    if waiting.stage == "close":
        return StageFailure(
            f"the response has no Content-Length and its body {late} ({waiting.body_received} bytes so far, "
            "the connection still open)", hint=hints.CLOSE_DELIMITED_OPEN,
            expected="a Content-Length header, or the connection closed after the response", evidence=evidence,
        )
    if waiting.stage == "chunked":
        return StageFailure(
            f"the chunked body {late} ({waiting.body_received} bytes so far, no final zero-size chunk yet)",
            expected="0\\r\\n\\r\\n to end a chunked body, within the limit", hint=hints.ENDLESS, evidence=evidence,
        )
    if waiting.stage == "body":
        so_far = f"{waiting.body_received} of the {waiting.declared} body bytes Content-Length declares had come"
    else:
        so_far = f"{waiting.received} bytes of its head had come"
    return StageFailure(f"the response {late}: only {so_far}", expected=f"the whole response within {seconds:g} s",
                        hint=hints.SLOW, evidence=evidence)


def too_big(waiting: Waiting, buffer: bytes, limit: int) -> StageFailure:
    """More bytes than any response of the course, and no end in sight: the tester stops reading."""
    size = f"{limit // 2**20} MiB"
    evidence = [Evidence("received", buffer)]
    if waiting.stage == "body" and waiting.declared is not None and waiting.declared > limit:
        return StageFailure(
            f"Content-Length declares {waiting.declared} bytes, more than the {size} the tester reads; "
            "it stopped reading after the head", expected="a Content-Length that counts the body's bytes",
            hint=hints.CONTENT_LENGTH, evidence=evidence,
        )
    what = {"close": "a body with no Content-Length, on a connection that stayed open",
            "chunked": "a chunked body with no final zero-size chunk"}.get(waiting.stage, "a response")
    return StageFailure(
        f"more than {size} arrived, {what}: the tester stopped reading there",
        expected="a response that ends", hint=hints.ENDLESS, evidence=evidence,
    )


def _complete_gzip_length(body: bytes) -> int | None:
    """The decoded length if `body` is one complete gzip stream, else None."""
    if not body.startswith(GZIP_MAGIC):
        return None
    try:
        return len(gzip.decompress(body))
    except (EOFError, OSError, zlib.error):
        return None


def parse_failure(error: ParseError) -> StageFailure:
    return StageFailure(
        f"the response is not valid HTTP/1.1: {error.problem}",
        expected=error.expected,
        hint=hints.PARSE.get(error.kind, hints.PARSE["syntax"]),
        evidence=[Evidence("received", error.data, error.offset)],
    )


def gzip_cut_short(response: Response, after: bytes) -> StageFailure | None:
    """A gzip body that is whole only with the bytes after it: its Content-Length counted too few bytes,
    usually the length of the uncompressed text (gzip makes short texts longer, not shorter)."""
    encoding = response.header("content-encoding")
    if not after or encoding is None or encoding.value.lower() != "gzip" or response.framing != "content-length":
        return None
    decoded = _complete_gzip_length(response.body + after)
    if decoded is None:
        return None
    declared, actual = len(response.body), len(response.body) + len(after)
    same = ", the length of the uncompressed text" if declared == decoded else ""
    return StageFailure(
        f"Content-Length says {declared}{same}, but the gzip body is {actual} bytes: the last "
        f"{len(after)} arrived after the declared end",
        expected=f"Content-Length: {actual} (the compressed body's length)",
        hint=hints.GZIP_LENGTH,
        evidence=[Evidence("received", response.raw + after, len(response.raw))],
    )


def trailing(extra: bytes, response: Response, *, before_next: str = "") -> StageFailure:
    """Bytes after the end of a response. `before_next` says what followed them, when they came where the
    next response should have started: the extra bytes are the news, not the next response."""
    cut = gzip_cut_short(response, extra)
    if cut is not None:
        return cut
    count = f"{len(extra)} {'byte' if len(extra) == 1 else 'bytes'}"
    where = "the previous response" if before_next else "the response"
    if response.request_method == "HEAD":
        problem = (f"{count} arrived after the end of {where}, a response to HEAD: it ends with its head and has "
                   "no body, whatever its Content-Length says (RFC 9110 §9.3.2)")
        expected, hint = "nothing after the head of a response to HEAD", hints.HEAD_BODY
    elif response.framing == "none":
        problem = (f"{count} arrived after the end of {where}: a {response.status} response ends with its head "
                   "and has no body (RFC 9110 §15.3.5, §15.4.5)")
        expected, hint = f"nothing after the head of a {response.status} response", hints.NO_BODY_STATUS
    else:
        declared = (f"the {len(response.body)} bytes its Content-Length declares"
                    if response.framing == "content-length" else f"its {response.framing} framing")
        problem = f"{count} arrived after the end of {where} (its body ends after {declared})"
        expected, hint = "nothing after the declared body", hints.TRAILING
        if extra.startswith(b"HTTP/1.") and not before_next:
            status_line = extra.split(b"\r\n", 1)[0].decode("latin-1")
            problem += f", and they are a second response ({status_line!r}) to a request that was never sent"
            expected, hint = "one response to one request", hints.SECOND_RESPONSE
    if before_next:
        problem += f", {before_next}"
    data = response.raw + extra
    return StageFailure(problem, expected=expected, hint=hint,
                        evidence=[Evidence("received", data, len(response.raw))])


def leftover(buffer: bytes, previous: Response) -> StageFailure:
    """The next response does not start with a status line: if a status line follows some bytes, those bytes
    are what the previous response left over (a CRLF after a body, a body sent with a response to HEAD)."""
    start = buffer.find(b"HTTP/1.", 1)
    if start > 0:
        return trailing(bytes(buffer[:start]), previous, before_next="in front of the next response")
    return trailing(bytes(buffer), previous, before_next="where the next response should start with its status line")
