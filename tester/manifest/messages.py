"""Pydantic's validation errors in an instructor's words: what is wrong at a place, and how to fix it.

Pydantic names its errors by type (`int_parsing`, `literal_error`, ...) and speaks of Python inputs;
the instructor wrote YAML. Each error becomes a problem and a fix about the YAML. To do that the loader
needs to know what a place in the manifest is, so `follow` walks an error's location through the model
annotations: an unknown key is answered with keys valid at that very place (or with where the key does
belong), a number with an example the field accepts, a union with one message instead of one per member.
"""

from __future__ import annotations

import difflib
import re
import types
import unicodedata
from dataclasses import dataclass
from typing import Annotated, Any, Iterable, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from tester.manifest import models
from tester.matchers.json_pattern import JsonPatternError
from tester.templates import TemplateError

# A place in the manifest and what is wrong there: (path, problem, fix).
Said = tuple[tuple, str, str]

EXAMPLE_SLUG = "files-post"

# What each model is, for "does not belong in ...", and where its keys go, for "it is ...: put it ...".
NOUNS: dict[type, str] = {
    models.Course: "the top level of the file",
    models.Defaults: "defaults",
    models.Stage: "a stage",
    models.Step: "a step of requests",
    models.Request: "a request (send)",
    models.Expect: "an expectation (expect)",
    models.HeaderRule: "a header rule",
    models.Generated: "a generated value",
    models.Track: "a track",
}
HOMES: dict[type, tuple[str, str]] = {
    models.Course: ("a top-level key", "put it at the top of the file, beside `stages:`"),
    models.Defaults: ("a course default", "put it under `defaults:` at the top of the file"),
    models.Stage: ("a stage key", "put it in the stage, beside its `slug:`"),
    models.Step: ("a step key", "put it in an item of `requests:`, beside `send:` and `expect:`"),
    models.Request: ("a request key", "put it under the step's `send:`"),
    models.Expect: ("an expectation", "put it under the step's `expect:`"),
    models.HeaderRule: ("a header rule", "put it under a header name in `expect.headers`"),
    models.Generated: ("a generator parameter",
                       "write the value under `vars:` as a mapping, e.g. {generate: words, count: 3}"),
    models.Track: ("a track key", "put it in a track, an item of `tracks:`, beside its `slug:`"),
}

_TYPE_WORDS: dict[Any, str] = {int: "a whole number", float: "a number", bool: "true or false", str: "text",
                               list: "a list", dict: "a mapping"}
_TYPE_ERRORS = {"int_type", "int_parsing", "int_from_float", "float_type", "float_parsing", "bool_type",
                "bool_parsing", "string_type", "list_type", "dict_type", "model_type", "model_attributes_type"}


@dataclass(frozen=True)
class Spot:
    """Where a location leads in the models: the annotation reached, the last field passed on the way,
    the model the location ended in, and the index of the last union member tag in the location."""

    annotation: Any
    field: FieldInfo | None = None
    model: type[BaseModel] | None = None
    union_at: int | None = None


def manifest_keys(model) -> list[str]:
    """A model's keys as a manifest spells them: a field's alias where it has one (json, not json_value)."""
    return [field.alias or name for name, field in model.model_fields.items()]


def follow(root: type[BaseModel], loc: Iterable) -> Spot:
    annotation: Any = root
    field = None
    model = root
    union_at = None
    key_type: Any = None
    for position, step in enumerate(loc):
        current = _bare(annotation)
        if step == "[key]" and key_type is not None:
            annotation, key_type = key_type, None
        elif _is_union(current):
            members = [member for member in get_args(current) if member is not type(None)]
            named = [member for member in members if getattr(_bare(member), "__name__", None) == step]
            plain = [member for member in members if not _is_model(_bare(member))]
            annotation = (named or plain or members)[0]
            union_at = position
        elif _is_model(current):
            if step not in current.model_fields:
                break
            field = current.model_fields[step]
            annotation = field.annotation
            model = current
        elif get_origin(current) is dict:
            key_type, annotation = get_args(current) or (Any, Any)
        elif get_origin(current) in (list, tuple, set) and isinstance(step, int):
            annotation = (get_args(current) or (Any,))[0]
        else:
            break
        if _is_model(_bare(annotation)):
            model = _bare(annotation)
    return Spot(_bare(annotation), field, model, union_at)


