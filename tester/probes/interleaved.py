"""`interleaved`: several persistent connections used at once, requests interleaved among them.

Each connection sends the probe's requests in order, but which connection goes next is drawn at random
(from the run's seed), so a server cannot expect a connection's next request to come right after its
last one. Every connection is reused for all its requests and must stay open between them.

A request that gets no answer while other connections the server has answered stay open is most often
a server that serves one connection until it closes. "No response" would send the learner looking in
the wrong place, so the probe closes those connections one at a time, and if the answer then arrives,
it says so.
"""

from __future__ import annotations

from typing import Iterator, Literal

from pydantic import Field, model_validator

from tester import hints
from tester.connection import Connection
from tester.errors import StageFailure
from tester.manifest.models import Step
from tester.probes.base import Probe, ProbeContext
from tester.probes.exchange import finish, run_step, step_captures, step_problems, step_templates

CONFIRM_WAIT = 0.5  # seconds the answer has to arrive after each connection the tester closes


class InterleavedProbe(Probe):
    kind: Literal["interleaved"]
    connections: int = Field(3, ge=2, le=20, description="Persistent connections open at once")
    requests: list[Step] = Field(min_length=1, description="Sent in order on every connection")
    summary = "send requests on several persistent connections, interleaved at random"

    @model_validator(mode="after")
    def _steps_can_run(self) -> InterleavedProbe:
        problems = step_problems(self.requests)
        for index, step in enumerate(self.requests):
            used = [key for key, given in (("or_close", step.expect.or_close), ("or_silence", step.expect.or_silence),
                                           ("expect_continue", step.send.expect_continue)) if given]
            if used:
                key = used[0]
                problems.append(f"requests[{index}] uses {key}, which may end a connection that every later "
                                "turn needs: give it an exchange probe of its own")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def templates(self) -> Iterator[tuple[tuple, str]]:
        return step_templates(self.requests)

    def captures(self) -> Iterator[str]:
        return step_captures(self.requests)

    def run(self, context: ProbeContext) -> None:
        opened = [context.connect() for _ in range(self.connections)]
        turns = [index for index in range(self.connections) for _ in self.requests]
        context.rng.shuffle(turns)
        sent = [0] * self.connections
        answered: list[Connection] = []  # in the order of their first answer
        for index in turns:
            connection = opened[index]
            sent[index] += 1
            try:
                run_step(connection, self.requests[sent[index] - 1], sent[index], context)
            except StageFailure as failure:
                others = [other for other in answered if other is not connection]
                if not _unanswered(connection) or not others:
                    raise
                raise _answered_after_closing(failure, connection, others, context) from None
            if connection not in answered:
                answered.append(connection)
        for connection in opened:
            finish(connection, context)


def _unanswered(connection: Connection) -> bool:
    """True if the last request sent got nothing back at all: no byte, no close."""
    reader = connection.reader
    return len(connection.received) < len(connection.sent) and not reader.buffer and not reader.eof


def _answered_after_closing(failure: StageFailure, connection: Connection, others: list[Connection],
                            context: ProbeContext) -> StageFailure:
    """Close `others` one at a time; if `connection` is answered then, the failure says so."""
    closed: list[str] = []
    for other in others:
        context.listener("", "note", f"closing {other.label} to see whether {connection.label} is answered then")
        other.close()
        closed.append(other.label)
        try:
            connection.receive(CONFIRM_WAIT, context.defaults.close_timeout)
        except StageFailure:
            if _unanswered(connection):
                continue
            return failure  # something came, but not a response: the first verdict stands
        were = "was" if len(others) == 1 else "were"
        still_open = _listed([other.label for other in others])
        failure.message += (f" to its request {len(connection.sent)}, while {still_open}, which the server had "
                            f"already answered, {were} still open; the answer came only after the tester "
                            f"closed {_listed(closed)}")
        failure.args = (failure.message,)
        failure.expected = "every connection answered while the others stay open"
        failure.hint = hints.HELD_UNTIL_CLOSE
        failure.curl = _two_clients(f"http://{context.host}:{context.port}/")
        return failure
    return failure


def _listed(labels: list[str]) -> str:
    *rest, last = labels
    return f"{', '.join(rest)} and {last}" if rest else last


def _two_clients(url: str) -> str:
    """Shell commands for the same situation: one client keeps an answered connection open, idle, while
    another sends two requests on its own connection (curl reuses a connection for the URLs it is given)."""
    return (f"curl -i --rate 2/m {url} {url}  (in one terminal: two requests 30 s apart on one connection, "
            f"which stays open between them)  then, in another: curl -i {url} {url}")
