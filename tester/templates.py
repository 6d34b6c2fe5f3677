"""`{name}` templates in the manifest, rendered to the bytes that go on the wire.

A stage's values (a random word, a file's binary contents, a value captured from a response) are drawn
once per run; a template like `/echo/{text}` or `{content|len}` places them. Everything renders to bytes
because bodies and files can hold bytes that are not text. `{{` and `}}` stand for literal braces.

Filters transform a value before it is placed, and chain left to right: `{content|slice:0:5}` is its
first five bytes, `{content|sha256}` its digest, `{name|json}` a JSON string literal of it, for request
bodies that are JSON. A filter's arguments follow its name after colons; a wrong filter or argument is a
TemplateError, which the loader reports at the template's line.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import urllib.parse
from dataclasses import dataclass
from typing import Callable, Mapping, Union

from tester.errors import ValueWithFix

Value = Union[str, bytes]

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_FILTER = r"\|[a-z0-9]+(?::[^|{}:]*)*"
_FIELD = re.compile(r"\{\{|\}\}|\{(" + _NAME + r")((?:" + _FILTER + r")*)\}|[{}]")


def _as_bytes(value: Value) -> bytes:
    """A value's bytes: text as UTF-8. A lone surrogate (a JSON capture of "\\ud800", which RFC 8259 §8.2
    allows) has no UTF-8 form; it is written as the three bytes UTF-8 would give its number, so rendering
    never fails."""
    return value if isinstance(value, bytes) else value.encode("utf-8", errors="surrogatepass")


def _json_string(value: bytes) -> bytes:
    """A JSON string literal of the value: UTF-8 text as it is; a byte that is not UTF-8 stands for the
    character with its number (U+0080 to U+00FF), so any value gives valid JSON. A lone surrogate (as
    `_as_bytes` writes one) comes back as its escape, \\ud800, as the JSON it was captured from had it."""
    try:
        text = value.decode("utf-8", errors="surrogatepass")
    except UnicodeDecodeError:
        text = value.decode("utf-8", errors="surrogateescape")
        text = re.sub("[\udc80-\udcff]", lambda match: chr(ord(match.group(0)) - 0xDC00), text)
    literal = json.dumps(text, ensure_ascii=False)
    return re.sub("[\ud800-\udfff]", lambda match: f"\\u{ord(match.group(0)):04x}", literal).encode("utf-8")


def _slice(value: bytes, start: int | None, end: int | None) -> bytes:
    return value[start:end]


@dataclass(frozen=True)
class Filter:
    apply: Callable[..., bytes]
    usage: str  # how it is written, with its arguments named
    arguments: int = 0  # how many (each a whole number, or empty for "to the end")

    def bound(self, name: str, arguments: list[str], value: str, template: str) -> Callable[[bytes], bytes]:
        """The filter with its arguments read; TemplateError if there are too many, too few or odd ones."""
        if len(arguments) != self.arguments:
            wanted = f"takes {self.arguments} argument{'s' if self.arguments != 1 else ''}" if self.arguments \
                else "takes no arguments"
            raise TemplateError(f"the filter |{name} {wanted}, got {len(arguments)} in the template {template!r}",
                                f"write it as {{{value}|{self.usage}}}")
        numbers: list[int | None] = []
        for argument in arguments:
            text = argument.strip()
            if text and not re.fullmatch(r"-?[0-9]+", text):
                raise TemplateError(f"the filter |{name} takes whole numbers, got {argument!r} in the template "
                                    f"{template!r}", f"write it as {{{value}|{self.usage}}}, e.g. {{{value}|slice:0:5}} "
                                    "(negative counts from the end, empty means the end)")
            numbers.append(int(text) if text else None)
        return lambda value: self.apply(value, *numbers)


FILTERS: dict[str, Filter] = {
    "len": Filter(lambda value: str(len(value)).encode(), "len"),
    "upper": Filter(lambda value: value.upper(), "upper"),
    "lower": Filter(lambda value: value.lower(), "lower"),
    "slice": Filter(_slice, "slice:START:END", 2),
    "sha256": Filter(lambda value: hashlib.sha256(value).hexdigest().encode(), "sha256"),
    "json": Filter(_json_string, "json"),
    # RFC 3986 §2.3: only unreserved characters stay as they are, every other byte becomes %XX
    "url": Filter(lambda value: urllib.parse.quote_from_bytes(value, safe="").encode(), "url"),
}


class TemplateError(ValueWithFix):
    """A template names a value or filter that does not exist, or has an unmatched brace."""


def _chain(name: str, filters: str, template: str) -> Callable[[bytes], bytes]:
    """The filters of one placeholder (`|slice:0:5|len`) as one function; TemplateError for a bad one."""
    steps = []
    for written in filters.split("|")[1:]:
        filter_name, *arguments = written.split(":")
        known = FILTERS.get(filter_name)
        if known is None:
            choices = sorted(FILTERS)
            close = difflib.get_close_matches(filter_name, choices, n=1)
            raise TemplateError(f"unknown filter |{filter_name} in the template {template!r}",
                                (f"did you mean {{{name}|{close[0]}}}? " if close else "")
                                + f"the filters are: {', '.join(choices)}")
        steps.append(known.bound(filter_name, arguments, name, template))

    def apply(value: bytes) -> bytes:
        for step in steps:
            value = step(value)
        return value
    return apply


def names(template: str) -> list[tuple[str, str | None]]:
    """The (variable, filters) pairs a template uses, the filters as written after the first `|`
    (`slice:0:5`, or `slice:0:5|len` for a chain); raises TemplateError on a malformed template."""
    found = []
    for match in _FIELD.finditer(template):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        if match.group(1) is None:
            raise TemplateError(f"unmatched {token!r} in the template {template!r}",
                                ("a placeholder is {name} or {name|filter}; " if token == "{" else "")
                                + f"write {token * 2} for a literal brace")
        filters = match.group(2)
        if filters:
            _chain(match.group(1), filters, template)
        found.append((match.group(1), filters[1:] or None))
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
        name, filters = match.group(1), match.group(2)
        if name is None:
            raise TemplateError(f"unmatched {token!r} in {template!r}")
        if name not in values:
            raise TemplateError(f"{{{name}}} is not a value of this stage")
        value = _as_bytes(values[name])
        if filters:
            value = _chain(name, filters, template)(value)
        out += value
    out += template[position:].encode("utf-8")
    return bytes(out)


def render_text(template: str, values: Mapping[str, Value]) -> str:
    """A rendered template as text, for places like a target or a header value; bytes map one to one."""
    return render(template, values).decode("latin-1")
