"""Crash reports in the learner's output are recognised in every language, named in the hint, never lost.

tests/data/crashes/*.txt are real outputs, captured from tiny crashing programs (python3 3.11, node 20,
rustc 1.95 and cargo, go 1.19, OpenJDK 17 and kotlinc 1.3), stdout and stderr together as the tester reads
them. The few samples written inline by hand are formats no runtime installed here prints (older Rust,
Deno); each says so.
"""

from __future__ import annotations

import re
import sys
import textwrap
import time
from pathlib import Path

import pytest

from aftermath import assert_clean
from conftest import write_program
import conftest
from tester import crashes, hints, runner
from tester.cli import main
from tester.errors import StageFailure
from tester.ports import free_port
from tester.program import Program

DATA = Path(__file__).resolve().parent / "data" / "crashes"

# captured file -> (runtime, the error line, where it happened)
CAPTURED = {
    "py_main": ("Python", "IndexError: list index out of range", "/tmp/crashcap/a.py:3"),
    "py_thread": ("Python", "KeyError: 'host'", "/tmp/crashcap/b.py:3"),
    "py_socketserver": ("Python", "ValueError: no Content-Length header", "/tmp/crashcap/ss.py:8"),
    "py_brokenpipe": ("Python", "BrokenPipeError: [Errno 32] Broken pipe", "/tmp/crashcap/bp.py:5"),
    "rust_unwrap": ("Rust", "called `Option::unwrap()` on a `None` value", "r1.rs:4:21"),
    "rust_backtrace": ("Rust", "called `Option::unwrap()` on a `None` value", "r1.rs:4:21"),
    "rust_thread_index": ("Rust", "Content-Length is a number: ParseIntError { kind: InvalidDigit }", "r2.rs:10:7"),
    "rust_cargo_thread": ("Rust", "no Content-Length", "src/main.rs:13:84"),
    "go_index": ("Go", "runtime error: index out of range [3] with length 3", "/tmp/crashcap/g/main.go:14"),
    "go_nil": ("Go", "runtime error: invalid memory address or nil pointer dereference", "/tmp/crashcap/g/main.go:17"),
    "go_custom": ("Go", 'bad request line "GET"', "/tmp/crashcap/g/main.go:33"),
    "go_map": ("Go", "assignment to entry in nil map", "/tmp/crashcap/g/main.go:17"),
    "go_deadlock": ("Go", "all goroutines are asleep - deadlock!", "/tmp/crashcap/g/main.go:41"),
    "go_nethttp": ("Go", "assignment to entry in nil map", "/tmp/crashcap/g2/main.go:12"),
    "go_repanic": ("Go", "while cleaning up: runtime error: index out of range [2] with length 0",
                   "/tmp/crashcap/g3/main.go:8"),
    "node_typeerror": ("Node.js", "TypeError: Cannot read properties of undefined (reading 'split')",
                       "/tmp/crashcap/a.js:1:50"),
    "node_error": ("Node.js", "Error: no route for /abc", "/tmp/crashcap/b.js:3:40"),
    "node_enoent": ("Node.js", "Error: ENOENT: no such file or directory, open '/nonexistent/file.txt'",
                    "/tmp/crashcap/d.js:1:15"),
    "node_unhandled": ("Node.js", "RangeError: bad length", "/tmp/crashcap/c.js:1:16"),
    "node_async": ("Node.js", "TypeError: x is not a function", "/tmp/crashcap/f.js:1:39"),
    "node_eval": ("Node.js", "TypeError: Cannot read properties of null (reading 'x')", "[eval]:1:6"),
    "node_throw_string": ("Node.js", "oops", ""),
    "node_reject_string": ("Node.js", "UnhandledPromiseRejection: This error originated either by throwing inside "
                           "of an async function without a catch block, or by rejecting a promise which was not "
                           'handled with .catch(). The promise rejected with the reason "nope".', ""),
    "node_logged": ("Node.js", "Error: logged, not thrown", "/tmp/crashcap/t.js:1:72"),  # console.trace's is not one
    "java_all": ("Java", 'java.lang.NullPointerException: Cannot invoke "String.trim()" because the return value '
                 'of "java.util.Map.get(Object)" is null', "Main.java:4"),
    "java_plain": ("Java", "java.lang.NullPointerException", "Main.java:4"),
    "kotlin_all": ("Kotlin", "kotlin.UninitializedPropertyAccessException: lateinit property directory has not "
                   "been initialized", "Main.kt:14"),
}


