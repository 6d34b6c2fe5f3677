"""The class report as one HTML page, for the instructor to open in a browser.

It answers, in one file that needs nothing else (its CSS and script are inline, it loads nothing): who
passed which stage (a grid, sortable and filterable), how far the class got, where students fail and with
what message, and each student's failure as the terminal showed it. Everything a record says is text from
the grader or from a learner's program, so every piece is escaped, and the page's Content-Security-Policy
lets only its own script run: a learner's output that slipped past the escaping could still run nothing.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tester.reports.records import (CourseStages, Record, first_failure, highest_passed, max_score, message_shape,
                                    score, statuses)

DEFAULT_TITLE = "Class report"

# how the grid says a stage's status without colour
SYMBOLS = {"passed": "✓", "failed": "✗", "not-run": "·"}
OUTCOME_LABELS = {"graded": "graded", "timeout": "timed out", "error": "error"}
OUTCOME_SYMBOLS = {"graded": "", "timeout": "◷", "error": "⚠"}
# the order of outcomes when the grid is sorted on them
OUTCOME_RANKS = {"graded": 0, "timeout": 1, "error": 2}
# a track's colour, in the grid's headers and under the distribution; none of them green or red, which
# mean passed and failed
TRACK_COLOURS = ("#4c6ef5", "#7950f2", "#1098ad", "#f76707", "#d6336c", "#5c7cfa", "#ae3ec9", "#0b7285",
                 "#e67700", "#495057")
# how much of the failures the page lists before it says "and N more"
MESSAGES_SHOWN = 4
NAMES_SHOWN = 12
FAILING_STAGES_SHOWN = 10


def render(records: list[Record], stages: CourseStages, title: str = DEFAULT_TITLE) -> str:
    """The whole page for `records`, graded against the course's `stages` (in the course's order)."""
    students = _students(records, stages)
    tracks = _tracks(stages)
    body = "\n".join([
        _page_header(title, students, stages, tracks),
        "<main class=\"wrap\">",
        _grid_section(students, stages, tracks),
        _progress_section(students, stages, tracks),
        _failures_section(students, stages),
        _students_section(students, stages),
        "</main>",
        f"<footer class=\"wrap\">Made by the tester's HTML report from {len(students)} "
        f"record{_plural(len(students))}. This file loads nothing from the network.</footer>",
    ])
    script_hash = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    policy = (f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{script_hash}'; "
              "img-src data:; base-uri 'none'; form-action 'none'")
    return (f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{policy}\">\n"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{_e(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n"
            f"<script>{SCRIPT}</script>\n</body>\n</html>\n")


# --- what the page shows of each student --------------------------------------------------------------

@dataclass
class Student:
    record: Record
    id: str
    anchor: str
    outcome: str
    error: str
    has_result: bool
    found: dict[str, str]
    highest: int
    score: float
    failed: dict[str, Any] | None
    # what the grid's "show" select filters on: "passed" (every stage of the course), "failing" or "not-graded"
    state: str
    order: int = 0
    warnings: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)


def _students(records: list[Record], stages: CourseStages) -> list[Student]:
    made = []
    taken: set[str] = set()
    for record in sorted(records, key=lambda record: str(record.get("id", "")).casefold()):
        identifier = str(record.get("id", "") or "(no id)")
        result = record.get("result") or None
        outcome = record.get("outcome") if record.get("outcome") in OUTCOME_RANKS else "error"
        made.append(Student(
            record=record, id=identifier, anchor=_unique_anchor(identifier, taken), outcome=outcome,
            error=str(record.get("error") or ""), has_result=result is not None, found=statuses(record),
            highest=highest_passed(record, stages), score=score(record, stages), failed=first_failure(record),
            state=_state(record, outcome, stages), order=len(made),
            warnings=[(stage, warning) for stage in (result or {}).get("stages", [])
                      for warning in stage.get("warnings") or []]))
    return made


def _state(record: Record, outcome: str, stages: CourseStages) -> str:
    if outcome != "graded":
        return "not-graded"
    return "passed" if stages and highest_passed(record, stages) == stages[-1]["number"] else "failing"


def _unique_anchor(identifier: str, taken: set[str]) -> str:
    """An id attribute for the student's section: letters, digits and dashes only, unique on the page."""
    base = "student-" + (re.sub(r"[^a-z0-9_]+", "-", identifier.casefold()).strip("-") or "x")
    anchor, count = base, 1
    while anchor in taken:
        count += 1
        anchor = f"{base}-{count}"
    taken.add(anchor)
    return anchor


@dataclass
class Track:
    slug: str
    stages: CourseStages
    colour: str


def _tracks(stages: CourseStages) -> list[Track]:
    """The course's tracks in order, each with its run of consecutive stages."""
    tracks: list[Track] = []
    for stage in stages:
        if not tracks or tracks[-1].slug != stage["track"]:
            tracks.append(Track(stage["track"], [], TRACK_COLOURS[len(tracks) % len(TRACK_COLOURS)]))
        tracks[-1].stages.append(stage)
    return tracks


def _starts_track(stages: CourseStages) -> set[int]:
    """Numbers of the stages that open a track: the grid draws a gap before them."""
    return {stage["number"] for index, stage in enumerate(stages)
            if index == 0 or stages[index - 1]["track"] != stage["track"]}


