"""`exchange`: requests sent in turn on one connection, each response checked against its expectation.

This is the manifest's main data probe. One connection carries every request of the probe, so a list
of several requests checks a persistent connection without any special case; `then: close` checks that
the server closes, and after the last response no stray bytes may follow. `pipelined: true` writes all
the requests at once and then reads the responses in order.

A step can capture values from its response for the rest of the stage, hold its body back for a
`100 Continue`, and accept a refusal (`or_close`): the server closing the connection instead of
answering, which ends the probe's use of that connection; `or_silence` accepts a server that is still
reading (nothing at all within the response timeout), as one that takes a huge declared length at its
word does.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Iterator, Literal
from urllib.parse import unquote

from pydantic import Field, model_validator

from tester import captures, expectations, hints
from tester.codings import DecodeError, gunzip
from tester.connection import Connection
from tester.errors import Evidence, StageFailure
from tester.http11 import Response
from tester.manifest.models import Expect, Request, Step
from tester.matchers import body as body_rules
from tester.matchers import json_pattern
from tester.matchers.status import single
from tester.probes.base import Probe, ProbeContext
from tester.program import SCRIPT
from tester.request import Outgoing, build
from tester.templates import TemplateError, Value, names, render, render_text

EXIT_WAIT = 0.4  # seconds for a program to be seen exiting, after it closed a connection instead of answering
OUTPUT_POLL = 0.01  # seconds between looks at the program's output, waiting for a text in it
HEAD_BODY_WAIT = 0.1  # seconds to listen for a body wrongly sent after a last response that has none (HEAD, 304)


class ExchangeProbe(Probe):
    kind: Literal["exchange"]
    requests: list[Step] = Field(min_length=1, description="Sent in order on one connection")
    pipelined: bool = Field(False, description="Write all the requests at once, then read and check the "
                                               "responses in order (HTTP/1.1 pipelining)")
    summary = "send requests on one connection and check each response"

    @model_validator(mode="after")
    def _steps_can_run(self) -> ExchangeProbe:
        problems = step_problems(self.requests)
        if self.pipelined:
            problems += _pipelining_problems(self.requests)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def templates(self) -> Iterator[tuple[tuple, str]]:
        return step_templates(self.requests)

    def captures(self) -> Iterator[str]:
        return step_captures(self.requests)

    def run(self, context: ProbeContext) -> None:
        try:
            connection = context.connect()
        except StageFailure as failure:
            raise _unsent(failure, self.requests[0], context) from None
        if self.pipelined:
            going_on = run_pipelined(connection, self.requests, context)
        else:
            going_on = all(run_step(connection, step, number, context)
                           for number, step in enumerate(self.requests, start=1))
        if going_on:
            finish(connection, context)
        else:
            connection.close()


# --------------------------------------------------------------------------- what the loader needs


def step_templates(steps: list[Step]) -> Iterator[tuple[tuple, str]]:
    """(place, template) for every template in a list of steps, for the loader's name check."""
    for index, step in enumerate(steps):
        place = ("requests", index)
        yield from request_templates(step.send, place + ("send",))
        yield from _expect_templates(step.expect, place + ("expect",))
        for number, extra in enumerate(step.also):
            yield from _expect_templates(extra, place + ("also", number))


def request_templates(send: Request, place: tuple) -> Iterator[tuple[tuple, str]]:
    for key in ("target", "body", "raw"):
        if getattr(send, key) is not None:
            yield place + (key,), getattr(send, key)
    for name, value in send.headers.items():
        yield place + ("headers", name), value
    for name, value in send.trailers.items():
        yield place + ("trailers", name), value


def _expect_templates(expect: Expect, place: tuple) -> Iterator[tuple[tuple, str]]:
    for name, rule in expect.headers.items():
        for value in [rule] if isinstance(rule, str) else rule.templates():
            yield place + ("headers", name), value
    if expect.body is not None:
        yield place + ("body",), expect.body
    if expect.streamed is not None:
        yield place + ("streamed", "first"), expect.streamed.first
    for key in ("body_contains", "body_excludes", "output_contains"):
        for number, value in enumerate(getattr(expect, key)):
            yield place + (key, number), value
    if "json_value" in expect.model_fields_set:
        for inner, value in json_pattern.templates(expect.json_value):
            yield place + ("json",) + tuple(inner), value
    for path, content in expect.files.items():
        yield place + ("files", path), path
        yield place + ("files", path), content


def step_captures(steps: list[Step]) -> Iterator[str]:
    for step in steps:
        yield from step.capture


