"""Comparing a parsed response with what the manifest expects. Pure: no sockets, no files.

Checks run in the order a reader of the response meets them (status code, reason, headers, body), and
the first mismatch is the verdict, with a caret at the byte where the response first goes wrong.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from tester import diagnose, hints, visible
from tester.codings import DecodeError, gunzip
from tester.errors import Evidence, StageFailure
from tester.http11 import Response
from tester.manifest.models import Expect, HeaderRule
from tester.templates import Value, render, render_text


def first_difference(expected: bytes, actual: bytes) -> int | None:
    """Index of the first byte where the two differ (or where the shorter ends), None if equal."""
    if expected == actual:
        return None
    for index, (left, right) in enumerate(zip(expected, actual)):
        if left != right:
            return index
    return min(len(expected), len(actual))


def check(response: Response, expect: Expect, values: Mapping[str, Value], after: bytes = b"",
          sent: Sequence[tuple[str, str]] = ()) -> None:
    """Raise StageFailure for the first way the response differs from `expect`.

    `after` is whatever arrived on the connection after this response: it explains a gzip body cut
    short by a Content-Length that counted the uncompressed text. `sent` is the request's headers
    (name, value): a body that should be one of their values, or a response header that should answer
    an item of a list the request sent, gets a hint about reading that request header."""
    if expect.status is not None and response.status != expect.status:
        raise _fail(
            response, 9, f"expected status code {expect.status}, got {response.status}",
            f"status {expect.status}", hints.STATUS.get((expect.status, response.status), hints.STATUS_DEFAULT),
        )
    if expect.reason is not None and response.reason != expect.reason:
        at = 13 + (first_difference(expect.reason.encode(), response.reason.encode("latin-1")) or 0)
        raise _fail(
            response, at, f"expected reason phrase {expect.reason!r}, got {response.reason!r}",
            f"'{response.status} {expect.reason}'", hints.REASON,
        )
    for name in expect.absent:  # first: an unwanted header usually explains the other differences
        header = response.header(name)
        if header is not None:
            raise _fail(response, header.offset, f"the response has a {header.name} header ({header.value!r}), "
                        "which it must not have here", f"no {name} header", hints.ABSENT)
    for name, rule in expect.headers.items():
        try:
            _check_header(response, name, rule, values)
        except StageFailure as failure:
            if name.lower() == "content-length" and expect.body is not None and expect.decode is None:
                _blame_the_body(failure, response, render(expect.body, values), after, sent)
            else:
                _blame_a_list(failure, name, rule, values, sent)
            raise
    if expect.body is not None:
        _check_body(response, expect, render(expect.body, values), after, sent)


def _check_header(response: Response, name: str, rule: str | HeaderRule, values: Mapping[str, Value]) -> None:
    header = response.header(name)
    end_of_head = response.head_length - 2
    if isinstance(rule, HeaderRule):
        if rule.present is False and header is not None:
            raise _fail(response, header.offset, f"the response has a {name} header, which it must not have",
                        f"no {name} header", hints.ABSENT)
        if header is None and (rule.present or rule.token is not None):
            raise _fail(response, end_of_head, f"the response has no {name} header", f"a {name} header",
                        hints.HEADER_MISSING)
        if rule.token is not None and header is not None:
            token = render_text(rule.token, values).lower()
            tokens = [item.strip().lower() for value in response.header_values(name) for item in value.split(",")]
            if token not in tokens:
                raise _fail(response, _value_offset(response, header), f"{name} is {header.value!r}, "
                            f"which does not list {token!r}", f"{name} listing {token}", hints.HEADER_MISSING)
        return
    wanted = render_text(rule, values)
    if header is None:
        raise _fail(response, end_of_head, f"the response has no {name} header (expected {name}: {wanted})",
                    f"{name}: {wanted}", _header_hint(name))
    if header.value != wanted:
        offset = _value_offset(response, header)
        offset += first_difference(wanted.encode("latin-1"), header.value.encode("latin-1")) or 0
        message = f"{name} is {header.value!r}, expected {wanted!r}"
        if name.lower() == "content-length" and header.value.isdigit():
            message += f" (so the tester read a body of {len(response.body)} bytes)"
        raise _fail(response, offset, message, f"{name}: {wanted}", _header_hint(name))


def _check_body(response: Response, expect: Expect, wanted: bytes, after: bytes,
                sent: Sequence[tuple[str, str]]) -> None:
    body = response.body
    if expect.decode == "gzip":
        try:
            body = gunzip(response.body, plain=wanted)
        except DecodeError as error:
            cut = diagnose.gzip_cut_short(response, after)
            if cut is not None:
                raise cut from None
            raise _fail(response, response.head_length, error.problem, "a gzip-compressed body", error.hint) from None
        at = first_difference(wanted, body)
        if at is not None:
            raise StageFailure(
                f"the body decodes to {len(body)} bytes that differ from the expected {len(wanted)} at byte {at}",
                expected=f"the gzip body decodes to the {len(wanted)} bytes shown",
                hint=hints.BODY,
                evidence=[Evidence("expected, decoded", wanted, at), Evidence("received, decoded", body, at)],
            )
        return
    at = first_difference(wanted, body)
    if at is None:
        return
    hint = hints.BODY
    if len(body) < len(wanted) and wanted.startswith(body):
        problem = f"the body is {len(body)} bytes, shorter than the expected {len(wanted)}"
        if body:
            problem += ": " + _where_cut(wanted, len(body))
            hint = _cut_header_hint(wanted, len(body), sent) or hint
    elif len(body) > len(wanted) and body.startswith(wanted):
        problem = f"the body has {len(body) - len(wanted)} extra bytes after the expected {len(wanted)}"
    else:
        problem = f"the body differs from the expected one at byte {at}"
    failure = _fail(response, response.head_length + at, problem, f"the {len(wanted)}-byte body shown", hint)
    failure.evidence.insert(0, Evidence("expected body", wanted, at))
    raise failure


def _blame_the_body(failure: StageFailure, response: Response, wanted: bytes, after: bytes,
                    sent: Sequence[tuple[str, str]]) -> None:
    """A Content-Length that differs from the expected one but counts the body sent right (nothing
    arrived after the body it declares): the count is not the mistake, the body is; say so.

    A body that is the start of the expected one was cut short, most often a header value split at
    a space, colon, semicolon or comma: the message says where it stops."""
    body = response.body
    if after or response.framing != "content-length" or body == wanted:
        return
    failure.hint = hints.LENGTH_FITS_WRONG_BODY
    failure.evidence.insert(0, Evidence("expected body", wanted, first_difference(wanted, body)))
    if 0 < len(body) < len(wanted) and wanted.startswith(body):
        failure.message = (f"the body is the first {len(body)} of the {len(wanted)} expected bytes: "
                           f"{_where_cut(wanted, len(body))} (its Content-Length, {len(body)}, counts what was sent)")
        failure.expected = f"the whole {len(wanted)}-byte body shown, with Content-Length: {len(wanted)}"
        failure.hint = _cut_header_hint(wanted, len(body), sent) or failure.hint
        received = failure.evidence[-1]
        received.caret = response.head_length + len(body)  # where the rest should have followed


_CHARACTER_NAMES = {" ": "space", ":": "colon", ";": "semicolon", ",": "comma", "\t": "tab"}


def _where_cut(wanted: bytes, cut: int) -> str:
    """'it stops just before the ' ' at byte 11 of 'Mozilla/5.0 (X11; ...'': the spot, with some context."""
    start = max(0, cut - 24)
    excerpt = visible.escape(wanted[start:cut + 8])
    excerpt = ("..." if start else "") + excerpt + ("..." if cut + 8 < len(wanted) else "")
    return f"it stops just before the '{visible.escape(wanted[cut:cut + 1])}' at byte {cut} of '{excerpt}'"


def _cut_header_hint(wanted: bytes, cut: int, sent: Sequence[tuple[str, str]]) -> str | None:
    """The hint for a body that should be a request header's value and stops at byte `cut`; None if it
    is no header's value."""
    header = next((name for name, value in sent if value.encode("latin-1", "replace") == wanted), None)
    if header is None:
        return None
    character = chr(wanted[cut])
    name = _CHARACTER_NAMES.get(character, repr(character))
    if wanted.index(wanted[cut]) == cut:
        where = f"at its first {name}"
    else:
        where = f"after {cut} bytes, before a {name}"
    return hints.HEADER_VALUE_CUT.format(header=header, where=where)


def _blame_a_list(failure: StageFailure, name: str, rule: str | HeaderRule, values: Mapping[str, Value],
                  sent: Sequence[tuple[str, str]]) -> None:
    """A response header missing or wrong whose expected value is one item of a list the request sent
    (gzip in 'Accept-Encoding: x-yak, gzip'): the server compared the request's whole value."""
    token = rule if isinstance(rule, str) else rule.token
    if token is None:
        return
    wanted = render_text(token, values)
    for header, value in sent:
        items = [item.strip().lower() for item in value.split(",")]
        if wanted.lower() in items and value.strip().lower() != wanted.lower():
            failure.message += f"; the request's {header} header, {value!r}, is a list that includes {wanted!r}"
            failure.hint = hints.REQUEST_LIST.format(header=header, item=wanted, response=f"{name}: {wanted}")
            return


def _value_offset(response: Response, header) -> int:
    colon = response.raw.index(b":", header.offset) + 1
    while response.raw[colon:colon + 1] in (b" ", b"\t"):
        colon += 1
    return colon


def _header_hint(name: str) -> str:
    return {
        "content-length": hints.CONTENT_LENGTH,
        "content-type": hints.CONTENT_TYPE,
    }.get(name.lower(), hints.HEADER_MISSING)


def _fail(response: Response, offset: int, problem: str, expected: str, hint: str) -> StageFailure:
    return StageFailure(problem, expected=expected, hint=hint, evidence=[Evidence("received", response.raw, offset)])