# --- the header ---------------------------------------------------------------------------------------

def _page_header(title: str, students: list[Student], stages: CourseStages, tracks: list[Track]) -> str:
    dates = sorted(str(student.record.get("graded_at") or "") for student in students)
    when = f" · last graded {_e(_readable_time(dates[-1]))}" if dates and dates[-1] else ""
    return (f"<header class=\"top\"><div class=\"wrap\">"
            f"<h1>{_e(title)}</h1>"
            f"<p class=\"sub\">{len(students)} submission{_plural(len(students))} · {len(stages)} stages in "
            f"{len(tracks)} track{_plural(len(tracks))} · {_points(max_score(stages))} points{when}</p>"
            f"{_summary_cards(students, stages)}"
            "<nav><a href=\"#grid\">Grid</a><a href=\"#progress\">How far they got</a>"
            "<a href=\"#failures\">Where they fail</a><a href=\"#students\">Students</a></nav>"
            "</div></header>")


def _summary_cards(students: list[Student], stages: CourseStages) -> str:
    with_result = [student for student in students if student.has_result]
    states = Counter(student.state for student in students)
    outcomes = Counter(student.outcome for student in students)
    not_graded = ", ".join(f"{outcomes[name]} {OUTCOME_LABELS[name]}" for name in ("timeout", "error")
                           if outcomes[name])
    median = _points(statistics.median(s.highest for s in with_result)) if with_result else "—"
    mean = _points(round(statistics.fmean(s.score for s in with_result), 1)) if with_result else "—"
    cards = [
        ("good", str(states["passed"]), "passed every stage", ""),
        ("bad", str(states["failing"]), "graded, failing a stage", ""),
        ("warn", str(states["not-graded"]), "not graded", not_graded),
        ("", f"{median}<small> / {len(stages)}</small>", "median highest stage", "of the runs with a result"),
        ("", f"{mean}<small> / {_points(max_score(stages))}</small>", "mean score", "of the runs with a result"),
    ]
    return "<div class=\"cards\">" + "".join(
        f"<div class=\"card {kind}\"><div class=\"value\">{value}</div><div class=\"label\">{label}</div>"
        + (f"<div class=\"note\">{_e(note)}</div>" if note else "") + "</div>"
        for kind, value, label, note in cards) + "</div>"


# --- the grid -----------------------------------------------------------------------------------------

def _grid_section(students: list[Student], stages: CourseStages, tracks: list[Track]) -> str:
    if not students:
        return ("<section id=\"grid\"><h2>Class grid</h2>"
                "<p class=\"empty\">No submission was graded.</p></section>")
    legend = ("<ul class=\"legend\">"
              "<li><span class=\"cell passed\">✓</span> passed</li>"
              "<li><span class=\"cell failed\">✗</span> failed</li>"
              "<li><span class=\"cell not-run\">·</span> not run</li>"
              "<li><span class=\"badge timeout\">◷ timed out</span> <span class=\"badge error\">⚠ error</span>"
              " not graded</li></ul>")
    controls = ("<div class=\"controls\">"
                "<label class=\"search\"><span>Filter</span>"
                "<input id=\"grid-filter\" type=\"search\" placeholder=\"student id…\" autocomplete=\"off\"></label>"
                "<label><span>Show</span><select id=\"grid-show\">"
                "<option value=\"all\">all students</option>"
                "<option value=\"failing not-graded\">failing or not graded</option>"
                "<option value=\"failing\">failing a stage</option>"
                "<option value=\"not-graded\">not graded</option>"
                "<option value=\"passed\">passed every stage</option>"
                "</select></label>"
                f"<span id=\"grid-count\" class=\"muted\">{len(students)} of {len(students)} shown</span>"
                f"{legend}</div>")
    table = (f"<div class=\"grid-wrap\"><table class=\"grid\" id=\"class-grid\">"
             f"{_grid_head(stages, tracks)}{''.join(_grid_row(student, stages) for student in students)}"
             f"</table></div>"
             "<p id=\"grid-empty\" class=\"empty\" hidden>No student matches the filter.</p>")
    return (f"<section id=\"grid\"><h2>Class grid</h2>"
            "<p class=\"lead\">One row per submission, one column per stage. Click a column heading to sort, "
            "a student to read their failure.</p>"
            f"{controls}{table}</section>")


def _grid_head(stages: CourseStages, tracks: list[Track]) -> str:
    sortable = [("id", "Student", "sticky-col"), ("outcome", "Outcome", ""), ("highest", "Highest", "num"),
                ("score", "Score", "num")]
    heads = "".join(
        f"<th rowspan=\"2\" scope=\"col\" class=\"sortable {css}\" data-sort=\"{key}\" aria-sort=\"none\">"
        f"<button type=\"button\">{label}<span class=\"arrow\" aria-hidden=\"true\"></span></button></th>"
        for key, label, css in sortable)
    track_heads = "".join(
        f"<th scope=\"colgroup\" colspan=\"{len(track.stages)}\" class=\"track-head gap\" "
        f"style=\"--track: {track.colour}\" title=\"{_e(_track_title(track))}\"><span>{_e(track.slug)}</span></th>"
        for track in tracks)
    opens = _starts_track(stages)
    stage_heads = "".join(
        f"<th scope=\"col\" class=\"stage-head{' gap' if stage['number'] in opens else ''}\" "
        f"title=\"{_e(_stage_name(stage))}\">{_e(stage['number'])}</th>" for stage in stages)
    return (f"<thead><tr class=\"track-row\">{heads}{track_heads}</tr>"
            f"<tr class=\"stage-row\">{stage_heads}</tr></thead>")


