"""JSON patterns: a JSON value in the manifest, with `$` matchers for the parts that may vary.

A pattern is compared with a parsed body by meaning: objects have exactly the pattern's keys, in any
order; lists have the pattern's items in its order; numbers compare by value (1 matches 1.0, JSON makes
no difference between them); strings are templates, rendered with the stage's values. An object whose
one key starts with `$` is a matcher instead:

    {$any: TYPE}          any value of that type: integer, number, string, boolean, object, array, null, value
                          (an integer is any number with an integral value: 1, 1.0 and 1e2 alike)
    {$match: REGEX}       a string the regular expression matches as a whole (the regex is not a template)
    {$unordered: [...]}   a list with these items in any order, as many as given
    {$is: TEMPLATE}       the rendered text, equal to the value's JSON text or to the string itself
                          ("3" matches 3 and "3": for values captured as text); when the text is a JSON
                          number and the value a number, they compare by value ("100.0" matches 100)
    {$partial: {...}}     an object with at least these keys (others may be there too)
    {$not: PATTERN}       any value the pattern does not match ({$not: {$is: "{old_id}"}}: not the old id)
    {$number: TEMPLATE}   a JSON number equal in value to the rendered text ("12" matches 12 and 12.0, not "12")
    {$all: [...]}         a value every pattern of the list matches ({$all: [{$any: integer}, {$not: ...}]})

A key `$$name` in a pattern object stands for the literal key `$name`. validate() runs at load time;
compare() says where a body first differs, by JSON path.
"""

from __future__ import annotations

import datetime
import difflib
import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Iterator, Mapping

from tester.errors import ValueWithFix
from tester.matchers import json_text
from tester.matchers.json_text import Path, format_path
from tester.templates import TemplateError, Value, names, render

TYPES = ("integer", "number", "string", "boolean", "object", "array", "null", "value")
MATCHERS = ("$any", "$match", "$unordered", "$is", "$partial", "$not", "$number", "$all")
SHOWN = 60  # characters of JSON text quoted in a message


class JsonPatternError(ValueWithFix):
    """A pattern uses an unknown or malformed matcher, or a value JSON does not have."""


@dataclass(frozen=True)
class Mismatch:
    """Where the body first differs from the pattern: the JSON path, and both sides there."""

    path: Path
    problem: str  # says what was expected and what came, without the path

    @property
    def where(self) -> str:
        return format_path(self.path)


# --------------------------------------------------------------------------- validation (load time)


def validate(pattern: Any, path: Path = ()) -> None:
    """Raise JsonPatternError if `pattern` is not a valid JSON pattern."""
    matcher = _matcher(pattern, path)
    if matcher is not None:
        name, argument = matcher
        _VALIDATORS[name](argument, path)
    elif isinstance(pattern, dict):
        for key, value in pattern.items():
            validate(value, path + (_literal_key(key),))
    elif isinstance(pattern, list):
        for index, item in enumerate(pattern):
            validate(item, path + (index,))
    elif isinstance(pattern, str):
        _template(pattern, path)
    elif isinstance(pattern, float) and not math.isfinite(pattern):
        raise _error(path, f"{pattern} is not a JSON number", "JSON has no NaN or infinity: use a number or null")
    elif isinstance(pattern, (datetime.date, datetime.time)):
        raise _error(path, f"YAML reads {pattern} as a date, not a JSON value",
                     f'put it in quotes to compare a string: "{pattern}"')
    elif not (pattern is None or isinstance(pattern, (bool, int, float))):
        raise _error(path, f"{type(pattern).__name__} is not a JSON value", "write an object, a list, a string, "
                     "a number, true, false or null")