def lines_of(name: str) -> list[str]:
    return (DATA / f"{name}.txt").read_text().splitlines()


def test_every_captured_output_has_its_expectation():
    assert {path.stem for path in DATA.glob("*.txt")} == set(CAPTURED)


@pytest.mark.parametrize("name", list(CAPTURED))
def test_a_real_crash_report_is_recognised(name):
    runtime, error, where = CAPTURED[name]
    crash = crashes.find(lines_of(name))
    assert crash is not None
    assert (crash.runtime, crash.error, crash.where) == (runtime, error, where)


@pytest.mark.parametrize("name", ["py_main", "go_index", "node_typeerror", "java_all", "rust_unwrap"])
def test_a_report_is_found_among_other_lines(name):
    before = ["Listening on port 4221", "GET /echo/abc 200", "accepted connection from 127.0.0.1:51234"]
    crash = crashes.find(before + lines_of(name) + ["Listening on port 4221"])
    assert crash is not None and crash.error == CAPTURED[name][1]
    assert crash.start >= len(before)


def test_the_last_report_is_the_one_named():
    lines = lines_of("java_all")  # a thread's uncaught exception, two printed ones, then main's
    assert crashes.find(lines).error.startswith("java.lang.NullPointerException")
    first = lines.index("java.lang.NumberFormatException: For input string: \"abc\"")
    assert crashes.find(lines[:first]).error == "java.lang.ArrayIndexOutOfBoundsException: Index 3 out of " \
                                                    "bounds for length 3"
    # Python: of a chain of exceptions, the last one printed
    assert crashes.find(lines_of("py_socketserver")).error == "ValueError: no Content-Length header"
    # Rust: a worker thread panicked, then main did
    worker = crashes.find(lines_of("rust_thread_index")[:3])
    assert worker.error == "index out of bounds: the len is 3 but the index is 3"


def test_an_exception_python_ignored_is_not_a_crash():
    lines = ["Exception ignored in: <function IteratorWrapper.__del__ at 0x7f>",
             "Traceback (most recent call last):",
             '  File "/usr/lib/python3.11/wsgiref/validate.py", line 128, in __del__',
             "AssertionError: Iterator garbage collected without being closed"]
    assert crashes.find(lines) is None
    assert crashes.find(lines[1:]).error.startswith("AssertionError")  # the same report, not ignored
    # wsgiref.validate writes its own words first, with no line end, so Python's come after them
    glued = ["Iterator garbage collected without being closed" + lines[0]] + lines[1:]
    assert crashes.find(glued) is None


def test_where_the_call_stack_is_seen_from_the_error_line():
    assert crashes.find(lines_of("py_main")).stack == "above"
    assert crashes.find(lines_of("node_typeerror")).stack == "under"
    assert crashes.find(lines_of("go_index")).stack == "under"
    assert crashes.find(lines_of("java_all")).stack == "under"
    assert crashes.find(lines_of("rust_backtrace")).stack == "under"
    assert crashes.find(lines_of("rust_unwrap")).stack == ""  # no backtrace without RUST_BACKTRACE=1


def test_a_report_cut_before_its_error_line_is_a_crash_without_a_name():
    lines = lines_of("py_main")[:-1]
    crash = crashes.find(lines)
    assert crash is not None and crash.runtime == "Python" and crash.error == ""
    assert crashes.find(lines_of("rust_unwrap")[:3]).error == ""


