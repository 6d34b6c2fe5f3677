"""Framing rules: how a response must delimit its body (Content-Length, chunked, or the close).

A response with no body by its status or method (1xx, 204, 304, a response to HEAD) ends at its head
(RFC 9112 §6.3): it is not close-delimited, and there is nothing to frame. Without Content-Length or
Transfer-Encoding it passes any framing rule; with one of them it declares how a body would have been
framed (a HEAD response's headers are those of the GET, RFC 9110 §9.3.2), and the rule judges that.
"""

from __future__ import annotations

from tester.http11 import Response

NAMES = {
    "content-length": "Content-Length",
    "chunked": "chunked transfer coding (Transfer-Encoding: chunked)",
    "close": "closing the connection (no Content-Length, no Transfer-Encoding)",
}


def actual(response: Response) -> str | None:
    """How the response frames its body: read from the wire, or declared by the headers when it has none;
    None for a response without a body that declares nothing (any framing rule passes)."""
    if response.framing != "none":
        return response.framing
    if response.header("transfer-encoding") is not None:
        return "chunked"
    if response.header("content-length") is not None:
        return "content-length"
    return None


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
