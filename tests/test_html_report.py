"""The HTML class report (tester/reports/html.py): what the page holds, read back with a parser, and what it
does in a real browser (headless Chromium through Playwright): sorting, filtering, no errors, and no
learner text that runs as markup. The browser tests skip when Playwright or Chromium is not installed.

The records are the samples in tests/data/records: alice passes every stage, bob fails stage 1, carol
fails stage 50, dave timed out and erin could not be graded.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tester.reports.html import render

RECORDS = Path(__file__).resolve().parent / "data" / "records"
STAGES = json.loads((RECORDS / "course-stages.json").read_text())
SAMPLE_IDS = ("alice", "bob", "carol", "dave", "erin")
HOSTILE = "<script>alert(1)</script>"
HOSTILE_ATTRIBUTE = "\"><img src=x onerror=\"window.pwned=1\">"


def sample(name: str) -> dict:
    return json.loads((RECORDS / f"{name}.json").read_text())


def samples() -> list[dict]:
    return [sample(name) for name in SAMPLE_IDS]


def failed_like_bob(identifier: str, message: str) -> dict:
    """bob's record under another id, failing stage 1 with `message`."""
    record = sample("bob")
    record["id"] = identifier
    stage = record["result"]["stages"][0]
    stage["message"] = stage["failure"]["message"] = message
    stage["failure"]["report"] = f"✗ stage 1 bind failed: {message}\n"
    return record


def hostile_record() -> dict:
    """carol's record with an id, a message and a report that would be markup if they were not escaped."""
    record = sample("carol")
    record["id"] = HOSTILE + HOSTILE_ATTRIBUTE
    failed = record["result"]["stages"][49]
    failed["message"] = failed["failure"]["message"] = f"got {HOSTILE} {HOSTILE_ATTRIBUTE}"
    failed["failure"]["report"] = f"✗ stage 50 failed: {HOSTILE}\n  received:\n    {HOSTILE_ATTRIBUTE}\n"
    record["output"] = f"</pre>{HOSTILE}"
    return record


# --- the page read back with a parser -----------------------------------------------------------------

VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                 "wbr"}


class Element:
    def __init__(self, tag: str, attributes: dict[str, str], parent: Element | None):
        self.tag, self.attributes, self.parent = tag, attributes, parent
        self.children: list[Element | str] = []

    @property
    def classes(self) -> list[str]:
        return (self.attributes.get("class") or "").split()

    @property
    def text(self) -> str:
        return "".join(child if isinstance(child, str) else child.text for child in self.children)

    def all(self, tag: str | None = None, css: str | None = None, **attributes: str) -> list[Element]:
        """Descendants with that tag, class and attribute values (data_id= means data-id=), in document order."""
        wanted = {name.replace("_", "-"): value for name, value in attributes.items()}
        found = []
        for child in self.children:
            if isinstance(child, str):
                continue
            if ((tag is None or child.tag == tag) and (css is None or css in child.classes)
                    and all(child.attributes.get(name) == value for name, value in wanted.items())):
                found.append(child)
            found.extend(child.all(tag, css, **attributes))
        return found

    def one(self, tag: str | None = None, css: str | None = None, **attributes: str) -> Element:
        found = self.all(tag, css, **attributes)
        assert len(found) == 1, f"{len(found)} elements match {tag} .{css} {attributes}"
        return found[0]


class TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Element("#document", {}, None)

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {name: value or "" for name, value in attrs}, self.current)
        self.current.children.append(element)
        if tag not in VOID_ELEMENTS:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Element(tag, {name: value or "" for name, value in attrs}, self.current))

    def handle_endtag(self, tag):
        open_element = self.current
        while open_element is not None and open_element.tag != tag:
            open_element = open_element.parent
        assert open_element is not None and open_element.parent is not None, f"</{tag}> closes nothing"
        self.current = open_element.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parsed(page: str) -> Element:
    builder = TreeBuilder()
    builder.feed(page)
    builder.close()
    assert builder.current is builder.root, f"<{builder.current.tag}> is never closed"
    return builder.root


def row_of(document: Element, identifier: str) -> Element:
    return document.one("tbody", data_id=identifier)


