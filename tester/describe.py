"""The requests and responses a stage's probes use, written as a description shows them.

Descriptions in `stages/` show the tester's requests and the responses it expects in fenced `http`
blocks, with the stage's values as `{name}` placeholders. This module writes those blocks from the
manifest, so `tester check` (tester/lint/descriptions.py) can hold descriptions and probes to the same text.
"""

from __future__ import annotations

import re

from tester import visible
from tester.manifest.models import Expect, HeaderRule, Request, Stage, Step

EXAMPLE_HOST = "localhost:4221"
_FENCE = re.compile(r"^```http[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def request_text(request: Request) -> str:
    if request.raw is not None:
        return _visible_controls(request.raw.replace("\r\n", "\n"))
    lines = [f"{request.method} {request.target} HTTP/1.1", f"Host: {EXAMPLE_HOST}"]
    lines += [f"{name}: {value}" for name, value in request.headers.items()]
    given = {name.lower() for name in request.headers}
    if request.expect_continue and "expect" not in given:
        lines.append("Expect: 100-continue")
    if request.chunks is not None and "transfer-encoding" not in given:
        lines.append("Transfer-Encoding: chunked")  # the body is shown as it is, not cut into chunks
    elif request.body is not None and request.chunks is None and "content-length" not in given:
        lines.append(f"Content-Length: {{{_body_name(request.body)}|len}}")
    text = "\n".join(lines) + "\n"
    if request.body is not None:
        text += "\n" + request.body + "\n"
    return text


def _visible_controls(text: str) -> str:
    """A raw request's control bytes other than its line ends and tabs, spelled as the failure output spells
    them (\\r, \\x00): a description shows them as text, where a reader (and git) can see them."""
    return "".join(visible.escape_byte(ord(char)) if ord(char) < 0x20 and char not in "\n\t" else char
                   for char in text)


def response_text(expect: Expect) -> str:
    status = _status_text(expect.status)
    lines = [f"HTTP/1.1 {status} {expect.reason or ''}".rstrip()]
    for name, rule in expect.headers.items():
        if isinstance(rule, HeaderRule):
            lines.append(f"{name}: {rule.token if rule.token is not None else '...'}")
        else:
            lines.append(f"{name}: {rule}")
    text = "\n".join(lines) + "\n"
    if expect.body is not None and expect.decode is None:
        text += "\n" + expect.body + "\n"
    return text


def _status_text(status) -> str:
    """'404', '4xx', or '403 or 404' for a set: what a description writes in the status line."""
    if status is None:
        return "{status}"
    if isinstance(status, list):
        return " or ".join(str(item) for item in status)
    return str(status)


def shown_exchanges(stage: Stage) -> list[tuple[str, str]]:
    """(request, expected response) texts for every request the stage's data probes send."""
    pairs = []
    for probe in stage.probes:
        steps = getattr(probe, "requests", None)
        if not isinstance(steps, list):
            continue  # a custom kind may use the name `requests` for something else
        for step in steps:
            if isinstance(step, Step):
                pairs.append((request_text(step.send), response_text(step.expect)))
    return pairs


def http_blocks(markdown: str) -> list[str]:
    return _FENCE.findall(markdown)


def http_blocks_at(markdown: str) -> list[tuple[int, str]]:
    """Each http block's text with the 1-based line of its first line, for problems that name a line."""
    return [(markdown.count("\n", 0, match.start(1)) + 1, match.group(1)) for match in _FENCE.finditer(markdown)]


def missing_from(markdown: str, stage: Stage) -> list[str]:
    """Texts the description should show inside one of its http blocks but does not."""
    blocks = http_blocks(markdown)
    missing = []
    for request, response in shown_exchanges(stage):
        for text in (request, response):
            if not any(text in block for block in blocks):
                missing.append(text)
    return missing


def _body_name(template: str) -> str:
    match = re.fullmatch(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", template)
    return match.group(1) if match else "body"
