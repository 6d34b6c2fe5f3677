"""TAP, the Test Anything Protocol (version 14), for harnesses and dashboards that read test results as a
line stream (`prove`, node-tap's reporters, the TAP plugins of CI servers).

`tester test --tap PATH` writes `run_stream` for one run; for a run that failed stage 1 (trimmed):

    TAP version 14
    1..52
    not ok 1 - bind
      ---
      message: your program exited with code 0 before accepting a connection on port 7320
      severity: fail
      stage: 1
      title: Bind to a port
      track: base
      expected: a server listening on port 7320
      hint: 'Your program ended without listening. Open app/main.py: ...'
      report: |
        ✗ stage 1 bind failed: your program exited with code 0 before accepting a connection on port 7320
          its last output line:
        ...
      ...
    ok 2 - respond-200 # SKIP not run: stage 1 (bind) failed first

A test point per stage, numbered from 1 in the course's order, described by the stage's slug; a stage not
run is an `ok` with a SKIP directive (TAP14 counts a skip as no failure); a failure carries a YAML block,
indented two spaces, with the failure's parts and its terminal rendering. A stage with warnings gets a block
listing them.

A class (`class_stream`) is one document with a subtest per submission, TAP14's commented form: a
`# Subtest: ID` line, the submission's own plan and points indented four spaces (without a version line,
which TAP13 harnesses reject inside a subtest), then the correlated point at the top level, `ok` or
`not ok N - ID`, with the score in a YAML block. A submission the grader could not grade (timeout, error)
gets one more point at the end of its subtest, `not ok N - grading`, carrying the reason.

`#` and `\\` in descriptions are escaped as TAP14 asks, and control characters written as `\\uNNNN`; the
diagnostics are YAML written by PyYAML, which escapes what a block of text cannot hold.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

import yaml

from tester.reports import records, stagelist
from tester.reports.records import CourseStages, Record

VERSION = "TAP version 14"
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")  # from undecodable bytes: no encoding can write one


def run_stream(result: dict[str, Any]) -> str:
    """The TAP stream of one run (the versioned result `tester test --json` writes)."""
    return _text([VERSION, *_stream(stagelist.of_run(result))])


def class_stream(graded: Iterable[Record], stages: CourseStages) -> str:
    """One TAP document for a class: a subtest per record, in the order given."""
    graded = list(graded)
    lines = [VERSION, f"1..{len(graded)}"]
    for number, record in enumerate(graded, start=1):
        lines += _subtest(number, record, stages)
    return _text(lines)


def _subtest(number: int, record: Record, stages: CourseStages) -> list[str]:
    name = description(str(record.get("id", "submission")))
    listing = stagelist.of_record(record, stages)
    passed = records.graded(record) and all(stage["status"] == "passed" for stage in listing)
    summary = {"score": records.score(record, stages), "max_score": records.max_score(stages),
               "highest_passed": records.highest_passed(record, stages), "outcome": record.get("outcome")}
    if not records.graded(record):
        summary["message"] = stagelist.ungraded_message(record)
    return [f"# Subtest: {name}", *_indented(_stream(listing, record), 4),
            f"{'ok' if passed else 'not ok'} {number} - {name}", *_diagnostics(summary)]


def _stream(listing: list[dict], record: Record | None = None) -> list[str]:
    """The plan and a test point per stage; for a record the grader could not grade, one more point."""
    ungraded = record is not None and not records.graded(record)
    lines = [f"1..{len(listing) + ungraded}"]
    reason = description(stagelist.why_not_run(listing, record))
    for number, stage in enumerate(listing, start=1):
        lines += _point(number, stage, reason)
    if ungraded:
        lines += _grading_point(len(listing) + 1, record)
    return lines


def _point(number: int, stage: dict, reason: str) -> list[str]:
    name = description(stage["slug"])
    if stage["status"] == "passed":
        warnings = stage.get("warnings") or []
        return [f"ok {number} - {name}", *(_diagnostics({"warnings": warnings}) if warnings else [])]
    if stage["status"] == "not-run":
        return [f"ok {number} - {name} # SKIP {reason}"]
    failure = stage.get("failure") or {}
    details = {"message": failure.get("message") or stage.get("message") or "failed", "severity": "fail",
               "stage": stage["number"], "title": stage["title"], "track": stage["track"],
               "regression": stage.get("regression") or None, "expected": failure.get("expected"),
               "hint": failure.get("hint"), "rfc": failure.get("rfc"), "reproduce": failure.get("curl"),
               "report": failure.get("report")}
    return [f"not ok {number} - {name}", *_diagnostics(details)]


def _grading_point(number: int, record: Record) -> list[str]:
    reason = {"message": stagelist.ungraded_message(record), "severity": "error", "outcome": record.get("outcome")}
    return [f"not ok {number} - grading", *_diagnostics(reason)]


def _diagnostics(values: dict[str, Any]) -> list[str]:
    """A YAML block, indented two spaces under its test point."""
    shown = {key: value for key, value in values.items() if value is not None}
    text = yaml.dump(shown, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     width=1_000_000)  # long lines stay whole, as the terminal report has them
    return ["  ---", *_indented(text.splitlines(), 2), "  ..."]


def description(text: str) -> str:
    """`text` fit for a test point's description: on one line, `\\` and `#` escaped."""
    one_line = _UNPRINTABLE.sub(_code, text.replace("\n", " "))
    return one_line.replace("\\", "\\\\").replace("#", "\\#")


def _code(match: re.Match) -> str:
    return f"\\u{ord(match.group()):04x}"


def _indented(lines: list[str], spaces: int) -> list[str]:
    return [" " * spaces + line if line else line for line in lines]


def _text(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


class _Dumper(yaml.SafeDumper):
    """Writes text of several lines as a block (`|`), as a report reads best; PyYAML falls back to a quoted,
    escaped string when the text holds characters a block cannot."""


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    printable = _SURROGATE.sub(_code, value)
    return dumper.represent_scalar("tag:yaml.org,2002:str", printable, style="|" if "\n" in printable else None)


_Dumper.add_representer(str, _represent_text)
