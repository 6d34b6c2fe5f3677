"""`{name}` templates in the manifest, rendered to the bytes that go on the wire.

A stage's values (a random word, a file's binary contents) are drawn once per run; a template like
`/echo/{text}` or `{content|len}` places them. Everything renders to bytes because bodies and files can
hold bytes that are not text. `{{` and `}}` stand for literal braces.
"""

from __future__ import annotations

import re
from typing import Callable, Mapping, Union

Value = Union[str, bytes]

_FIELD = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)(?:\|([a-z]+))?\}|[{}]")


def _as_bytes(value: Value) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")


FILTERS: dict[str, Callable[[bytes], bytes]] = {
    "len": lambda value: str(len(value)).encode(),
    "upper": lambda value: value.upper(),
    "lower": lambda value: value.lower(),
}


class TemplateError(ValueError):
    """A template names a value or filter that does not exist, or has an unmatched brace."""


def names(template: str) -> list[tuple[str, str | None]]:
    """The (variable, filter) pairs a template uses; raises TemplateError on a malformed template."""
    found = []
    for match in _FIELD.finditer(template):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        if match.group(1) is None:
            raise TemplateError(f"unmatched {token!r} in {template!r} (write {token * 2} for a literal brace)")
        if match.group(2) is not None and match.group(2) not in FILTERS:
            raise TemplateError(
                f"unknown filter |{match.group(2)} in {template!r}; filters are: {', '.join(sorted(FILTERS))}"
            )
        found.append((match.group(1), match.group(2)))
    return found


def render(template: str, values: Mapping[str, Value]) -> bytes:
    out = bytearray()
    position = 0
    for match in _FIELD.finditer(template):
        out += template[position:match.start()].encode("utf-8")
        position = match.end()
        token = match.group(0)
        if token in ("{{", "}}"):
            out += token[0].encode()
            continue
        name, filter_name = match.group(1), match.group(2)
        if name is None:
            raise TemplateError(f"unmatched {token!r} in {template!r}")
        if name not in values:
            raise TemplateError(f"{{{name}}} is not a value of this stage")
        value = _as_bytes(values[name])
        if filter_name is not None:
            if filter_name not in FILTERS:
                raise TemplateError(f"unknown filter |{filter_name}")
            value = FILTERS[filter_name](value)
        out += value
    out += template[position:].encode("utf-8")
    return bytes(out)


def render_text(template: str, values: Mapping[str, Value]) -> str:
    """A rendered template as text, for places like a target or a header value; bytes map one to one."""
    return render(template, values).decode("latin-1")