def cell_statuses(row: Element) -> dict[int, str]:
    statuses = {}
    for cell in row.all("td", "cell"):
        (status,) = {"passed", "failed", "not-run"} & set(cell.classes)
        statuses[int(cell.attributes["data-stage"])] = status
    return statuses


def test_every_student_has_a_row_linked_to_their_section():
    document = parsed(render(samples(), STAGES))
    for identifier in SAMPLE_IDS:
        link = row_of(document, identifier).one("a")
        assert link.text == identifier
        target = link.attributes["href"].removeprefix("#")
        section = document.one("article", id=target)
        assert section.one("h3").text == identifier
    assert [row.attributes["data-id"] for row in document.all("tbody", "student-row")] == list(SAMPLE_IDS)


def test_graded_rows_have_one_cell_per_stage_with_its_status():
    document = parsed(render(samples(), STAGES))
    alice, bob, carol = (cell_statuses(row_of(document, name)) for name in ("alice", "bob", "carol"))
    assert alice == {number: "passed" for number in range(1, 53)}
    assert bob == {1: "failed", **{number: "not-run" for number in range(2, 53)}}
    assert carol == {**{number: "passed" for number in range(1, 50)}, 50: "failed", 51: "not-run", 52: "not-run"}
    symbols = {cell.text for cell in row_of(document, "carol").all("td", "cell")}
    assert symbols == {"✓", "✗", "·"}, "each status has a symbol besides its colour"


def test_a_failed_cell_tells_the_stage_and_the_message_on_hover():
    document = parsed(render(samples(), STAGES))
    failed = row_of(document, "carol").one("td", "failed")
    assert failed.attributes["title"].startswith("50 wsgi-streaming: failed\n")
    assert "held back until the rest was ready" in failed.attributes["title"]
    passed = row_of(document, "carol").one("td", "cell", data_stage="1")
    assert passed.attributes["title"] == "1 bind: passed"


def test_the_rows_carry_what_they_sort_on():
    document = parsed(render(samples(), STAGES))
    values = {row.attributes["data-id"]: (row.attributes["data-highest"], row.attributes["data-score"],
                                          row.attributes["data-state"])
              for row in document.all("tbody", "student-row")}
    assert values == {"alice": ("52", "52", "passed"), "bob": ("0", "0", "failing"),
                      "carol": ("49", "49", "failing"), "dave": ("-1", "-1", "not-graded"),
                      "erin": ("-1", "-1", "not-graded")}
    assert [head.attributes["data-sort"] for head in document.all("th", "sortable")] == \
        ["id", "outcome", "highest", "score"]


def test_the_stage_columns_are_labelled_by_track():
    document = parsed(render(samples(), STAGES))
    tracks = [(head.text, int(head.attributes["colspan"])) for head in document.all("th", "track-head")]
    assert tracks == [("base", 8), ("compression", 3), ("persistence", 3), ("rest", 11), ("static", 9),
                      ("http11", 11), ("wsgi", 7)]
    assert [head.text for head in document.all("th", "stage-head")] == [str(n) for n in range(1, 53)]


def test_records_that_were_not_graded_show_their_error_in_the_grid_and_in_their_section():
    document = parsed(render(samples(), STAGES))
    for name, outcome, error in (("dave", "timeout", "still running after 300 s: stopped"),
                                 ("erin", "error", "no your_program.sh in /srv/class/erin")):
        row = row_of(document, name)
        assert row.one("span", "badge").classes == ["badge", outcome]
        assert error in row.one("td", "not-graded").text
        assert not row.all("td", "cell"), "a record without a result has no stage verdicts to show"
        section = document.one("article", id=f"student-{name}")
        assert section.one("span", "error-text").text == error


def test_a_timeout_with_a_partial_result_keeps_its_cells_and_shows_its_error():
    record = sample("carol")
    record.update(outcome="timeout", error="still running after 300 s: stopped")
    document = parsed(render([record], STAGES))
    row = row_of(document, "carol")
    assert cell_statuses(row)[50] == "failed"
    assert "still running after 300 s: stopped" in row.one("td", "not-graded").text
    assert row.attributes["data-state"] == "not-graded"