def step_problems(steps: list[Step]) -> list[str]:
    """What cannot work in these steps whatever the server does: a captured value used before the step
    that captures it, a body expected in a response to HEAD."""
    problems = []
    captured: set[str] = set()
    later = {name for step in steps for name in step.capture}
    uses = _names_by_step(steps)
    for index, step in enumerate(steps):
        for name in sorted(uses.get(index, set()) & later - captured):
            taker = next(number for number, other in enumerate(steps) if name in other.capture)
            when = "its own response is checked" if taker == index else "a later request's response"
            problems.append(f"requests[{index}] uses {{{name}}}, which requests[{taker}] captures only after "
                            f"{when}: use a captured value in the steps after the one that captures it")
        captured |= set(step.capture)
        if step.send.method == "HEAD":
            for expect in (step.expect, *step.also):
                body_keys = [key for key, given in (("body", bool(expect.body)),
                                                    ("body_contains", bool(expect.body_contains)),
                                                    ("json", "json_value" in expect.model_fields_set)) if given]
                if body_keys:
                    problems.append(f"requests[{index}] is a HEAD request, whose response has no body (RFC 9110 "
                                    f"§9.3.2): {body_keys[0]} cannot hold; check its headers instead")
                    break
    return problems


def _pipelining_problems(steps: list[Step]) -> list[str]:
    """A pipelined probe writes every request before it reads any response: no request can wait for one."""
    problems = []
    captured: set[str] = set()
    for index, step in enumerate(steps):
        send = step.send
        sent_names = {name for key in ("target", "body", "raw") if getattr(send, key) is not None
                      for name, _ in names(getattr(send, key))}
        sent_names |= {name for value in (*send.headers.values(), *send.trailers.values()) for name, _ in names(value)}
        for name in sorted(sent_names & captured):
            problems.append(f"requests[{index}] is pipelined but uses {{{name}}}, captured from an earlier "
                            "response, and every request is written before any response comes: capture it "
                            "in an exchange probe before this one")
        captured |= set(step.capture)
        if send.expect_continue:
            problems.append(f"requests[{index}] waits for a 100 Continue (expect_continue), which a pipelined "
                            "probe cannot do: it writes every request at once; give it its own exchange probe")
        if send.pieces > 1:
            problems.append(f"requests[{index}] has pieces: {send.pieces}, but pipelined requests go out in one "
                            "write; leave pieces out")
        if step.expect.then == "close" and index < len(steps) - 1:
            problems.append(f"requests[{index}] expects the server to close the connection, but more pipelined "
                            "requests follow it: make it the last request")
    return problems


def _names_by_step(steps: list[Step]) -> dict[int, set[str]]:
    used: dict[int, set[str]] = {}
    for place, template in step_templates(steps):
        used.setdefault(place[1], set()).update(name for name, _ in names(template))
    return used


# --------------------------------------------------------------------------- running


def run_step(connection: Connection, step: Step, number: int, context: ProbeContext) -> bool:
    """Send one request on a connection and check its response; False once the connection is done with
    (closed by the server, or refused as `or_close` allows)."""
    if number > 1 and connection.closed_by_peer():
        raise connection.annotate(StageFailure(
            f"{connection.label}: the server closed the connection after request {number - 1}, "
            f"before request {number} could be sent",
            expected="the connection kept open (HTTP/1.1 connections are persistent by default)",
            hint=hints.CLOSED_EARLY,
        ))
    outgoing = build_step(step, number, context)
    or_close = step.expect.or_close
    if outgoing.expect_continue:
        connection.send_expecting_continue(outgoing, or_close=or_close)
    else:
        connection.send(outgoing, or_close=or_close)
    return judge(connection, step, number, outgoing, context)


def run_pipelined(connection: Connection, steps: list[Step], context: ProbeContext) -> bool:
    """Every request in one write, then each response read and checked in order."""
    outgoings = [build_step(step, number, context) for number, step in enumerate(steps, start=1)]
    connection.send_together(outgoings)
    for number, (step, outgoing) in enumerate(zip(steps, outgoings), start=1):
        try:
            going_on = judge(connection, step, number, outgoing, context)
        except StageFailure as failure:
            if number > 1 and not connection.reader.buffer and len(connection.received) == number - 1:
                answered = "the first was" if number == 2 else f"the first {number - 1} were"
                failure.message += (f" to request {number}; the {len(steps)} requests were written at once "
                                    f"(pipelined), and {answered} answered")
                failure.args = (failure.message,)
                failure.hint = hints.PIPELINED
            raise
        if not going_on:
            return False
    return True


