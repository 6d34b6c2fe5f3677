"""What a probe kind is: a pydantic model of its manifest parameters with a `run` method.

Data probes (`connect`, `exchange`) cover what a manifest can say as requests and expectations; a
choreography that data cannot say (the concurrency proof) is a probe kind in Python. Instructors add
kinds the same way: subclass `Probe`, give `kind` a Literal name, and list the module in the manifest's
`probe_modules`.
"""

from __future__ import annotations

import random
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Iterator

from pydantic import BaseModel, ConfigDict

from tester.connection import Address, Connection, Listener
from tester.errors import StageFailure
from tester.manifest.models import Defaults
from tester.templates import Value

if TYPE_CHECKING:
    from tester.program import Program


@dataclass
class ProbeContext:
    """Everything a probe may use while it runs: where the server is, the stage's values, the bounds."""

    host: str
    port: int
    values: dict[str, Value]
    defaults: Defaults
    directory: Path | None
    rng: random.Random
    listener: Listener
    ready_socket: socket.socket | None = None
    opened: list[Connection] = field(default_factory=list)
    address: Address | None = None  # the address the program answered on at readiness
    program: Program | None = None  # the running program, for probes that watch the process itself
    warnings: list[StageFailure] = field(default_factory=list)  # mismatches of `level: should|may` checks

    def connect(self, label: str | None = None) -> Connection:
        """A new connection to the server; the first one reuses the connection that proved it ready."""
        label = label or f"connection #{len(self.opened) + 1}"
        if self.ready_socket is not None:
            sock, self.ready_socket = self.ready_socket, None
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection = Connection(sock, label, self.listener)
        else:
            connection = Connection.open(self.host, self.port, label, self.defaults.response_timeout, self.listener,
                                         self.address)
        self.opened.append(connection)
        return connection

    def close_all(self) -> None:
        for connection in self.opened:
            connection.close()
        if self.ready_socket is not None:
            self.ready_socket.close()
            self.ready_socket = None


class Probe(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)  # as manifest.models.Strict

    kind: str
    summary: ClassVar[str] = ""
    # modules `run` imports when it runs (a client library): the runner imports them in the background while
    # it waits for the first program to listen, so no stage waits for them
    imports: ClassVar[tuple[str, ...]] = ()

    def run(self, context: ProbeContext) -> None:
        """Check the server; raise StageFailure on the first thing that is wrong."""
        raise NotImplementedError

    def templates(self) -> Iterator[tuple[tuple, str]]:
        """(place in the probe, template) for every template, so the loader can check the names used."""
        return iter(())

    def captures(self) -> Iterator[str]:
        """The names of the values this probe captures from responses; the stage's templates may use them."""
        return iter(())

    def own_values(self) -> Iterator[str]:
        """The names of values this probe makes for its own templates only (a burst's connection number)."""
        return iter(())