def test_older_and_other_formats():
    # written by hand: Rust before 1.73 put the message in quotes on the panic's own line
    old_rust = ["thread 'main' panicked at 'called `Result::unwrap()` on an `Err` value: Os { code: 98, kind: "
                "AddrInUse, message: \"Address already in use\" }', src/main.rs:9:50",
                "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace"]
    crash = crashes.find(old_rust)
    assert crash is not None and crash.runtime == "Rust" and crash.where == "src/main.rs:9:50"
    assert crash.error.startswith("called `Result::unwrap()` on an `Err` value: Os { code: 98")
    # written by hand: Deno's uncaught error
    deno = ["error: Uncaught (in promise) TypeError: Cannot read properties of undefined (reading 'split')",
            "    at handle (file:///app/main.ts:12:30)", "    at eventLoopTick (ext:core/01_core.js:168:7)"]
    crash = crashes.find(deno)
    assert crash is not None and crash.runtime == "Deno" and crash.where == "file:///app/main.ts:12:30"
    assert crash.error == "TypeError: Cannot read properties of undefined (reading 'split')"
    # written by hand: the line the Node.js REPL prints, with no stack under it
    assert crashes.find(["Uncaught ReferenceError: request is not defined"]).error == \
        "ReferenceError: request is not defined"
    # colours do not hide a report
    coloured = ["\x1b[31mTraceback (most recent call last):\x1b[0m", '  File "app/main.py", line 3, in <module>',
                "\x1b[1mZeroDivisionError: division by zero\x1b[0m"]
    assert crashes.find(coloured).error == "ZeroDivisionError: division by zero"


@pytest.mark.parametrize("lines", [
    ["Listening on port 4221"],
    ["don't panic: retrying the connection"],
    ["panic: config file missing", "Listening on port 4221"],  # Go's word, but no goroutine stack under it
    ["Error: could not parse request line", "GET / HTTP/1.1"],  # a log line: no "    at" frames under it
    ["2024-05-01 ERROR handler failed: TypeError: x"],
    ["Exception in thread pool worker: retrying"],  # no quoted thread name, no class
    ["[server] thread 'main' panicked?", "no"],
    ["Uncaught exception handler installed"],
    ["Trace: here", "    at Object.<anonymous> (/app/server.js:1:9)"],  # console.trace() is not a crash
    ["    at = line.index(b':')", "    return at"],  # Python code that reads like a frame
    ["fatal error: disk quota low, continuing"],
    [],
])
def test_lines_that_are_not_a_crash(lines):
    assert crashes.find(lines) is None


def test_the_peer_closing_is_not_the_cause():
    assert crashes.find(lines_of("py_brokenpipe")).peer_left
    assert crashes.Crash("Node.js", "Error: read ECONNRESET").peer_left
    assert crashes.Crash("Java", "java.net.SocketException: Connection reset").peer_left
    assert not crashes.find(lines_of("node_typeerror")).peer_left


# the runner's verdict, with a stand-in for the program


class FakeProgram:
    def __init__(self, lines: list[str], code: int | None = None):
        self.recent_lines = list(lines)
        self.last_lines = list(lines)[-15:]
        self.code = code
        self.settled = 0

    def wait_exit(self, seconds: float) -> int | None:
        return self.code

    @property
    def exit_code(self) -> int | None:
        return self.code

    def settle(self) -> None:
        self.settled += 1

    def output_evidence(self, whose: str):
        return []


def closed_without_response() -> StageFailure:
    return StageFailure("the server closed the connection without sending a response", expected="a response",
                        hint=hints.NO_RESPONSE, connection_lost=True)


def test_a_handler_that_crashed_is_named_instead_of_no_response():
    failure = closed_without_response()
    runner.mention_exit(failure, FakeProgram(["Listening on port 4221"] + lines_of("node_typeerror")))
    assert failure.hint == ("Your program crashed while handling this request: it printed `TypeError: Cannot read "
                            "properties of undefined (reading 'split')` (in its output above). Fix that error: it "
                            "happened at /tmp/crashcap/a.js:1:50; the lines under it show the calls that led there.")
    assert "exited" not in failure.message