def judge(connection: Connection, step: Step, number: int, outgoing: Outgoing, context: ProbeContext) -> bool:
    """Read the response to a request sent and check it, then take its captures; False once the connection
    is done with."""
    defaults = context.defaults
    try:
        response = connection.receive(defaults.response_timeout, defaults.close_timeout,
                                      or_close=step.expect.or_close)
    except StageFailure as failure:
        silent = not failure.connection_lost and not connection.reader.buffer
        if step.expect.or_silence and silent:
            connection.listener(connection.label, "note", f"the server sent nothing in {defaults.response_timeout:g} s "
                                f"and kept the connection open: it is still reading request {number}, which this "
                                "request allows (or_silence)")
            return False
        if silent and step.expect.hint:
            failure.hint = step.expect.hint  # the course's word on this request: its usual mistake hangs here
        raise
    if response is None:
        how = "reset" if connection.refusal == "reset" else "closed"
        if context.program is not None and context.program.wait_exit(EXIT_WAIT) is not None:
            raise connection.annotate(StageFailure(
                f"{connection.label}: the server {how} the connection instead of answering request {number}, and "
                "it did not go on running", expected="a refusal (a response, or a close) by a server that goes on "
                "serving", hint=hints.EXITED, connection_lost=True))
        connection.listener(connection.label, "note", f"the server {how} the connection instead of answering "
                            f"request {number}, which this request allows (or_close)")
        return False
    try:
        try:
            warnings = expectations.verify(response, step, context.values, connection.reader.buffer,
                                           outgoing.headers)
            _check_files(step.expect.files, context)
            _check_output(step.expect.output_contains, context, connection)
        except TemplateError as error:
            raise _not_taken(error, number) from None
        _capture(step, response, connection, context)
    except StageFailure as failure:
        _point_at_the_directory(failure, step, outgoing, response, context)
        if step.expect.or_close and failure.expected:
            failure.expected += ", or the connection closed without a response"
        raise connection.annotate(failure) from None
    context.warnings.extend(connection.annotate(warning) for warning in warnings)
    if step.expect.then == "close":
        failure = _expect_close(connection, defaults.close_timeout, number, step, outgoing)
        if failure is not None and failure.level == "must":
            raise failure
        if failure is not None:
            context.warnings.append(failure)
        return False
    if step.expect.then == "open" and connection.closed_by_peer():
        raise connection.annotate(StageFailure(
            f"{connection.label}: the server closed the connection after request {number}",
            expected="the connection kept open", hint=hints.CLOSED_EARLY,
        ))
    return not connection.body_withheld


def finish(connection: Connection, context: ProbeContext) -> None:
    """After the last response: no stray bytes may follow; then the client closes first."""
    last = connection.received[-1]
    if last.framing != "close":
        wait = context.defaults.trailing_wait
        length = last.header("content-length")
        declares_a_body = length is not None and length.value not in ("", "0")
        if last.status in (204, 304) or (last.request_method == "HEAD" and declares_a_body):
            wait = max(wait, HEAD_BODY_WAIT)  # a body a GET would get may be written after the head
        connection.check_no_stray_bytes(wait)
    connection.close()


def build_step(step: Step, number: int, context: ProbeContext) -> Outgoing:
    return build_step_request(step.send, number, context)


def build_step_request(send: Request, number: int, context: ProbeContext) -> Outgoing:
    try:
        return build(send, context.values, context.host, context.port, context.rng)
    except TemplateError as error:
        raise _not_taken(error, number) from None


def _unsent(failure: StageFailure, step: Step, context: ProbeContext) -> StageFailure:
    """A connection that could not be made: the request it was for, to try by hand once the server listens."""
    try:
        outgoing = build_step(step, 1, context)
    except Exception:  # whatever stands in the way of building it, the refusal is the news
        return failure
    failure.curl, failure.files = outgoing.curl, {**dict(outgoing.files), **failure.files}
    failure.evidence.insert(0, Evidence(f"would have sent ({outgoing.summary})", outgoing.data))
    return failure


def _not_taken(error: TemplateError, number: int) -> StageFailure:
    """A template names a value that is not there: the loader has checked every name, so it is a captured
    value whose response never came (a refusal, or a probe that ended early)."""
    return StageFailure(f"request {number} needs a value that was never captured: {error}",
                        expected="every captured value taken before it is used", hint=hints.CAPTURE_NOT_TAKEN)


def _capture(step: Step, response: Response, connection: Connection, context: ProbeContext) -> None:
    if not step.capture:
        return
    body = None
    if step.expect.decode == "gzip":
        try:
            body = gunzip(response.body)
        except DecodeError:
            body = None  # the expectations have judged the coding; capture from the bytes as they came
    for name, capture in step.capture.items():
        value = captures.take(response, capture, name, body)
        context.values[name] = value
        connection.listener(connection.label, "note",
                            f"captured {{{name}}} = {_shown(value)} from {captures.source(capture)}")


