"""Comparing a parsed response with what the manifest expects. Pure: no sockets, no files.

Checks run in the order a reader of the response meets them (status code, reason, headers, framing,
body), and the first mismatch is the verdict, with a caret at the byte where the response first goes
wrong. The rules themselves (status sets, token lists, dates, JSON patterns) are in tester.matchers;
this module turns their findings into failures a learner can act on. `verify` runs a step's expect and
its `also` checks, and returns the mismatches of `should`/`may` checks as warnings instead of failing.
"""

from __future__ import annotations

import re
from typing import Mapping, Sequence

from tester import diagnose, hints, httpdate, visible
from tester.codings import DecodeError, gunzip
from tester.errors import Evidence, StageFailure
from tester.http11 import Header, Response
from tester.manifest.models import Expect, HeaderRule, Step
from tester.matchers import body as body_rules
from tester.matchers import framing as framing_rules
from tester.matchers import headers as header_rules
from tester.matchers import json_pattern, json_text, pace
from tester.matchers import status as status_rules
from tester.templates import Value, render, render_text


def first_difference(expected: bytes, actual: bytes) -> int | None:
    """Index of the first byte where the two differ (or where the shorter ends), None if equal."""
    if expected == actual:
        return None
    for index, (left, right) in enumerate(zip(expected, actual)):
        if left != right:
            return index
    return min(len(expected), len(actual))


def verify(response: Response, step: Step, values: Mapping[str, Value], after: bytes = b"",
           sent: Sequence[tuple[str, str]] = ()) -> list[StageFailure]:
    """Check a step's `expect`, then each of its `also`, against one response.

    A mismatch of a `must` check raises StageFailure; a mismatch of a `should` or `may` check is
    returned, as a StageFailure with its `level`, among the warnings, and the checks go on."""
    warnings: list[StageFailure] = []
    inherited = {"version": step.expect.version} if step.expect.version is not None else {}
    for expect in (step.expect, *(extra if extra.version is not None else extra.model_copy(update=inherited)
                                  for extra in step.also)):
        try:
            check(response, expect, values, after, sent)
        except StageFailure as failure:
            if expect.level == "must":
                raise
            warnings.append(failure)
    return warnings


def check(response: Response, expect: Expect, values: Mapping[str, Value], after: bytes = b"",
          sent: Sequence[tuple[str, str]] = ()) -> None:
    """Raise StageFailure for the first way the response differs from `expect`, whatever its level; the
    failure carries the expectation's `level` and `rfc` (a cited rule ends its message), and its `hint` when
    the course gives one.

    `after` is whatever arrived on the connection after this response: it explains a gzip body cut
    short by a Content-Length that counted the uncompressed text. `sent` is the request's headers
    (name, value): a body that should be one of their values, or a response header that should answer
    an item of a list the request sent, gets a hint about reading that request header."""
    if expect.when_status is not None and not status_rules.allows(expect.when_status, response.status):
        return
    try:
        _check(response, expect, values, after, sent)
    except StageFailure as failure:
        raise cited(failure, expect)


def cited(failure: StageFailure, expect: Expect) -> StageFailure:
    """`failure` as a failure of `expect`: its level, the course's hint when it gives one, and its rule at the
    end of the message."""
    failure.level = expect.level
    if expect.hint:
        failure.hint = expect.hint
    if expect.rfc:
        failure.rfc = expect.rfc
        failure.message += f" ({expect.rfc})"
    return failure


