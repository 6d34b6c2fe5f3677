"""`connect`: the server accepts a TCP connection on the port. The first stage's whole check."""

from __future__ import annotations

from typing import Literal

from tester.probes.base import Probe, ProbeContext


class ConnectProbe(Probe):
    kind: Literal["connect"]
    summary = "open a TCP connection to the server"

    def run(self, context: ProbeContext) -> None:
        connection = context.connect()
        context.listener(connection.label, "note", f"connected to {context.host}:{context.port}")