def explain(root: type[BaseModel], error: ValidationError, elsewhere: Iterable[type[BaseModel]] = ()) -> list[Said]:
    """Every error of a validation in plain words; `elsewhere` are the models whose keys may be misplaced."""
    elsewhere = list(elsewhere)
    groups: dict[tuple, list[tuple[dict, Spot]]] = {}
    for detail in error.errors():
        loc = tuple(detail["loc"])
        spot = follow(root, loc)
        union = loc[:spot.union_at] if spot.union_at is not None else loc
        groups.setdefault((union, spot.union_at is not None), []).append((detail, spot))
    said: list[Said] = []
    statuses = {key: _status_place(root, key[0]) for key in groups}
    statuses = {key: place for key, place in statuses.items() if place is not None}
    for place in dict.fromkeys(statuses.values()):
        said.append(_status(place, [detail for key, at in statuses.items() if at == place
                                    for detail, _ in groups.pop(key)]))
    for (union, is_union), members in groups.items():
        deep = [(detail, spot) for detail, spot in members
                if not is_union or detail["type"] not in _TYPE_ERRORS or len(detail["loc"]) > len(union) + 1]
        if is_union and not deep:
            said.append(_union_mismatch(root, union, members[0][0].get("input")))
            continue
        for detail, spot in deep:
            said.append(_one(root, detail, spot, elsewhere))
    return said


def _one(root: type[BaseModel], detail: dict, spot: Spot, elsewhere: list[type[BaseModel]]) -> Said:
    loc = tuple(detail["loc"])
    kind = detail["type"]
    value = detail.get("input")
    context = detail.get("ctx") or {}
    key = loc[-1] if loc else ""
    if kind == "missing":
        parent = follow(root, loc[:-1]).model
        about = parent.model_fields[key].description if parent and key in parent.model_fields else None
        return loc[:-1], f"missing key '{key}'", f"add '{key}:' here" + (f" ({about})" if about else "")
    if kind == "extra_forbidden":
        return (loc,) + _unknown_key(str(key), follow(root, loc[:-1]).model, elsewhere)
    if kind in _TYPE_ERRORS:
        return loc, f"expected {_expected(spot.annotation, kind)}, got {_got(value)}", _type_fix(kind, value, spot)
    if kind == "string_pattern_mismatch":
        return (loc,) + _pattern(context.get("pattern"), value)
    if kind == "literal_error":
        return (loc,) + _literal(spot.annotation, context.get("expected"), value)
    if kind in _BOUNDS:
        problem, fix = _BOUNDS[kind]
        bound = _number(next(iter(context.values()), ""))
        example = _number(_example(spot.field, 3))
        return loc, problem.format(bound=bound, got=_got(value)), fix.format(bound=bound, example=example)
    if kind == "too_short" and spot.field is models.Track.model_fields["stages"]:
        return loc, "this track has no stages", "add its stages under `stages:`, or remove the track"
    if kind in ("too_short", "too_long", "string_too_short", "string_too_long"):
        return (loc,) + _length(kind, context)
    if kind == "value_error":
        cause = context.get("error")
        if isinstance(cause, (TemplateError, JsonPatternError)):
            return loc, str(cause), cause.fix
        message = detail["msg"].removeprefix("Value error, ")
        fix = next((fix for start, fix in _VALUE_FIXES if message.startswith(start)), "")
        return loc, message if isinstance(value, (dict, list)) else f"{message} (got {_got(value)})", fix
    message = detail["msg"][:1].lower() + detail["msg"][1:]
    return loc, f"{message} (got {_got(value)})", "see docs/authoring.md for what this key takes"