def test_each_failed_section_quotes_the_terminal_report_exactly():
    records = samples()
    document = parsed(render(records, STAGES))
    for record in records[1:3]:
        failed = next(stage for stage in record["result"]["stages"] if stage["status"] == "failed")
        section = document.one("article", id=f"student-{record['id']}")
        assert section.one("pre", "report").text == failed["failure"]["report"]
        assert f"tester test --seed {record['result']['seed']}" in section.text
    assert "Passed every stage" in document.one("article", id="student-alice").text


def test_warnings_are_listed_in_the_student_section():
    record = sample("alice")
    record["result"]["stages"][2]["warnings"] = [
        {"level": "should", "rfc": "RFC 9110, 8.8.2", "message": "no Date header", "expected": "a Date header"}]
    section = parsed(render([record], STAGES)).one("article", id="student-alice")
    warning = section.one("ul", "warnings").one("li").text
    assert "3 url-path" in warning and "should: no Date header" in warning and "expected a Date header" in warning


def test_learner_text_is_escaped_everywhere():
    page = render([hostile_record(), *samples()], STAGES)
    assert HOSTILE not in page and "<img" not in page
    document = parsed(page)
    assert len(document.all("script")) == 1, "the page's own script only"
    assert not document.all("img")
    hostile_id = HOSTILE + HOSTILE_ATTRIBUTE
    row = row_of(document, hostile_id)
    assert row.one("a").text == hostile_id
    section = document.one("article", id=row.one("a").attributes["href"][1:])
    assert HOSTILE_ATTRIBUTE in section.one("pre", "report").text
    assert section.one("pre", "output").text == f"</pre>{HOSTILE}"
    assert f"got {HOSTILE}" in row.one("td", "failed").attributes["title"]
    assert re.fullmatch(r"student-[a-z0-9_-]+", row.one("a").attributes["href"][1:])


def test_the_page_loads_nothing_from_elsewhere():
    document = parsed(render(samples(), STAGES))
    for element in document.all():
        for name in ("href", "src", "action", "srcset", "poster", "data"):
            if name in element.attributes:
                assert element.attributes[name].startswith("#"), (element.tag, name, element.attributes[name])
    assert not document.all("link") and not document.all("iframe") and not document.all("img")
    style = document.one("style").text
    assert "@import" not in style and "url(" not in style
    # the only addresses on the page are in the learners' failures (carol's curl line), never in markup
    without_urls = render([sample(name) for name in ("alice", "bob", "dave", "erin")], STAGES)
    assert "http://" not in without_urls and "https://" not in without_urls


def test_the_content_security_policy_allows_the_page_script_by_its_hash():
    document = parsed(render(samples(), STAGES))
    policy = document.one("meta", http_equiv="Content-Security-Policy").attributes["content"]
    script = document.one("script").text
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    directives = dict(directive.strip().split(" ", 1) for directive in policy.split(";"))
    assert directives["script-src"] == f"'sha256-{digest}'", "no other script may run, inline or loaded"
    assert directives["default-src"] == "'none'"


def test_where_students_fail_ranks_stages_and_groups_messages_of_one_mistake():
    records = [failed_like_bob("b1", "no listener on port 7320"), failed_like_bob("b2", "no listener on port 7321"),
               failed_like_bob("b3", "refused on port 9000"), sample("carol"), sample("alice"), sample("dave")]
    table = parsed(render(records, STAGES)).one("table", "failures")
    first, second = table.one("tbody").all("tr")
    assert first.one("span", "stage-no").text == "1" and second.one("span", "stage-no").text == "50"
    assert first.one("td", "failed-here").one("strong").text == "3"
    assert "60% of the runs" in first.one("td", "failed-here").text  # 3 of the 5 records with a result
    messages = [(item.one("span", "times").text, item.one("code").text) for item in first.all("li")]
    assert messages == [("×2", "no listener on port 7320"), ("×1", "refused on port 9000")]  # one shown for 2
    assert [link.text for link in first.one("div", "who").all("a")] == ["b1", "b2", "b3"]


