"""Unit tests for tester.visible: bytes made visible, one wire line per screen line, a caret under a byte."""

from __future__ import annotations

import re

import pytest

from tester.visible import WRAP, Line, escape, escape_byte, lines, plain

STATUS = b"HTTP/1.1 200 OK\r\n"  # 17 bytes; the \r is byte 15


# --------------------------------------------------------------------------- escape


@pytest.mark.parametrize("byte, shown", [
    (0x0D, "\\r"), (0x0A, "\\n"), (0x09, "\\t"), (0x5C, "\\\\"),
    (0x00, "\\x00"), (0x1B, "\\x1b"), (0x7F, "\\x7f"), (0x80, "\\x80"), (0xFF, "\\xff"),
    (0x20, " "), (0x41, "A"), (0x7E, "~"),
])
def test_escape_byte(byte, shown):
    assert escape_byte(byte) == shown


def test_escape_spells_out_invisible_bytes():
    assert escape(b"a\tb\\c\r\n\x00\xff") == "a\\tb\\\\c\\r\\n\\x00\\xff"


def test_escape_is_unambiguous_for_backslash_sequences():
    # a literal backslash followed by "r" must not look like a CR
    assert escape(b"\\r") == "\\\\r"
    assert escape(b"\\r") != escape(b"\r")


def test_escape_of_every_printable_byte_is_the_character():
    for byte in range(0x20, 0x7F):
        if byte != 0x5C:
            assert escape(bytes([byte])) == chr(byte)


def test_escape_never_emits_control_characters():
    text = escape(bytes(range(256)))
    assert all(0x20 <= ord(char) < 0x7F for char in text)


# --------------------------------------------------------------------------- lines


def texts(result: list[Line]) -> list[str]:
    return [line.text for line in result]