def _matcher(pattern: Any, path: Path) -> tuple[str, Any] | None:
    """(name, argument) when `pattern` is a matcher object; raises for a malformed one."""
    if not isinstance(pattern, dict):
        return None
    for key in pattern:
        if not isinstance(key, str):
            raise _error(path, f"the key {key!r} is not text", f'JSON keys are strings: put it in quotes, "{key}"')
    special = [key for key in pattern if key.startswith("$") and not key.startswith("$$")]
    if not special:
        return None
    name = special[0]
    if name not in MATCHERS:
        close = difflib.get_close_matches(name, MATCHERS, n=1)
        raise _error(path, f"unknown matcher '{name}'", (f"did you mean '{close[0]}'? " if close else "")
                     + f"the matchers are {', '.join(MATCHERS)}; write $$ for a literal key that starts with $")
    if len(pattern) > 1:
        others = ", ".join(f"'{key}'" for key in pattern if key != name)
        raise _error(path, f"the matcher '{name}' stands alone, but the object also has {others}",
                     "write the matcher as an object of its own: {" + name + ": ...}; for an object with some "
                     "keys checked and others free, use {$partial: {...}}")
    return name, pattern[name]


def _check_any(argument: Any, path: Path) -> None:
    if argument not in TYPES:
        close = difflib.get_close_matches(str(argument), TYPES, n=1)
        raise _error(path, f"$any takes a type name, not {argument!r}",
                     (f"did you mean {close[0]}? " if close else "") + f"the types are {', '.join(TYPES)}")


def _check_match(argument: Any, path: Path) -> None:
    if not isinstance(argument, str):
        raise _error(path, "$match takes a regular expression (text)", "write it in quotes: {$match: '[0-9]+'}")
    try:
        re.compile(argument)
    except re.error as error:
        raise _error(path, f"$match: {argument!r} is not a valid regular expression: {error}",
                     "check its brackets and escapes; in YAML, single quotes keep backslashes: '\\d+'") from None


def _check_unordered(argument: Any, path: Path) -> None:
    if not isinstance(argument, list):
        raise _error(path, "$unordered takes a list of the expected items", "write {$unordered: [a, b, c]}")
    for index, item in enumerate(argument):
        validate(item, path + (index,))


def _template_argument(name: str, example: str) -> Callable[[Any, Path], None]:
    """The validator of a matcher whose argument is a template: $is, $number."""
    def check(argument: Any, path: Path) -> None:
        if not isinstance(argument, str):
            raise _error(path, f"{name} takes a template (text)", f'write it in quotes: {{{name}: "{example}"}}')
        _template(argument, path)
    return check


def _check_all(argument: Any, path: Path) -> None:
    if not isinstance(argument, list) or not argument:
        raise _error(path, "$all takes a list of patterns, every one of which must match",
                     "write {$all: [{$any: integer}, {$not: 0}]}")
    for item in argument:
        validate(item, path)


def _check_partial(argument: Any, path: Path) -> None:
    if not isinstance(argument, dict) or _matcher(argument, path) is not None:
        raise _error(path, "$partial takes an object: the keys that must be there", "write {$partial: {name: x}}")
    validate(argument, path)


_VALIDATORS: dict[str, Callable[[Any, Path], None]] = {
    "$any": _check_any, "$match": _check_match, "$unordered": _check_unordered,
    "$is": _template_argument("$is", "{id}"), "$partial": _check_partial, "$not": validate,
    "$number": _template_argument("$number", "{qty}"), "$all": _check_all,
}


def _template(text: str, path: Path) -> None:
    try:
        names(text)
    except TemplateError as error:
        raise _error(path, str(error), error.fix) from None


def _error(path: Path, problem: str, fix: str) -> JsonPatternError:
    return JsonPatternError(f"json pattern at {format_path(path)}: {problem}" if path else f"json pattern: {problem}",
                            fix)


def _literal_key(key: str) -> str:
    return key[1:] if key.startswith("$$") else key


