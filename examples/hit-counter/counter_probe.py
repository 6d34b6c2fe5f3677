"""The `counter` probe kind of the hit-counter course: every visit to the counting path answers one
more than the visit before, whichever connection it comes on.

Data cannot say "one more than the last answer", so this is a probe kind in Python: a pydantic model of
its parameters (which the manifest sets, and the loader and the schema check) and a `run` method that
raises StageFailure on the first thing that is wrong. `@register` makes `kind: counter` known to any
manifest that lists this module under `probe_modules`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tester import expectations
from tester.errors import StageFailure
from tester.manifest.models import Expect, Request
from tester.probes import Probe, ProbeContext, register
from tester.request import build

COUNT_HINT = ("Keep the count in one place that every connection shares (a variable outside the "
              "function that handles a connection), and add one for each request to the counting path.")


@register
class CounterProbe(Probe):
    """Visit a counting path several times, each on a new connection; each answer is one more."""

    kind: Literal["counter"]
    target: str = Field("/count", description="The path that counts its visits")
    times: int = Field(3, ge=2, le=50, description="Visits to make, each on a new connection")
    summary = "visit the counting path on new connections; each body is one more than the last"

    def run(self, context: ProbeContext) -> None:
        previous = None
        for visit in range(1, self.times + 1):
            connection = context.connect()
            connection.send(build(Request(target=self.target), context.values, context.host, context.port))
            response = connection.receive(context.defaults.response_timeout, context.defaults.close_timeout)
            try:
                expectations.check(response, Expect(status=200, reason="OK"), context.values)
                count = _number(response.body, visit)
                if previous is not None and count != previous + 1:
                    raise StageFailure(f"visit {visit} was answered {count}, but the visit before was answered "
                                       f"{previous}", expected=f"{previous + 1}", hint=COUNT_HINT)
            except StageFailure as failure:
                raise connection.annotate(failure) from None
            connection.close()
            previous = count


def _number(body: bytes, visit: int) -> int:
    text = body.decode("ascii", "replace")
    if not text.isdigit():
        raise StageFailure(f"visit {visit}: the body {text!r} is not a count",
                           expected="the number of visits so far, in decimal digits, such as 1")
    return int(text)
