"""Bytes made visible: `\\r` and `\\n` spelled out, one wire line per screen line, a caret under a byte.

Most learner mistakes are invisible in a plain dump (a missing `\\r`, a stray space, a byte too many), so
every byte the tester shows goes through here. Pure functions, no terminal codes: the console colours.
"""

from __future__ import annotations

from dataclasses import dataclass

_NAMED = {0x0D: "\\r", 0x0A: "\\n", 0x09: "\\t", 0x5C: "\\\\"}
WRAP = 76  # escaped characters per screen line before a wire line is wrapped


def escape_byte(byte: int) -> str:
    if byte in _NAMED:
        return _NAMED[byte]
    if 0x20 <= byte < 0x7F:
        return chr(byte)
    return f"\\x{byte:02x}"


def escape(data: bytes) -> str:
    return "".join(escape_byte(byte) for byte in data)


def quoted(data: bytes, limit: int = 80) -> str:
    """`data` in single quotes for a message, escaped, cut after `limit` bytes with "..." to say so."""
    return "'" + escape(data[:limit]) + ("...'" if len(data) > limit else "'")


@dataclass(frozen=True)
class Line:
    text: str
    caret_column: int | None = None  # column of the caret under this line, if it is here
    elided: bool = False  # a "… N bytes not shown" line


def lines(data: bytes, caret: int | None = None, *, keep: int = 512) -> list[Line]:
    """Screen lines for `data`; at most about `keep` bytes are shown, always including the caret's byte.

    A caret at len(data) means "something should have come here": it is drawn after the last byte.
    """
    shown = _windows(len(data), caret, keep)
    result: list[Line] = []
    previous_end = 0
    for start, end in shown:
        if start > previous_end:
            result.append(Line(f"… {start - previous_end} bytes not shown …", elided=True))
        result.extend(_render(data, start, end, caret))
        previous_end = end
    if previous_end < len(data):
        result.append(Line(f"… {len(data) - previous_end} more bytes not shown ({len(data)} in all)", elided=True))
    if caret is not None and caret >= len(data) and (not result or result[-1].caret_column is None):
        last = result[-1].text if result and not result[-1].elided else ""
        if result and not result[-1].elided and len(last) < WRAP:
            result[-1] = Line(last, len(last))
        else:
            result.append(Line("", 0))
    return result


def _windows(size: int, caret: int | None, keep: int) -> list[tuple[int, int]]:
    if size <= keep:
        return [(0, size)]
    head = (0, keep // 2)
    if caret is None or caret < keep:
        return [(0, keep)]
    around = (max(head[1], caret - 96), min(size, caret + 96))
    return [head, around]


def _render(data: bytes, start: int, end: int, caret: int | None) -> list[Line]:
    out: list[Line] = []
    text = ""
    column = None
    for index in range(start, end):
        piece = escape_byte(data[index])
        if len(text) + len(piece) > WRAP:
            out.append(Line(text, column))
            text, column = "", None
        if index == caret:
            column = len(text)
        text += piece
        if data[index] == 0x0A:
            out.append(Line(text, column))
            text, column = "", None
    if text:
        out.append(Line(text, column))
    return out


def plain(data: bytes, caret: int | None = None, *, keep: int = 512, indent: str = "  ") -> str:
    """The lines as one string, caret lines included: for messages, tests and piped output."""
    rendered = []
    for line in lines(data, caret, keep=keep):
        rendered.append(indent + line.text)
        if line.caret_column is not None:
            rendered.append(indent + " " * line.caret_column + "^")
    return "\n".join(rendered)
