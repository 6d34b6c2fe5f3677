"""Header rules beyond an exact value: token lists compared as sets (HTTP dates are tester.httpdate).

Offsets returned here are into the header's value as the reader stored it (trimmed), so the caller
adds where that value starts in the response to put a caret under the byte.
"""

from __future__ import annotations

from dataclasses import dataclass


def tokens(value: str) -> list[tuple[str, int]]:
    """The items of a comma-separated list with the offset of each; empty items (", ,") are skipped, as
    RFC 9110 §5.6.1 allows. A comma inside a quoted-string (`a="x,y"`, with backslash quoted-pairs, RFC
    9110 §5.6.4) belongs to its item; an unclosed quote runs to the end of the value."""
    found: list[tuple[str, int]] = []
    start = 0
    quoted = escaped = False
    for position, character in enumerate(value):
        if escaped:
            escaped = False
        elif quoted and character == "\\":
            escaped = True
        elif character == '"':
            quoted = not quoted
        elif character == "," and not quoted:
            _add_item(found, value, start, position)
            start = position + 1
    _add_item(found, value, start, len(value))
    return found


def _add_item(found: list[tuple[str, int]], value: str, start: int, end: int) -> None:
    item = value[start:end]
    stripped = item.strip(" \t")
    if stripped:
        found.append((stripped, start + item.index(stripped)))


@dataclass(frozen=True)
class TokenDifference:
    missing: list[str]  # expected tokens not in the list, as the manifest spells them
    extra: list[tuple[str, int]]  # tokens in the list that were not expected, with their offsets


def compare_tokens(found: list[tuple[str, int]], wanted: list[str],
                   optional: list[str] = ()) -> TokenDifference | None:
    """The list compared with the expected tokens as sets, case-insensitively; None when they agree. Tokens
    in `optional` may be there or not."""
    have = {token.lower() for token, _ in found}
    want = {token.lower() for token in [*wanted, *optional]}
    missing = [token for token in wanted if token.lower() not in have]
    extra = [(token, at) for token, at in found if token.lower() not in want]
    return TokenDifference(missing, extra) if missing or extra else None
