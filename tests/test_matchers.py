"""Unit tests for tester.matchers: each rule with a passing and a failing case, on plain values and bytes."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from tester import httpdate
from tester.http11 import ResponseReader
from tester.matchers import body, framing, headers, json_pattern, status
from tester.matchers.json_pattern import JsonPatternError, compare, describe, validate
from tester.matchers.json_text import JsonSyntaxError, dumps, format_path, parse

# --------------------------------------------------------------------------- status


@pytest.mark.parametrize("rule, code, allowed", [
    (404, 404, True), (404, 403, False), ("4xx", 404, True), ("4xx", 418, True), ("4xx", 500, False),
    ([403, 404], 404, True), ([403, 404], 200, False), ([403, "5xx"], 503, True), (["2xx", "3xx"], 404, False),
])
def test_status_rules(rule, code, allowed):
    assert status.allows(rule, code) is allowed


@pytest.mark.parametrize("rule, words", [
    (200, "status 200"), ([403, 404], "status 403 or 404"), ([403, 404, "5xx"], "status 403 or 404 (or any 5xx)"),
    ("4xx", "a 4xx status"), (["4xx", "5xx"], "a 4xx or 5xx status"), ([400, 404, 405], "status 400, 404 or 405"),
])
def test_status_rules_in_words(rule, words):
    assert status.describe(rule) == words


def test_a_single_code_is_the_exact_form():
    assert status.single(404) == 404 and status.single([404]) == 404
    assert status.single([403, 404]) is None and status.single("4xx") is None


# --------------------------------------------------------------------------- header token lists


def test_tokens_keep_their_offsets_and_skip_empty_items():
    assert headers.tokens("GET,  HEAD ,, post") == [("GET", 0), ("HEAD", 6), ("post", 14)]
    assert headers.tokens("") == []


def test_tokens_compare_as_sets_case_insensitively():
    assert headers.compare_tokens(headers.tokens("head, GET"), ["GET", "HEAD"]) is None
    assert headers.compare_tokens(headers.tokens("GET, GET, HEAD"), ["GET", "HEAD"]) is None


@pytest.mark.parametrize("value, found", [
    ('a="x,y", b', [('a="x,y"', 0), ("b", 9)]),  # a comma inside a quoted-string does not split
    ('a="x\\",y", b', [('a="x\\",y"', 0), ("b", 11)]),  # \" is a quoted-pair: the string goes on
    ('a="open, b', [('a="open, b', 0)]),  # an unclosed quote runs to the end
    ('x\\, y', [("x\\", 0), ("y", 4)]),  # a backslash outside quotes is plain
])
def test_tokens_keep_quoted_strings_whole(value, found):
    assert headers.tokens(value) == found


def test_token_differences_name_missing_and_extra():
    difference = headers.compare_tokens(headers.tokens("GET, POST"), ["GET", "HEAD"])
    assert difference.missing == ["HEAD"] and difference.extra == [("POST", 5)]


def test_optional_tokens_may_be_there_or_not():
    assert headers.compare_tokens(headers.tokens("GET, POST"), ["GET", "POST"], ["HEAD", "OPTIONS"]) is None
    assert headers.compare_tokens(headers.tokens("get, HEAD, POST"), ["GET", "POST"], ["HEAD"]) is None
    difference = headers.compare_tokens(headers.tokens("GET, HEAD, PATCH"), ["GET", "POST"], ["HEAD"])
    assert difference.missing == ["POST"] and difference.extra == [("PATCH", 11)]


# --------------------------------------------------------------------------- HTTP dates


def test_an_imf_fixdate_passes():
    assert httpdate.problem("Sun, 06 Nov 1994 08:49:37 GMT") is None
    assert httpdate.problem("Thu, 29 Feb 2024 23:59:60 GMT") is None  # a leap day, a leap second


@pytest.mark.parametrize("value, offset, words", [
    ("Sunday, 06-Nov-94 08:49:37 GMT", 3, "','"),  # RFC 850
    ("Sun Nov  6 08:49:37 1994", 3, "','"),  # asctime
    ("Sun, 6 Nov 1994 08:49:37 GMT", 6, "two digits"),
    ("Sun, 06 nov 1994 08:49:37 GMT", 8, "a month name"),
    ("Sun, 06 Nov 1994 08:49:37 +0000", 26, "GMT"),
    ("Sun, 06 Nov 1994 08:49:37 UTC", 26, "GMT"),
    ("Sun, 06 Nov 1994 08:49:37 GMT ", 29, "follows the date"),
    ("Sun, 06 Nov 1994 08:49", 22, "the end of the value"),
    ("Mon, 06 Nov 1994 08:49:37 GMT", 0, "06 Nov 1994 is a Sunday, not a Monday"),
    ("Sun, 31 Feb 1994 08:49:37 GMT", 5, "not a day of the calendar"),
    ("Sun, 06 Nov 1994 24:00:00 GMT", 17, "hour 24 is more than 23"),
    ("", 0, "a day name"),
])
def test_a_wrong_date_is_named_at_its_first_wrong_character(value, offset, words):
    problem = httpdate.problem(value)
    assert problem is not None and problem.offset == offset and words in problem.problem, problem


# --------------------------------------------------------------------------- body contents


def test_contains_and_excludes():
    assert body.first_missing(b"<h1>Hi</h1>", [b"<h1>", b"Hi"]) is None
    assert body.first_missing(b"<h1>Hi</h1>", [b"<h1>", b"Bye"]) == b"Bye"
    assert body.first_forbidden(b"public", [b"secret"]) is None
    assert body.first_forbidden(b"a secret and a key", [b"key", b"secret"]) == (b"secret", 2)


def test_a_near_miss_is_found():
    assert body.nearest(b'{"name": "apple"}', b"apples") == 15
    assert body.nearest(b"nothing alike", b"xyz123") is None


# --------------------------------------------------------------------------- framing


def _response(data: bytes, method: str = "GET"):
    reader = ResponseReader()
    reader.expect_response_to(method)
    reader.feed(data)
    reader.feed_eof()
    return reader.next_response()


def test_framing_as_read_and_as_declared_by_a_bodiless_response():
    assert framing.actual(_response(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx")) == "content-length"
    assert framing.actual(_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")) == "chunked"
    assert framing.actual(_response(b"HTTP/1.1 200 OK\r\n\r\nx")) == "close"
    head = _response(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", "HEAD")
    assert head.framing == "none" and framing.actual(head) == "content-length"


@pytest.mark.parametrize("data, method", [
    (b"HTTP/1.1 204 No Content\r\n\r\n", "GET"),
    (b"HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n", "GET"),
    (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n", "HEAD"),
])
def test_a_bodiless_response_that_declares_nothing_has_no_framing_not_close(data, method):
    response = _response(data, method)
    assert response.framing == "none" and framing.actual(response) is None


def test_framing_rules_in_words():
    assert framing.describe(["content-length", "chunked"]).startswith("Content-Length or chunked")


# --------------------------------------------------------------------------- the JSON reader


def test_json_values_and_where_they_start():
    parsed = parse(b'{"a": [1, 2.5, {"b c": null}], "d": "x\\u00e9\\ud83d\\ude00", "e": true}')
    assert parsed.value == {"a": [1, 2.5, {"b c": None}], "d": "xé😀", "e": True}
    assert parsed.starts[("a", 2, "b c")] == 23 and parsed.starts[("d",)] == 36
    assert isinstance(parsed.value["a"][0], int) and isinstance(parsed.value["a"][1], float)
    assert parsed.offset_of(("a", 2, "missing")) == 15


@pytest.mark.parametrize("data, offset, words", [
    (b"", 0, "the body is empty"),
    (b"  \r\n", 4, "only whitespace"),
    (b'{"a": 1,}', 8, "a comma before '}'"),
    (b"[1, 2,]", 6, "a comma before ']'"),
    (b"{a: 1}", 1, "where a key should start"),
    (b"{'a': 1}", 1, "a key in single quotes"),
    (b"'text'", 0, "a string in single quotes"),
    (b"[True]", 1, "cannot start a JSON value"),
    (b"nul", 3, "null is misspelt"),
    (b"[01]", 2, "leading zero"),
    (b"1.", 2, "cut short"),
    (b"NaN", 0, "cannot start a JSON value"),
    (b'{"a": 1} {"b": 2}', 9, "more bytes follow"),
    (b'"caf\xe9"', 4, "not UTF-8"),
    (b'"a\nb"', 2, "a control byte"),
    (b'"a\\qb"', 3, "an unknown escape"),
    (b'"\\u12"', 5, "four hex digits"),
    (b'{"a": 1, "a": 2}', 9, "appears twice in one object (RFC 8259 §4: names SHOULD be unique"),
    (b'{"a" 1}', 5, "after a key"),
    (b"[1 2]", 3, "after a list item"),
    (b'"open', 5, "not closed"),
    (b"[" * 300, 201, "nested more than"),
])
def test_json_syntax_errors_point_at_the_first_wrong_byte(data, offset, words):
    with pytest.raises(JsonSyntaxError) as caught:
        parse(data)
    assert caught.value.offset == offset and words in caught.value.problem, caught.value.problem
    assert caught.value.expected


def test_a_duplicate_key_is_told_apart_from_a_syntax_error():
    with pytest.raises(JsonSyntaxError) as caught:
        parse(b'{"id": 1, "id": 2}')
    assert caught.value.duplicate and "receivers disagree on which value counts" in caught.value.problem
    with pytest.raises(JsonSyntaxError) as caught:
        parse(b'{"id": 1,}')
    assert not caught.value.duplicate


def test_numbers_too_long_or_too_large_are_kept_exact_not_a_crash():
    digits = b"1" * 5000  # more digits than int() converts (a plain ValueError before)
    parsed = parse(b"[" + digits + b", -" + digits + b", 1e400, 1.5]")
    assert parsed.value == [Decimal(digits.decode()), Decimal("-" + digits.decode()), Decimal("1e400"), 1.5]
    assert dumps(parsed.value) == "[" + digits.decode() + ",-" + digits.decode() + ",1E+400,1.5]"
    assert dumps({"a": [Decimal("1e400")]}, compact=False) == '{"a": [1E+400]}'
    assert compare({"$any": "integer"}, parsed.value[0], {}) is None
    assert compare(int(digits[:100]), parsed.value[0], {}) is not None
    assert "got a number: 1111" in compare({"$any": "string"}, parsed.value[0], {}).problem
    assert compare({"$is": "1e400"}, parsed.value[2], {}) is None


def test_json_paths_are_written_as_people_write_them():
    assert format_path(()) == "$"
    assert format_path(("items", 2, "name")) == "$.items[2].name"
    assert format_path(("odd key", 'q"')) == '$["odd key"]["q\\""]'


# --------------------------------------------------------------------------- JSON patterns: validation


@pytest.mark.parametrize("pattern", [
    {"a": 1, "b": [True, None, 2.5, "{x}"]}, {"$any": "integer"}, {"$match": "[0-9]+"}, {"$unordered": [1, "{x}"]},
    {"$is": "{x}"}, {"$partial": {"a": {"$any": "value"}}}, {"$$ref": "#/a"}, [], {}, "text", None,
    {"$not": {"$is": "{x}"}}, {"$not": [1, 2]}, {"$number": "{x}"}, {"$all": [{"$any": "integer"}, 3]},
])
def test_valid_patterns(pattern):
    validate(pattern)


@pytest.mark.parametrize("pattern, words, fix", [
    ({"$anyy": "integer"}, "unknown matcher '$anyy'", "did you mean '$any'?"),
    ({"$any": "int"}, "$any takes a type name, not 'int'", "did you mean integer?"),
    ({"a": [{"$match": "("}]}, "at $.a[0]: $match: '(' is not a valid regular expression", "single quotes"),
    ({"$match": 3}, "$match takes a regular expression", "quotes"),
    ({"$any": "string", "x": 1}, "the matcher '$any' stands alone, but the object also has 'x'", "$partial"),
    ({"$unordered": {"a": 1}}, "$unordered takes a list", "[a, b, c]"),
    ({"$is": 3}, "$is takes a template", '"{id}"'),
    ({"$partial": [1]}, "$partial takes an object", "{$partial: {name: x}}"),
    ({"a": "{nope"}, "at $.a: unmatched '{'", "{{"),
    ({"$not": {"$anyy": "integer"}}, "unknown matcher '$anyy'", "did you mean '$any'?"),
    ({"$number": 3}, "$number takes a template", '"{qty}"'),
    ({"$all": []}, "$all takes a list of patterns", "{$all: ["),
    ({"$all": [{"$match": "("}]}, "not a valid regular expression", "single quotes"),
    ({1: "x"}, "the key 1 is not text", 'put it in quotes, "1"'),
    (float("nan"), "not a JSON number", "NaN"),
    ({"when": datetime.date(2024, 5, 1)}, "YAML reads 2024-05-01 as a date", '"2024-05-01"'),
])
def test_invalid_patterns_say_where_and_how_to_fix(pattern, words, fix):
    with pytest.raises(JsonPatternError) as caught:
        validate(pattern)
    assert words in str(caught.value) and fix in caught.value.fix, (str(caught.value), caught.value.fix)
    assert isinstance(caught.value, ValueError)


def test_templates_of_a_pattern():
    found = list(json_pattern.templates({"a": "{x}", "b": [{"$is": "{y}"}], "c": {"$match": "{z}"},
                                         "d": {"$unordered": ["{w}"]}, "e": {"$not": {"$is": "{v}"}}}))
    assert found == [(("a",), "{x}"), (("b", 0), "{y}"), (("d", 0), "{w}"), (("e",), "{v}")]


# --------------------------------------------------------------------------- JSON patterns: comparison

VALUES = {"id": "3", "name": "pear"}


@pytest.mark.parametrize("pattern, actual", [
    ({"a": 1, "b": [1, 2]}, {"b": [1, 2], "a": 1.0}),  # key order free, 1 is 1.0
    ({"name": "{name}"}, {"name": "pear"}),
    ({"$any": "integer"}, 7), ({"$any": "number"}, 7.5),
    ({"$any": "integer"}, 1.0), ({"$any": "integer"}, 100.0), ({"$any": "integer"}, -0.0),  # 1.0, 1e2: integral
    ({"$is": "3"}, 3.0), ({"$is": "100.0"}, 100), ({"$is": "1e2"}, 100), ({"$is": "{id}"}, 3.0),  # by value
    ({"$any": "string"}, ""), ({"$any": "boolean"}, False),
    ({"$any": "object"}, {}), ({"$any": "array"}, []), ({"$any": "null"}, None), ({"$any": "value"}, [1]),
    ({"$match": "[0-9]{4}-[0-9]{2}"}, "2024-05"),
    ({"$unordered": [1, 2, 3]}, [3, 1, 2]),
    ({"$unordered": [{"$any": "string"}, "a"]}, ["a", "b"]),  # pairs found whatever the order of trying
    ({"$is": "{id}"}, 3), ({"$is": "{id}"}, "3"), ({"$is": "{name}"}, "pear"),
    ({"$partial": {"a": 1}}, {"a": 1, "b": 2}),
    ({"$$ref": "x"}, {"$ref": "x"}),
    (None, None), (True, True),
    ({"$not": {"$is": "{id}"}}, 4), ({"$not": {"$is": "{id}"}}, "4"), ({"$not": 3}, "3"),
    ({"$not": {"$not": {"$any": "integer"}}}, 2),
    ({"$number": "{id}"}, 3), ({"$number": "{id}"}, 3.0), ({"$number": "1e2"}, 100),
    ({"$all": [{"$any": "integer"}, {"$not": {"$number": "{id}"}}]}, 4),
    ({"id": {"$not": {"$is": "{id}"}}, "name": "{name}"}, {"id": 7, "name": "pear"}),
])
def test_matching_json(pattern, actual):
    assert compare(pattern, actual, VALUES) is None


@pytest.mark.parametrize("pattern, actual, where, words", [
    ({"a": 1}, {"a": "1"}, "$.a", 'expected 1, got "1" (a string, not a number)'),
    ({"a": 1}, {}, "$", 'the object has no key "a" (expected "a": 1), it has no keys'),
    ({"a": 1}, {"a": 1, "z": 2}, "$.z", 'the object has a key "z" (2) that is not expected; expected only "a"'),
    ({"items": [{"name": "{name}"}]}, {"items": [{"name": "apple"}]}, "$.items[0].name",
     'expected "pear", got "apple"'),
    ([1, 2], [1], "$", "expected a list of 2 items, got 1 item: [1]"),
    ([1], {"a": 1}, "$", "expected a list, got an object"),
    ({"a": 1}, [1], "$", "expected an object, got a list"),
    (True, 1, "$", "expected true, got 1 (a number, not a boolean)"),
    (1, True, "$", "expected 1, got true"),
    (None, 0, "$", "expected null, got 0"),
    ({"$any": "integer"}, 1.5, "$", "expected an integer, got a number: 1.5"),
    ({"$any": "number"}, "7", "$", 'expected a number, got a string: "7"'),
    ({"$any": "boolean"}, 0, "$", "expected true or false, got a number: 0"),
    ({"$match": "[0-9]+"}, "a1", "$", "\"a1\" does not match the pattern '[0-9]+' (as a whole)"),
    ({"$match": "[0-9]+"}, 12, "$", "expected a string matching '[0-9]+', got a number"),
    ({"$unordered": [1, 2, 3]}, [3, 1], "$", "expected a list of 3 items in any order, got 2 items"),
    ({"$unordered": [1, 2, 3]}, [3, 1, 4], "$[2]", "expected 2, got 4; the list may be in any order"),
    ({"$unordered": [{"n": 1}, {"n": 2}]}, [{"n": 2}, {"n": 3}], "$[1].n", "expected 1, got 3"),
    ({"$unordered": [1, 2, 3]}, [4, 5, 1], "$[0]", "4 matches none of the expected items not yet matched (2, 3)"),
    ({"$is": "{id}"}, 4, "$", "expected 3 (as JSON text, or as a string), got 4"),
    ({"$is": "{id}"}, "3.0", "$", 'expected 3 (as JSON text, or as a string), got "3.0"'),  # a string: as text
    ({"$is": " 3"}, 3, "$", "got 3"),  # not exactly a JSON number
    ({"$is": "true"}, 1, "$", "got 1"),
    ({"$any": "integer"}, 1e-7, "$", "expected an integer, got a number"),
    ({"$partial": {"a": 1}}, {"b": 2}, "$", 'the object has no key "a" (expected "a": 1), it has "b"'),
    ({"$partial": {"a": 1}}, "a", "$", "expected an object, got a string"),
    ({"$not": {"$is": "{id}"}}, 3, "$", "expected anything but <'3', as a string or JSON>, got 3"),
    ({"a": {"$not": {"$any": "string"}}}, {"a": "x"}, "$.a", 'expected anything but <a string>, got "x"'),
    ({"$number": "{id}"}, "3", "$", 'expected the number 3, got "3" (a string, not a number)'),
    ({"$number": "{id}"}, 4, "$", "expected the number 3, got 4"),
    ({"$all": [{"$any": "integer"}, {"$not": {"$number": "{id}"}}]}, 3, "$", "expected anything but 3, got 3"),
    ({"$all": [{"$any": "integer"}, {"$not": {"$number": "{id}"}}]}, "4", "$", 'expected an integer, got a string'),
    ({"$number": "{name}"}, 3, "$", "the pattern wants the number 'pear', which is not a JSON number"),
])
def test_a_json_mismatch_names_the_path_and_both_sides(pattern, actual, where, words):
    mismatch = compare(pattern, actual, VALUES)
    assert mismatch is not None and mismatch.where == where and words in mismatch.problem, mismatch


def test_a_pattern_in_words():
    shown = describe({"a": {"$any": "integer"}, "b": {"$unordered": [1, "{name}"]}, "c": "{id}",
                      "d": {"$match": "x+"}, "e": {"$partial": {"f": 1}}, "g": {"$is": "{id}"}}, VALUES)
    assert shown == ('{"a": <an integer>, "b": <in any order: [1, "pear"]>, "c": "3", '
                     "\"d\": <a string matching 'x+'>, \"e\": <at least: {\"f\": 1}>, \"g\": <'3', as a string or "
                     "JSON>}")
    assert describe({"long": "x" * 500}, VALUES).endswith("…")
