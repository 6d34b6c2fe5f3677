"""`exchange`: requests sent in turn on one connection, each response checked against its expectation.

This is the manifest's main data probe. One connection carries every request of the probe, so a list
of several requests checks a persistent connection without any special case; `then: close` checks that
the server closes, and after the last response no stray bytes may follow.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Literal
from urllib.parse import unquote

from pydantic import Field

from tester import expectations, hints
from tester.connection import Connection
from tester.errors import Evidence, StageFailure
from tester.http11 import Response
from tester.manifest.models import Step
from tester.probes.base import Probe, ProbeContext
from tester.program import SCRIPT
from tester.request import Outgoing, build
from tester.templates import render, render_text


class ExchangeProbe(Probe):
    kind: Literal["exchange"]
    requests: list[Step] = Field(min_length=1, description="Sent in order on one connection")
    summary = "send requests on one connection and check each response"

    def templates(self) -> Iterator[tuple[tuple, str]]:
        return step_templates(self.requests)

    def run(self, context: ProbeContext) -> None:
        connection = context.connect()
        for number, step in enumerate(self.requests, start=1):
            if not run_step(connection, step, number, context):
                connection.close()
                return
        finish(connection, context)


def step_templates(steps: list[Step]) -> Iterator[tuple[tuple, str]]:
    """(place, template) for every template in a list of steps, for the loader's name check."""
    for index, step in enumerate(steps):
        send, expect = step.send, step.expect
        place = ("requests", index)
        for key in ("target", "body", "raw"):
            if getattr(send, key) is not None:
                yield place + ("send", key), getattr(send, key)
        for name, value in send.headers.items():
            yield place + ("send", "headers", name), value
        for name, rule in expect.headers.items():
            value = rule if isinstance(rule, str) else rule.token
            if value is not None:
                yield place + ("expect", "headers", name), value
        if expect.body is not None:
            yield place + ("expect", "body"), expect.body
        for path, content in expect.files.items():
            yield place + ("expect", "files", path), path
            yield place + ("expect", "files", path), content


def run_step(connection: Connection, step: Step, number: int, context: ProbeContext) -> bool:
    """Send one request on a connection and check its response; False once the connection is closed."""
    defaults = context.defaults
    if number > 1 and connection.closed_by_peer():
        raise connection.annotate(StageFailure(
            f"{connection.label}: the server closed the connection after request {number - 1}, "
            f"before request {number} could be sent",
            expected="the connection kept open (HTTP/1.1 connections are persistent by default)",
            hint=hints.CLOSED_EARLY,
        ))
    outgoing = build(step.send, context.values, context.host, context.port)
    connection.send(outgoing)
    response = connection.receive(defaults.response_timeout, defaults.close_timeout)
    try:
        expectations.check(response, step.expect, context.values, connection.reader.buffer, outgoing.headers)
        _check_files(step.expect.files, context)
    except StageFailure as failure:
        _point_at_the_directory(failure, step, outgoing, response, context)
        raise connection.annotate(failure) from None
    if step.expect.then == "close":
        _expect_close(connection, defaults.close_timeout, number)
        return False
    if step.expect.then == "open" and connection.closed_by_peer():
        raise connection.annotate(StageFailure(
            f"{connection.label}: the server closed the connection after request {number}",
            expected="the connection kept open", hint=hints.CLOSED_EARLY,
        ))
    return True


def finish(connection: Connection, context: ProbeContext) -> None:
    """After the last response: no stray bytes may follow; then the client closes first."""
    if connection.received[-1].framing != "close":
        connection.check_no_stray_bytes(context.defaults.trailing_wait)
    connection.close()


def _expect_close(connection: Connection, seconds: float, number: int) -> None:
    outcome = connection.wait_for_close(seconds)
    if outcome == "closed":
        connection.listener(connection.label, "note", "the server closed the connection cleanly")
        return
    if outcome == "reset":
        raise connection.annotate(StageFailure(
            f"{connection.label}: the server reset the connection after request {number} instead of closing it "
            "cleanly", expected="a clean close (FIN) after the response",
            hint=hints.RESET_INSTEAD_OF_CLOSE,
        ))
    if outcome == "data":
        connection.check_no_stray_bytes(0)
    raise connection.annotate(StageFailure(
        f"{connection.label}: the connection stayed open {seconds:g} s after a response to a request that "
        "said 'Connection: close'", expected="the server closes the connection after this response",
        hint=hints.CLOSE_REQUESTED,
    ))


def _point_at_the_directory(failure: StageFailure, step: Step, outgoing: Outgoing, response: Response,
                            context: ProbeContext) -> None:
    """A 404 for a file the --directory folder holds: the server looked somewhere else (its own folder)."""
    if context.directory is None or step.expect.status != 200 or response.status != 404:
        return
    name = unquote(outgoing.target.partition("?")[0].rpartition("/")[2])
    path = Path(context.directory) / name
    if not name or not path.is_file():
        return
    failure.message += f" for {outgoing.target}, a file that is in the --directory folder"
    command = f"./{SCRIPT} --directory {context.directory}"  # the arguments runner.run_stage starts it with
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