def _shown(value: Value, limit: int = 60) -> str:
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _expect_close(connection: Connection, seconds: float, number: int, step: Step,
                  outgoing: Outgoing) -> StageFailure | None:
    """The failure to close after this response, as a failure of the step's expectation (its level, hint and
    rule) for the caller to weigh; bytes after the response are a failure of their own, whatever that level
    (raised here)."""
    outcome = connection.wait_for_close(seconds)
    if outcome == "closed":
        connection.listener(connection.label, "note", "the server closed the connection cleanly")
        return None
    if outcome == "reset":
        failure = expectations.cited(connection.annotate(StageFailure(
            f"{connection.label}: the server reset the connection after request {number} instead of closing it "
            "cleanly", expected="a clean close (FIN) after the response",
        )), step.expect)
        failure.hint = hints.RESET_INSTEAD_OF_CLOSE  # the close came: how it came is the news, not the course's hint
        return failure
    if outcome == "data":
        connection.check_no_stray_bytes(0)
    asked = b"\r\nconnection: close\r\n" in outgoing.data[:outgoing.head_length or len(outgoing.data)].lower()
    why = "a request that said 'Connection: close'" if asked else f"request {number}, after which it must close"
    return expectations.cited(connection.annotate(StageFailure(
        f"{connection.label}: the connection stayed open {seconds:g} s after the response to {why}",
        expected="the server closes the connection after this response",
        hint=hints.CLOSE_REQUESTED if asked else hints.CLOSE_EXPECTED,
    )), step.expect)


def _point_at_the_directory(failure: StageFailure, step: Step, outgoing: Outgoing, response: Response,
                            context: ProbeContext) -> None:
    """A 404 for a file the --directory folder holds: the server looked somewhere else (its own folder)."""
    wanted = single(step.expect.status) if step.expect.status is not None else None
    if context.directory is None or wanted != 200 or response.status != 404:
        return
    segments = outgoing.target.partition("?")[0].split("/", 2)  # "", the route (files), the name in the folder
    encoded = segments[2] if len(segments) == 3 else ""
    name = unquote(encoded)
    path = Path(context.directory) / name
    if not name or not path.is_file():
        return
    failure.message += f" for {outgoing.target}, a file that is in the --directory folder"
    if name != encoded:
        failure.hint = hints.FILE_NAME_ENCODED.format(encoded=encoded, name=name)
        return
    args = context.program.args if context.program else ["--directory", str(context.directory)]
    command = " ".join([f"./{SCRIPT}", *args])  # as runner.run_stage started it
    failure.hint = hints.FILE_IN_DIRECTORY.format(command=command, name=name, path=path)


def _check_files(files: dict[str, str], context: ProbeContext) -> None:
    if not files:
        return
    assert context.directory is not None, "the loader requires `directory: true` for file expectations"
    for path_template, content_template in files.items():
        name = render_text(path_template, context.values)
        wanted = render(content_template, context.values)
        path = Path(context.directory) / name
        try:
            actual = path.read_bytes()
        except FileNotFoundError:
            raise StageFailure(
                f"the file {name} does not exist in the --directory folder after the response",
                expected=f"{path} holding {len(wanted)} bytes", hint=hints.FILE_MISSING,
            ) from None
        at = expectations.first_difference(wanted, actual)
        if at is not None:
            raise StageFailure(
                f"the file {name} holds {len(actual)} bytes that differ from the {len(wanted)} sent, "
                f"from byte {at} on",
                expected=f"the file holds exactly the request body ({len(wanted)} bytes)",
                hint=hints.FILE_CONTENT,
                evidence=[Evidence("expected file content", wanted, at), Evidence("file on disk", actual, at)],
            )


def _check_output(texts: list[str], context: ProbeContext, connection: Connection) -> None:
    """Each text must turn up in the program's output (this run's) within the close timeout of the response:
    a server may log a moment after it has answered."""
    if not texts:
        return
    program = context.program
    if program is None:
        connection.listener(connection.label, "note", "the program's output is not checked: the tester did not "
                            "start the program, so it cannot read what it prints")
        return
    wanted = [render_text(text, context.values) for text in texts]
    deadline = time.monotonic() + context.defaults.close_timeout
    while True:
        missing = body_rules.first_missing(program.output_text().encode("utf-8", "replace"),
                                           [text.encode() for text in wanted])
        if missing is None:
            return
        if time.monotonic() >= deadline:
            break
        time.sleep(OUTPUT_POLL)
    raise StageFailure(
        f"the program's output does not show {missing.decode()!r} after the response "
        f"(looked for {context.defaults.close_timeout:g} s)",
        expected=f"{missing.decode()!r} in what the program printed (stdout or stderr)",
        hint=hints.OUTPUT_MISSING, evidence=program.output_evidence("its"),
    )
