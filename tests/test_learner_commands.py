"""The learner's commands run for real: plain `tester`, status, show, hint, send and watch.

Runs go against a copy of the reference server (or a fixture) in a temporary folder, so the progress
file they write is the test's own.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import COURSE, FIXTURES, REFERENCE, ROOT, STARTER, free_port
from tester import markdown, progress
from tester.cli import main
from tester.console import Console, wants_colour


@pytest.fixture
def solution(tmp_path):
    folder = tmp_path / "solution"
    shutil.copytree(REFERENCE, folder, ignore=shutil.ignore_patterns("__pycache__", progress.FILE))
    return folder


def run(capsys, *args: str) -> tuple[int, str]:
    course = [] if args[0] == "send" else ["--course", str(COURSE)]  # send needs no course
    code = main([*args, *course, "--no-color"])
    return code, capsys.readouterr().out


def running(solution: Path) -> list[str]:
    return ["--solution", str(solution), "--port", str(free_port()), "--seed", "1"]


# plain `tester` and `tester stage` without N


def test_plain_tester_runs_the_current_stage_and_remembers(capsys, solution):
    code, out = run(capsys, *running(solution))
    assert code == 0, out
    assert "your current stage is 1 (bind)" in out
    assert "Next: stage 2 (respond-200)" in out
    code, out = run(capsys, "stage", *running(solution))
    assert code == 0, out
    assert "your current stage is 2 (respond-200)" in out
    assert "stage 1 bind: Bind to a port (regression)" in out
    saved, _ = progress.load(solution)
    assert set(saved.passed) == {"bind", "respond-200"}


def test_a_failure_keeps_the_stage_current(capsys, tmp_path):
    folder = tmp_path / "bare-lf"
    shutil.copytree(FIXTURES / "bare-lf", folder, ignore=shutil.ignore_patterns("__pycache__", progress.FILE))
    (folder / "server.py").write_text((FIXTURES / "bare-lf" / "server.py").read_text().replace(
        "parents[1]", f"parents[0] / {str(FIXTURES)!r}"))
    for _ in range(2):
        code, out = run(capsys, *running(folder))
    assert code == 1
    assert "your current stage is 2 (respond-200)" in out and "bare \\n" in out


def test_corrupt_progress_file_starts_over_with_a_note(capsys, solution):
    (solution / progress.FILE).write_text("{ half a file")
    code, out = run(capsys, *running(solution))
    assert code == 0, out
    assert "is not valid JSON" in out and "your current stage is 1 (bind)" in out
    assert progress.load(solution)[1] is None  # rewritten


def test_unwritable_progress_costs_only_a_note(capsys, solution):
    (solution / progress.FILE).mkdir()
    code, out = run(capsys, *running(solution))
    assert code == 0, out
    assert "progress not saved" in out


def test_solution_defaults_to_the_current_folder_when_it_holds_your_program(capsys, solution, monkeypatch):
    monkeypatch.chdir(solution)
    code, out = run(capsys, "--port", str(free_port()))
    assert code == 0, out
    assert (solution / progress.FILE).is_file()


# status, show, hint


def test_status_shows_passed_current_and_locked(capsys, solution):
    run(capsys, "stage", "2", *running(solution))
    code, out = run(capsys, "status", "--solution", str(solution))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "base: The base server (stages 1-8)  ← your track"
    assert lines[1].startswith("  ✓  1. passed") and "bind" in lines[1]
    assert lines[2].startswith("  ✓  2. passed")
    assert lines[3].startswith("  →  3. current") and "url-path" in lines[3]
    assert lines[4].startswith("  ·  4. locked")
    assert "compression: Compression (stages 9-11, requires base)" in lines
    assert "  ·  9. pending  compression-header   Announce compression" in lines
    assert "2 of 52 passed; your track is base, 2 of 8 passed" in out
    assert "Next: read stage 3 with 'tester show'" in out


def test_status_on_the_untouched_starter(capsys, tmp_path):
    folder = tmp_path / "solution"
    shutil.copytree(STARTER, folder)
    code, out = run(capsys, "status", "--solution", str(folder))
    assert code == 0 and out.splitlines()[1].startswith("  →  1. current")


def test_show_renders_the_description_with_its_wire_bytes(capsys):
    code, out = run(capsys, "show", "4")
    assert code == 0
    assert out.splitlines()[2] == "Respond with a body" and out.splitlines()[3] == "=" * 19
    assert "    GET /echo/{text} HTTP/1.1\\r\\n\n    Host: localhost:4221\\r\\n\n" in out
    assert "```" not in out and "## " not in out
    assert "Remove only the `/echo/` prefix" not in out  # hints are for `tester hint`
    assert "This stage has 4 hints: 'tester hint 4'" in out


def test_show_without_n_shows_the_current_stage(capsys, solution):
    run(capsys, "stage", "1", *running(solution))
    code, out = run(capsys, "show", "--solution", str(solution))
    assert code == 0 and "stage 2 of 52 (respond-200)" in out


def test_show_of_an_unknown_stage_is_a_usage_error(capsys):
    code, out = run(capsys, "show", "99")
    assert code == 2 and "there is no stage '99'" in out


def test_hint_gives_one_more_each_time_and_all_on_request(capsys, solution):
    code, out = run(capsys, "hint", "4", "--solution", str(solution))
    assert code == 0 and "1/4" in out and "2/4" not in out and "3 more" in out
    code, out = run(capsys, "hint", "4", "--solution", str(solution))
    assert "2/4" in out and "1/4" not in out
    assert progress.load(solution)[0].hints_seen == {"echo": 2}
    code, out = run(capsys, "hint", "4", "--all", "--solution", str(solution))
    assert all(f"{n}/4" in out for n in range(1, 5)) and "last hint" in out


def test_hint_without_a_writable_progress_file_points_to_all(capsys, solution):
    (solution / progress.FILE).mkdir()
    code, out = run(capsys, "hint", "4", "--solution", str(solution))
    assert code == 0 and "1/4" in out and "progress not saved" in out
    assert "3 more: 'tester hint 4 --all' shows them." in out and "again" not in out


def test_show_of_a_description_that_is_not_utf8_is_a_usage_error(capsys, tmp_path):
    course = tmp_path / "course"
    shutil.copytree(ROOT / "stages", course / "stages")
    shutil.copytree(ROOT / "wsgi", course / "wsgi")
    shutil.copy(COURSE, course / "stages.yaml")
    first = sorted((course / "stages").glob("01-*.md"))[0]
    first.write_bytes(first.read_bytes() + b"\xff\xfe")
    code = main(["show", "1", "--course", str(course / "stages.yaml"), "--no-color"])
    out = capsys.readouterr().out
    assert code == 2 and "cannot read the description of stage bind" in out and "can't decode" in out, out
    assert "the tester itself failed" not in out


def test_every_stage_has_hints_that_read_as_sentences():
    for description in sorted((ROOT / "stages").glob("*.md")):
        items = markdown.hints(description.read_text())
        assert items, f"{description.name} has no ## Hints items"
        assert all(len(item) > 20 and "\n" not in item for item in items), description.name


def test_markdown_reading():
    text = ("# Title\n\nSome `code` and **bold**.\n\n## Background\n\n```http\nGET / HTTP/1.1\nHost: x\n\n"
            "body\n```\n\n## Hints\n\n- first hint,\n  continued\n- second\n\n## After\n\nmore\n")
    assert markdown.hints(text) == ["first hint, continued", "second"]
    assert "## Hints" not in markdown.without_hints(text) and "## After" in markdown.without_hints(text)
    kinds = [(line.kind, line.text) for line in markdown.terminal_lines(text)]
    assert ("title", "Title") in kinds and ("heading", "Background") in kinds
    assert kinds[kinds.index(("fence", "```http")) + 1:][:5] == [
        ("wire", "GET / HTTP/1.1"), ("wire", "Host: x"), ("wire", ""), ("code", "body"), ("fence", "```")]


def test_a_partial_http_block_gets_no_closing_empty_line():
    text = "```http partial\nGET / HTTP/1.1\nHost: x\n```\n\n```http\nGET / HTTP/1.1\nHost: x\n```\n"
    kinds = [(line.kind, line.text) for line in markdown.terminal_lines(text)]
    wire = ("wire", "GET / HTTP/1.1"), ("wire", "Host: x")
    assert kinds[:4] == [("fence", "```http partial"), *wire, ("fence", "```")]
    assert kinds[5:10] == [("fence", "```http"), *wire, ("wire", ""), ("fence", "```")]
    assert markdown.fence_info("```http partial") == ("http", ["partial"])
    assert markdown.fence_info("```") == ("text", [])


def test_show_leaves_the_unfinished_request_of_stage_6_unfinished(capsys):
    code, out = run(capsys, "show", "6")
    assert code == 0
    lines = out.splitlines()
    host = lines.index("    Host: localhost:4221\\r\\n")
    assert lines[host - 1] == "    GET / HTTP/1.1\\r\\n"
    assert lines[host + 1] != "    \\r\\n"  # the page says the empty line is not sent yet
    finish = lines.index("    Accept: */*\\r\\n")
    assert lines[finish + 1] == "    \\r\\n" and lines[finish + 2] != "    \\r\\n"


@pytest.mark.parametrize("number", range(1, len(list((ROOT / "stages").glob("*.md"))) + 1))
def test_no_shown_page_says_its_blocks_lack_the_line_ends_it_shows(capsys, number):
    code, out = run(capsys, "show", str(number))
    assert code == 0
    prose = " ".join(line.strip() for line in out.splitlines() if not line.startswith("    "))
    shows_them = any(line.startswith("    ") and line.endswith("\\r\\n") for line in out.splitlines())
    claims = re.search(r"without (its |their |the )?`?\\r\\n", prose)
    assert not (shows_them and claims), claims and claims.group(0)


def test_level_two_headings_inside_code_blocks_are_not_sections():
    text = "# T\n\n## Background\n\n```md\n## Not a section\n```\n\n## Hints\n\n- one\n"
    assert markdown.sections_at(text) == [(3, "Background"), (9, "Hints")]
    head, sections = markdown.split_sections(text)
    assert head == "# T\n" and list(sections) == ["Background", "Hints"]
    assert "## Not a section" in sections["Background"]


# send


def test_send_shows_the_exact_response_and_accepts_it(capsys):
    code, out = run(capsys, "send", "/echo/abc", "--start", "--solution", str(REFERENCE), "--port", str(free_port()))
    assert code == 0, out
    assert "    GET /echo/abc HTTP/1.1\\r\\n" in out
    assert "    Content-Length: 3\\r\\n\n    \\r\\n\n    abc\n" in out
    assert "✓ valid HTTP/1.1: HTTP/1.1 200 OK, 2 headers, a 3-byte body by Content-Length" in out


def test_send_says_whether_the_server_closed_the_connection(capsys):
    code, out = run(capsys, "send", "/", "-H", "Connection: close", "--start", "--solution", str(REFERENCE),
                    "--port", str(free_port()))
    assert code == 0 and out.rstrip().endswith("Then your server closed the connection."), out
    code, out = run(capsys, "send", "/", "--start", "--solution", str(REFERENCE), "--port", str(free_port()))
    assert code == 0 and "The connection stayed open afterwards" in out, out


def test_send_gives_the_stage_verdict_and_hint(capsys):
    code, out = run(capsys, "send", "--start", "--solution", str(FIXTURES / "bare-lf"), "--port", str(free_port()))
    assert code == 1, out
    assert "the status line ends with a bare \\n" in out
    assert "hint: HTTP lines end with \\r\\n, not \\n alone" in out


def test_send_builds_headers_and_body(capsys, tmp_path):
    body = tmp_path / "body.bin"
    body.write_bytes(b"\x00\xff")
    code, out = run(capsys, "send", "POST", "/files/x", "-H", "X-Test: 1", "--data", f"@{body}", "--start",
                    "--solution", str(REFERENCE), "--directory", str(tmp_path), "--port", str(free_port()))
    assert code == 0, out
    assert "    X-Test: 1\\r\\n\n    Content-Length: 2\\r\\n\n    \\r\\n\n    \\x00\\xff\n" in out
    assert (tmp_path / "x").read_bytes() == b"\x00\xff"


def test_send_raw_bytes(capsys, tmp_path):
    raw = tmp_path / "request.bin"
    raw.write_bytes(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    code, out = run(capsys, "send", "--raw", str(raw), "--start", "--solution", str(REFERENCE),
                    "--port", str(free_port()))
    assert code == 0, out
    assert "    Host: x\\r\\n" in out and "HTTP/1.1 200 OK" in out


def test_send_to_nothing_says_how_to_start_a_server(capsys):
    code, out = run(capsys, "send", "/", "--port", str(free_port()))
    assert code == 1 and "connection refused" in out and "tester send --start" in out


@pytest.mark.parametrize("args, words", [
    (["GET", "/", "extra"], "expected [METHOD] TARGET"),
    (["-H", "no colon here"], "is not a header"),
    (["--raw", "missing.bin"], "cannot read missing.bin"),
    (["--raw", "x", "/"], "cannot be combined"),
    (["--timeout", "0", "/"], "--timeout 0: give a positive number"),
    (["--timeout", "-1", "/", "--start", "--solution", str(REFERENCE)], "--timeout -1: give a positive number"),
    (["--timeout", "nan", "/"], "--timeout nan: give a positive number"),
    (["--timeout", "inf", "/"], "--timeout inf: give a positive number"),
])
def test_send_usage_errors(capsys, args, words):
    code, out = run(capsys, "send", *args, "--port", str(free_port()))
    assert code == 2 and words in out, out


def test_a_tester_port_that_is_not_a_number_is_a_usage_error(capsys, monkeypatch):
    monkeypatch.setenv("TESTER_PORT", "abc")
    code = main(["send", "/", "--no-color"])
    out = capsys.readouterr().out
    assert code == 2 and "TESTER_PORT='abc' is not a port number" in out, out


@pytest.mark.parametrize("interval", ["0", "nan", "inf"])
def test_watch_refuses_an_interval_that_is_not_a_positive_number(capsys, solution, interval):
    code = main(["watch", "--interval", interval, "--course", str(COURSE), *running(solution), "--no-color"])
    out = capsys.readouterr().out
    assert code == 2 and f"--interval {interval}: give a positive number of seconds" in out, out


def test_send_start_with_a_host_that_does_not_resolve_is_a_usage_error(capsys):
    code, out = run(capsys, "send", "/", "--start", "--solution", str(REFERENCE), "--host", "no-such-host.invalid",
                    "--port", str(free_port()))
    assert code == 2 and "cannot look up the host no-such-host.invalid" in out, out
    assert "the tester itself failed" not in out


# watch, in a real process: it polls, runs again on a change, and stops on Ctrl-C


class Watch:
    """`tester watch` in its own process, its output collected by a thread so reads never block."""

    def __init__(self, solution: Path, *extra: str):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tester", "watch", "--solution", str(solution), "--course", str(COURSE),
             "--port", str(free_port()), "--interval", "0.05", "--no-color", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
            # Ctrl-C reaches it even where this test runs as a shell's background job, which ignores SIGINT
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        self.lines: list[str] = []
        self.reader = threading.Thread(target=lambda: self.lines.extend(self.process.stdout), daemon=True)
        self.reader.start()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, words: str, count: int = 1, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while self.output.count(words) < count:
            assert time.monotonic() < deadline, f"no {words!r} within {seconds} s:\n{self.output}"
            time.sleep(0.05)

    def finish(self, seconds: float = 30) -> int:
        code = self.process.wait(timeout=seconds)
        self.reader.join(timeout=5)
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def test_watch_runs_again_when_a_file_changes(solution):
    watch = Watch(solution, "--runs", "2")
    try:
        watch.wait_for("waiting for a change")
        assert "by polling every 0.05 s" in watch.output and "stage 1 bind" in watch.output
        (solution / "app" / "notes.txt").write_text("changed")
        assert watch.finish() == 0, watch.output
    finally:
        watch.kill()
    assert "── changed: app/notes.txt — running again ──" in watch.output
    assert "your current stage is 2 (respond-200)" in watch.output


def test_watch_does_not_take_its_own_reports_for_a_change(solution):
    watch = Watch(solution, "--runs", "2", "--json", str(solution / "report.json"), "--junit",
                  str(solution / "junit.xml"), "--tap", str(solution / "report.tap"))
    try:
        watch.wait_for("waiting for a change")
        time.sleep(0.5)  # ten polls: a run caused by the report would have started
        assert "running again" not in watch.output, watch.output
        (solution / "app" / "notes.txt").write_text("changed")
        assert watch.finish() == 0, watch.output
    finally:
        watch.kill()
    assert "── changed: app/notes.txt — running again ──" in watch.output


def test_watch_stops_on_ctrl_c(solution):
    watch = Watch(solution)
    try:
        watch.wait_for("waiting for a change")
        watch.process.send_signal(signal.SIGINT)
        assert watch.finish(10) == 130, watch.output
    finally:
        watch.kill()
    assert "interrupted" in watch.output and "Traceback" not in watch.output


# colours and --debug


class Terminal:
    def __init__(self):
        self.text = ""

    def isatty(self):
        return True

    def write(self, text):
        self.text += text

    def flush(self):
        pass


def test_colour_only_on_a_terminal_without_no_color(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    terminal = Terminal()
    assert wants_colour(terminal, False)
    assert not wants_colour(terminal, True)  # --no-color
    monkeypatch.setenv("NO_COLOR", "1")
    assert not wants_colour(terminal, False)
    console = Console(terminal)
    console.error("x")
    assert "\x1b[" not in terminal.text


def test_piped_output_is_plain(solution):
    result = subprocess.run(
        [sys.executable, "-m", "tester", "stage", "2", "--solution", str(solution), "--course", str(COURSE),
         "--port", str(free_port())], capture_output=True, text=True, cwd=ROOT, timeout=60,
        env={key: value for key, value in os.environ.items() if key != "NO_COLOR"})
    assert result.returncode == 0, result.stdout
    assert "✓ stage 2 respond-200 passed" in result.stdout and "\x1b[" not in result.stdout


def test_debug_adds_the_whole_wire_transcript(capsys, solution):
    code, out = run(capsys, "stage", "2", "--only", "--debug", *running(solution))
    assert code == 0
    assert "      GET / HTTP/1.1\\r\\n\n      Host: localhost:" in out
    assert "      HTTP/1.1 200 OK\\r\\n" in out
    code, out = run(capsys, "stage", "2", "--only", *running(solution))
    assert "GET / HTTP/1.1\\r\\n" not in out


def test_json_report_is_still_written(capsys, solution, tmp_path):
    report = tmp_path / "report.json"
    code, _ = run(capsys, "stage", "1", *running(solution), "--json", str(report))
    assert code == 0 and json.loads(report.read_text())["passed"] is True