def templates(pattern: Any, path: Path = ()) -> Iterator[tuple[Path, str]]:
    """(path in the pattern, template) for every template in it, so the loader can check the names used."""
    matcher = _matcher(pattern, path)
    if matcher is not None:
        name, argument = matcher
        if name in ("$is", "$number"):
            yield path, argument
        elif name in ("$unordered", "$partial", "$not"):
            yield from templates(argument, path)
        elif name == "$all":
            for item in argument:
                yield from templates(item, path)
    elif isinstance(pattern, dict):
        for key, value in pattern.items():
            yield from templates(value, path + (_literal_key(key),))
    elif isinstance(pattern, list):
        for index, item in enumerate(pattern):
            yield from templates(item, path + (index,))
    elif isinstance(pattern, str):
        yield path, pattern


# --------------------------------------------------------------------------- comparison (run time)


def compare(pattern: Any, actual: Any, values: Mapping[str, Value]) -> Mismatch | None:
    """The first place where `actual` (a parsed JSON value) does not match `pattern`, or None."""
    return _Comparer(values).match(pattern, actual, ())


def describe(pattern: Any, values: Mapping[str, Value], limit: int = 4 * SHOWN) -> str:
    """The pattern as a reader should see it: JSON text, templates rendered, matchers in words."""
    return _short(_Comparer(values).shown(pattern), limit)


