"""JUnit XML: the test report that CI servers and test dashboards read (Jenkins, GitLab, the GitHub actions
that publish test results), so that a run of the tester, or a class's grading, shows up where tests do.

`tester test --junit PATH` writes `run_report` for one run; `class_report` turns a class's records into one
document. The layout (attributes as the Jenkins and Surefire JUnit schemas name them; `skipped` on the root,
which those schemas leave out, is ignored by readers that do not know it):

    <testsuites name tests failures errors skipped time>
      <testsuite name=ID tests failures errors skipped time timestamp>     one per submission
        <properties> seed, score, max_score, outcome </properties>
        <testcase classname=TRACK name="NN slug" time>                     one per stage
          <failure message type>the failure as the terminal shows it</failure>      the failed stage
          <skipped message="not run: ..."/>                                         a stage not run
          <system-out>the stage's warnings</system-out>
        <testcase classname=ID.grading name="grading">                     timeout and error records
          <error message type="timeout"|"error">the grader's reason</error>
        <system-out>the tester's output for the submission</system-out>

A single run is one suite, named after the solution's folder, with the run's seed and tester version as
properties. In a class report a classname is "ID.TRACK": Jenkins files test cases by classname alone, and
the students' stages would otherwise fall into one heap. Every count is taken from the elements
themselves, so the counts and the cases cannot disagree; times have three decimals, as Surefire's allow.

XML 1.0 cannot carry most control characters, not even as character references, and a message can hold
them (a server's bytes, its coloured output). They are written as the text `\\xNN`, the way the terminal
report writes bytes; a lone surrogate (an undecodable byte) likewise as `\\uNNNN`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any, Iterable

from tester.reports import records, stagelist
from tester.reports.records import CourseStages, Record

_NOT_IN_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
GRADING = "grading"  # the name and classname of the case that carries a timeout or error


def xml_text(text: str) -> str:
    """`text` with every character XML 1.0 cannot hold written out as an escape."""
    return _NOT_IN_XML.sub(_escape_code, text)


def run_report(result: dict[str, Any], name: str = "tester") -> str:
    """The JUnit XML of one run: the versioned result `tester test --json` writes, as one suite `name`."""
    listing = stagelist.of_run(result)
    suite = ET.Element("testsuite", name=xml_text(name))
    _properties(suite, {"seed": result.get("seed"), "tester": result.get("tester")})
    _cases(suite, listing)
    _count(suite)
    return _document([suite])


def class_report(graded: Iterable[Record], stages: CourseStages, name: str = "class") -> str:
    """The JUnit XML of a class: a suite per record, named by the submission's id, a case per course stage."""
    return _document([_record_suite(record, stages) for record in graded], name)


def _record_suite(record: Record, stages: CourseStages) -> ET.Element:
    listing = stagelist.of_record(record, stages)
    student = str(record.get("id", "submission"))
    suite = ET.Element("testsuite", name=xml_text(student))
    result = record.get("result") or {}
    _properties(suite, {"seed": result.get("seed"), "score": stagelist.plain(records.score(record, stages)),
                        "max_score": stagelist.plain(records.max_score(stages)), "outcome": record.get("outcome")})
    _cases(suite, listing, record, owner=student)
    if not records.graded(record):
        case = ET.SubElement(suite, "testcase", classname=xml_text(f"{student}.{GRADING}"), name=GRADING,
                             time=_seconds(record.get("elapsed") or 0))
        error = ET.SubElement(case, "error", message=xml_text(stagelist.ungraded_message(record)),
                              type=xml_text(str(record.get("outcome"))))
        error.text = xml_text(record.get("error") or "")
    _count(suite, elapsed=record.get("elapsed"))
    if record.get("graded_at"):
        suite.set("timestamp", xml_text(str(record["graded_at"])[:19]))  # the schemas want no zone offset
    if record.get("output"):
        ET.SubElement(suite, "system-out").text = xml_text(record["output"])
    return suite


def _properties(suite: ET.Element, values: dict[str, Any]) -> None:
    shown = {key: value for key, value in values.items() if value is not None}
    if shown:
        holder = ET.SubElement(suite, "properties")
        for key, value in shown.items():
            ET.SubElement(holder, "property", name=key, value=xml_text(str(value)))


def _cases(suite: ET.Element, listing: list[dict], record: Record | None = None, owner: str | None = None) -> None:
    """A case per stage; `owner`, the submission's id, begins each classname in a class report."""
    reason = stagelist.why_not_run(listing, record)
    for stage in listing:
        classname = f"{owner}.{stage['track']}" if owner is not None else stage["track"]
        case = ET.SubElement(suite, "testcase", classname=xml_text(classname), name=_case_name(stage),
                             time=_seconds(stage.get("duration") or 0))
        if stage["status"] == "failed":
            failure = stage.get("failure") or {}
            message = failure.get("message") or stage.get("message") or "failed"
            element = ET.SubElement(case, "failure", message=xml_text(message), type="stage failed")
            element.text = xml_text(failure.get("report") or "")
        elif stage["status"] == "not-run":
            ET.SubElement(case, "skipped", message=xml_text(reason))
        warnings = [f"{warning['level']}: {warning['message']}" for warning in stage.get("warnings") or []]
        if warnings:
            ET.SubElement(case, "system-out").text = xml_text("\n".join(warnings) + "\n")


def _count(suite: ET.Element, elapsed: float | None = None) -> None:
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    for kind, plural in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
        suite.set(plural, str(sum(case.find(kind) is not None for case in cases)))
    took = elapsed if elapsed is not None else sum(float(case.get("time", 0)) for case in cases)
    suite.set("time", _seconds(took))


def _document(suites: list[ET.Element], name: str | None = None) -> str:
    root = ET.Element("testsuites")
    if name is not None:
        root.set("name", xml_text(name))
    for total in ("tests", "failures", "errors", "skipped"):
        root.set(total, str(sum(int(suite.get(total, 0)) for suite in suites)))
    root.set("time", _seconds(sum(float(suite.get("time", 0)) for suite in suites)))
    root.extend(suites)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _case_name(stage: dict) -> str:
    return xml_text(f"{stage['number']:02d} {stage['slug']}")


def _seconds(value: float) -> str:
    return f"{float(value):.3f}"  # the Surefire schema allows three decimals at most



def _escape_code(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"
