"""`burst`: one request sent on many connections at the same moment, to catch shared state without a lock.

Clients that arrive one after another never meet inside the server, so a counter read and then written
back, or a file loaded, changed and saved, looks correct to them. A burst makes the requests meet: every
connection sends all of its request but the last byte, the tester waits `settle` seconds (time for the
server to accept them all and read that much), and then sends the last bytes one right after the other.
The server's handlers wake at about the same moment and run side by side, so a race with anything slow
between its read and its write (a save, a sleep, an await) shows up in practice every run, not by luck.
Each connection is closed once its answer is checked, so a server with a fixed pool of workers is served
in turn, as real clients that hang up would let it.

Each connection sends the same step, rendered with its own number as `{n}` (1 to `connections`), and each
response is checked with the step's expectation. A value the step captures is kept per connection, as
`{NAME_1}` to `{NAME_N}`, for the stage's later probes (is every created item in the list, with the id it
was given?). `distinct` names captures that must differ between connections: two creates that were given
the same id is the lost update the burst is there to find.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Iterator, Literal

from pydantic import Field, model_validator

from tester import captures, hints
from tester.connection import Connection
from tester.errors import Evidence, StageFailure
from tester.manifest.models import Step
from tester.probes.base import Probe, ProbeContext
from tester.probes.exchange import build_step, finish, judge, step_problems, step_templates
from tester.request import Outgoing
from tester.templates import Value

NUMBER = "n"  # the name of each connection's own number in the step's templates


class BurstProbe(Probe):
    kind: Literal["burst"]
    connections: int = Field(8, ge=2, le=50, description="Connections that send the request at the same moment")
    step: Step = Field(description="The request every connection sends ({n} is its number, from 1) and what must "
                                   "come back; its captures are kept per connection as {NAME_1} to {NAME_N}")
    distinct: list[str] = Field(default_factory=list, description="Captured values that must differ from one "
                                                                  "connection to every other")
    settle: float = Field(0.1, ge=0, le=2, description="Seconds for the server to read every request up to its "
                                                        "last byte, before the last bytes are sent together")
    summary = "send one request on many connections at once, their last bytes released together"

    @model_validator(mode="after")
    def _step_can_run(self) -> BurstProbe:
        problems = step_problems([self.step])
        send, expect = self.step.send, self.step.expect
        for key, used in (("pieces", send.pieces > 1), ("expect_continue", send.expect_continue),
                          ("or_close", expect.or_close), ("or_silence", expect.or_silence)):
            if used:
                problems.append(f"step uses {key}, but a burst sends each request whole but its last byte, and "
                                "needs every connection to answer: leave it out")
        for name in self.distinct:
            if name not in self.step.capture:
                problems.append(f"distinct names {name!r}, which the step does not capture: add it under "
                                "step.capture, or leave it out of distinct")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def templates(self) -> Iterator[tuple[tuple, str]]:
        for place, template in step_templates([self.step]):
            yield ("step",) + place[2:], template

    def own_values(self) -> Iterator[str]:
        yield NUMBER

    def captures(self) -> Iterator[str]:
        for name in self.step.capture:
            for number in range(1, self.connections + 1):
                yield f"{name}_{number}"

    def run(self, context: ProbeContext) -> None:
        sent: list[tuple[Connection, Outgoing, ProbeContext, bytes]] = []
        for number in range(1, self.connections + 1):
            own = dataclasses.replace(context, values={**context.values, NUMBER: str(number)})
            outgoing = build_step(self.step, 1, own)
            connection = context.connect()
            sent.append((connection, outgoing, own, connection.send(outgoing, hold=1)))
        context.listener("", "note", f"{self.connections} requests sent but for their last byte; sending the last "
                                     "bytes together")
        time.sleep(self.settle)
        for connection, _, _, last in sent:
            connection.send_bytes(last)
        taken: list[tuple[Connection, dict[str, Value]]] = []
        for connection, outgoing, own, _ in sent:
            try:
                judge(connection, self.step, 1, outgoing, own)
            except StageFailure as failure:
                raise _in_a_burst(failure, self.connections) from None
            values = {name: own.values[name] for name in self.step.capture}
            taken.append((connection, values))
            context.values.update({f"{name}_{len(taken)}": value for name, value in values.items()})
            finish(connection, context)
        for name in self.distinct:
            _check_distinct(name, taken, self.step)


def _in_a_burst(failure: StageFailure, count: int) -> StageFailure:
    """A request of the burst that got no answer, or a cut one: say that it came with the others."""
    unanswered = failure.connection_lost or "no response" in failure.message
    if unanswered:
        failure.message += f" (one of {count} requests sent at the same moment)"
        failure.args = (failure.message,)
        failure.hint = hints.BURST_UNANSWERED
    return failure


def _check_distinct(name: str, taken: list[tuple[Connection, dict[str, Value]]], step: Step) -> None:
    first_with: dict[Value, Connection] = {}
    for connection, values in taken:
        value = values[name]
        earlier = first_with.setdefault(value, connection)
        if earlier is connection:
            continue
        where = captures.source(step.capture[name])
        shown = value.decode("latin-1") if isinstance(value, bytes) else value
        request = connection.sent[-1]
        evidence = [Evidence(f"sent on {connection.label} ({request.summary})", request.data)]
        evidence += [Evidence(f"{other.label} received", other.received[-1].raw) for other in (earlier, connection)]
        raise StageFailure(
            f"{earlier.label} and {connection.label} were both given {shown!r} as {{{name}}} (from {where}), though "
            f"their {len(taken)} requests came at the same moment and each must get its own",
            expected=f"{len(taken)} different values of {{{name}}}, one per request", hint=hints.BURST_SAME_VALUE,
            evidence=evidence, curl=_at_once(request.curl, len(taken)),
        )


def _at_once(curl: str, count: int) -> str:
    """The request `count` times at once from the shell (with one body, where each connection had its own)."""
    return f"for i in $(seq {count}); do {curl} & done; wait  # {count} at once: compare the ids"