class _Comparer:
    def __init__(self, values: Mapping[str, Value]):
        self.values = values

    def text(self, template: str) -> str:
        return render(template, self.values).decode("utf-8", "replace")

    def match(self, pattern: Any, actual: Any, path: Path) -> Mismatch | None:
        matcher = _matcher(pattern, path)
        if matcher is not None:
            name, argument = matcher
            return getattr(self, "match_" + name[1:])(argument, actual, path)
        if isinstance(pattern, dict):
            return self.object(pattern, actual, path, partial=False)
        if isinstance(pattern, list):
            return self.array(pattern, actual, path)
        wanted = self.text(pattern) if isinstance(pattern, str) else pattern
        if _same_scalar(wanted, actual):
            return None
        return Mismatch(path, f"expected {_short(wanted)}, got {_short(actual)}" + _kind_note(wanted, actual))

    def object(self, pattern: dict, actual: Any, path: Path, partial: bool) -> Mismatch | None:
        if not isinstance(actual, dict):
            return Mismatch(path, f"expected an object, got {_kind(actual)}: {_short(actual)}")
        wanted = {_literal_key(key): value for key, value in pattern.items()}
        for key, value in wanted.items():
            if key not in actual:
                return Mismatch(path, f"the object has no key {json.dumps(key)} (expected "
                                f"{json.dumps(key)}: {_short(self.shown(value))}), it has {_keys(actual)}")
            found = self.match(value, actual[key], path + (key,))
            if found is not None:
                return found
        extra = [key for key in actual if key not in wanted]
        if extra and not partial:
            key = extra[0]
            return Mismatch(path + (key,), f"the object has a key {json.dumps(key)} ({_short(actual[key])}) that is "
                            f"not expected; expected only {_keys(wanted)}")
        return None

    def array(self, pattern: list, actual: Any, path: Path) -> Mismatch | None:
        if not isinstance(actual, list):
            return Mismatch(path, f"expected a list, got {_kind(actual)}: {_short(actual)}")
        if len(actual) != len(pattern):
            return Mismatch(path, f"expected a list of {_items(len(pattern))}, got {_items(len(actual))}: "
                            f"{_short(actual)}")
        for index, (item, value) in enumerate(zip(pattern, actual)):
            found = self.match(item, value, path + (index,))
            if found is not None:
                return found
        return None

    def match_any(self, kind: str, actual: Any, path: Path) -> Mismatch | None:
        if _is_type(kind, actual):
            return None
        return Mismatch(path, f"expected {_TYPE_WORDS[kind]}, got {_kind(actual)}: {_short(actual)}")

    def match_match(self, regex: str, actual: Any, path: Path) -> Mismatch | None:
        if not isinstance(actual, str):
            return Mismatch(path, f"expected a string matching {regex!r}, got {_kind(actual)}: {_short(actual)}")
        if re.fullmatch(regex, actual):
            return None
        return Mismatch(path, f"{_short(actual)} does not match the pattern {regex!r} (as a whole)")

    def match_is(self, template: str, actual: Any, path: Path) -> Mismatch | None:
        wanted = self.text(template)
        if (isinstance(actual, str) and actual == wanted) or _json(actual) == wanted:
            return None
        if _is_number(actual) and _is_number(number := _number(wanted)) and number == actual:
            return None
        return Mismatch(path, f"expected {wanted[:SHOWN]} (as JSON text, or as a string), got {_short(actual)}")

    def match_all(self, patterns: list, actual: Any, path: Path) -> Mismatch | None:
        return next((found for found in (self.match(item, actual, path) for item in patterns) if found), None)

    def match_number(self, template: str, actual: Any, path: Path) -> Mismatch | None:
        wanted = self.text(template)
        number = _number(wanted)
        if number is None:
            return Mismatch(path, f"the pattern wants the number {wanted[:SHOWN]!r}, which is not a JSON number, "
                            "so nothing can match it")
        if _is_number(actual) and actual == number:
            return None
        return Mismatch(path, f"expected the number {wanted[:SHOWN]}, got {_short(actual)}" + _kind_note(number, actual))

    def match_not(self, pattern: Any, actual: Any, path: Path) -> Mismatch | None:
        if self.match(pattern, actual, path) is not None:
            return None
        return Mismatch(path, f"expected anything but {_short(self.shown(pattern))}, got {_short(actual)}")

    def match_partial(self, pattern: dict, actual: Any, path: Path) -> Mismatch | None:
        return self.object(pattern, actual, path, partial=True)

    def match_unordered(self, pattern: list, actual: Any, path: Path) -> Mismatch | None:
        if not isinstance(actual, list):
            return Mismatch(path, f"expected a list (in any order), got {_kind(actual)}: {_short(actual)}")
        if len(actual) != len(pattern):
            return Mismatch(path, f"expected a list of {_items(len(pattern))} in any order, got "
                            f"{_items(len(actual))}: {_short(actual)}")
        fits = [[self.match(item, value, path + (index,)) is None for index, value in enumerate(actual)]
                for item in pattern]
        partner = _pairing(fits)
        left = [index for index in range(len(actual)) if index not in partner.values()]
        if not left:
            return None
        lonely = [number for number in range(len(pattern)) if number not in partner]
        index = left[0]
        if len(left) == 1:  # one item to blame: say how it differs from the one expected item left
            inner = self.match(pattern[lonely[0]], actual[index], path + (index,))
            assert inner is not None
            return Mismatch(inner.path, f"{inner.problem}; the list may be in any order, and this is the one item "
                            "that matches none of the expected items")
        expected = ", ".join(_short(self.shown(pattern[number])) for number in lonely)
        return Mismatch(path + (index,), f"{_short(actual[index])} matches none of the expected items not yet "
                        f"matched ({expected}); the list may be in any order")

    def shown(self, pattern: Any) -> Any:
        """A JSON-able stand-in for the pattern: templates rendered, matchers as words in <...>."""
        matcher = _matcher(pattern, ())
        if matcher is not None:
            name, argument = matcher
            if name == "$any":
                return _Words(f"<{_TYPE_WORDS[argument]}>")
            if name == "$match":
                return _Words(f"<a string matching {argument!r}>")
            if name == "$is":
                return _Words(f"<{self.text(argument)!r}, as a string or JSON>")
            if name == "$number":
                return _Words(self.text(argument)) if _number(self.text(argument)) is not None \
                    else _Words(f"<the number {self.text(argument)!r}>")
            if name == "$unordered":
                return _Words(f"<in any order: {_short([self.shown(item) for item in argument])}>")
            if name == "$not":
                return _Words(f"<anything but {_short(self.shown(argument))}>")
            if name == "$all":
                return _Words("<" + " and ".join(_short(self.shown(item)).strip("<>") for item in argument) + ">")
            return _Words(f"<at least: {_short(self.shown(argument))}>")
        if isinstance(pattern, dict):
            return {_literal_key(key): self.shown(value) for key, value in pattern.items()}
        if isinstance(pattern, list):
            return [self.shown(item) for item in pattern]
        return self.text(pattern) if isinstance(pattern, str) else pattern


