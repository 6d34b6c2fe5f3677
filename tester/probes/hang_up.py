"""`hang-up`: a client that goes away in the middle of a response.

Clients leave before the end all the time: a browser tab closed during a download, a user who pressed
Stop. The server's next write to that connection fails, and what it does then matters: a server that
lets the error end its worker, or skips its cleanup (a file left open, a WSGI iterable never closed),
degrades a little with every client that leaves. The probe sends a request, reads until the response
holds a given text (or not at all), and goes away, by a close or by a reset; the probes after it check
that the server has coped.
"""

from __future__ import annotations

import time
from typing import Iterator, Literal

from pydantic import Field

from tester import hints, visible
from tester.errors import Evidence, StageFailure
from tester.manifest.models import Request, Template
from tester.probes.base import Probe, ProbeContext
from tester.probes.exchange import build_step_request, request_templates
from tester.templates import render


class HangUpProbe(Probe):
    kind: Literal["hang-up"]
    send: Request = Field(description="The request to send")
    after: Template | None = Field(
        None, description="Go away once the response holds these bytes, a template (without it: right after sending)")
    reset: bool = Field(False, description="Go away with a reset (RST) instead of a clean close, so the server's "
                                           "next write fails at once")
    wait: float = Field(0, ge=0, le=5, description="Seconds to wait after going away, so that the server has met "
                                                   "the closed connection before the next probe runs")
    summary = "send a request and go away before the response is complete"

    def templates(self) -> Iterator[tuple[tuple, str]]:
        yield from request_templates(self.send, ("send",))
        if self.after is not None:
            yield ("after",), self.after

    def run(self, context: ProbeContext) -> None:
        connection = context.connect()
        connection.send(build_step_request(self.send, 1, context))
        how = "a reset" if self.reset else "a close"
        if self.after is not None:
            wanted = render(self.after, context.values)
            shown = visible.quoted(wanted, limit=60)
            seconds = context.defaults.response_timeout
            if not connection.wait_for_bytes(wanted, seconds):
                ended = "closed the connection" if connection.reader.eof else f"sent nothing more for {seconds:g} s"
                raise connection.annotate(StageFailure(
                    f"the response never got as far as {shown}, where the tester was to go away: the server {ended}",
                    expected=f"a response that holds {shown}", hint=hints.HANG_UP_NOT_REACHED,
                    evidence=[Evidence("received", connection.reader.buffer, len(connection.reader.buffer))],
                    connection_lost=connection.reader.eof))
        connection.hang_up(self.reset)
        context.listener(connection.label, "note", f"the tester went away with {how}, "
                         + (f"after {len(connection.reader.buffer)} bytes of the response" if self.after is not None
                            else "right after sending the request"))
        time.sleep(self.wait)
