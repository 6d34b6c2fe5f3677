"""Probe kinds, by the name the manifest uses for them."""

from __future__ import annotations

import typing

from tester.probes.base import Probe, ProbeContext
from tester.probes.burst import BurstProbe
from tester.probes.client import ClientProbe
from tester.probes.concurrency import ConcurrencyProbe
from tester.probes.connect import ConnectProbe
from tester.probes.exchange import ExchangeProbe
from tester.probes.hang_up import HangUpProbe
from tester.probes.idle import IdleProbe
from tester.probes.interleaved import InterleavedProbe
from tester.probes.restart import RestartProbe

KINDS: dict[str, type[Probe]] = {}


def kind_name(probe_class: type[Probe]) -> str:
    annotation = probe_class.model_fields["kind"].annotation
    arguments = typing.get_args(annotation)
    if typing.get_origin(annotation) is not typing.Literal or len(arguments) != 1:
        raise TypeError(f"{probe_class.__name__}.kind must be annotated Literal['its-name']")
    return arguments[0]


def register(probe_class: type[Probe]) -> type[Probe]:
    """Make a probe kind available to manifests; usable as a class decorator."""
    KINDS[kind_name(probe_class)] = probe_class
    return probe_class


for _builtin in (ConnectProbe, ExchangeProbe, ConcurrencyProbe, InterleavedProbe, ClientProbe, IdleProbe,
                 RestartProbe, BurstProbe, HangUpProbe):
    register(_builtin)

__all__ = ["KINDS", "Probe", "ProbeContext", "register", "kind_name"]
