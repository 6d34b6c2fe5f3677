"""The stage descriptions in stages/*.md agree with what the tester really sends and expects.

Each description must exist, carry its stage's title and the three standard sections, and show every
request and expected response of its probes, verbatim, inside an ```http block (see tester.describe).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tester.describe import missing_from, shown_exchanges
from tester.manifest.load import load_course

ROOT = Path(__file__).resolve().parent.parent
COURSE = load_course(ROOT / "stages.yaml")
STAGES = COURSE.stages
SECTIONS = ("Background", "What the tester does", "Hints")


def description(stage) -> str:
    return (ROOT / stage.description).read_text(encoding="utf-8")


@pytest.mark.parametrize("stage", STAGES, ids=lambda stage: stage.slug)
def test_description_exists(stage):
    path = ROOT / stage.description
    assert path.is_file(), f"{stage.slug}: {stage.description} does not exist"


@pytest.mark.parametrize("stage", STAGES, ids=lambda stage: stage.slug)
def test_starts_with_title(stage):
    first_line = description(stage).splitlines()[0]
    assert first_line == f"# {stage.title}", (
        f"{stage.description} should start with '# {stage.title}', starts with {first_line!r}"
    )


@pytest.mark.parametrize("stage", STAGES, ids=lambda stage: stage.slug)
def test_has_sections_in_order(stage):
    headings = re.findall(r"^## (.+?)\s*$", description(stage), re.MULTILINE)
    present = [heading for heading in headings if heading in SECTIONS]
    assert present == list(SECTIONS), (
        f"{stage.description} should have the sections {', '.join(SECTIONS)} in this order; "
        f"its '## ' headings are {headings}"
    )


@pytest.mark.parametrize("stage", STAGES, ids=lambda stage: stage.slug)
def test_shows_every_exchange(stage):
    missing = missing_from(description(stage), stage)
    listing = "\n".join(f"--- not in any ```http block:\n{text}" for text in missing)
    assert missing == [], f"{stage.description} does not show what the tester sends or expects:\n{listing}"


@pytest.mark.parametrize("stage", STAGES, ids=lambda stage: stage.slug)
def test_no_todo_left(stage):
    assert "# TODO" not in description(stage), f"{stage.description} is still a placeholder"


def test_missing_from_catches_a_disagreement():
    stage = next(stage for stage in STAGES if any("text/plain" in response
                                                  for _, response in shown_exchanges(stage)))
    text = description(stage)
    assert missing_from(text, stage) == []
    altered = text.replace("text/plain", "text/html")
    assert altered != text
    missing = missing_from(altered, stage)
    assert missing, "changing Content-Type in the description went unnoticed"
    assert all("text/plain" in item for item in missing)


def test_missing_from_ignores_text_outside_http_blocks():
    stage = next(stage for stage in STAGES if shown_exchanges(stage))
    request, response = shown_exchanges(stage)[0]
    prose = f"```text\n{request}```\n\n{response}\n"
    assert missing_from(prose, stage) != []
    fenced = f"```http\n{request}```\n\n```http\n{response}```\n"
    still_missing = missing_from(fenced, stage)
    assert request not in still_missing and response not in still_missing