# Fixes for the models' own checks, by the start of their message.
_VALUE_FIXES = (
    ("not a valid regular expression", "check its brackets and escapes; in YAML, single quotes keep backslashes "
     "as written: '[0-9]+\\.txt'"),
    ("give one rule per header", "keep one rule here, and check the same header again with the other rule in the "
     "step's `also:` list, e.g. also: [{headers: {Allow: {tokens: [GET, HEAD]}}}]"),
    ("a header rule needs one of", "add one of them, e.g. {present: true}, or write the exact value as text"),
    ("date: false checks nothing", "remove `date: false`, or write `date: true`"),
    ("present: false says", "remove the other rule, or `present: false`"),
    ("give body (exact bytes) or json", "keep `json:` to compare by meaning, or `body:` to compare the bytes"),
)

STATUS_TAKES = "status takes a code (404), a class (4xx) or a list of them"


def _status_place(root: type[BaseModel], loc: tuple) -> tuple | None:
    """The place of an expectation's `status` that `loc` is in (the union tags after it dropped), or None."""
    for index in range(len(loc) - 1, -1, -1):
        if loc[index] == "status" and follow(root, loc[:index + 1]).field is models.Expect.model_fields["status"]:
            return loc[:index + 1]
    return None


def _status(place: tuple, details: list[dict]) -> Said:
    """One problem for a bad `status`, whichever member of its union pydantic tried last."""
    top = next((detail for detail in details if len(detail["loc"]) == len(place) + 1), details[0])
    value = top.get("input")
    if isinstance(value, list):
        if not value:
            return place, "an empty list of statuses allows none", "list the statuses that will do, e.g. [403, 404]"
        items = [detail for detail in details if len(detail["loc"]) > len(place) + 2]
        index = min((detail["loc"][len(place) + 1] for detail in items), default=0)
        return (place + (index,),) + _status_words(value[index] if index < len(value) else None)
    return (place,) + _status_words(value)


def _status_words(value: Any) -> tuple[str, str]:
    if isinstance(value, int) and not isinstance(value, bool):
        if value > 599:
            return f"must be at most 599, got {value} (a status code is 100 to 599)", "use 599 or less, e.g. 404"
        return f"must be at least 100, got {value} (a status code is 100 to 599)", "use 100 or more, e.g. 404"
    if isinstance(value, float):
        return f"{STATUS_TAKES}, got {_got(value)}", "write a whole number, e.g. 404"
    if isinstance(value, str) and re.fullmatch(r"[0-9][0-9xX]{2}", value.strip()):
        return f"{STATUS_TAKES}, got {_got(value)}", "a class is a digit from 1 to 5 and then xx, in small " \
            "letters: 2xx, 3xx, 4xx or 5xx"
    if isinstance(value, str):
        return f"{STATUS_TAKES}, got {_got(value)}", "write a number without quotes, e.g. 404, or a class such as 4xx"
    return f"{STATUS_TAKES}, got {_got(value)}", "write a code (404), a class (4xx), or a list such as [403, 404]"


def _literal(annotation: Any, expected: str | None, value: Any) -> tuple[str, str]:
    choices = [str(choice) for choice in get_args(annotation)] if get_origin(annotation) is Literal else []
    close = difflib.get_close_matches(str(value), choices, n=1)
    fix = f"write one of: {', '.join(choices)}" if choices else "see docs/authoring.md for the values"
    return f"expected {expected or 'one of the listed values'}, got {_got(value)}", \
        (f"did you mean '{close[0]}'? " if close else "") + fix