def test_no_response_within_the_time_is_explained_by_a_crash_too():
    failure = StageFailure("no response within 2 s", expected="a response", hint=hints.NO_RESPONSE)
    runner.mention_exit(failure, FakeProgram(lines_of("java_plain")))
    assert "it printed `java.lang.NullPointerException`" in failure.hint and "Main.java:4" in failure.hint


def test_a_program_that_crashed_and_exited_says_both():
    failure = closed_without_response()
    runner.mention_exit(failure, FakeProgram(lines_of("go_index"), code=2))
    assert failure.message.endswith("(your program had exited, with code 2)")
    assert failure.hint.startswith("Your program crashed and ended while the tester was still using it: it printed "
                                   "`runtime error: index out of range [3] with length 3` (in its output above). "
                                   "Fix that error: it happened at /tmp/crashcap/g/main.go:14;")


def test_a_rust_panic_without_backtrace_says_how_to_get_one():
    failure = closed_without_response()
    runner.mention_exit(failure, FakeProgram(lines_of("rust_cargo_thread")))
    assert "it happened at src/main.rs:13:84." in failure.hint and "RUST_BACKTRACE=1" in failure.hint
    assert 'it printed "no Content-Length"' not in failure.hint  # backticks unless the error holds one
    failure = closed_without_response()
    runner.mention_exit(failure, FakeProgram(lines_of("rust_unwrap")))
    assert 'it printed "called `Option::unwrap()` on a `None` value" (in its output above)' in failure.hint


def test_an_unfinished_report_is_named_by_its_runtime():
    failure = closed_without_response()
    runner.mention_exit(failure, FakeProgram(lines_of("py_main")[:-1]))
    assert failure.hint == hints.CRASH_UNFINISHED.format(runtime="Python")


def test_a_very_long_error_line_is_cut_in_the_hint():
    failure = closed_without_response()
    runner.mention_exit(failure, FakeProgram(["Traceback (most recent call last):", '  File "s.py", line 1',
                                              "ValueError: " + "x" * 500]))
    quoted = re.search(r"`([^`]*)`", failure.hint)[1]
    assert len(quoted) == runner.ERROR_SHOWN and quoted.endswith("…")


def test_a_wrong_answer_keeps_its_hint_whatever_was_printed():
    failure = StageFailure("status 200, expected 404", expected="status 404", hint=hints.STATUS_DEFAULT)
    program = FakeProgram(lines_of("py_main"))
    runner.mention_exit(failure, program)
    assert failure.hint == hints.STATUS_DEFAULT
    assert program.settled == 0  # and nothing is waited for


def test_a_broken_pipe_after_the_tester_left_is_not_blamed():
    failure = closed_without_response()
    runner.mention_exit(failure, FakeProgram(lines_of("py_brokenpipe")))
    assert failure.hint == hints.NO_RESPONSE


def test_an_exit_with_no_report_keeps_the_exit_hints():
    failure = closed_without_response()
    runner.mention_exit(failure, FakeProgram(["Listening on port 4221", "bye"], code=0))
    assert failure.hint == hints.EXITED_CLEANLY


# the real thing: a program that prints its traceback slowly, after it closed the connection

SLOW_SERVER = textwrap.dedent('''\
    import os, socket, sys, time
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("", int(os.environ["PORT"])))
    server.listen(8)
    print("Listening on port", os.environ["PORT"], flush=True)
    while True:
        sock, _ = server.accept()
        data = sock.recv(65536)
        sock.close()
        if not data:
            continue
        report = ["Traceback (most recent call last):"]
        for depth in range(9):
            report += [f'  File "/app/server.py", line {10 + depth}, in level{depth}', f"    level{depth + 1}()"]
        report.append("ValueError: the slow traceback's last line")
        for line in report:  # 20 lines, 0.6 s in all: longer than the wait for an exit (runner.EXIT_SETTLE);
            print(line, file=sys.stderr, flush=True)  # gaps well inside settle()'s 0.1 s quiet, also under load
            time.sleep(0.03)
        if sys.argv[1:] == ["--then-exit"]:
            sys.exit(1)
''')


