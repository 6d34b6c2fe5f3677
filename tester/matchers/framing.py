"""Framing rules: how a response must delimit its body (Content-Length, chunked, or the close).

A response with no body (to HEAD, or a 204 or 304) is read with framing "none", but its headers still
declare how a body would have been framed; the rule is checked against that declaration.
"""

from __future__ import annotations

from tester.http11 import Response

NAMES = {
    "content-length": "Content-Length",
    "chunked": "chunked transfer coding (Transfer-Encoding: chunked)",
    "close": "closing the connection (no Content-Length, no Transfer-Encoding)",
}


def actual(response: Response) -> str:
    """How the response frames its body: read from the wire, or declared by the headers when it has none."""
    if response.framing != "none":
        return response.framing
    if response.header("transfer-encoding") is not None:
        return "chunked"
    if response.header("content-length") is not None:
        return "content-length"
    return "close"


def allowed(rule: str | list[str]) -> list[str]:
    return list(rule) if isinstance(rule, list) else [rule]


def describe(rule: str | list[str]) -> str:
    return " or ".join(NAMES[name] for name in allowed(rule))


def where(response: Response) -> int:
    """The offset of the header that decides the framing, or the end of the head when none does."""
    for name in ("transfer-encoding", "content-length"):
        header = response.header(name)
        if header is not None:
            return header.offset
    return response.head_length - 2