class _Words(str):
    """Shown as it is, not as a JSON string."""


def _pairing(fits: list[list[bool]]) -> dict[int, int]:
    """A largest pairing of pattern items with actual items that fit them (augmenting paths): pattern -> actual."""
    owner: dict[int, int] = {}  # actual index -> pattern index

    def place(item: int, seen: set[int]) -> bool:
        for index, fits_here in enumerate(fits[item]):
            if fits_here and index not in seen:
                seen.add(index)
                if index not in owner or place(owner[index], seen):
                    owner[index] = item
                    return True
        return False

    for item in range(len(fits)):
        place(item, set())
    return {item: index for index, item in owner.items()}


_TYPE_WORDS = {"integer": "an integer", "number": "a number", "string": "a string", "boolean": "true or false",
               "object": "an object", "array": "a list", "null": "null", "value": "any value"}


def _is_number(value: Any) -> bool:
    """A JSON number as parsed: int, float, or a Decimal for one too long or too large for them."""
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _is_integral(value: Any) -> bool:
    """RFC 8259 has one number type: 1, 1.0 and 1e2 are all integers by value."""
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return value.is_integer()
    return value.is_finite() and value == value.to_integral_value()


def _number(text: str) -> Any:
    """The number `text` is written as in JSON, or None when it is not exactly one JSON number."""
    if text != text.strip(" \t\r\n"):
        return None
    try:
        value = json_text.parse(text.encode("utf-8")).value
    except json_text.JsonSyntaxError:
        return None
    return value if _is_number(value) else None


def _is_type(kind: str, value: Any) -> bool:
    number = _is_number(value)
    return {
        "integer": number and _is_integral(value), "number": number, "string": isinstance(value, str),
        "boolean": isinstance(value, bool), "object": isinstance(value, dict), "array": isinstance(value, list),
        "null": value is None, "value": True,
    }[kind]


def _same_scalar(wanted: Any, actual: Any) -> bool:
    if isinstance(wanted, bool) or isinstance(actual, bool) or wanted is None or actual is None:
        return type(wanted) is type(actual) and wanted == actual
    if isinstance(wanted, (int, float)):
        return _is_number(actual) and wanted == actual
    return isinstance(actual, str) and wanted == actual


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if _is_number(value):
        return "a number"
    return {str: "a string", list: "a list", dict: "an object"}.get(type(value), "a value")


def _kind_note(wanted: Any, actual: Any) -> str:
    """' (a string, not a number)' when the two differ in kind, which is easy to miss in quoted text."""
    if _kind(wanted) == _kind(actual) or wanted is None or actual is None:
        return ""
    return f" ({_kind(actual)}, not {_kind(wanted)})"


def _json(value: Any) -> str:
    return json_text.dumps(value)


def _short(value: Any, limit: int = SHOWN) -> str:
    text = _render_json(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _render_json(value: Any) -> str:
    if isinstance(value, _Words):
        return value
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(key, ensure_ascii=False)}: {_render_json(item)}"
                               for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_render_json(item) for item in value) + "]"
    return json_text.dumps(value, compact=False)


def _keys(members: dict) -> str:
    if not members:
        return "no keys"
    return ", ".join(json.dumps(key, ensure_ascii=False) for key in members)


def _items(count: int) -> str:
    return f"{count} item" + ("" if count == 1 else "s")