def slow_server(folder: Path, then_exit: bool) -> Path:
    (folder / "server.py").write_text(SLOW_SERVER)
    return write_program(folder, f'exec {sys.executable} -u server.py{" --then-exit" if then_exit else ""}\n')


@pytest.mark.parametrize("then_exit", [False, True], ids=["stays", "exits"])
def test_send_start_shows_a_traceback_printed_after_the_close(capsys, tmp_path, then_exit):
    solution = slow_server(tmp_path, then_exit)
    port = free_port()
    started = time.monotonic()
    code = main(["send", "/", "--start", "--solution", str(solution), "--port", str(port), "--no-color"])
    assert time.monotonic() - started < 10
    captured = capsys.readouterr()
    run = conftest.TesterRun(code, captured.out, {}, port, captured.err)
    assert run.code == 1, run.output
    assert "  [your_program] ValueError: the slow traceback's last line" in run.output, run.output
    hint = re.findall(r"^  hint: (.*)$", run.output, flags=re.MULTILINE)
    assert hint and "it printed `ValueError: the slow traceback's last line`" in hint[0], run.output
    # the whole report came before the verdict, not interleaved with it
    assert run.output.index("last line") < run.output.index("✗ the tester would fail this")
    assert_clean(run, solution)


@pytest.mark.parametrize("then_exit", [False, True], ids=["stays", "exits"])
def test_a_stage_names_a_traceback_printed_after_the_close(tester, tmp_path, then_exit):
    solution = slow_server(tmp_path, then_exit)
    run = tester("stage", "respond-200", "--only", solution=solution)
    assert run.code == 1, run.output
    assert run.failed["slug"] == "respond-200"
    hint = re.findall(r"^  hint: (.*)$", run.output, flags=re.MULTILINE)
    assert len(hint) == 1, run.output
    assert hint[0].startswith("Your program crashed") and \
        "it printed `ValueError: the slow traceback's last line`" in hint[0], run.output
    assert "it happened at /app/server.py:18" in hint[0]
    assert ("had exited, with code 1" in run.failed["message"]) == then_exit, run.failed["message"]
    assert_clean(run, solution)


def test_settle_returns_at_once_without_a_program_and_is_bounded():
    program = Program(Path("."), 1, [], lambda line: None)
    started = time.monotonic()
    program.settle()
    assert time.monotonic() - started < 0.05


def test_settle_waits_for_output_still_coming_and_no_longer(tmp_path):
    script = tmp_path / "your_program.sh"
    # prints a line every 30 ms for 0.6 s, then stays silent but alive
    script.write_text("#!/bin/sh\nfor i in $(seq 20); do echo line $i; sleep 0.03; done\nexec sleep 30\n")
    script.chmod(0o755)
    program = Program(tmp_path, free_port(), [], lambda line: None)
    program.start()
    try:
        started = time.monotonic()
        program.settle(quiet=0.15, limit=3.0)
        waited = time.monotonic() - started
        assert "line 20" in program.recent_lines, list(program.recent_lines)
        assert waited < 2.0
        started = time.monotonic()
        program.settle(quiet=0.15, limit=3.0)  # nothing new since: no wait
        assert time.monotonic() - started < 0.05
        started = time.monotonic()
        program.settle(quiet=5.0, limit=0.2)  # the limit wins
        assert time.monotonic() - started < 0.5
    finally:
        program.stop()


@pytest.mark.parametrize(("code", "words"), [(0, "had exited, with code 0"), (2, "had exited, with code 2"),
                                             (-11, "was killed by signal 11, SIGSEGV"),
                                             (-9, "was killed by signal 9, SIGKILL"), (-99, "was killed by signal 99"),
                                             (139, "had exited, with code 139 (128 + 11: what it ran was killed by "
                                                   "signal 11, SIGSEGV)")])
def test_an_ending_is_named_by_its_code_or_its_signal(code, words):
    assert runner._ending(code) == words
