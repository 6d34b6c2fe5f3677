"""The stage descriptions agree with the course: the title, the standard sections, no placeholder left,
and every request the probes send and every response they expect shown verbatim in an ```http block.
A fence may carry only the markers `tester show` knows (```http partial), and a request the probes send
whole is not shown only in a `partial` block, where `tester show` would leave its empty line out.

A description that disagrees with its probes teaches the learner the wrong bytes; this is where that is
caught, with the line of the block that comes closest and what it should say.
"""

from __future__ import annotations

import difflib

from tester.describe import http_blocks_at, shown_exchanges
from tester.lint import Problem, shown
from tester.manifest.models import Course, Stage
from tester.markdown import MARKERS, PARTIAL, fence_info, sections_at

SECTIONS = ("Background", "What the tester does", "Hints")
PLACEHOLDER = "TODO"
_CLOSE_ENOUGH = 0.5  # below this share of equal lines, a block is not an attempt at the text


def problems(course: Course) -> list[Problem]:
    found: list[Problem] = []
    for stage in course.stages:
        path = course.root / stage.description
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            found.append(Problem(shown(path), None, f"cannot read the description: {error}"))
            continue
        found += stage_problems(stage, text, shown(path))
    return found


def stage_problems(stage: Stage, markdown: str, where: str) -> list[Problem]:
    """Every way one description disagrees with its stage; `where` names the file in the problems."""
    return (title_problems(stage, markdown, where) + section_problems(markdown, where)
            + placeholder_problems(markdown, where) + fence_problems(markdown, where)
            + exchange_problems(stage, markdown, where))


def title_problems(stage: Stage, markdown: str, where: str) -> list[Problem]:
    first = markdown.splitlines()[0] if markdown.strip() else ""
    if first == f"# {stage.title}":
        return []
    return [Problem(where, 1, f"the first line is {first!r}, not the stage's title",
                    f"make it '# {stage.title}' (or change the title in the manifest)")]


def section_problems(markdown: str, where: str) -> list[Problem]:
    present = [(line, name) for line, name in sections_at(markdown) if name in SECTIONS]
    if [name for _, name in present] == list(SECTIONS):
        return []
    missing = [name for name in SECTIONS if name not in [name for _, name in present]]
    line = present[0][0] if present else 1
    problem = (f"the section '## {missing[0]}' is missing" if missing
               else f"the sections are in the order {', '.join(name for _, name in present)}")
    return [Problem(where, line, problem, f"give it the sections {', '.join(SECTIONS)}, once each, in this order")]


def placeholder_problems(markdown: str, where: str) -> list[Problem]:
    for number, line in enumerate(markdown.splitlines(), start=1):
        if PLACEHOLDER in line:
            return [Problem(where, number, f"a {PLACEHOLDER} placeholder is left in the description",
                            "write the text it stands for")]
    return []


def fence_problems(markdown: str, where: str) -> list[Problem]:
    found = []
    for number, line in _http_fences(markdown):
        for marker in fence_info(line)[1]:
            if marker not in MARKERS:
                found.append(Problem(where, number, f"the fence {line!r} has the marker {marker!r}, which "
                                     "tester show does not know",
                                     f"write '```http {PARTIAL}' for a block that shows only part of a head, "
                                     "else plain '```http'"))
    return found


def exchange_problems(stage: Stage, markdown: str, where: str) -> list[Problem]:
    blocks = http_blocks_at(markdown)
    partial = {number + 1 for number, line in _http_fences(markdown) if PARTIAL in fence_info(line)[1]}
    whole = [(start, block) for start, block in blocks if start not in partial]
    found = []
    for request, response in shown_exchanges(stage):
        for role, text, usable in (("request", request, whole), ("expected response", response, blocks)):
            if any(text in block for _, block in usable):
                continue
            partly = [start for start, block in blocks if text in block]
            if partly:
                found.append(Problem(where, partly[0] - 1, f"the {role} {text.splitlines()[0]!r} of stage "
                                     f"{stage.slug} is shown only in a '{PARTIAL}' block, so tester show leaves "
                                     "out the empty line that ends its head",
                                     f"drop '{PARTIAL}' from this fence: the probe sends the whole head"))
            else:
                found.append(_disagreement(stage, role, text, blocks, where))
    return found


def _http_fences(markdown: str) -> list[tuple[int, str]]:
    """(line number, line) of each fence that opens an http block."""
    fences, inside = [], False
    for number, line in enumerate(markdown.splitlines(), start=1):
        if line.startswith("```"):
            if not inside and fence_info(line)[0] == "http":
                fences.append((number, line))
            inside = not inside
    return fences


def _disagreement(stage: Stage, role: str, text: str, blocks: list[tuple[int, str]], where: str) -> Problem:
    wanted = text.splitlines()
    fix = "show, line for line: " + " ⏎ ".join(wanted)
    best = None
    for start, block in blocks:
        matcher = difflib.SequenceMatcher(None, block.splitlines(), wanted, autojunk=False)
        matched = sum(size for _, _, size in matcher.get_matching_blocks())
        if best is None or matched > best[0]:
            best = (matched, start, block.splitlines(), matcher)
    if best is None or best[0] < _CLOSE_ENOUGH * len(wanted):
        return Problem(where, None, f"no ```http block shows the {role} {wanted[0]!r} of stage {stage.slug}",
                       fix)
    _, start, lines, matcher = best
    for tag, first, last, low, high in matcher.get_opcodes():
        if tag in ("replace", "insert"):
            expected = " ⏎ ".join(wanted[low:high]) or "(an empty line)"
            if tag == "replace":
                shown_text = " ⏎ ".join(lines[first:last]) or "(an empty line)"
                return Problem(where, start + first, f"the {role} shows {shown_text!r} where stage {stage.slug}'s "
                               f"probes have {expected!r}", fix)
            return Problem(where, start + max(first - 1, 0), f"the {role} lacks {expected!r} "
                           f"(after this line), which stage {stage.slug}'s probes have", fix)
    # every wanted line is there, but with other lines between them
    return Problem(where, start, f"the {role} has lines that stage {stage.slug}'s probes do not", fix)
