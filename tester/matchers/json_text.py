"""A strict JSON reader that remembers where each value starts in the bytes.

Python's json module reads JSON well but forgets positions, and a learner's wrong JSON body is fixed
fastest with a caret: at the first byte that is not JSON, or at the value that differs from the expected
one. This reader accepts exactly RFC 8259 (no NaN, no trailing commas, no single quotes, UTF-8 only)
and records, for every value, the byte offset where it starts, by JSON path. It also refuses a key twice
in one object: RFC 8259 §4 only says names SHOULD be unique, but receivers disagree on which value
counts, so such a body means different things to different clients (the error says so, `duplicate`).

Numbers are int or float, as Python's json module gives them; a number Python cannot hold as either (an
integer of more digits than int() converts, a magnitude beyond a float's range) is a Decimal, exact.
dumps() writes any parsed value back as JSON text, Decimals included.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NoReturn

MAX_DEPTH = 200

_NUMBER = re.compile(rb"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_WHITESPACE = b" \t\r\n"
_ESCAPES = {ord('"'): '"', ord("\\"): "\\", ord("/"): "/", ord("b"): "\b", ord("f"): "\f", ord("n"): "\n",
            ord("r"): "\r", ord("t"): "\t"}
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

Path = tuple  # of str (object keys) and int (list indices)


class JsonSyntaxError(ValueError):
    """Not JSON: `offset` is the first wrong byte, `expected` says in words what should be there."""

    def __init__(self, problem: str, offset: int, expected: str, duplicate: bool = False):
        super().__init__(problem)
        self.problem = problem
        self.offset = offset
        self.expected = expected
        self.duplicate = duplicate  # the bytes are JSON text, but a key appears twice in one object


@dataclass
class Parsed:
    value: Any
    starts: dict[Path, int] = field(default_factory=dict)  # path -> offset of the value's first byte

    def offset_of(self, path: Path) -> int:
        """Where the value at `path` starts, or its nearest ancestor that exists."""
        while path not in self.starts and path:
            path = path[:-1]
        return self.starts.get(path, 0)


def format_path(path: Path) -> str:
    """$.items[2].name, with ["odd key"] for keys that are not plain names."""
    text = "$"
    for step in path:
        if isinstance(step, int):
            text += f"[{step}]"
        elif _IDENTIFIER.fullmatch(step):
            text += f".{step}"
        else:
            text += "[" + _quote(step) + "]"
    return text


def dumps(value: Any, compact: bool = True) -> str:
    """A parsed value as JSON text (non-ASCII kept as it is), compact (`{"a":1}`) or spaced (`{"a": 1}`)."""
    item, key = (",", ":") if compact else (", ", ": ")
    try:
        return json.dumps(value, ensure_ascii=False, separators=(item, key))
    except TypeError:  # a Decimal somewhere: json.dumps cannot write one as a number
        pass
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return "{" + item.join(json.dumps(name, ensure_ascii=False) + key + dumps(member, compact)
                               for name, member in value.items()) + "}"
    if isinstance(value, list):
        return "[" + item.join(dumps(member, compact) for member in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse(data: bytes) -> Parsed:
    """The JSON value in `data` with where each part starts; JsonSyntaxError at the first wrong byte."""
    if not data:
        raise JsonSyntaxError("the body is empty", 0, "a JSON value")
    reader = _Reader(bytes(data))
    reader.skip_space()
    if reader.at == len(data):
        raise JsonSyntaxError("the body holds only whitespace", reader.at, "a JSON value")
    value = reader.value((), 0)
    reader.skip_space()
    if reader.at != len(data):
        raise JsonSyntaxError("more bytes follow the JSON value", reader.at, "nothing after the one JSON value")
    return Parsed(value, reader.starts)


class _Reader:
    def __init__(self, data: bytes):
        self.data = data
        self.at = 0
        self.starts: dict[Path, int] = {}

    def fail(self, problem: str, expected: str, at: int | None = None) -> NoReturn:
        raise JsonSyntaxError(problem, self.at if at is None else at, expected)

    def peek(self) -> int | None:
        return self.data[self.at] if self.at < len(self.data) else None

    def skip_space(self) -> None:
        while self.at < len(self.data) and self.data[self.at] in _WHITESPACE:
            self.at += 1

    def value(self, path: Path, depth: int) -> Any:
        if depth > MAX_DEPTH:
            self.fail(f"the JSON is nested more than {MAX_DEPTH} levels deep", "a shallower value")
        self.starts[path] = self.at
        byte = self.peek()
        if byte is None:
            self.fail("the body ends where a value should follow", "a JSON value")
        if byte == ord("{"):
            return self.object(path, depth)
        if byte == ord("["):
            return self.array(path, depth)
        if byte == ord('"'):
            return self.string()
        if byte == ord("-") or ord("0") <= byte <= ord("9"):
            return self.number()
        for word, meaning in ((b"true", True), (b"false", False), (b"null", None)):
            if byte == word[0]:
                return self.literal(word, meaning)
        if byte == ord("'"):
            self.fail("a string in single quotes", "a string in double quotes: JSON has no single quotes")
        self.fail(f"{_show(byte)} cannot start a JSON value",
                  "a value: an object, a list, a string in double quotes, a number, true, false or null")

    def literal(self, word: bytes, meaning: Any) -> Any:
        for expected in word:
            if self.peek() != expected:
                self.fail(f"{word.decode()} is misspelt", f"'{word.decode()}' (JSON's literals are lowercase)")
            self.at += 1
        return meaning

    def number(self) -> int | float:
        match = _NUMBER.match(self.data, self.at)
        if match is None:
            self.fail("a '-' without digits after it", "a digit after the minus sign")
        text = match.group(0)
        end = match.end()
        following = self.data[end:end + 1]
        if following == b"." or following in (b"e", b"E"):
            self.fail("a number is cut short", "a digit after the '.' or exponent", end + 1)
        if text.lstrip(b"-").startswith(b"0") and following.isdigit():
            self.fail("a number has a leading zero", "no leading zeros: 7, not 07", end)
        self.at = end
        if b"." in text or b"e" in text or b"E" in text:
            number = float(text)
            return Decimal(text.decode("ascii")) if math.isinf(number) else number  # 1e400: beyond a float
        try:
            return int(text)
        except ValueError:  # more digits than int() converts (sys.get_int_max_str_digits): keep it exact
            return Decimal(text.decode("ascii"))

    def string(self) -> str:
        self.at += 1  # the opening quote
        parts: list[str] = []
        start = self.at
        while True:
            if self.at >= len(self.data):
                self.fail("a string is not closed", "a closing '\"' before the body ends")
            byte = self.data[self.at]
            if byte == ord('"') or byte == ord("\\") or byte < 0x20:
                parts.append(self.utf8(start, self.at))
                if byte == ord('"'):
                    self.at += 1
                    return "".join(parts)
                if byte < 0x20:
                    self.fail(f"a control byte ({_show(byte)}) inside a string",
                              "escapes such as \\n for control characters inside strings")
                parts.append(self.escape())
                start = self.at
            else:
                self.at += 1

    def utf8(self, start: int, end: int) -> str:
        try:
            return self.data[start:end].decode("utf-8")
        except UnicodeDecodeError as error:
            self.fail("a string holds bytes that are not UTF-8", "text encoded as UTF-8", start + error.start)

    def escape(self) -> str:
        self.at += 1  # the backslash
        byte = self.peek()
        if byte in _ESCAPES:
            self.at += 1
            return _ESCAPES[byte]
        if byte == ord("u"):
            code = self.hex4()
            if 0xD800 <= code < 0xDC00 and self.data[self.at:self.at + 2] == b"\\u":
                mark = self.at
                self.at += 1
                low = self.hex4()
                if 0xDC00 <= low < 0xE000:
                    return chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00))
                self.at = mark
            return chr(code)
        self.fail("an unknown escape in a string", "one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX")

    def hex4(self) -> int:
        self.at += 1  # the u
        digits = self.data[self.at:self.at + 4]
        for index in range(4):
            if index >= len(digits) or chr(digits[index]) not in "0123456789abcdefABCDEF":
                self.fail("a \\u escape without four hex digits", "four hexadecimal digits after \\u",
                          self.at + index)
        self.at += 4
        return int(digits, 16)

    def array(self, path: Path, depth: int) -> list:
        self.at += 1
        items: list = []
        self.skip_space()
        if self.peek() == ord("]"):
            self.at += 1
            return items
        while True:
            self.skip_space()
            if self.peek() == ord("]"):
                self.fail("a comma before ']'", "another item: JSON allows no comma after the last item")
            items.append(self.value(path + (len(items),), depth + 1))
            self.skip_space()
            byte = self.peek()
            if byte == ord(","):
                self.at += 1
            elif byte == ord("]"):
                self.at += 1
                return items
            else:
                self.fail(self._found(byte, "after a list item"), "',' between items, or ']' to end the list")

    def object(self, path: Path, depth: int) -> dict:
        self.at += 1
        members: dict[str, Any] = {}
        self.skip_space()
        if self.peek() == ord("}"):
            self.at += 1
            return members
        while True:
            self.skip_space()
            key_at = self.at
            if self.peek() != ord('"'):
                if self.peek() == ord("'"):
                    self.fail("a key in single quotes", "a key in double quotes: JSON has no single quotes")
                if self.peek() == ord("}"):
                    self.fail("a comma before '}'", "another member: JSON allows no comma after the last one")
                self.fail(self._found(self.peek(), "where a key should start"),
                          "a key in double quotes (JSON keys are strings)")
            key = self.string()
            if key in members:
                raise JsonSyntaxError(f"the key {_quote(key)} appears twice in one object (RFC 8259 §4: names "
                                      "SHOULD be unique; receivers disagree on which value counts)",
                                      key_at, "each key once per object", duplicate=True)
            self.skip_space()
            if self.peek() != ord(":"):
                self.fail(self._found(self.peek(), "after a key"), "':' between the key and its value")
            self.at += 1
            self.skip_space()
            members[key] = self.value(path + (key,), depth + 1)
            self.skip_space()
            byte = self.peek()
            if byte == ord(","):
                self.at += 1
            elif byte == ord("}"):
                self.at += 1
                return members
            else:
                self.fail(self._found(byte, "after a member"), "',' between members, or '}' to end the object")

    @staticmethod
    def _found(byte: int | None, where: str) -> str:
        return f"the body ends {where}" if byte is None else f"{_show(byte)} {where}"


def _show(byte: int) -> str:
    if 0x20 < byte < 0x7F:
        return f"'{chr(byte)}'"
    return {0x20: "a space", 0x0A: "\\n", 0x0D: "\\r", 0x09: "a tab"}.get(byte, f"the byte 0x{byte:02x}")
