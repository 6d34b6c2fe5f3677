"""`concurrency`: proof that the server serves connections at the same time.

Answering several clients in some order proves nothing: a server that handles one connection at a time
can do that. The proof: open one connection and give it an unfinished request, alone, for a moment; then
open the others and give each an unfinished request too; then finish them in an order that does not
start with the first one. A server that serves one connection at a time has picked the first by then,
as it was the only one there (whether it picks at accept() or at the first bytes), and is still reading
it, so the request finished first is never answered and the stage fails naming it. Had they all opened
together, a server that picks another one (the newest, or the thread that wins a lock) could be lucky.
A second wave of fresh connections catches a server that stops accepting after its first few clients.

A failed proof says only that fewer connections were served at once than were held; a pool of two
workers fails it as surely as a server with none. So after the verdict the probe measures how many are
served at once (see `served_at_once`) and names the number: one is a serial server, more is a pool.
"""

from __future__ import annotations

import random
import time
from typing import Literal

from pydantic import Field, PrivateAttr

from tester import expectations, hints
from tester.connection import Connection
from tester.errors import Evidence, StageFailure
from tester.manifest.models import Expect
from tester.probes.base import Probe, ProbeContext
from tester.request import send_raw

SERIAL_HINT = (
    "Your server seems to handle one connection at a time: while it waits for the rest of one request, "
    "no other connection is served. Handle each accepted connection in its own thread (or task, or with "
    "non-blocking I/O) and go straight back to accept()."
)
EARLY_HINT = (
    "A request can arrive in several pieces, and one recv() may return only the first. Keep reading and "
    "appending until the buffer holds the empty line that ends the headers (\\r\\n\\r\\n), and only then "
    "parse and respond."
)
WAVE_HINT = (
    "The first connections were served, but fresh ones were not: does your server stop accepting, or stop "
    "after a fixed number of clients? Keep calling accept() in a loop for as long as the program runs."
)
MEASURE_SETTLE = 0.05  # seconds for the server to notice closed connections, or to pick a held one up


def finishing_order(rng: random.Random, count: int) -> list[int]:
    """A random order of 0..count-1 that never starts with 0, so a one-at-a-time server cannot pass."""
    order = list(range(count))
    rng.shuffle(order)
    if order[0] == 0:
        swap = rng.randrange(1, count)
        order[0], order[swap] = order[swap], order[0]
    return order


class ConcurrencyProbe(Probe):
    kind: Literal["concurrency"]
    connections: int = Field(3, ge=2, le=50, description="Connections held open at once in each wave")
    waves: int = Field(2, ge=1, le=10, description="Rounds of fresh connections")
    answer_within: float = Field(1.0, gt=0, description="Seconds each finished request has to be answered")
    settle: float = Field(0.02, ge=0, le=1, description="Seconds to wait after the first unfinished request, "
                                                        "and again after the others")
    summary = "hold unfinished requests on several connections, finish them out of order"
    # made when the manifest is validated, and kept with a cached course: no validation while a stage runs
    _wanted: Expect = PrivateAttr(default_factory=lambda: Expect(status=200, reason="OK"))

    def run(self, context: ProbeContext) -> None:
        target = "/"
        wanted = self._wanted
        authority = f"{context.host}:{context.port}"
        first = b"GET " + target.encode() + b" HTTP/1.1\r\nHost: " + authority.encode() + b"\r\n"
        rest = b"Accept: */*\r\n\r\n"
        for wave in range(1, self.waves + 1):
            base = (wave - 1) * self.connections
            opened = []
            for numbers in (range(base + 1, base + 2), range(base + 2, base + self.connections + 1)):
                for connection in self._open(context, numbers, wave):
                    connection.reader.expect_response_to("GET")
                    connection.send_bytes(first)
                    opened.append(connection)
                time.sleep(self.settle)
            context.listener("", "note", f"wave {wave}: {len(opened)} connections each hold an unfinished "
                                         "request (request line and Host sent, headers not ended), "
                                         f"{opened[0].label.replace('connection ', '')} alone at first")
            order = finishing_order(context.rng, len(opened))
            context.listener("", "note", "finishing them in the order "
                             + ", ".join(opened[index].label.replace("connection ", "") for index in order))
            for position, index in enumerate(order):
                for other in order[position:]:
                    if opened[other].readable_now():
                        _answered_early(opened[other], first, authority)
                self._finish(opened, index, position, (first, rest), wanted, context, wave)
            for connection in opened:
                connection.close()

    def _open(self, context: ProbeContext, numbers: range, wave: int) -> list[Connection]:
        opened = []
        for number in numbers:
            try:
                opened.append(context.connect(f"connection #{number}"))
            except StageFailure as failure:
                if wave > 1:
                    failure.message += " (a fresh connection after the first wave was served)"
                    failure.hint = WAVE_HINT
                raise
        return opened

    def _finish(self, opened: list[Connection], index: int, position: int, parts: tuple[bytes, bytes],
                wanted: Expect, context: ProbeContext, wave: int) -> None:
        """Send the second part of the request (the first went out when the connection opened); check the answer."""
        connection = opened[index]
        connection.send_bytes(parts[1])
        try:
            response = connection.receive(self.answer_within, context.defaults.close_timeout)
        except StageFailure as failure:
            if "no response within" not in failure.message:
                raise
            failure = self._unanswered(opened, index, position, wave)
            for other in opened:  # the verdict is in: free the server for the measurement
                other.close()
            count = served_at_once(context, parts, self.connections, self.answer_within)
            if count:
                _name_the_count(failure, count, wave)
            terminals = f"{count} terminals" if count and count > 1 else "one terminal"
            failure.curl = failure.curl or (
                f"{send_raw([parts[0]], context.host, context.port, timeout=30)}  (in {terminals}: a request left "
                f"unfinished)  then, in another: curl -i http://{context.host}:{context.port}/")
            failure.evidence.insert(0, Evidence(f"sent on {connection.label}, in two parts", b"".join(parts)))
            raise failure from None
        try:
            expectations.check(response, wanted, context.values)
        except StageFailure as failure:
            raise connection.annotate(failure) from None

    def _unanswered(self, opened: list[Connection], index: int, position: int, wave: int) -> StageFailure:
        connection = opened[index]
        waiting = [other.label for other in opened if not other.received and other is not connection]
        if position == 0:
            message = (f"{connection.label} sent a complete request and got no response within "
                       f"{self.answer_within:g} s, while {', '.join(waiting)} still held unfinished requests")
            hint = SERIAL_HINT
        else:
            message = (f"{connection.label} got no response within {self.answer_within:g} s after its request "
                       "was finished, although other connections were answered")
            hint = SERIAL_HINT
        if wave > 1 and position == 0:
            message += f" (wave {wave}: fresh connections after the first ones were served)"
            hint = WAVE_HINT + " " + SERIAL_HINT
        return connection.annotate(StageFailure(message, expected="every finished request answered promptly",
                                                hint=hint))


