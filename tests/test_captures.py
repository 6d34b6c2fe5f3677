"""Captures: values taken from a response by header, JSON path or body regex, tested on byte strings."""

from __future__ import annotations

import re

import pytest

from tester.captures import PathError, parse_path, take
from tester.errors import StageFailure
from tester.http11 import Response, ResponseReader
from tester.manifest.models import Capture
from tester.matchers.json_text import format_path


def response(head: bytes, body: bytes = b"") -> Response:
    reader = ResponseReader()
    reader.feed(b"HTTP/1.1 200 OK\r\n" + head + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    found = reader.next_response()
    assert found is not None
    return found


def json_response(body: bytes) -> Response:
    return response(b"Content-Type: application/json\r\n", body)


def failure_of(found: Response, **capture) -> StageFailure:
    with pytest.raises(StageFailure) as caught:
        take(found, Capture(**capture), "item")
    return caught.value


# --------------------------------------------------------------------------- paths


@pytest.mark.parametrize("path,steps", [
    ("$", []),
    ("$.id", ["id"]),
    ("$.items[0].name", ["items", 0, "name"]),
    ("$[2]", [2]),
    ("$.a[-1]", ["a", -1]),
    ('$["key with space"].x', ["key with space", "x"]),
    ("$['dotted.key']", ["dotted.key"]),
    ('$["quote \\" inside"]', ['quote " inside']),
])
def test_paths_are_read_step_by_step(path, steps):
    assert parse_path(path) == steps


@pytest.mark.parametrize("path,words", [
    ("id", "starts with $"),
    ("$.", "character 1"),
    ("$.a[x]", "character 3 ('[x]')"),
    ("$..a", "character 1"),
    ("$a", "character 1"),
    ("$.a[1", "character 3"),
])
def test_a_malformed_path_says_where(path, words):
    with pytest.raises(PathError, match=re.escape(words)):
        parse_path(path)


def test_a_malformed_path_is_a_model_error():
    with pytest.raises(ValueError, match="goes wrong at character"):
        Capture.model_validate({"json": "$.a[x]"})


def test_shown_paths_read_back():
    for path in ("$.items[0].name", '$["key with space"]', "$[3]"):
        assert format_path(tuple(parse_path(path))) == path


# --------------------------------------------------------------------------- values


def test_a_header_value_is_taken_as_its_bytes():
    found = response(b"Location: /items/42\r\nX-Name: caf\xe9\r\n")
    assert take(found, Capture(header="location"), "item") == b"/items/42"
    assert take(found, Capture(header="X-Name"), "item") == b"caf\xe9"


def test_a_json_string_is_its_text_and_other_values_their_json_text():
    found = json_response(b'{"id": 42, "name": "pl\xc3\xbcm", "tags": ["a", "b"], "ok": true, "none": null, '
                          b'"nested": {"x": [1, {"y": "z"}]}}')
    assert take(found, Capture(json="$.name"), "v") == "plüm"
    assert take(found, Capture(json="$.id"), "v") == "42"
    assert take(found, Capture(json="$.tags"), "v") == '["a","b"]'
    assert take(found, Capture(json="$.ok"), "v") == "true"
    assert take(found, Capture(json="$.none"), "v") == "null"
    assert take(found, Capture(json="$.nested.x[1].y"), "v") == "z"
    assert take(found, Capture(json="$.tags[-1]"), "v") == "b"


def test_a_number_too_long_for_int_is_captured_as_its_exact_text():
    digits = b"1" * 5000  # more digits than Python's int() converts: the reader keeps it as a Decimal
    found = json_response(b'{"n": ' + digits + b', "big": 1e400, "list": [-' + digits + b"]}")
    assert take(found, Capture(json="$.n"), "v") == digits.decode()
    assert take(found, Capture(json="$.big"), "v") == "1E+400"
    assert take(found, Capture(json="$.list"), "v") == "[-" + digits.decode() + "]"
    assert "$.n is a number, not an object" in failure_of(found, json="$.n.x").message


def test_a_body_regex_gives_its_first_group_or_the_whole_match():
    found = response(b"", b"<a href='/items/17'>item</a>")
    assert take(found, Capture(body=r"/items/(\d+)"), "v") == b"17"
    assert take(found, Capture(body=r"/items/\d+"), "v") == b"/items/17"


def test_a_body_regex_keeps_bytes_that_are_not_utf8():
    found = response(b"", b"id=\xff\xfe;")
    assert take(found, Capture(body=r"id=(.*);"), "v") == b"\xff\xfe"


def test_a_decoded_body_can_be_given():
    found = response(b"Content-Encoding: gzip\r\n", b"\x1f\x8b...")
    assert take(found, Capture(body="token=(\\w+)"), "v", body=b"token=abc") == b"abc"


# --------------------------------------------------------------------------- what finds nothing


def test_a_missing_header_names_the_header_and_the_value():
    found = response(b"Content-Type: text/plain\r\n")
    failure = failure_of(found, header="Location")
    assert failure.message == "the response has no Location header to take {item} from"
    assert failure.evidence[0].caret == found.head_length - 2
    assert "Location" in failure.hint


def test_a_missing_key_lists_the_keys_there():
    failure = failure_of(json_response(b'{"user": {"name": "x", "email": "y"}}'), json="$.user.id")
    assert failure.message == ('the JSON body has no $.user.id to take {item} from: $.user has no key "id" '
                               '(its keys: "name", "email")')
    assert failure.evidence[0].label == "the JSON at $.user"
    assert failure.evidence[0].data == b'{"name": "x", "email": "y"}'


def test_an_index_past_the_end_says_how_long_the_list_is():
    failure = failure_of(json_response(b'{"items": [1, 2]}'), json="$.items[2]")
    assert "the JSON body has no $.items[2] to take {item} from: $.items is a list of 2 items" == failure.message


def test_a_step_into_the_wrong_kind_of_value_says_what_is_there():
    assert "$.id is a number, not an object" in failure_of(json_response(b'{"id": 3}'), json="$.id.x").message
    assert "$ is an object, not a list" in failure_of(json_response(b'{"id": 3}'), json="$[0]").message
    assert "$.a is null, not a list" in failure_of(json_response(b'{"a": null}'), json="$.a[0]").message


def test_invalid_json_is_shown_at_its_first_wrong_byte():
    found = json_response(b'{"id": 42,, "x": 1}')
    failure = failure_of(found, json="$.id")
    assert failure.message.startswith("the body is not valid JSON (")
    assert failure.message.endswith(", at byte 10), so {item} cannot be taken from $.id")
    assert failure.evidence[0].caret == found.head_length + 10
    assert found.raw[failure.evidence[0].caret:][:1] == b","


def test_the_caret_counts_bytes_after_multibyte_text():
    found = json_response('{"n": "é" x}'.encode())
    failure = failure_of(found, json="$.n")
    assert found.raw[failure.evidence[0].caret:][:1] == b"x"


def test_a_body_that_is_not_utf8_is_not_json():
    found = json_response(b'{"a": "\xff"}')
    failure = failure_of(found, json="$.a")
    assert "not valid JSON" in failure.message and found.raw[failure.evidence[0].caret] == 0xFF


def test_an_empty_body_is_not_json():
    assert "not valid JSON" in failure_of(json_response(b""), json="$.a").message


def test_a_regex_that_does_not_match_names_the_pattern():
    failure = failure_of(response(b"", b"nothing here"), body=r"id=(\d+)")
    assert failure.message == "the body does not match the pattern 'id=(\\\\d+)', so there is nothing to take {item} from"


def test_a_group_that_took_no_part_is_nothing_to_take():
    failure = failure_of(response(b"", b"b"), body=r"(a)?b")
    assert "its first group takes no part" in failure.message


def test_a_header_pattern_takes_its_first_group_from_the_value():
    found = response(b"Location: http://localhost:4221/api/items/17\r\n")
    assert take(found, Capture(header="Location", pattern=r"/api/items/([0-9]+)$"), "id") == b"17"
    assert take(found, Capture(header="location", pattern=r"[0-9]+$"), "id") == b"17"


def test_a_header_that_does_not_match_its_pattern_names_both():
    failure = failure_of(response(b"Location: /items/x\r\n"), header="Location", pattern=r"/api/items/([0-9]+)$")
    assert "the Location header, '/items/x', does not match the pattern" in failure.message
    assert failure.expected.startswith("a Location header in which")


def test_a_pattern_goes_with_a_header_only():
    with pytest.raises(ValueError, match="pattern picks a part of a header's value"):
        Capture(body="x", pattern="y")
