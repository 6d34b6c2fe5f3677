"""`client`: the same server through an ordinary HTTP client (requests), beside the byte-exact probes.

A server can satisfy the byte-level checks and still confuse real clients (a connection a client cannot
reuse, a gzip body a client cannot decode). This probe asks `requests` to do what a program would do,
and compares what the client understood.

It does not go through `expectations.verify`: requests gives no faithful copy of the bytes on the wire
(it decodes the body, removes chunked framing, merges repeated headers), so a `Response` built from it
would make framing, decode and offsets lie. Instead the loader refuses every key this probe cannot check
(`CHECKED` lists the ones it can), and each check here honours `level` and `rfc` as verify would.
"""

from __future__ import annotations

from typing import Iterator, Literal

from pydantic import Field, model_validator

from tester import expectations, hints
from tester.connection import url_host
from tester.errors import StageFailure
from tester.manifest.models import Step
from tester.matchers import status as status_rules
from tester.probes.base import Probe, ProbeContext
from tester.probes.exchange import step_templates
from tester.templates import render, render_text


SENT = ("method", "target", "headers", "body")  # the `send` keys the library is given
CHECKED = ("status", "headers", "body", "level", "rfc")  # the `expect` keys compared (headers: plain values)


def _unsupported(step: Step) -> list[str]:
    """The keys of `step` the client probe would silently not do, as the manifest spells them."""
    send, expect = step.send, step.expect
    keys = [f"send.{name}" for name in _changed(send, SENT)]
    keys += ["also"] * bool(step.also) + ["capture"] * bool(step.capture)
    keys += [f"expect.{name}" for name in _changed(expect, CHECKED)]
    keys += [f"expect.headers.{name} (a rule)" for name, rule in expect.headers.items() if not isinstance(rule, str)]
    return keys


def _changed(model, kept: tuple[str, ...]) -> list[str]:
    """The keys of `model` outside `kept` that are set to anything but their default, as written."""
    return [field.alias or name for name, field in type(model).model_fields.items()
            if name not in kept and getattr(model, name) != field.get_default(call_default_factory=True)]


class ClientProbe(Probe):
    kind: Literal["client"]
    requests: list[Step] = Field(min_length=1, description="Sent in order with one requests.Session")
    one_connection: bool = Field(False, description="The session must reuse a single connection for all")
    summary = "use the server through the requests library"
    imports = ("requests",)

    @model_validator(mode="after")
    def _no_wire_level_requests(self) -> ClientProbe:
        """The library builds the bytes, decodes the body and hides the connection: every key but those in
        SENT and CHECKED would silently not happen, so it is refused here."""
        for index, step in enumerate(self.requests):
            keys = _unsupported(step)
            if keys:
                raise ValueError(
                    f"requests[{index}] uses {', '.join(keys)}, which the client probe cannot do or check: the "
                    "requests library builds the request's bytes and decodes the response, so it never shows "
                    "the bytes on the wire. Move that to an exchange probe, which sends and checks the bytes "
                    "themselves; a client step sends only method, target, headers and body, and expects only "
                    "status, headers with plain values, body, level and rfc")
        return self

    def templates(self) -> Iterator[tuple[tuple, str]]:
        return step_templates(self.requests)

    def run(self, context: ProbeContext) -> None:
        import requests  # imported here: only stages with this probe pay for it

        reached = url_host(context.host, context.address)
        base = f"http://{reached}:{context.port}"
        named = {} if reached == context.host else {"Host": f"{context.host}:{context.port}"}
        with requests.Session() as session:
            session.trust_env = False  # no proxy or .netrc from the environment between us and the server
            opened = _count_connections(session, base)
            for number, step in enumerate(self.requests, start=1):
                send, expect = step.send, step.expect
                url = base + render_text(send.target, context.values)
                headers = {**named, **{name: render_text(value, context.values) for name, value in send.headers.items()}}
                body = render(send.body, context.values) if send.body is not None else None
                context.listener("requests", "note", f"requests.Session: {send.method} {url}")
                try:
                    reply = session.request(send.method, url, headers=headers, data=body,
                                            timeout=context.defaults.response_timeout)
                    content = reply.content  # decoded by the client, as a program would see it
                except requests.RequestException as error:
                    raise StageFailure(
                        f"the requests library could not complete request {number} ({send.method} {url}): "
                        f"{type(error).__name__}: {error}",
                        expected="a response an ordinary HTTP client can read",
                        hint=hints.REAL_CLIENT,
                    ) from None
                try:
                    self._compare(number, reply, content, expect, context)
                except StageFailure as failure:  # as expectations.check and verify treat a mismatch
                    failure.level = expect.level
                    if expect.rfc:
                        failure.rfc = expect.rfc
                        failure.message += f" ({expect.rfc})"
                    if expect.level == "must":
                        raise
                    context.warnings.append(failure)
            if self.one_connection:
                count = len(opened)
                if count != 1:
                    raise StageFailure(
                        f"the requests library had to open {count} connections for "
                        f"{len(self.requests)} requests; it could not reuse the first one",
                        expected="one connection reused for every request", hint=hints.CLOSED_EARLY,
                    )

    def _compare(self, number: int, reply, content: bytes, expect, context: ProbeContext) -> None:
        where = f"through requests, request {number}"
        if expect.status is not None and not status_rules.allows(expect.status, reply.status_code):
            code = status_rules.single(expect.status)
            wanted = status_rules.describe(expect.status)
            raise StageFailure(f"{where}: status {reply.status_code}, expected {wanted if code is None else code}",
                               expected=wanted, hint=hints.STATUS_DEFAULT)
        for name, rule in expect.headers.items():  # plain values only: the loader refuses rules
            wanted = render_text(rule, context.values)
            got = reply.headers.get(name)  # as the server sent it (Content-Length too: the length on the wire)
            if got is None:
                raise StageFailure(f"{where}: the client saw no {name} header (expected {name}: {wanted})",
                                   expected=f"{name}: {wanted}", hint=hints.HEADER_MISSING)
            if got != wanted:
                raise StageFailure(f"{where}: {name} is {got!r}, expected {wanted!r}",
                                   expected=f"{name}: {wanted}", hint=hints.HEADER_MISSING)
        if expect.body is not None:
            wanted = render(expect.body, context.values)
            at = expectations.first_difference(wanted, content)
            if at is not None:
                raise StageFailure(
                    f"{where}: the client read a body of {len(content)} bytes that differs from the expected "
                    f"{len(wanted)} at byte {at}",
                    expected="the body shown", hint=hints.BODY,
                )


def _count_connections(session, base: str) -> list:
    """A list that gets one entry for every TCP connection `session` opens to `base` from now on.

    The pool's own counter is no use: urllib3 reopens a dropped connection inside the same pooled object
    without counting it, so a server that closed after every response looked like one connection. This
    counts connect() calls instead, through a connection class of our own for the session's http pools.
    """
    from urllib3.connection import HTTPConnection
    from urllib3.connectionpool import HTTPConnectionPool

    opened: list = []

    class CountedConnection(HTTPConnection):
        def connect(self) -> None:
            super().connect()
            opened.append(self.sock)

    class CountedPool(HTTPConnectionPool):
        ConnectionCls = CountedConnection

    manager = session.get_adapter(base).poolmanager
    manager.pool_classes_by_scheme = {**manager.pool_classes_by_scheme, "http": CountedPool}
    return opened
