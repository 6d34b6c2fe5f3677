"""The stage descriptions in stages/*.md agree with what the tester really sends and expects.

The rules live in tester.lint.descriptions, which `tester check` runs; here every shipped description
must pass them, and each rule must catch the mistake it is for, with the line where it is.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tester.describe import missing_from, request_text, shown_exchanges
from tester.lint import descriptions
from tester.manifest.load import load_course
from tester.manifest.models import Request

ROOT = Path(__file__).resolve().parent.parent
COURSE = load_course(ROOT / "stages.yaml")
STAGES = COURSE.stages


def description(stage) -> str:
    return (ROOT / stage.description).read_text(encoding="utf-8")


def echo_stage():
    return next(stage for stage in STAGES if any("text/plain" in response for _, response in shown_exchanges(stage)))


@pytest.mark.parametrize("stage", STAGES, ids=lambda stage: stage.slug)
def test_description_agrees_with_its_stage(stage):
    problems = descriptions.stage_problems(stage, description(stage), stage.description)
    assert problems == [], "\n".join(str(problem) for problem in problems)


def test_a_changed_header_is_named_with_its_line():
    stage = echo_stage()
    text = description(stage)
    altered = text.replace("\nContent-Type: text/plain\n", "\nContent-Type: text/html\n", 1)
    assert altered != text
    problems = descriptions.exchange_problems(stage, altered, "echo.md")
    assert len(problems) == 1
    line = altered.splitlines().index("Content-Type: text/html") + 1
    assert problems[0].line == line
    assert "'Content-Type: text/html'" in problems[0].problem and "'Content-Type: text/plain'" in problems[0].problem


def test_a_missing_line_is_named():
    stage = echo_stage()
    altered = description(stage).replace("\nContent-Type: text/plain\n", "\n", 1)
    (problem,) = descriptions.exchange_problems(stage, altered, "echo.md")
    assert "lacks 'Content-Type: text/plain'" in problem.problem


def test_an_exchange_shown_nowhere_is_named():
    stage = echo_stage()
    (request, _), = [pair for pair in shown_exchanges(stage)][:1]
    problems = descriptions.exchange_problems(stage, "# nothing here\n", "echo.md")
    assert problems and problems[0].line is None
    assert request.splitlines()[0] in problems[0].problem


def test_title_sections_and_placeholders_are_checked():
    stage = echo_stage()
    text = description(stage)
    assert descriptions.title_problems(stage, text.replace(f"# {stage.title}", "# Something else", 1), "x")
    swapped = (text.replace("## Background", "## Swap").replace("## Hints", "## Background")
               .replace("## Swap", "## Hints"))
    (problem,) = descriptions.section_problems(swapped, "x")
    assert "in the order Hints, What the tester does, Background" in problem.problem
    (problem,) = descriptions.section_problems(text.replace("## Hints", "## Tips"), "x")
    assert "'## Hints' is missing" in problem.problem
    (problem,) = descriptions.placeholder_problems(text + "\nTODO: more\n", "x")
    assert problem.line == len(text.splitlines()) + 2


def test_missing_from_ignores_text_outside_http_blocks():
    stage = next(stage for stage in STAGES if shown_exchanges(stage))
    request, response = shown_exchanges(stage)[0]
    prose = f"```text\n{request}```\n\n{response}\n"
    assert missing_from(prose, stage) != []
    fenced = f"```http\n{request}```\n\n```http\n{response}```\n"
    still_missing = missing_from(fenced, stage)
    assert request not in still_missing and response not in still_missing


def test_an_unknown_fence_marker_is_named_with_its_line():
    text = "# T\n\n```http partial\nGET / HTTP/1.1\n```\n\n```http parital\nGET / HTTP/1.1\n```\n"
    (problem,) = descriptions.fence_problems(text, "x.md")
    assert problem.line == 7 and "'parital'" in problem.problem and "```http partial" in problem.fix


def test_a_whole_request_shown_only_in_a_partial_block_is_named():
    stage = echo_stage()
    text = description(stage)
    request = shown_exchanges(stage)[0][0]
    fence = text[:text.index(request)].rindex("```http\n")
    altered = text[:fence] + "```http partial\n" + text[fence + len("```http\n"):]
    (problem,) = descriptions.exchange_problems(stage, altered, "echo.md")
    assert problem.line == altered[:fence].count("\n") + 1
    assert "only in a 'partial' block" in problem.problem and "drop 'partial'" in problem.fix


def test_a_raw_requests_control_bytes_are_shown_as_escapes():
    text = request_text(Request(raw="GET /\r{x} HTTP/1.1\r\nUser-Agent: a\0b\x1b\r\n\r\n"))
    assert text == "GET /\\r{x} HTTP/1.1\nUser-Agent: a\\x00b\\x1b\n\n"