def _check(response: Response, expect: Expect, values: Mapping[str, Value], after: bytes,
           sent: Sequence[tuple[str, str]]) -> None:
    versions = [expect.version] if isinstance(expect.version, str) else expect.version or ["HTTP/1.1"]
    if response.version not in versions:
        raise _fail(response, 7, f"the status line says {response.version}, not {' or '.join(versions)}",
                    f"a status line starting {' or '.join(versions)}", hints.VERSION)
    if expect.status is not None and not status_rules.allows(expect.status, response.status):
        code = status_rules.single(expect.status)
        if code is not None:
            raise _fail(response, 9, f"expected status code {code}, got {response.status}", f"status {code}",
                        hints.STATUS.get((code, response.status), hints.STATUS_DEFAULT))
        wanted = status_rules.describe(expect.status)
        raise _fail(response, 9, f"expected {wanted}, got {response.status}", wanted, hints.STATUS_SET)
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
    if expect.framing is not None:
        _check_framing(response, expect.framing)
    if expect.continued is not None:
        _check_continued(response, expect.continued)
    if expect.body is not None:
        _check_body(response, expect, render(expect.body, values), after, sent)
    if expect.streamed is not None:
        _check_streamed(response, render(expect.streamed.first, values), expect.streamed.lead)
    if expect.body_contains or expect.body_excludes or "json_value" in expect.model_fields_set:
        body = _decoded(response, expect, after)
        _check_contents(response, expect, body, values)
        if "json_value" in expect.model_fields_set:
            _check_json(response, expect, body, values)


def _check_header(response: Response, name: str, rule: str | HeaderRule, values: Mapping[str, Value]) -> None:
    header = response.header(name)
    end_of_head = response.head_length - 2
    if isinstance(rule, HeaderRule):
        if rule.if_present and header is None:
            return
        if rule.present is False and header is not None:
            raise _fail(response, header.offset, f"the response has a {name} header, which it must not have",
                        f"no {name} header", hints.ABSENT)
        if header is None and (rule.present or rule.token is not None):
            raise _fail(response, end_of_head, f"the response has no {name} header", f"a {name} header",
                        hints.HEADER_MISSING)
        if header is None and rule.present is not False and _has_value_rule(rule):
            wanted = _rule_words(rule, values)
            raise _fail(response, end_of_head, f"the response has no {name} header (expected {wanted})",
                        f"{name}: {wanted}", hints.HEADER_MISSING)
        if rule.token is not None and header is not None:
            token = render_text(rule.token, values).lower()
            tokens = [item.lower() for value in response.header_values(name) for item, _ in header_rules.tokens(value)]
            if token not in tokens:
                raise _fail(response, _value_offset(response, header), f"{name} is {header.value!r}, "
                            f"which does not list {token!r}", f"{name} listing {token}", hints.HEADER_MISSING)
        if header is not None:
            _check_header_rule(response, name, header, rule, values)
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
        raise _fail(response, offset, message, f"{name}: {wanted}", _header_hint(name, present=True))


def _has_value_rule(rule: HeaderRule) -> bool:
    return any(value is not None for value in (rule.one_of, rule.matches, rule.tokens, rule.date))


def _rule_words(rule: HeaderRule, values: Mapping[str, Value]) -> str:
    """What a rule wants, in words ('one of: a, b'), for a header that is missing altogether."""
    if rule.one_of is not None:
        return "one of: " + ", ".join(render_text(item, values) for item in rule.one_of)
    if rule.matches is not None:
        return f"a value matching {rule.matches!r}"
    if rule.tokens is not None:
        also = ", ".join(render_text(item, values) for item in rule.optional or ())
        return "the list " + ", ".join(render_text(item, values) for item in rule.tokens) + (
            f" (and perhaps {also})" if also else "")
    return f"an HTTP date such as {httpdate.EXAMPLE}"


def _check_header_rule(response: Response, name: str, header: Header, rule: HeaderRule,
                       values: Mapping[str, Value]) -> None:
    """`one_of` and `matches` judge the field's value: its lines joined with ", " when it comes on several
    (RFC 9110 §5.3); a `date` field is a single value, so a second line of it fails."""
    value_at = _value_offset(response, header)
    lines = [line for line in response.headers if line.name.lower() == name.lower()]
    value = ", ".join(line.value for line in lines)
    several = f" (its {len(lines)} lines joined, RFC 9110 §5.3)" if len(lines) > 1 else ""
    if rule.one_of is not None:
        choices = [render_text(item, values) for item in rule.one_of]
        if value not in choices:
            listed = ", ".join(repr(choice) for choice in choices)
            raise _fail(response, value_at, f"{name} is {value!r}{several}, expected one of {listed}",
                        f"{name}: one of {', '.join(choices)}", hints.HEADER_ONE_OF)
    if rule.matches is not None and re.fullmatch(rule.matches, value) is None:
        raise _fail(response, value_at, f"{name} is {value!r}{several}, which does not match the pattern "
                    f"{rule.matches!r} (as a whole)", f"{name} matching {rule.matches}", hints.HEADER_PATTERN)
    if rule.tokens is not None:
        _check_tokens(response, name, [render_text(item, values) for item in rule.tokens],
                      [render_text(item, values) for item in rule.optional or ()])
    if rule.date and len(lines) > 1:
        raise _fail(response, lines[1].offset, f"the response has {len(lines)} {name} lines "
                    f"({', '.join(repr(line.value) for line in lines)}); an HTTP date is a single value, so "
                    f"{name} must come once", f"one {name} header: an IMF-fixdate, such as {httpdate.EXAMPLE}",
                    hints.HEADER_DATE)
    if rule.date:
        problem = httpdate.problem(header.value)
        if problem is not None:
            raise _fail(response, value_at + problem.offset, f"{name} is {header.value!r}, not an HTTP date: "
                        f"{problem.problem}", f"{name}: an IMF-fixdate, such as {httpdate.EXAMPLE}",
                        hints.HEADER_DATE)