def _name_the_count(failure: StageFailure, count: int, wave: int) -> None:
    """Say how many connections were served at once, and aim the hint at a serial server or a pool."""
    if count == 1:
        failure.message += "; measured afterwards, your server served only one connection at a time"
        return  # the serial hint stands
    failure.message += f"; measured afterwards, your server served at most {count} connections at a time"
    pool = hints.POOL.format(count=count)
    failure.hint = WAVE_HINT + " " + pool if wave > 1 else pool


def served_at_once(context: ProbeContext, parts: tuple[bytes, bytes], most: int, within: float) -> int | None:
    """How many connections the server serves at once, measured on fresh connections.

    With `held` of them holding an unfinished request (parts[0] only), one more connection sends a whole
    request; if it is answered within `within` s, the server had room for held + 1. The count is the
    first `held` that leaves no room: 0 if even a lone request goes unanswered (the server serves nobody
    any more, so there is nothing to count), None if room is left up to `most`, or if the server stops
    accepting. Every connection opened here is closed before the next round.
    """
    for held in range(most):
        opened: list[Connection] = []
        try:
            for number in range(1, held + 1):
                opened.append(Connection.open(context.host, context.port, f"held #{number}", within,
                                               address=context.address))
                opened[-1].send_bytes(parts[0])
            time.sleep(MEASURE_SETTLE)
            extra = Connection.open(context.host, context.port, "one more", within, address=context.address)
            opened.append(extra)
            extra.reader.expect_response_to("GET")
            extra.send_bytes(b"".join(parts))
            try:
                extra.receive(within, within)
            except StageFailure:
                if extra.reader.buffer:
                    return None  # an answer, if a wrong one: the server had room
                context.listener("", "note", f"afterwards: with {held} connection{'s' * (held != 1)} holding "
                                             f"an unfinished request, a complete request on one more got no "
                                             f"response within {within:g} s")
                return held
        except StageFailure:
            return None
        finally:
            for connection in opened:
                connection.close()
            time.sleep(MEASURE_SETTLE)
    return None


def _answered_early(connection: Connection, first: bytes, authority: str) -> None:
    connection.wait_for_close(0.05)  # collect what it sent, for the evidence
    if connection.reader.buffer:
        what = "sent a response"
    else:
        what = "closed the connection"
    failure = connection.annotate(StageFailure(
        f"the server {what} before its request was complete "
        "(the tester had sent only the request line and the Host header)",
        expected="no response until the empty line that ends the request's headers", hint=EARLY_HINT,
        curl=_in_two_parts(first, authority),
    ))
    failure.evidence.insert(0, Evidence("sent so far (the headers not ended yet)", first))
    if connection.reader.buffer:
        failure.evidence.append(Evidence("received", connection.reader.buffer))
    raise failure


def _in_two_parts(first: bytes, authority: str) -> str:
    """A shell command that sends a request in two parts with a pause between, as this probe does."""
    host, _, port = authority.rpartition(":")
    return send_raw([first, b"Accept: */*\r\n\r\n"], host, int(port), pause=1)