def test_messages_that_differ_in_quoted_values_are_one_mistake_and_status_codes_are_not():
    records = [failed_like_bob("b1", "the body's first 10 bytes, 'first fig\\n', arrived 0.00 s early"),
               failed_like_bob("b2", "the body's first 10 bytes, 'first yak\\n', arrived 0.00 s early"),
               failed_like_bob("b3", "expected status code 404, got 200"),
               failed_like_bob("b4", "expected status code 404, got 500")]
    table = parsed(render(records, STAGES)).one("table", "failures")
    counts = [item.one("span", "times").text for item in table.one("tbody").one("tr").all("li")]
    assert counts == ["×2", "×1", "×1"]


def failing_at(identifier: str, number: int) -> dict:
    """carol's record under another id, passing the stages before `number` and failing that one."""
    record = sample("carol")
    record["id"] = identifier
    failure = copy.deepcopy(record["result"]["stages"][49]["failure"])
    for stage in record["result"]["stages"]:
        status = "passed" if stage["number"] < number else "failed" if stage["number"] == number else "not-run"
        stage.update(status=status, message=None, failure=None)
        if status == "failed":
            stage.update(message=failure["message"], failure=failure)
    return record


def test_where_students_fail_lists_the_ten_most_failed_stages_and_folds_the_rest():
    records = [failing_at(f"s{number}-{copy_}", number) for number in range(2, 14)
               for copy_ in range(2 if number == 13 else 1)]
    section = parsed(render(records, STAGES)).one("section", id="failures")
    first_table, folded_table = section.all("table", "failures")
    assert [cell.text for cell in first_table.all("span", "stage-no")] == ["13", *map(str, range(2, 11))]
    assert [cell.text for cell in folded_table.all("span", "stage-no")] == ["11", "12"]
    assert section.one("details").one("summary").text == "2 more stages where students failed"


def test_the_distribution_counts_each_highest_stage_passed():
    document = parsed(render(samples(), STAGES))
    columns = document.one("div", "histogram").all("div", "column")
    assert len(columns) == 53
    counts = {int(column.attributes["data-highest"]): column.all("span", "count") for column in columns}
    assert {number: found[0].text for number, found in counts.items() if found} == {0: "1", 49: "1", 52: "1"}
    assert "2 submissions without a result" in document.one("section", id="progress").text


def test_students_with_the_same_anchor_get_distinct_sections():
    records = [failed_like_bob("a b", "x"), failed_like_bob("a-b", "y"), failed_like_bob("", "z")]
    document = parsed(render(records, STAGES))
    anchors = [article.attributes["id"] for article in document.all("article")]
    assert len(set(anchors)) == 3
    for row in document.all("tbody", "student-row"):
        assert row.one("a").attributes["href"][1:] in anchors


def test_an_empty_class_renders_a_page_that_says_so():
    document = parsed(render([], STAGES, title="Nobody yet"))
    assert document.one("title").text == "Nobody yet"
    assert "No submission was graded" in document.one("section", id="grid").text
    assert not document.all("table", "grid")


# --- the page in a browser ----------------------------------------------------------------------------

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/lib/chromium/chromium",
                  "/snap/bin/chromium")


def find_chromium() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return found or next((path for path in CHROMIUM_PATHS if os.access(path, os.X_OK)), None)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright import sync_api
    except ImportError as error:  # not installed, or installed without its compiled parts
        pytest.skip(f"Playwright cannot be imported (pip install playwright): {error}")
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium)
        yield launched
        launched.close()


class OpenedReport:
    """The report open in a fresh page, with what the page said went wrong."""

    def __init__(self, browser, path: Path):
        self.page = browser.new_page(viewport={"width": 1440, "height": 900})
        self.errors: list[str] = []
        self.page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))
        self.page.goto(path.as_uri())

    def cell_class(self, student: str, stage: int) -> str:
        return self.page.locator(f'tbody[data-id="{student}"] td[data-stage="{stage}"]').get_attribute("class")

    def row_order(self) -> list[str]:
        return self.page.eval_on_selector_all("#class-grid tbody", "rows => rows.map(row => row.dataset.id)")

    def visible_rows(self) -> list[str]:
        return self.page.eval_on_selector_all(
            "#class-grid tbody", "rows => rows.filter(row => row.offsetParent !== null).map(row => row.dataset.id)")

    def sort_on(self, key: str) -> None:
        self.page.click(f'th[data-sort="{key}"] button')