def _unknown_key(key: str, here: type[BaseModel] | None, elsewhere: list[type[BaseModel]]) -> tuple[str, str]:
    valid = manifest_keys(here) if here else []
    noun = noun_of(here) if here else "here"
    homes = [model for model in elsewhere if model is not here and key in manifest_keys(model)]
    if homes:
        places = [_home(model) for model in homes if not _probe_kind(model)]
        kinds = [_probe_kind(model) for model in homes if _probe_kind(model)]
        if kinds and len(kinds) == len([model for model in elsewhere if _probe_kind(model)]):
            places.append(("a probe key", "put it in a probe, an item of the stage's `probes:`"))
        elif len(kinds) == 1:
            places.append(_home(next(model for model in homes if _probe_kind(model))))
        elif kinds:
            quoted = [f"'{kind}'" for kind in kinds]
            names = ", ".join(quoted[:-1]) + " and " + quoted[-1]
            places.append((f"a parameter of the {names} probe kinds", "put it in a probe of one of those kinds"))
        what = " or ".join(dict.fromkeys(what for what, _ in places))
        where = "; or ".join(dict.fromkeys(where for _, where in places))
        return f"'{key}' does not belong in {noun}: it is {what}", where
    close = difflib.get_close_matches(key, valid, n=1)
    if close:
        return f"unknown key '{key}'", f"did you mean '{close[0]}'?"
    return f"unknown key '{key}'", "remove it, or check its spelling" + (
        f"; {noun} takes: {', '.join(valid)}" if valid else " in docs/authoring.md")


def noun_of(model: type[BaseModel]) -> str:
    if model in NOUNS:
        return NOUNS[model]
    kind = _probe_kind(model)
    return f"a '{kind}' probe" if kind else f"a {model.__name__}"


def _home(model: type[BaseModel]) -> tuple[str, str]:
    if model in HOMES:
        return HOMES[model]
    kind = _probe_kind(model)
    if kind:
        return f"a parameter of the '{kind}' probe kind", f"put it in a probe with `kind: {kind}`"
    return f"a key of {model.__name__}", "see docs/authoring.md for where it goes"


def _probe_kind(model: type[BaseModel]) -> str | None:
    field = model.model_fields.get("kind")
    arguments = get_args(field.annotation) if field else ()
    return str(arguments[0]) if field and get_origin(field.annotation) is Literal and len(arguments) == 1 else None


def _union_mismatch(root: type[BaseModel], union: tuple, value: Any) -> Said:
    members = [_bare(member) for member in get_args(follow(root, union).annotation) if member is not type(None)]
    words = list(dict.fromkeys(_words(member) for member in members))
    expected = " or ".join(words)
    fix = _unquoted_template(value) if isinstance(value, dict) and str in members else None
    if fix is None:
        fix = _quote_fix(value) if str in members else f"write {expected}"
        for model in (member for member in members if _is_model(member)):
            fix += f", or write a mapping: {noun_of(model)} takes: {', '.join(manifest_keys(model))}"
    return union, f"expected {expected}, got {_got(value)}", fix


def _expected(annotation: Any, kind: str) -> str:
    by_kind = {"int": "a whole number", "float": "a number", "bool": "true or false", "string": "text",
               "list": "a list", "dict": "a mapping", "model": "a mapping"}
    return by_kind.get(kind.split("_")[0], _words(annotation))


def _type_fix(kind: str, value: Any, spot: Spot) -> str:
    if value is None:
        return "write a value after the colon, or remove the key"
    if kind.startswith("int"):
        example = _example(spot.field, 3)
        if kind == "int_from_float":
            return f"write a whole number, e.g. {example}"
        return f"write a number without quotes, e.g. {example}"
    if kind.startswith("float"):
        return f"write a number without quotes, e.g. {_number(_example(spot.field, 1.5))}"
    if kind.startswith("bool"):
        return "write true or false, without quotes"
    if kind == "string_type":
        return (_unquoted_template(value) if isinstance(value, dict) else None) or _quote_fix(value)
    if kind == "list_type":
        return "write the items under it, one '- item' line each, or on one line as [a, b]"
    model = spot.annotation if _is_model(spot.annotation) else None
    keys = f"; {noun_of(model)} takes: {', '.join(manifest_keys(model))}" if model else ""
    return "write 'key: value' lines indented under it, or {key: value} on one line" + keys


