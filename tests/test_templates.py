"""Unit tests for tester.templates: `{name}` templates rendered to wire bytes."""

from __future__ import annotations

import pytest

from tester.templates import TemplateError, names, render, render_text


# --------------------------------------------------------------------------- substitution


def test_str_value_is_substituted():
    assert render("/echo/{text}", {"text": "abc"}) == b"/echo/abc"


def test_str_value_is_encoded_as_utf8():
    assert render("{v}", {"v": "é"}) == "é".encode("utf-8") == b"\xc3\xa9"


def test_a_lone_surrogate_renders_instead_of_raising():
    # a JSON capture of "\ud800" (RFC 8259 §8.2 allows it) is a str UTF-8 cannot encode strictly
    assert render("/x/{v}", {"v": "a\ud800b"}) == b"/x/a\xed\xa0\x80b"
    assert render_text("/x/{v}", {"v": "\udfff"}) == "/x/\xed\xbf\xbf"
    assert render("{v|len}|{v|upper}", {"v": "\ud800"}) == b"3|\xed\xa0\x80"


def test_the_json_filter_gives_a_lone_surrogate_back_as_its_escape():
    assert render("{v|json}", {"v": "a\ud800b"}) == b'"a\\ud800b"'
    assert render("{v|json}", {"v": b"\xff"}) == '"\u00ff"'.encode("utf-8")  # not UTF-8: as before


def test_bytes_value_is_kept_raw():
    assert render("{blob}", {"blob": b"\xff\x00\r\n\x80"}) == b"\xff\x00\r\n\x80"


def test_bytes_value_inside_text():
    assert render("a{b}c", {"b": b"\xff"}) == b"a\xffc"


def test_several_values_and_repeats():
    assert render("{a}-{b}-{a}", {"a": "x", "b": b"y"}) == b"x-y-x"


def test_template_without_fields_is_unchanged():
    assert render("plain text: no fields", {}) == b"plain text: no fields"


def test_literal_text_is_utf8():
    assert render("é{v}", {"v": "x"}) == b"\xc3\xa9x"


def test_empty_value():
    assert render("[{v}]", {"v": ""}) == b"[]"


def test_render_text_maps_bytes_one_to_one():
    assert render_text("{v}", {"v": b"\xff"}) == "\xff"
    assert render_text("{v}", {"v": b"\xff"}).encode("latin-1") == b"\xff"


# --------------------------------------------------------------------------- filters


def test_len_of_ascii_str():
    assert render("{text|len}", {"text": "hello"}) == b"5"


def test_len_counts_bytes_of_str_not_characters():
    assert render("{v|len}", {"v": "é"}) == b"2"
    assert render("{v|len}", {"v": "caf\u00e9 \u2603"}) == str(len("café ☃".encode())).encode() == b"9"


def test_len_of_bytes_value():
    assert render("{v|len}", {"v": b"\xff" * 300}) == b"300"


def test_len_of_empty_value():
    assert render("{v|len}", {"v": ""}) == b"0"


def test_upper_and_lower():
    assert render("{v|upper}", {"v": "Hello-World"}) == b"HELLO-WORLD"
    assert render("{v|lower}", {"v": "Hello-World"}) == b"hello-world"


def test_upper_keeps_non_ascii_bytes():
    assert render("{v|upper}", {"v": b"ab\xff"}) == b"AB\xff"


def test_filtered_and_plain_use_of_the_same_value():
    assert render("{v} {v|upper} {v|len}", {"v": "ab"}) == b"ab AB 2"


# --------------------------------------------------------------------------- braces


def test_double_braces_are_literal():
    assert render("{{}}", {}) == b"{}"
    assert render("{{name}}", {"name": "x"}) == b"{name}"


def test_literal_braces_around_a_field():
    assert render("{{{v}}}", {"v": "x"}) == b"{x}"


def test_json_like_template():
    assert render('{{"len": {v|len}}}', {"v": "abc"}) == b'{"len": 3}'


# --------------------------------------------------------------------------- names()


def test_names_lists_fields_in_order_with_filters():
    assert names("/files/{name} {content|len} {x|upper}") == [("name", None), ("content", "len"), ("x", "upper")]


def test_names_skips_literal_braces():
    assert names("{{a}} {b}") == [("b", None)]
    assert names("no fields") == []


def test_names_keeps_repeats():
    assert names("{a}{a}") == [("a", None), ("a", None)]


@pytest.mark.parametrize("template", ["{", "}", "a{b", "a}b", "{a} }", "{ a}", "{a b}", "{1a}", "{a|}"])
def test_names_rejects_unmatched_braces(template):
    with pytest.raises(TemplateError, match="unmatched"):
        names(template)


def test_names_rejects_unknown_filter():
    with pytest.raises(TemplateError, match=r"unknown filter \|reverse"):
        names("{a|reverse}")


# --------------------------------------------------------------------------- render errors


def test_unknown_value_raises():
    with pytest.raises(TemplateError, match=r"\{missing\}"):
        render("/echo/{missing}", {"text": "abc"})