@pytest.fixture
def open_report(browser, tmp_path):
    """open_report(records): the report of `records` written to a file and opened; closed after the test."""
    reports: list[OpenedReport] = []

    def open_one(records: list[dict]) -> OpenedReport:
        path = tmp_path / f"report-{len(reports)}.html"
        path.write_text(render(records, STAGES), encoding="utf-8")
        reports.append(OpenedReport(browser, path))
        return reports[-1]

    yield open_one
    for report in reports:
        report.page.close()


def test_the_grid_in_a_browser_shows_each_status(open_report):
    report = open_report(samples())
    assert "failed" in report.cell_class("bob", 1).split()
    assert "passed" in report.cell_class("alice", 52).split()
    assert "not-run" in report.cell_class("carol", 51).split()
    assert "failed" in report.cell_class("carol", 50).split()
    assert report.page.locator('tbody[data-id="dave"] td.not-graded').inner_text().startswith("◷ timed out")
    grid = report.page.locator(".grid-wrap")
    assert grid.evaluate("wrap => wrap.scrollWidth <= wrap.clientWidth"), "52 stages fit a 1440 px window"
    assert report.errors == []


def test_sorting_in_a_browser_goes_both_ways(open_report):
    report = open_report(samples())
    report.sort_on("score")
    assert report.row_order() == ["alice", "carol", "bob", "erin", "dave"]
    assert report.page.get_attribute('th[data-sort="score"]', "aria-sort") == "descending"
    report.sort_on("score")
    assert report.row_order() == ["dave", "erin", "bob", "carol", "alice"]
    assert report.page.get_attribute('th[data-sort="score"]', "aria-sort") == "ascending"
    report.sort_on("highest")
    assert report.row_order()[:2] == ["alice", "carol"]
    assert report.page.get_attribute('th[data-sort="score"]', "aria-sort") == "none"
    report.sort_on("id")
    assert report.row_order() == sorted(SAMPLE_IDS)
    report.sort_on("id")
    assert report.row_order() == sorted(SAMPLE_IDS, reverse=True)
    assert report.errors == []


def test_filtering_in_a_browser_by_id_and_by_state(open_report):
    report = open_report(samples())
    report.page.fill("#grid-filter", "car")
    assert report.visible_rows() == ["carol"]
    assert report.page.inner_text("#grid-count") == "1 of 5 shown"
    report.page.fill("#grid-filter", "nobody")
    assert report.visible_rows() == []
    assert report.page.is_visible("#grid-empty")
    report.page.fill("#grid-filter", "")
    report.page.select_option("#grid-show", "not-graded")
    assert report.visible_rows() == ["dave", "erin"]
    report.page.select_option("#grid-show", "failing not-graded")
    assert report.visible_rows() == ["bob", "carol", "dave", "erin"]
    report.page.fill("#grid-filter", "e")
    assert report.visible_rows() == ["dave", "erin"]
    assert report.errors == []


def test_a_student_link_in_a_browser_leads_to_their_failure(open_report):
    report = open_report(samples())
    report.page.click('tbody[data-id="bob"] a')
    assert report.page.evaluate("location.hash") == "#student-bob"
    section = report.page.locator("#student-bob")
    section.locator("pre.report").wait_for()
    assert "before accepting a connection on port 7320" in section.locator("pre.report").inner_text()
    assert report.errors == []


def test_learner_text_runs_nothing_in_a_browser(open_report):
    report = open_report([hostile_record(), *samples()])
    assert report.page.evaluate("typeof window.pwned") == "undefined"
    assert report.page.locator("img").count() == 0
    hostile_id = HOSTILE + HOSTILE_ATTRIBUTE
    assert report.page.locator("#class-grid tbody").first.locator("a").inner_text() == hostile_id
    report.page.fill("#grid-filter", "<script")
    assert report.visible_rows() == [hostile_id]
    assert report.errors == []
