"""Status rules: a code (404), a class ("4xx"), or a list of them, any of which will do."""

from __future__ import annotations

from typing import Union

Rule = Union[int, str, list]


def members(rule: Rule) -> list[int | str]:
    return list(rule) if isinstance(rule, list) else [rule]


def allows(rule: Rule, code: int) -> bool:
    for member in members(rule):
        if isinstance(member, int) and member == code:
            return True
        if isinstance(member, str) and str(code)[0] == member[0] and len(str(code)) == 3:
            return True
    return False


def single(rule: Rule) -> int | None:
    """The one code a rule allows, when it allows exactly one (today's exact-value form)."""
    codes = members(rule)
    return codes[0] if len(codes) == 1 and isinstance(codes[0], int) else None


def describe(rule: Rule) -> str:
    """'status 403 or 404 (or any 5xx)', 'a 4xx status', 'status 200'."""
    codes = [str(member) for member in members(rule) if isinstance(member, int)]
    classes = [member for member in members(rule) if isinstance(member, str)]
    if not codes:
        return f"a {_either(classes)} status"
    text = f"status {_either(codes)}"
    if classes:
        text += f" (or any {_either(classes)})"
    return text


def _either(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