def _check_tokens(response: Response, name: str, wanted: list[str], optional: list[str]) -> None:
    lines = [header for header in response.headers if header.name.lower() == name.lower()]
    found = [(token, _value_offset(response, header) + at)
             for header in lines for token, at in header_rules.tokens(header.value)]
    difference = header_rules.compare_tokens(found, wanted, optional)
    if difference is None:
        return
    value = ", ".join(header.value for header in lines)
    parts = []
    if difference.missing:
        parts.append("lacks " + ", ".join(repr(token) for token in difference.missing))
    if difference.extra:
        parts.append("has " + ", ".join(repr(token) for token, _ in difference.extra) + ", not expected")
    at = difference.extra[0][1] if difference.extra else _value_offset(response, lines[0])
    also = f"; {', '.join(optional)} may be there too" if optional else ""
    raise _fail(response, at, f"{name} is {value!r}, which {' and '.join(parts)} (expected exactly "
                f"{', '.join(wanted)}, in any order{also})", f"{name}: {', '.join(wanted)} (in any order{also})",
                hints.HEADER_TOKENS)


def _check_framing(response: Response, rule: str | list[str]) -> None:
    actual = framing_rules.actual(response)
    if actual is None or actual in framing_rules.allowed(rule):  # None: no body, nothing declared, nothing to frame
        return
    problem = f"the response is framed by {framing_rules.NAMES[actual]}, expected {framing_rules.describe(rule)}"
    if response.framing == "none":
        problem += f" (this response has no body; its headers declare {framing_rules.NAMES[actual]})"
    wanted = framing_rules.allowed(rule)[0]
    raise _fail(response, framing_rules.where(response), problem, framing_rules.describe(rule),
                hints.FRAMING[wanted])


def _check_continued(response: Response, wanted: bool) -> None:
    came = 100 in response.interim
    if wanted and not came:
        raise _fail(response, 0, f"no '100 Continue' came before the response: {response.status_line} came first",
                    "HTTP/1.1 100 Continue, then the final response", hints.CONTINUE_MISSING)
    if wanted and response.continued_in_time is False:  # RFC 9110 §10.1.1: the 100 is due before the body
        waited = f" (after {response.continue_wait:g} s)" if response.continue_wait is not None else ""
        raise _fail(response, 0, "the 100 Continue came only after the tester had sent the body anyway" + waited,
                    "HTTP/1.1 100 Continue as soon as the request head is read, before the body",
                    hints.CONTINUE_MISSING)
    if came and not wanted:
        raise _fail(response, 0, f"a '100 Continue' came before {response.status_line}, though none was due here",
                    "the final response alone, with no 100 Continue before it", hints.CONTINUE_UNWANTED)