def test_lines_split_after_each_newline():
    result = lines(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    assert texts(result) == ["HTTP/1.1 200 OK\\r\\n", "Content-Length: 0\\r\\n", "\\r\\n"]
    assert all(line.caret_column is None and not line.elided for line in result)


def test_bare_lf_also_ends_a_line():
    assert texts(lines(b"a\nb\n")) == ["a\\n", "b\\n"]


def test_last_line_without_newline_is_kept():
    assert texts(lines(b"a\r\nbody")) == ["a\\r\\n", "body"]


def test_empty_data_has_no_lines():
    assert lines(b"") == []


def test_caret_under_the_cr_of_the_status_line():
    result = lines(STATUS, 15)
    assert result[0].caret_column == 15
    assert result[0].text[15:17] == "\\r"


def test_caret_under_the_lf_of_the_status_line():
    assert lines(STATUS, 16)[0].caret_column == 17


def test_caret_on_a_later_line():
    data = STATUS + b"Content-Type: text/plain\r\n\r\n"
    result = lines(data, len(STATUS) + 14)  # the "t" of text/plain
    assert [line.caret_column for line in result] == [None, 14, None]
    assert result[1].text[14] == "t"


def test_caret_column_counts_escaped_width_of_earlier_bytes():
    data = b"\x00\x01\tX"
    result = lines(data, 3)
    assert result[0].caret_column == len("\\x00\\x01\\t")
    assert result[0].text[result[0].caret_column] == "X"


def test_caret_at_len_is_drawn_after_the_last_byte():
    data = b"HTTP/1.1 200 OK"
    result = lines(data, len(data))
    assert len(result) == 1
    assert result[0].text == "HTTP/1.1 200 OK"
    assert result[0].caret_column == len("HTTP/1.1 200 OK")


def test_caret_at_len_after_a_line_end():
    result = lines(STATUS, len(STATUS))
    assert [line.caret_column for line in result if line.caret_column is not None] == [len("HTTP/1.1 200 OK\\r\\n")]


def test_caret_at_len_of_empty_data():
    assert lines(b"", 0) == [Line("", 0)]


def test_caret_at_len_after_a_full_wrapped_line_gets_its_own_line():
    data = b"a" * WRAP
    result = lines(data, len(data))
    assert result == [Line("a" * WRAP, None), Line("", 0)]


def test_exactly_one_caret_line():
    data = STATUS + b"X-A: 1\r\n\r\nbody"
    for caret in range(len(data) + 1):
        carets = [line for line in lines(data, caret) if line.caret_column is not None]
        assert len(carets) == 1, caret


# --------------------------------------------------------------------------- wrapping


def test_long_line_wraps_at_wrap():
    data = b"a" * (WRAP * 2 + 5)
    result = lines(data)
    assert texts(result) == ["a" * WRAP, "a" * WRAP, "a" * 5]


def test_wrapping_never_splits_an_escape():
    data = b"\xff" * 40  # four characters each
    result = lines(data)
    assert all(len(line.text) <= WRAP for line in result)
    assert all(len(line.text) % 4 == 0 for line in result)
    assert "".join(texts(result)) == escape(data)


def test_caret_stays_right_after_wrapping():
    data = bytes(b"a" * 100 + b"Z" + b"b" * 100)
    result = lines(data, 100)
    caret_lines = [line for line in result if line.caret_column is not None]
    assert len(caret_lines) == 1
    line = caret_lines[0]
    assert line.text[line.caret_column] == "Z"
    assert line.caret_column == 100 - WRAP


def test_caret_after_wrapping_with_escapes():
    data = b"\x00" * 30 + b"Z" + b"\x00" * 30  # 19 escapes fill a screen line
    result = lines(data, 30)
    line = next(line for line in result if line.caret_column is not None)
    assert line.text[line.caret_column] == "Z"
    assert line.caret_column == (30 - 19) * 4


def test_caret_on_first_byte_of_a_wrapped_line():
    data = b"a" * WRAP + b"Z" + b"a" * 10
    result = lines(data, WRAP)
    assert result[1].caret_column == 0
    assert result[1].text[0] == "Z"
    assert result[0].caret_column is None


# --------------------------------------------------------------------------- long data


def _shown_and_hidden(result: list[Line]) -> tuple[int, int]:
    hidden = 0
    for line in result:
        if line.elided:
            hidden += int(re.search(r"(\d+)", line.text).group(1))
    shown = sum(len(line.text) for line in result if not line.elided)
    return shown, hidden


def test_short_data_is_not_shortened():
    data = b"x" * 512
    assert not any(line.elided for line in lines(data))


def test_long_data_is_shortened_with_a_not_shown_line():
    data = b"x" * 2000
    result = lines(data)
    assert result[-1].elided
    assert "1488 more bytes not shown (2000 in all)" in result[-1].text
    shown, hidden = _shown_and_hidden(result)
    assert shown + hidden == 2000


def test_long_data_includes_the_caret_byte_far_in():
    data = b"a" * 1500 + b"Z" + b"b" * 499
    result = lines(data, 1500)
    elided = [line for line in result if line.elided]
    assert len(elided) == 2
    assert "not shown" in elided[0].text and "not shown" in elided[1].text
    line = next(line for line in result if line.caret_column is not None)
    assert line.text[line.caret_column] == "Z"
    shown, hidden = _shown_and_hidden(result)
    assert shown + hidden == len(data)
    # the start of the data is still shown
    assert result[0].text.startswith("a")


def test_long_data_caret_in_the_middle_of_long_escapes():
    data = bytes(range(256)) * 8
    caret = 1234
    result = lines(data, caret)
    line = next(line for line in result if line.caret_column is not None)
    expected = escape_byte(data[caret])
    assert line.text[line.caret_column:line.caret_column + len(expected)] == expected


def test_long_data_caret_at_len():
    data = b"a" * 999 + b"Z"
    result = lines(data, len(data))
    assert result[-1].caret_column is not None
    assert not result[-1].elided
    assert result[-1].text.endswith("Z")
    assert result[-1].caret_column == len(result[-1].text)


def test_long_data_caret_near_the_start_needs_one_window():
    data = b"a" * 100 + b"Z" + b"a" * 2000
    result = lines(data, 100)
    assert sum(line.elided for line in result) == 1
    line = next(line for line in result if line.caret_column is not None)
    assert line.text[line.caret_column] == "Z"


@pytest.mark.parametrize("caret", [0, 255, 256, 300, 319, 320, 321, 511, 512, 513, 700, 1900, 1999, 2000])
def test_caret_byte_is_always_shown(caret):
    data = bytes(b"abcdefgh"[i % 8] for i in range(2000))
    result = lines(data, caret)
    carets = [line for line in result if line.caret_column is not None]
    assert len(carets) == 1
    line = carets[0]
    if caret < len(data):
        assert line.text[line.caret_column] == chr(data[caret])
    else:
        assert line.caret_column == len(line.text) or line.text == ""


def test_caret_byte_is_shown_with_a_small_keep():
    data = b"a" * 110 + b"Z" + b"a" * 900
    result = lines(data, 110, keep=100)
    assert any(line.caret_column is not None for line in result)


# --------------------------------------------------------------------------- plain


def test_plain_small_example():
    assert plain(b"HTTP/1.1 200 OK\r\n\r\n", 15) == (
        "  HTTP/1.1 200 OK\\r\\n\n"
        "                 ^\n"
        "  \\r\\n"
    )


def test_plain_without_caret_and_custom_indent():
    assert plain(b"a\nb", indent="> ") == "> a\\n\n> b"


def test_plain_caret_at_end():
    assert plain(b"ab", 2) == "  ab\n    ^"