def _grid_row(student: Student, stages: CourseStages) -> str:
    no_result = not student.has_result
    attributes = (f"data-id=\"{_e(student.id)}\" data-outcome=\"{OUTCOME_RANKS[student.outcome]}\" "
                  f"data-highest=\"{-1 if no_result else student.highest}\" "
                  f"data-score=\"{-1 if no_result else _points(student.score)}\" "
                  f"data-state=\"{student.state}\" data-order=\"{student.order}\"")
    first = (f"<th scope=\"row\" class=\"sticky-col student\"><a href=\"#{student.anchor}\">{_e(student.id)}</a></th>"
             f"<td class=\"outcome\">{_outcome_badge(student)}</td>"
             f"<td class=\"num highest\">{'—' if no_result else student.highest}</td>"
             f"<td class=\"num score\">{_score_cell(student, stages)}</td>")
    if no_result:
        cells = (f"<td class=\"not-graded {student.outcome}\" colspan=\"{len(stages)}\" "
                 f"title=\"{_e(_not_graded_text(student))}\">{_e(_not_graded_text(student))}</td>")
        return f"<tbody class=\"student-row\" {attributes}><tr>{first}{cells}</tr></tbody>"
    opens = _starts_track(stages)
    cells = "".join(_stage_cell(student, stage, stage["number"] in opens) for stage in stages)
    note = ""
    if student.outcome != "graded":
        note = (f"<tr class=\"note\"><th class=\"sticky-col\" scope=\"row\"></th>"
                f"<td colspan=\"{len(stages) + 3}\" class=\"not-graded {student.outcome}\">"
                f"{_e(_not_graded_text(student))}</td></tr>")
    return f"<tbody class=\"student-row\" {attributes}><tr>{first}{cells}</tr>{note}</tbody>"


def _stage_cell(student: Student, stage: dict[str, Any], opens_track: bool) -> str:
    status = student.found.get(stage["slug"], "not-run")
    tooltip = f"{stage['number']} {stage['slug']}: {status.replace('-', ' ')}"
    if status == "failed" and student.failed is not None and student.failed.get("slug") == stage["slug"]:
        tooltip += f"\n{_message_of(student.failed)}"
    gap = " gap" if opens_track else ""
    return (f"<td class=\"cell {status}{gap}\" data-stage=\"{_e(stage['number'])}\" "
            f"title=\"{_e(tooltip)}\">{SYMBOLS.get(status, '?')}</td>")


def _outcome_badge(student: Student) -> str:
    symbol = OUTCOME_SYMBOLS[student.outcome]
    tooltip = f" title=\"{_e(student.error)}\"" if student.error else ""
    return (f"<span class=\"badge {student.outcome}\"{tooltip}>{symbol + ' ' if symbol else ''}"
            f"{OUTCOME_LABELS[student.outcome]}</span>")


def _score_cell(student: Student, stages: CourseStages) -> str:
    if not student.has_result:
        return "—"
    whole = max_score(stages)
    share = 100 * student.score / whole if whole else 0
    return (f"<span class=\"score-text\">{_points(student.score)}<small> / {_points(whole)}</small></span>"
            f"<span class=\"meter\"><span style=\"width: {share:.0f}%\"></span></span>")


def _not_graded_text(student: Student) -> str:
    symbol = OUTCOME_SYMBOLS[student.outcome]
    what = {"timeout": "timed out", "error": "could not be graded"}.get(student.outcome, "graded")
    error = student.error or "the grader gave no reason"
    tail = "" if student.has_result else " — no stage result"
    return f"{symbol} {what}: {error}{tail}"


# --- how far students got -----------------------------------------------------------------------------

def _progress_section(students: list[Student], stages: CourseStages, tracks: list[Track]) -> str:
    counted = [student for student in students if student.has_result]
    left_out = len(students) - len(counted)
    note = (f"<p class=\"muted\">{left_out} submission{_plural(left_out)} without a result "
            f"(timed out or not graded) {'is' if left_out == 1 else 'are'} not counted.</p>" if left_out else "")
    if not counted:
        return ("<section id=\"progress\"><h2>How far students got</h2>"
                f"<p class=\"empty\">No submission has a result yet.</p>{note}</section>")
    return (f"<section id=\"progress\"><h2>How far students got</h2>"
            "<p class=\"lead\">How many students have each stage as the highest they passed in an unbroken "
            "run from stage 1.</p>"
            f"{_histogram(counted, stages, tracks)}{note}"
            f"<h3>Tracks completed</h3>{_track_completion(counted, tracks)}</section>")


