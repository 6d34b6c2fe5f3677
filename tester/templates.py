"""`{name}` templates in the manifest, rendered to the bytes that go on the wire.

A stage's values (a random word, a file's binary contents) are drawn once per run; a template like
`/echo/{text}` or `{content|len}` places them. Everything renders to bytes because bodies and files can
hold bytes that are not text. `{{` and `}}` stand for literal braces.
"""

from __future__ import annotations

import difflib
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

    def __init__(self, message: str, fix: str = ""):
        super().__init__(message)
        self.fix = fix


def names(template: str) -> list[tuple[str, str | None]]:
    """The (variable, filter) pairs a template uses; raises TemplateError on a malformed template."""
    found = []
    for match in _FIELD.finditer(template):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        if match.group(1) is None:
            raise TemplateError(f"unmatched {token!r} in the template {template!r}",
                                ("a placeholder is {name} or {name|filter}; " if token == "{" else "")
                                + f"write {token * 2} for a literal brace")
        if match.group(2) is not None and match.group(2) not in FILTERS:
            known = sorted(FILTERS)
            close = difflib.get_close_matches(match.group(2), known, n=1)
            raise TemplateError(f"unknown filter |{match.group(2)} in the template {template!r}",
                                (f"did you mean {{{match.group(1)}|{close[0]}}}? " if close else "")
                                + f"the filters are: {', '.join(known)}")
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
