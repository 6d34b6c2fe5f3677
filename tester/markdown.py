"""Stage descriptions read for the terminal: their hints, one by one, and their lines sorted by kind.

Descriptions are Markdown written for people. `tester show` prints them in a terminal and `tester hint`
hands out the items of their `## Hints` section one at a time, so both need the same small reading of
that Markdown: headings, fenced code blocks and list items. Pure text in, text out; the console paints.

A fence's info string names the block's language, optionally followed by markers. The one marker so far,
`partial` (as in ```http partial), says the block shows only part of a head, such as a request the tester
leaves unfinished on purpose, so the terminal must not add the empty line that would complete it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HINTS = "Hints"
PARTIAL = "partial"
MARKERS = frozenset({PARTIAL})
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_ITEM = re.compile(r"^[-*]\s+(.*)$")


@dataclass(frozen=True)
class Line:
    kind: str  # "title", "heading", "text", "fence" (a code block's opening or closing), "code", "wire"
    text: str


def sections_at(markdown: str) -> list[tuple[int, str]]:
    """(line number, heading) of each level-2 heading, outside fenced code blocks."""
    found = []
    fenced = False
    for number, line in enumerate(markdown.splitlines(), start=1):
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (match := re.match(r"^##\s+(.*)$", line)):
            found.append((number, match.group(1).strip()))
    return found


def split_sections(markdown: str) -> tuple[str, dict[str, str]]:
    """(text before the first `##` heading, {heading: body}) for the level-2 sections."""
    lines = markdown.splitlines()
    marks = sections_at(markdown)
    ends = [number - 1 for number, _ in marks[1:]] + [len(lines)]
    head = lines[: marks[0][0] - 1] if marks else lines
    sections: dict[str, list[str]] = {}
    for (number, title), end in zip(marks, ends):
        sections.setdefault(title, []).extend(lines[number:end])
    return "\n".join(head), {title: "\n".join(body).strip("\n") for title, body in sections.items()}


def hints(markdown: str) -> list[str]:
    """The items of the `## Hints` section, each joined into one line of text."""
    _, sections = split_sections(markdown)
    items: list[list[str]] = []
    for line in sections.get(HINTS, "").splitlines():
        match = _ITEM.match(line)
        if match:
            items.append([match.group(1).strip()])
        elif line.strip() and items:
            items[-1].append(line.strip())
    return [" ".join(item) for item in items]


def without_hints(markdown: str) -> str:
    """The description with its `## Hints` section left out (`tester hint` gives them one at a time)."""
    out, skipping, fenced = [], False, False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if not fenced and re.match(r"^#{1,2}\s+", line):
            skipping = line.lstrip("#").strip() == HINTS
        if not skipping:
            out.append(line)
    return "\n".join(out).rstrip("\n") + "\n"


def fence_info(line: str) -> tuple[str, list[str]]:
    """(language, markers) of a fence's opening line: "```http partial" gives ("http", ["partial"])."""
    words = line[3:].split()
    return (words[0] if words else "text"), words[1:]


def terminal_lines(markdown: str) -> list[Line]:
    """Each line with its kind. Inside ```http blocks, the head's lines are 'wire' lines: the console
    shows the \\r\\n that ends each of them on the wire, up to and including the empty line (which the
    blocks leave out after a request without a body). A `partial` block gets no such line: it ends where
    it ends."""
    lines: list[Line] = []
    fence: str | None = None
    in_head = partial = False
    block_start = 0
    for raw in markdown.splitlines():
        if raw.startswith("```"):
            if fence is None:
                fence, markers = fence_info(raw)
                in_head, partial = fence == "http", PARTIAL in markers
                block_start = len(lines) + 1
            else:
                if in_head and not partial and _is_request(lines[block_start:]):
                    lines.append(Line("wire", ""))  # a request's head always ends with its empty line
                fence = None
            lines.append(Line("fence", raw))
            continue
        if fence is not None:
            if in_head:
                lines.append(Line("wire", raw))
                in_head = raw != ""
            else:
                lines.append(Line("code", raw))
            continue
        match = _HEADING.match(raw)
        if match:
            lines.append(Line("title" if len(match.group(1)) == 1 else "heading", match.group(2).strip()))
        else:
            lines.append(Line("text", raw))
    return lines


def _is_request(block: list[Line]) -> bool:
    return bool(block) and not block[0].text.startswith("HTTP/")
