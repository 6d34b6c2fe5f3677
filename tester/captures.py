"""Values taken from a response for the rest of the stage: a header, a JSON path, a regex over the body.

A stage that creates something and then reads it back (POST /items, then GET the Location it was given)
cannot know the value in advance: a capture takes it from the response, and later templates use it as
`{name}`, like a `vars` value. Pure: a parsed response in, a value or a StageFailure out.

What a capture gives: a header's value and a regex group as the bytes that came; a JSON string as its
text; any other JSON value as its JSON text (`42`, `true`, `{"a":1}`).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Union

from tester import hints
from tester.errors import Evidence, StageFailure
from tester.http11 import Response
from tester.matchers import json_text
from tester.templates import Value

if TYPE_CHECKING:  # the models check JSON paths with parse_path, so this module cannot import them first
    from tester.manifest.models import Capture

PathStep = Union[str, int]

_STEP = re.compile(r"""\.([^.\[\]]+)|\[(-?[0-9]+)\]|\[(?:"((?:[^"\\]|\\.)*)"|'([^']*)')\]""")


class PathError(ValueError):
    """A JSON path that does not follow $.name, [N] and ["name"] steps."""


def parse_path(path: str) -> list[PathStep]:
    """`$.items[0].name` as ["items", 0, "name"]; PathError where the path stops making sense."""
    if not path.startswith("$"):
        raise PathError(f"a JSON path starts with $, not {path[:1]!r}: write $.name or $[0]")
    steps: list[PathStep] = []
    position = 1
    while position < len(path):
        match = _STEP.match(path, position)
        if match is None:
            raise PathError(f"the JSON path {path!r} goes wrong at character {position} ({path[position:]!r}): "
                            'each step is .name, [N] or ["name"]')
        name, index, quoted, single = match.groups()
        if index is not None:
            steps.append(int(index))
        elif quoted is not None:
            steps.append(json.loads(f'"{quoted}"'))
        else:
            steps.append(name if name is not None else single)
        position = match.end()
    return steps


def take(response: Response, capture: Capture, name: str, body: bytes | None = None) -> Value:
    """The value `capture` names in `response` (in `body`, when the caller decoded it), or a StageFailure
    saying what was missing."""
    body = response.body if body is None else body
    if capture.header is not None:
        header = response.header(capture.header)
        if header is None:
            raise _missing(response, response.head_length - 2,
                           f"the response has no {capture.header} header to take {{{name}}} from",
                           f"a {capture.header} header (its value becomes {{{name}}})", hints.CAPTURE_HEADER)
        if capture.pattern is None:
            return header.value.encode("latin-1")
        found = _search(capture.pattern, header.value)
        if found is None:
            why = _no_value(capture.pattern, header.value)
            raise _missing(response, header.offset,
                           f"the {capture.header} header, {header.value!r}, {why} the pattern "
                           f"{capture.pattern!r}, so there is nothing to take {{{name}}} from",
                           f"a {capture.header} header in which {capture.pattern!r} finds the value for {{{name}}}",
                           hints.CAPTURE_HEADER)
        return found.encode("latin-1")
    if capture.json_path is not None:
        return _json_value(response, body, parse_path(capture.json_path), name)
    assert capture.body is not None
    text = body.decode("utf-8", errors="surrogateescape")
    group = _search(capture.body, text)
    if group is None:
        raise _missing(response, response.head_length,
                       f"the body {_no_value(capture.body, text)} the pattern {capture.body!r}, so there is nothing to take {{{name}}} from",
                       f"a body in which {capture.body!r} finds the value for {{{name}}}", hints.CAPTURE_BODY)
    return group.encode("utf-8", errors="surrogateescape")


def _search(pattern: str, text: str) -> str | None:
    """The first group of the pattern's first match in `text` (the whole match when it has no group)."""
    match = re.search(pattern, text)
    return (match.group(1) if match.re.groups else match.group(0)) if match else None


def _no_value(pattern: str, text: str) -> str:
    """Why `_search` found nothing, as the words between the text and the pattern in a message."""
    if re.search(pattern, text) is None:
        return "does not match"
    return "matches, but its first group takes no part in the match of"


def source(capture: Capture) -> str:
    """Where a capture takes its value, in words: 'the Location header', '$.id', 'the body'."""
    if capture.header is not None:
        return f"the {capture.header} header"
    return capture.json_path if capture.json_path is not None else "the body"


def _json_value(response: Response, body: bytes, steps: list[PathStep], name: str) -> Value:
    path = json_text.format_path(tuple(steps))
    try:
        parsed = json_text.parse(body)
    except json_text.JsonSyntaxError as error:
        failure = _missing(response, response.head_length + error.offset,
                           f"the body is not valid JSON ({error.problem}, at byte {error.offset}), so {{{name}}} "
                           f"cannot be taken from {path}", "a JSON body", hints.CAPTURE_JSON)
        failure.expected = f"a JSON body: {error.expected} at byte {error.offset}"
        raise failure from None
    node: Any = parsed.value
    for depth, step in enumerate(steps):
        where = tuple(steps[:depth])
        problem = _step_problem(node, step, json_text.format_path(where))
        if problem is not None:
            failure = _missing(response, response.head_length + parsed.offset_of(where),
                               f"the JSON body has no {path} to take {{{name}}} from: {problem}",
                               f"a JSON body with a value at {path}", hints.CAPTURE_JSON)
            failure.evidence.insert(0, Evidence(f"the JSON at {json_text.format_path(where)}", _excerpt(node)))
            raise failure
        node = node[step]
    if isinstance(node, str):
        return node
    return json_text.dumps(node)  # exact, even for a number too long for int() (the reader keeps a Decimal)


def _step_problem(node: Any, step: PathStep, where: str) -> str | None:
    """Why `step` cannot be taken from `node` (found at `where`), or None if it can."""
    if isinstance(step, int):
        if not isinstance(node, list):
            return f"{where} is {_kind(node)}, not a list"
        if not -len(node) <= step < len(node):
            return f"{where} is a list of {len(node)} item{'s' if len(node) != 1 else ''}"
        return None
    if not isinstance(node, dict):
        return f"{where} is {_kind(node)}, not an object"
    if step not in node:
        keys = ", ".join(json.dumps(key) for key in list(node)[:12]) or "none"
        return f"{where} has no key {json.dumps(step)} (its keys: {keys})"
    return None


def _kind(node: Any) -> str:
    if node is None:
        return "null"
    if isinstance(node, bool):
        return "a boolean"
    if isinstance(node, (int, float, Decimal)):
        return "a number"
    return {dict: "an object", list: "a list", str: "a string"}[type(node)]


def _excerpt(node: Any, limit: int = 400) -> bytes:
    text = json_text.dumps(node, compact=False).encode("utf-8")
    return text if len(text) <= limit else text[:limit] + b"..."


def _missing(response: Response, offset: int, problem: str, expected: str, hint: str) -> StageFailure:
    return StageFailure(problem, expected=expected, hint=hint, evidence=[Evidence("received", response.raw, offset)])