def _quote_fix(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return "write a single value; put it in quotes if it starts with { or ["
    text = {True: "true", False: "false"}.get(value, value) if isinstance(value, bool) else value
    return f'put it in quotes: "{text}"'


def _unquoted_template(value: dict) -> str | None:
    """`body: {text}` is a YAML mapping {text: null}, not a template: the usual cause of a mapping where text goes."""
    if len(value) == 1 and next(iter(value.values())) is None:
        return f'put the template in quotes: "{{{next(iter(value))}}}" (unquoted braces are a YAML mapping)'
    return None


_BOUNDS = {
    "greater_than": ("must be more than {bound}, got {got}", "use a number above {bound}, e.g. {example}"),
    "greater_than_equal": ("must be at least {bound}, got {got}", "use {bound} or more, e.g. {example}"),
    "less_than": ("must be less than {bound}, got {got}", "use a number below {bound}, e.g. {example}"),
    "less_than_equal": ("must be at most {bound}, got {got}", "use {bound} or less, e.g. {example}"),
}


def _length(kind: str, context: dict) -> tuple[str, str]:
    if kind == "string_too_short":
        return "must not be empty" if context.get("min_length") == 1 else \
            f"needs at least {context.get('min_length')} characters", "write the text after the colon"
    if kind == "string_too_long":
        return f"is longer than {context.get('max_length')} characters", "shorten it"
    if kind == "too_short":
        least = context.get("min_length", 1)
        actual = context.get("actual_length") or "none"
        return f"needs at least {least} item{'s' if least != 1 else ''}, got {actual}", \
            "add items under it, one '- item' line each"
    return f"has {context.get('actual_length')} items, at most {context.get('max_length')} are allowed", \
        "remove some of them"


def _pattern(pattern: str | None, value: Any) -> tuple[str, str]:
    text = str(value)
    if pattern == models.SLUG_PATTERN:
        return (f"the slug {text!r} is not valid: a slug is lowercase letters and digits, with single hyphens "
                "between words (no capitals, spaces or underscores, no hyphen at either end)",
                f"for example '{slug_like(text)}'")
    if pattern == models.METHOD_PATTERN:
        fix = f"write {text.upper()}" if text.isalpha() and text.isascii() else "e.g. GET or POST"
        return f"the method {text!r} must be capital letters only", fix
    return f"{text!r} does not have the form this key needs (the pattern {pattern})", \
        "see docs/authoring.md for what this key takes"


def slug_like(text: str) -> str:
    """A valid slug made from a bad one ('Stage One' -> 'stage-one'), or an example when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug or EXAMPLE_SLUG


def _example(field: FieldInfo | None, fallback: float) -> Any:
    """A value the field accepts: its default when that is a number, else its lower bound."""
    if field is None:
        return fallback
    if isinstance(field.default, (int, float)) and not isinstance(field.default, bool):
        return field.default
    for bound in field.metadata:
        if getattr(bound, "ge", None) is not None:
            return bound.ge
        if getattr(bound, "gt", None) is not None:
            return bound.gt + 1
    return fallback


def _number(value: Any) -> Any:
    """2.0 as 2: YAML takes either, and the shorter reads better in a message."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _words(annotation: Any) -> str:
    annotation = _bare(annotation)
    if _is_model(annotation):
        return "a mapping"
    return _TYPE_WORDS.get(get_origin(annotation) or annotation, "a value of another kind")


def _got(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _bare(annotation: Any) -> Any:
    """The annotation without Annotated metadata and without an Optional's None (pydantic tags neither)."""
    while True:
        if get_origin(annotation) is Annotated:
            annotation = get_args(annotation)[0]
        elif _is_union(annotation) and len([m for m in get_args(annotation) if m is not type(None)]) == 1:
            annotation = next(m for m in get_args(annotation) if m is not type(None))
        else:
            return annotation


def _is_union(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, types.UnionType)


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)