def _histogram(counted: list[Student], stages: CourseStages, tracks: list[Track]) -> str:
    reached: dict[int, list[Student]] = {number: [] for number in range(len(stages) + 1)}
    for student in counted:
        reached.setdefault(student.highest, []).append(student)
    tallest = max(len(group) for group in reached.values())
    columns = []
    for number, group in sorted(reached.items()):
        height = 100 * len(group) / tallest
        label = "none" if number == 0 else str(number)
        names = ", ".join(student.id for student in group)
        where = "no stage" if number == 0 else f"stage {_stage_name(stages[number - 1])}" \
            if number <= len(stages) else f"stage {number}"
        tooltip = f"highest passed: {where} — {len(group)} student{_plural(len(group))}" + \
            (f": {names}" if names else "")
        count = f"<span class=\"count\">{len(group)}</span>" if group else ""
        columns.append(f"<div class=\"column{' zero' if not group else ''}\" title=\"{_e(tooltip)}\" "
                       f"data-highest=\"{number}\">{count}<span class=\"bar\" style=\"height: {height:.1f}%\">"
                       f"</span><span class=\"tick\">{label}</span></div>")
    bands = "<span class=\"band none\"></span>" + "".join(
        f"<span class=\"band\" style=\"grid-column: span {len(track.stages)}; --track: {track.colour}\" "
        f"title=\"{_e(_track_title(track))}\">{_e(track.slug)}</span>" for track in tracks)
    width = len(reached)
    return (f"<div class=\"histogram\" style=\"--columns: {width}\" role=\"img\" "
            f"aria-label=\"Students by highest stage passed\">"
            f"<div class=\"columns\">{''.join(columns)}</div><div class=\"bands\">{bands}</div></div>")


def _track_completion(counted: list[Student], tracks: list[Track]) -> str:
    items = []
    for track in tracks:
        done = [student for student in counted
                if all(student.found.get(stage["slug"]) == "passed" for stage in track.stages)]
        share = 100 * len(done) / len(counted)
        items.append(f"<li style=\"--track: {track.colour}\" title=\"{_e(', '.join(s.id for s in done))}\">"
                     f"<span class=\"track-name\">{_e(track.slug)}</span>"
                     f"<span class=\"meter\"><span style=\"width: {share:.0f}%\"></span></span>"
                     f"<span class=\"muted\">{len(done)} of {len(counted)}</span></li>")
    return f"<ul class=\"tracks\">{''.join(items)}</ul>"


# --- where students fail ------------------------------------------------------------------------------

def _failures_section(students: list[Student], stages: CourseStages) -> str:
    graded = [student for student in students if student.outcome == "graded" and student.has_result]
    by_stage: dict[str, list[Student]] = {}
    for student in graded:
        if student.failed is not None:
            by_stage.setdefault(student.failed.get("slug", ""), []).append(student)
    known = {stage["slug"]: stage for stage in stages}
    ranked = sorted(by_stage.items(), key=lambda item: (-len(item[1]), _number_of(item[0], known, item[1])))
    rows = [_failure_row(slug, group, known, len(graded)) for slug, group in ranked]
    not_graded = [student for student in students if student.outcome != "graded"]
    aside = ""
    if not_graded:
        links = ", ".join(f"<a href=\"#{s.anchor}\">{_e(s.id)}</a> ({OUTCOME_LABELS[s.outcome]})"
                          for s in not_graded)
        aside = f"<p class=\"muted\">Not graded, so not counted here: {links}.</p>"
    heading = "<section id=\"failures\"><h2>Where students fail</h2>"
    if not rows:
        return f"{heading}<p class=\"empty\">No submission failed a stage.</p>{aside}</section>"
    table = _failures_table(rows[:FAILING_STAGES_SHOWN])
    rest = rows[FAILING_STAGES_SHOWN:]
    if rest:
        table += (f"<details class=\"more-stages\"><summary>{len(rest)} more stage{_plural(len(rest))} where "
                  f"students failed</summary>{_failures_table(rest)}</details>")
    return (f"{heading}<p class=\"lead\">The stage each run stopped at, the most failed first, with the "
            f"messages the students saw (grouped when they differ only in quoted values and ports; one "
            f"shown for each).</p>{table}{aside}</section>")


