"""`interleaved`: several persistent connections used at once, requests interleaved among them.

Each connection sends the probe's requests in order, but which connection goes next is drawn at random
(from the run's seed), so a server cannot expect a connection's next request to come right after its
last one. Every connection is reused for all its requests and must stay open between them.
"""

from __future__ import annotations

from typing import Iterator, Literal

from pydantic import Field

from tester.manifest.models import Step
from tester.probes.base import Probe, ProbeContext
from tester.probes.exchange import finish, run_step, step_templates


class InterleavedProbe(Probe):
    kind: Literal["interleaved"]
    connections: int = Field(3, ge=2, le=20, description="Persistent connections open at once")
    requests: list[Step] = Field(min_length=1, description="Sent in order on every connection")
    summary = "send requests on several persistent connections, interleaved at random"

    def templates(self) -> Iterator[tuple[tuple, str]]:
        return step_templates(self.requests)

    def run(self, context: ProbeContext) -> None:
        opened = [context.connect() for _ in range(self.connections)]
        turns = [index for index in range(self.connections) for _ in self.requests]
        context.rng.shuffle(turns)
        sent = [0] * self.connections
        for index in turns:
            sent[index] += 1
            run_step(opened[index], self.requests[sent[index] - 1], sent[index], context)
        for connection in opened:
            finish(connection, context)