def test_unknown_value_raises_even_with_filter():
    with pytest.raises(TemplateError):
        render("{missing|len}", {})


def test_unknown_filter_raises():
    with pytest.raises(TemplateError, match=r"unknown filter \|reverse"):
        render("{v|reverse}", {"v": "abc"})


@pytest.mark.parametrize("template", ["{", "}", "abc{", "}abc", "{v}}", "{{v}", "{v"])
def test_unmatched_brace_raises(template):
    with pytest.raises(TemplateError, match="unmatched"):
        render(template, {"v": "x"})


def test_template_error_is_a_value_error():
    assert issubclass(TemplateError, ValueError)


# --------------------------------------------------------------------------- filters with arguments


@pytest.mark.parametrize("template,expected", [
    ("{v|slice:0:5}", b"hello"),
    ("{v|slice:6:}", b"world"),
    ("{v|slice::5}", b"hello"),
    ("{v|slice:-5:}", b"world"),
    ("{v|slice:-5:-2}", b"wor"),
    ("{v|slice:3:3}", b""),
    ("{v|slice:0:100}", b"hello world"),
    ("{v|slice: 1 : 2 }", b"e"),
])
def test_slice_is_a_python_like_byte_slice(template, expected):
    assert render(template, {"v": "hello world"}) == expected


def test_slice_cuts_bytes_not_characters():
    assert render("{v|slice:0:1}", {"v": "é"}) == b"\xc3"
    assert render("{v|slice:1:3}", {"v": b"\x00\xff\x80\x01"}) == b"\xff\x80"


def test_sha256_is_the_hex_digest_of_the_bytes():
    assert render("{v|sha256}", {"v": "abc"}) == b"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert render("{v|sha256}", {"v": b""}).startswith(b"e3b0c442")


def test_json_is_a_string_literal_with_its_quotes():
    assert render('{{"name": {v|json}}}', {"v": 'say "hi"\\\n'}) == b'{"name": "say \\"hi\\"\\\\\\n"}'
    assert render("{v|json}", {"v": "é"}) == '"é"'.encode()
    assert render("{v|json}", {"v": "\x01"}) == b'"\\u0001"'


def test_json_of_bytes_that_are_not_utf8_is_still_valid_json():
    import json
    rendered = render("{v|json}", {"v": b"a\xffb"})
    assert json.loads(rendered) == "a\u00ffb"


def test_filters_chain_left_to_right():
    assert render("{v|slice:0:5|upper}", {"v": "hello world"}) == b"HELLO"
    assert render("{v|slice:2:|len}", {"v": "hello"}) == b"3"
    assert render("{v|upper|json}", {"v": "a"}) == b'"A"'


def test_names_give_the_filters_as_written():
    assert names("{a|slice:0:5} {b|sha256} {c|json} {d|slice::-1|len}") == [
        ("a", "slice:0:5"), ("b", "sha256"), ("c", "json"), ("d", "slice::-1|len")]


@pytest.mark.parametrize("template,problem,fix", [
    ("{a|slice}", "the filter |slice takes 2 arguments, got 0", "write it as {a|slice:START:END}"),
    ("{a|slice:1}", "the filter |slice takes 2 arguments, got 1", "write it as {a|slice:START:END}"),
    ("{a|slice:1:2:3}", "the filter |slice takes 2 arguments, got 3", "write it as {a|slice:START:END}"),
    ("{a|slice:x:2}", "the filter |slice takes whole numbers, got 'x'", "e.g. {a|slice:0:5}"),
    ("{a|slice:1.5:2}", "takes whole numbers, got '1.5'", "negative counts from the end"),
    ("{a|len:3}", "the filter |len takes no arguments, got 1", "write it as {a|len}"),
    ("{a|json:x}", "the filter |json takes no arguments", "write it as {a|json}"),
    ("{a|sha265}", "unknown filter |sha265", "did you mean {a|sha256}?"),
    ("{a|len|nope}", "unknown filter |nope", "the filters are: json, len, lower, sha256, slice, upper, url"),
])
def test_a_bad_filter_or_argument_is_named_with_a_fix(template, problem, fix):
    with pytest.raises(TemplateError) as caught:
        names(template)
    assert problem in str(caught.value) and repr(template) in str(caught.value)
    assert fix in caught.value.fix


@pytest.mark.parametrize("template", ["{a|}", "{a|slice:1|}", "{a|:1}", "{a|slice:{b}}"])
def test_malformed_filter_syntax_is_an_unmatched_brace(template):
    with pytest.raises(TemplateError, match="unmatched"):
        names(template)


def test_url_percent_encodes_every_byte_but_the_unreserved():
    assert render("{v|url}", {"v": "plum café"}) == b"plum%20caf%C3%A9"
    assert render("{v|url}", {"v": "a-b.c_d~e/f?g=h&i"}) == b"a-b.c_d~e%2Ff%3Fg%3Dh%26i"
    assert render("{v|url}", {"v": b"\xff"}) == b"%FF"