def _failures_table(rows: list[str]) -> str:
    return ("<table class=\"failures\"><thead><tr><th scope=\"col\">Stage</th><th scope=\"col\">Failed here</th>"
            f"<th scope=\"col\">Most common messages</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _number_of(slug: str, known: dict[str, dict[str, Any]], group: list[Student]) -> int:
    stage = known.get(slug) or group[0].failed or {}
    number = stage.get("number")
    return number if isinstance(number, int) else 0


def _failure_row(slug: str, group: list[Student], known: dict[str, dict[str, Any]], graded: int) -> str:
    stage = known.get(slug) or group[0].failed or {}
    said = [_message_of(student.failed) for student in group if student.failed is not None]
    shapes = Counter(message_shape(message) for message in said)
    example = {}  # one real message for each shape, the first seen
    for message in said:
        example.setdefault(message_shape(message), message)
    common = shapes.most_common()
    shown = "".join(f"<li><span class=\"times\">×{count}</span><code>{_e(example[shape])}</code></li>"
                    for shape, count in common[:MESSAGES_SHOWN])
    more = len(common) - MESSAGES_SHOWN
    rest = f"<li class=\"muted\">and {more} other message{_plural(more)}</li>" if more > 0 else ""
    who = ", ".join(f"<a href=\"#{student.anchor}\">{_e(student.id)}</a>" for student in group[:NAMES_SHOWN])
    if len(group) > NAMES_SHOWN:
        who += f" and {len(group) - NAMES_SHOWN} more"
    share = 100 * len(group) / graded
    return (f"<tr><td class=\"stage\"><span class=\"stage-no\">{_e(stage.get('number', '?'))}</span>"
            f"<strong>{_e(slug)}</strong><div class=\"muted\">{_e(stage.get('title', ''))} · "
            f"<span class=\"chip\">{_e(stage.get('track', ''))}</span></div></td>"
            f"<td class=\"failed-here\"><strong>{len(group)}</strong> student{_plural(len(group))}"
            f" <span class=\"muted\">· {share:.0f}% of the runs</span>"
            f"<span class=\"meter bad\"><span style=\"width: {share:.0f}%\"></span></span>"
            f"<div class=\"who\">{who}</div></td>"
            f"<td><ol class=\"messages\">{shown}{rest}</ol></td></tr>")


# --- one section per student --------------------------------------------------------------------------

def _students_section(students: list[Student], stages: CourseStages) -> str:
    if not students:
        return ""
    return ("<section id=\"students\"><h2>Students</h2>"
            + "".join(_student_article(student, stages) for student in students) + "</section>")


def _student_article(student: Student, stages: CourseStages) -> str:
    record = student.record
    result = record.get("result") or {}
    summary = (f"highest stage {student.highest} of {len(stages)} · score {_points(student.score)} / "
               f"{_points(max_score(stages))}" if student.has_result else "no stage result")
    parts = [f"<article class=\"student-card {student.state}\" id=\"{student.anchor}\">"
             f"<header><h3>{_e(student.id)}</h3>{_outcome_badge(student)}"
             f"<span class=\"muted\">{summary}</span>"
             f"<a class=\"back\" href=\"#grid\">back to the grid ↑</a></header>",
             _facts(record, result)]
    if student.outcome != "graded":
        parts.append(f"<div class=\"callout {student.outcome}\"><strong>"
                     f"{'Timed out' if student.outcome == 'timeout' else 'Could not be graded'}:</strong> "
                     f"<span class=\"error-text\">{_e(student.error or 'the grader gave no reason')}</span></div>")
    if student.failed is not None:
        failed = student.failed
        report = (failed.get("failure") or {}).get("report") or _message_of(failed)
        parts.append(f"<h4>✗ Failed stage {_e(failed.get('number', '?'))} · {_e(failed.get('slug', ''))}"
                     f" <span class=\"muted\">— {_e(failed.get('title', ''))}</span></h4>"
                     f"<pre class=\"report\">{_e(report)}</pre>")
    elif student.state == "passed":
        parts.append("<p class=\"all-passed\">✓ Passed every stage.</p>")
    if student.warnings:
        items = "".join(_warning_item(stage, warning) for stage, warning in student.warnings)
        parts.append(f"<h4>Warnings</h4><ul class=\"warnings\">{items}</ul>")
    if record.get("output"):
        parts.append(f"<details><summary>The tester's output</summary>"
                     f"<pre class=\"output\">{_e(record['output'])}</pre></details>")
    parts.append("</article>")
    return "".join(parts)


def _warning_item(stage: dict[str, Any], warning: dict[str, Any]) -> str:
    """A `should` or `may` check the run found unmet, without failing the stage."""
    expected = f" <span class=\"muted\">(expected {_e(warning['expected'])})</span>" if warning.get("expected") else ""
    rule = f" <span class=\"muted\">{_e(warning['rfc'])}</span>" if warning.get("rfc") else ""
    return (f"<li><span class=\"chip\">{_e(stage.get('number', '?'))} {_e(stage.get('slug', ''))}</span> "
            f"<strong>{_e(warning.get('level') or 'warning')}</strong>: {_e(warning.get('message', ''))}"
            f"{expected}{rule}</li>")


def _facts(record: Record, result: dict[str, Any]) -> str:
    facts = []
    if result.get("seed") is not None:
        facts.append(("seed", f"<code>{_e(result['seed'])}</code> <span class=\"muted\">(replay with "
                              f"<code>tester test --seed {_e(result['seed'])}</code>)</span>"))
    if record.get("graded_at"):
        facts.append(("graded", _e(_readable_time(str(record["graded_at"])))))
    if record.get("elapsed") is not None:
        cpu = f", {_seconds(record['cpu'])} CPU" if record.get("cpu") is not None else ""
        facts.append(("took", f"{_seconds(record['elapsed'])}{cpu}"))
    if record.get("path"):
        facts.append(("folder", f"<code>{_e(record['path'])}</code>"))
    if record.get("fingerprint"):
        fingerprint = str(record["fingerprint"])
        facts.append(("fingerprint", f"<code title=\"{_e(fingerprint)}\">{_e(fingerprint[:12])}</code>"))
    return "<dl class=\"facts\">" + "".join(f"<div><dt>{name}</dt><dd>{value}</dd></div>"
                                             for name, value in facts) + "</dl>"


# --- small helpers ------------------------------------------------------------------------------------

def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _plural(count: int) -> str:
    return "" if count == 1 else "s"


def _points(value: float) -> str:
    return f"{value:g}"


def _seconds(value: object) -> str:
    return f"{value:.1f} s" if isinstance(value, (int, float)) else _e(value)


def _message_of(stage: dict[str, Any]) -> str:
    return str(stage.get("message") or (stage.get("failure") or {}).get("message") or "(no message)")


def _stage_name(stage: dict[str, Any]) -> str:
    return f"{stage['number']} {stage['slug']} — {stage.get('title', '')} ({stage.get('track', '')})"


def _track_title(track: Track) -> str:
    first, last = track.stages[0]["number"], track.stages[-1]["number"]
    return f"track {track.slug}: stages {first}–{last}"


def _readable_time(stamp: str) -> str:
    """An ISO time to the minute ("2026-12-03 18:00 UTC", "... UTC+01:00"); anything else as it is."""
    found = re.fullmatch(r"(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(?::\d\d(?:\.\d+)?)?(Z|[+-]\d\d:\d\d)?", stamp)
    if not found:
        return stamp
    zone = found[3] or ""
    zone = " UTC" if zone in ("Z", "+00:00") else f" UTC{zone}" if zone else ""
    return f"{found[1]} {found[2]}{zone}"


STYLE = """
:root {
  --ink: #1f2933; --muted: #66727f; --line: #e3e7ec; --paper: #f6f7f9; --card: #fff;
  --pass: #2b8a3e; --pass-bg: #d3f2dc; --fail: #c92a2a; --fail-bg: #c92a2a; --none: #eef0f3;
  --warn: #a65c00; --warn-bg: #fff1d6; --error: #a61e4d; --error-bg: #ffe3ec; --accent: #3b5bdb;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace;
}
* { box-sizing: border-box; }
html { scroll-behavior: smooth; }
body { margin: 0; background: var(--paper); color: var(--ink); line-height: 1.5; font-size: 15px;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Liberation Sans", sans-serif; }
.wrap { max-width: 1480px; margin: 0 auto; padding: 0 24px; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre { font-family: var(--mono); font-size: 13px; }
.muted { color: var(--muted); }
.top { background: var(--card); border-bottom: 1px solid var(--line); padding: 28px 0 0; }
h1 { margin: 0; font-size: 28px; letter-spacing: -0.01em; }
.sub { margin: 4px 0 18px; color: var(--muted); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 10px; padding: 12px 16px; border-top: 4px solid #ced4da; }
.card.good { border-top-color: var(--pass); } .card.bad { border-top-color: var(--fail); }
.card.warn { border-top-color: #f59f00; }
.card .value { font-size: 28px; font-weight: 650; line-height: 1.2; font-variant-numeric: tabular-nums; }
.card .value small { font-size: 15px; color: var(--muted); font-weight: 400; }
.card .label { color: var(--ink); font-size: 14px; } .card .note { color: var(--muted); font-size: 12px; }
nav { display: flex; gap: 4px; margin-top: 18px; }
nav a { padding: 10px 14px; color: var(--muted); border-bottom: 2px solid transparent; font-weight: 500; }
nav a:hover { color: var(--ink); border-bottom-color: var(--accent); text-decoration: none; }
section { margin: 32px 0; }
h2 { font-size: 20px; margin: 0 0 4px; } h3 { font-size: 16px; margin: 24px 0 8px; }
.lead { margin: 0 0 14px; color: var(--muted); }
.empty { padding: 16px; background: var(--card); border: 1px dashed var(--line); border-radius: 10px;
  color: var(--muted); }
.controls { display: flex; flex-wrap: wrap; align-items: center; gap: 10px 18px; margin-bottom: 12px; }
.controls label { display: flex; align-items: center; gap: 8px; font-size: 14px; color: var(--muted); }
.controls input, .controls select { font: inherit; color: var(--ink); padding: 6px 10px; border-radius: 8px;
  border: 1px solid #cbd2d9; background: #fff; }
.controls input { width: 200px; }
.controls input:focus, .controls select:focus { outline: 2px solid var(--accent); outline-offset: 1px; }
.legend { display: flex; flex-wrap: wrap; gap: 14px; list-style: none; margin: 0 0 0 auto; padding: 0;
  font-size: 13px; color: var(--muted); align-items: center; }
.legend li { display: flex; align-items: center; gap: 6px; }
.legend .cell { display: inline-block; width: 20px; height: 20px; text-align: center; line-height: 20px;
  border-radius: 3px; font-size: 12px; }
.grid-wrap { overflow: auto; max-height: 78vh; background: var(--card); border: 1px solid var(--line);
  border-radius: 10px; }
table.grid { border-collapse: separate; border-spacing: 0; font-size: 13px; }
.grid th, .grid td { padding: 0; border-bottom: 1px solid var(--line); white-space: nowrap; }
.grid thead th { position: sticky; top: 0; z-index: 2; background: #fff; font-weight: 600; }
.grid .track-row th { height: 26px; }
.grid .stage-row th { top: 26px; }
.grid thead th.sortable { z-index: 3; vertical-align: bottom; text-align: left; padding: 0; }
.grid thead th.sticky-col { z-index: 4; }
.grid .sticky-col { position: sticky; left: 0; z-index: 1; background: #fff; border-right: 1px solid var(--line); }
.sortable button { all: unset; cursor: pointer; display: flex; align-items: center; gap: 4px;
  padding: 8px 10px; width: 100%; box-sizing: border-box; color: var(--ink); font-weight: 600;
  font-size: 13px; }
.sortable.num button { justify-content: flex-end; }
.sortable button:hover { background: #f1f3f5; }
.sortable button:focus-visible { outline: 2px solid var(--accent); outline-offset: -2px; }
.arrow::after { content: "\\2195"; color: #adb5bd; font-size: 11px; }
[aria-sort="ascending"] .arrow::after { content: "\\25B2"; color: var(--accent); }
[aria-sort="descending"] .arrow::after { content: "\\25BC"; color: var(--accent); }
.track-head { font-size: 11px; font-weight: 650; letter-spacing: -0.01em;
  color: var(--track); text-align: left; overflow: hidden; max-width: 0; }
.track-head span { display: block; border-top: 3px solid var(--track); padding: 3px 2px 0; overflow: hidden;
  text-overflow: ellipsis; }
.stage-head { width: 19px; min-width: 19px; height: 24px; font-size: 10.5px; color: var(--muted);
  font-weight: 500 !important; text-align: center; font-variant-numeric: tabular-nums; }
.gap { border-left: 3px solid #fff; }
.grid .student { text-align: left; font-weight: 600; padding: 0 12px; min-width: 110px; max-width: 200px;
  overflow: hidden; text-overflow: ellipsis; }
.grid .outcome { padding: 0 8px; }
.grid .score { min-width: 84px; }
.grid .num { text-align: right; padding: 0 10px; font-variant-numeric: tabular-nums; }
.score-text small { color: var(--muted); }
.meter { display: block; height: 4px; border-radius: 2px; background: #e9ecef; overflow: hidden; margin-top: 2px; }
.meter > span { display: block; height: 100%; background: var(--pass); border-radius: 2px; }
.meter.bad > span { background: var(--fail); }
.grid td.cell { width: 19px; min-width: 19px; height: 30px; text-align: center; font-size: 12px; line-height: 1;
  border-bottom: 2px solid #fff; border-right: 1px solid #fff; cursor: default; }
.cell.passed { background: var(--pass-bg); color: var(--pass); font-weight: 700; }
.cell.failed { background: var(--fail-bg); color: #fff; font-weight: 700; }
.cell.not-run { background: var(--none); color: #98a2ad; }
.grid tbody:hover th, .grid tbody:hover td.outcome, .grid tbody:hover td.num { background: #f1f5ff; }
.grid tbody:hover td.cell { filter: brightness(0.95); }
.grid tbody[hidden] { display: none; }
td.not-graded { padding: 4px 12px; font-size: 13px; white-space: normal; border-left: 3px solid #fff; }
td.not-graded.timeout { background: var(--warn-bg); color: var(--warn);
  background-image: repeating-linear-gradient(135deg, transparent 0 8px, rgba(245,159,0,.12) 8px 16px); }
td.not-graded.error { background: var(--error-bg); color: var(--error);
  background-image: repeating-linear-gradient(135deg, transparent 0 8px, rgba(166,30,77,.08) 8px 16px); }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600;
  white-space: nowrap; }
.badge.graded { background: #edf2ff; color: #364fc7; }
.badge.timeout { background: var(--warn-bg); color: var(--warn); }
.badge.error { background: var(--error-bg); color: var(--error); }
.histogram { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px 16px 10px; }
.histogram .columns, .histogram .bands { display: grid; grid-template-columns: repeat(var(--columns), minmax(0, 1fr));
  gap: 3px; }
.histogram .columns { height: 180px; align-items: end; }
.column { display: flex; flex-direction: column; justify-content: flex-end; align-items: center; height: 100%;
  position: relative; padding-bottom: 18px; }
.column .bar { width: 72%; min-height: 2px; background: var(--accent); border-radius: 3px 3px 0 0; }
.column.zero .bar { background: #e9ecef; }
.column .count { font-size: 12px; font-weight: 650; margin-bottom: 2px; font-variant-numeric: tabular-nums; }
.column .tick { position: absolute; bottom: 0; font-size: 10px; color: var(--muted); }
.column:hover .bar { background: #364fc7; }
.bands { margin-top: 4px; }
.band { font-size: 11px; color: var(--track); font-weight: 650;
  border-top: 3px solid var(--track); padding-top: 2px; overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap; }
.band.none { border-top: 3px solid transparent; }
ul.tracks { list-style: none; padding: 0; margin: 0; display: grid;
  grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 8px 24px; }
ul.tracks li { display: grid; grid-template-columns: 110px 1fr auto; white-space: nowrap; align-items: center;
  gap: 10px; font-size: 14px; }
ul.tracks .track-name { color: var(--track); font-weight: 600; }
ul.tracks .meter { height: 8px; margin: 0; } ul.tracks .meter > span { background: var(--track); }
table.failures { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line);
  border-radius: 10px; overflow: hidden; }
.failures th { text-align: left; font-size: 13px; color: var(--muted); font-weight: 600; padding: 10px 14px;
  border-bottom: 1px solid var(--line); background: #fafbfc; }
.failures td { padding: 12px 14px; border-bottom: 1px solid var(--line); vertical-align: top; }
.failures td.stage { width: 26%; } .failures td.failed-here { width: 22%; }
.stage-no { display: inline-block; min-width: 28px; margin-right: 8px; padding: 0 6px; border-radius: 6px;
  background: #fff0f0; color: var(--fail); font-weight: 700; text-align: center; font-variant-numeric: tabular-nums; }
.failed-here .meter { margin: 6px 0; height: 6px; }
.who { font-size: 13px; }
.chip { display: inline-block; padding: 0 6px; border-radius: 6px; background: #f1f3f5; font-size: 12px;
  color: var(--muted); }
ol.messages { list-style: none; margin: 0; padding: 0; display: grid; gap: 6px; }
ol.messages li { display: flex; gap: 10px; align-items: baseline; }
ol.messages code { white-space: pre-wrap; overflow-wrap: anywhere; background: #f8f9fa; padding: 2px 6px;
  border-radius: 4px; }
.times { font-weight: 700; color: var(--fail); min-width: 28px; font-variant-numeric: tabular-nums; }
.student-card { background: var(--card); border: 1px solid var(--line); border-left: 4px solid #ced4da;
  border-radius: 10px; padding: 16px 20px; margin: 0 0 14px; scroll-margin-top: 12px; }
.student-card.passed { border-left-color: var(--pass); } .student-card.failing { border-left-color: var(--fail); }
.student-card.not-graded { border-left-color: #f59f00; }
.student-card:target { box-shadow: 0 0 0 3px #bac8ff; }
.student-card header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 6px 12px; }
.student-card h3 { margin: 0; font-size: 18px; overflow-wrap: anywhere; }
.student-card h4 { margin: 14px 0 6px; font-size: 15px; }
.back { margin-left: auto; font-size: 13px; }
.facts { display: flex; flex-wrap: wrap; gap: 4px 24px; margin: 8px 0 0; font-size: 13px; }
.facts div { display: flex; gap: 6px; } .facts dt { color: var(--muted); } .facts dd { margin: 0; }
pre.report, pre.output { background: #f8f9fb; color: #1f2933; border: 1px solid var(--line); border-radius: 8px;
  padding: 12px 14px; margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; line-height: 1.45; }
pre.report { border-left: 3px solid var(--fail); }
.callout { margin: 12px 0 0; padding: 10px 14px; border-radius: 8px; }
.callout.timeout { background: var(--warn-bg); color: #6b3c00; }
.callout.error { background: var(--error-bg); color: #7a1238; }
.all-passed { color: var(--pass); font-weight: 600; margin: 10px 0 0; }
ul.warnings { margin: 0; padding-left: 20px; font-size: 14px; }
details { margin-top: 12px; }
.more-stages > summary { margin: 12px 0 8px; } summary { cursor: pointer; color: var(--muted); margin-bottom: 6px; }
footer { color: var(--muted); font-size: 13px; padding-bottom: 32px; }
@media print { .controls, nav, .back { display: none; } .grid-wrap { max-height: none; overflow: visible; } }
"""

# Sorting and filtering of the grid: each student is a <tbody> whose data- attributes hold what they sort
# and filter on. Kept to ASCII, since the page's policy allows this script by the hash of its text.
SCRIPT = """
(function () {
  "use strict";
  var grid = document.getElementById("class-grid");
  if (!grid) { return; }
  var rows = Array.prototype.slice.call(grid.tBodies);
  var filter = document.getElementById("grid-filter");
  var show = document.getElementById("grid-show");
  var counter = document.getElementById("grid-count");
  var empty = document.getElementById("grid-empty");
  var textual = { id: true };
  var sortedOn = null;
  var direction = 1;

  function valueOf(row, key) {
    var raw = row.dataset[key];
    return textual[key] ? raw.toLowerCase() : Number(raw);
  }
  function compare(a, b) { return a < b ? -1 : a > b ? 1 : 0; }

  function sortBy(key) {
    direction = key === sortedOn ? -direction : (textual[key] ? 1 : -1);
    sortedOn = key;
    var order = rows.slice().sort(function (a, b) {
      return direction * (compare(valueOf(a, key), valueOf(b, key)) ||
        compare(valueOf(a, "id"), valueOf(b, "id")) || compare(valueOf(a, "order"), valueOf(b, "order")));
    });
    order.forEach(function (row) { grid.appendChild(row); });
    grid.querySelectorAll("th[data-sort]").forEach(function (head) {
      var state = head.dataset.sort !== key ? "none" : direction === 1 ? "ascending" : "descending";
      head.setAttribute("aria-sort", state);
    });
  }

  function applyFilter() {
    var query = filter.value.trim().toLowerCase();
    var wanted = show.value === "all" ? null : show.value.split(" ");
    var shown = 0;
    rows.forEach(function (row) {
      var visible = row.dataset.id.toLowerCase().indexOf(query) !== -1 &&
        (wanted === null || wanted.indexOf(row.dataset.state) !== -1);
      row.hidden = !visible;
      if (visible) { shown += 1; }
    });
    counter.textContent = shown + " of " + rows.length + " shown";
    empty.hidden = shown !== 0;
  }

  grid.querySelectorAll("th[data-sort] button").forEach(function (button) {
    button.addEventListener("click", function () { sortBy(button.parentElement.dataset.sort); });
  });
  filter.addEventListener("input", applyFilter);
  show.addEventListener("change", applyFilter);
  applyFilter();
})();
"""