def _check_streamed(response: Response, first: bytes, wanted: float) -> None:
    shown = visible.quoted(first)
    if not response.body.startswith(first):
        at = first_difference(first, response.body) or 0
        raise _fail(response, response.head_length + at, f"the body does not start with {shown}, the part that is "
                    "to arrive first", f"a body starting {shown}", hints.BODY)
    lead = pace.lead(response, len(first)) or 0.0
    if lead >= wanted:
        return
    raise StageFailure(
        f"the body's first {len(first)} bytes, {shown}, arrived {lead:.2f} s before the response's last byte: they "
        f"were held back until the rest was ready",
        expected=f"{shown} at least {wanted:g} s before the end of the response, sent as soon as it is made",
        hint=hints.STREAMED,
        evidence=[Evidence("when the response's bytes arrived", pace.timeline(response).encode(), text=True),
                  Evidence("received", response.raw, pace.raw_end_of_body_prefix(response, len(first)))])


def _decoded(response: Response, expect: Expect, after: bytes) -> bytes:
    """The body the content rules look at: decoded when the expectation says so."""
    if expect.decode != "gzip":
        return response.body
    try:
        return gunzip(response.body)
    except DecodeError as error:
        cut = diagnose.gzip_cut_short(response, after)
        if cut is not None:
            raise cut from None
        raise _fail(response, response.head_length, error.problem, "a gzip-compressed body", error.hint) from None


def _body_evidence(response: Response, expect: Expect, body: bytes, at: int) -> Evidence:
    """The received bytes with a caret at offset `at` of the (decoded) body."""
    if expect.decode is not None:
        return Evidence("received, decoded", body, at)
    return Evidence("received", response.raw, response.head_length + at)


def _check_contents(response: Response, expect: Expect, body: bytes, values: Mapping[str, Value]) -> None:
    missing = body_rules.first_missing(body, [render(item, values) for item in expect.body_contains])
    if missing is not None:
        near = body_rules.nearest(body, missing)
        problem = f"the body does not contain {visible.quoted(missing)}"
        if near is not None:
            problem += f" (its start is there, but the body differs from byte {near} on)"
        raise StageFailure(problem, expected=f"a body containing {visible.quoted(missing)}", hint=hints.BODY_CONTAINS,
                           evidence=[Evidence("expected in the body", missing),
                                     _body_evidence(response, expect, body, len(body) if near is None else near)])
    forbidden = body_rules.first_forbidden(body, [render(item, values) for item in expect.body_excludes])
    if forbidden is not None:
        item, at = forbidden
        raise StageFailure(f"the body contains {visible.quoted(item)} at byte {at}, which it must not",
                           expected=f"a body without {visible.quoted(item)}", hint=hints.BODY_EXCLUDES,
                           evidence=[_body_evidence(response, expect, body, at)])


def _check_json(response: Response, expect: Expect, body: bytes, values: Mapping[str, Value]) -> None:
    try:
        parsed = json_text.parse(body)
    except json_text.JsonSyntaxError as error:
        empty = not body.strip()
        problem = ("the body is empty, but a JSON value was expected" if not body else
                   "the body holds only whitespace, but a JSON value was expected" if empty else
                   f"the JSON body is ambiguous: at byte {error.offset}, {error.problem}" if error.duplicate else
                   f"the body is not valid JSON: {error.problem} at byte {error.offset}")
        hint = hints.JSON_EMPTY if empty else hints.JSON_DUPLICATE_KEY if error.duplicate else hints.JSON_SYNTAX
        raise StageFailure(problem, expected=f"a JSON body: {error.expected}", hint=hint,
                           evidence=[_body_evidence(response, expect, body, error.offset)]) from None
    mismatch = json_pattern.compare(expect.json_value, parsed.value, values)
    if mismatch is None:
        return
    raise StageFailure(f"the JSON body differs at {mismatch.where}: {mismatch.problem}",
                       expected=f"JSON like {json_pattern.describe(expect.json_value, values)}",
                       hint=hints.JSON_VALUE,
                       evidence=[_body_evidence(response, expect, body, parsed.offset_of(mismatch.path))])


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


def _header_hint(name: str, present: bool = False) -> str:
    return {
        "content-length": hints.CONTENT_LENGTH,
        "content-type": hints.CONTENT_TYPE,
    }.get(name.lower(), hints.HEADER_VALUE if present else hints.HEADER_MISSING)


def _fail(response: Response, offset: int, problem: str, expected: str, hint: str) -> StageFailure:
    return StageFailure(problem, expected=expected, hint=hint, evidence=[Evidence("received", response.raw, offset)])
