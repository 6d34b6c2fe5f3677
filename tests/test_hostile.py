"""Tests of the tester against servers that attack it: whatever the server does, a bounded verdict, a clear
message, no process left behind, no traceback.

The hostile fixtures (fixtures/hostile-*/) run with every other fixture in tests/test_fixtures.py, which
also checks after each run that nothing is left alive (tests/aftermath.py). Here are the pieces under
them, each tested on its own: finding processes by the marker in their environment, stopping a program
whose children escape its process group, the output relay under a flood, and the connection's limits
(an endless response, one that dribbles, one that stalls).
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from pathlib import Path

import pytest

from aftermath import crash_in_output, port_in_use, survivors
from conftest import FIXTURES, free_port, write_program
from tester import diagnose, processes
from tester.connection import MAX_RESPONSE_BYTES, RECV_SIZE, Connection
from tester.errors import StageFailure, UsageError
from tester.http11 import Waiting
from tester.program import LINE_LIMIT, RELAY_LIMIT, Program

HAS_PROC = Path("/proc/self/environ").exists()
needs_proc = pytest.mark.skipif(not HAS_PROC, reason="finding escaped processes needs Linux's /proc")


# finding processes by their marker (pure, or on a fake /proc)

def test_carries_matches_whole_entries_only():
    environ = b"PATH=/bin\0HTTP_TESTER_PROGRAM=42-abc\0OTHER_HTTP_TESTER_PROGRAM=7-x\0"
    assert processes.carries(environ, b"HTTP_TESTER_PROGRAM=42-abc")
    assert processes.carries(environ, b"HTTP_TESTER_PROGRAM=42-")
    assert not processes.carries(environ, b"HTTP_TESTER_PROGRAM=7-")
    assert not processes.carries(environ, b"HTTP_TESTER_PROGRAM=4-")
    assert not processes.carries(b"", b"HTTP_TESTER_PROGRAM=42-")


def test_marked_reads_each_process_environment(tmp_path):
    def process(pid: str, environ: bytes | None) -> None:
        (tmp_path / pid).mkdir()
        if environ is not None:
            (tmp_path / pid / "environ").write_bytes(environ)

    process("101", b"PORT=1\0HTTP_TESTER_PROGRAM=5-aa\0")
    process("102", b"HTTP_TESTER_PROGRAM=5-bb\0")
    process("103", b"PORT=1\0")
    process("104", None)  # ended while the scan ran
    process("self", b"HTTP_TESTER_PROGRAM=5-aa\0")  # not a pid
    unreadable = tmp_path / "105"
    unreadable.mkdir()
    (unreadable / "environ").mkdir()  # reading it fails, like another user's process
    assert processes.marked("5-aa", tmp_path) == [101]
    assert sorted(processes.marked("5-", tmp_path)) == [101, 102]


def test_marked_finds_nothing_where_there_is_no_proc(tmp_path):
    assert processes.marked("5-", tmp_path / "no-proc") == []
    assert processes.kill_marked("5-", proc=tmp_path / "no-proc") == []


def test_markers_are_unique_and_start_with_the_tester_pid():
    first, second = processes.new_marker(), processes.new_marker()
    assert first != second
    assert first.startswith(f"{os.getpid()}-") and second.startswith(f"{os.getpid()}-")


def test_crash_in_output_tells_the_tester_crash_from_the_program_output():
    relayed = ("  [your_program] Traceback (most recent call last):\n"
               "  your program's last 2 output lines:\n    Traceback (most recent call last):\n")
    assert crash_in_output(relayed) is None
    assert crash_in_output("ok\nTraceback (most recent call last):\n  File") is not None
    assert crash_in_output('Exception in thread program-output:\n') is not None
    assert crash_in_output("error: the tester itself failed (KeyError: 1).") is not None


# stopping a program whatever it does

def start(folder: Path, lines: list[str] | None = None) -> Program:
    program = Program(folder, free_port(), [], (lines if lines is not None else []).append)
    program.start()
    return program


def wait_for(condition, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.01)


def gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state == "Z"


@needs_proc
def test_stop_ends_a_daemon_that_left_the_session():
    program = start(FIXTURES / "hostile-escapes-session")
    try:
        program.wait_ready(10).close()
        wait_for(lambda: any(line.startswith("daemon ") for line in program.last_lines))
        daemon = int(next(line for line in program.last_lines if line.startswith("daemon ")).split()[1])
        assert os.getsid(daemon) != os.getsid(program.process.pid)  # it really left the session
    finally:
        port, marker = program.port, program.marker
        program.stop()
    wait_for(lambda: gone(daemon), seconds=2)
    assert processes.marked(marker) == []
    assert not port_in_use(port)


def test_stop_ends_a_child_that_ignores_sigterm_even_without_proc(monkeypatch, tmp_path):
    monkeypatch.setattr(processes, "PROC", tmp_path / "no-proc")  # as on a system without /proc
    program = start(FIXTURES / "hostile-fork-keeps-port")
    program.wait_ready(10).close()
    port = program.port
    program.stop()  # the child is in the group: the group's SIGKILL reaches it
    monkeypatch.undo()
    assert not survivors(FIXTURES / "hostile-fork-keeps-port", port)
    assert not port_in_use(port)


@pytest.mark.parametrize("script, fragment", [
    (b"python3 app/main.py\n", "its first line must name the program that runs it"),
    (b"#!/bin/sh\r\nexec sleep 60\r\n", "has Windows line ends"),
    (b"#!/no/such/shell\nexec sleep 60\n", "is '/no/such/shell', named on its first line, installed?"),
], ids=["no-shebang", "crlf", "missing-interpreter"])
def test_a_script_the_system_cannot_start_is_a_usage_error(tmp_path, script, fragment):
    folder = tmp_path / "solution"
    folder.mkdir()
    (folder / "your_program.sh").write_bytes(script)
    (folder / "your_program.sh").chmod(0o755)
    program = Program(folder, free_port(), [], [].append)
    with pytest.raises(UsageError) as caught:
        program.start()
    assert fragment in str(caught.value)
    program.stop()  # nothing was started: a no-op


def test_a_ctrl_c_during_the_grace_still_kills_a_program_that_ignores_sigterm(monkeypatch):
    import types

    from tester import program as program_module

    program = start(FIXTURES / "hostile-ignores-sigterm")
    program.wait_ready(10).close()
    port = program.port

    def interrupted(seconds):
        raise KeyboardInterrupt  # Ctrl-C arriving while stop() waits out the grace

    monkeypatch.setattr(program_module, "time", types.SimpleNamespace(monotonic=time.monotonic, sleep=interrupted))
    with pytest.raises(KeyboardInterrupt):
        program.stop()
    monkeypatch.undo()
    assert not survivors(FIXTURES / "hostile-ignores-sigterm", port)
    assert not port_in_use(port)


@needs_proc
def test_stop_returns_even_when_an_unmarked_process_keeps_the_output_pipe(tmp_path):
    """A process that left the session and cleared its environment cannot be found; stop() must still
    return, and the output relay must end, instead of waiting for a pipe that never closes."""
    folder = write_program(tmp_path / "solution", (
        "env -i PATH=\"$PATH\" setsid python3 -c 'import os, time; print(\"escaped\", os.getpid(), flush=True); "
        "time.sleep(60)' &\n"
        "exec sleep 60\n"
    ))
    program = start(folder)
    escaped = None
    try:
        wait_for(lambda: any(line.startswith("escaped ") for line in program.last_lines))
        escaped = int(next(line for line in program.last_lines if line.startswith("escaped ")).split()[1])
        relay = program._relay
        program.stop()
        assert relay is not None and not relay.is_alive()
        assert not gone(escaped)  # the scenario is real: it did escape
    finally:
        if escaped is not None:
            os.kill(escaped, signal.SIGKILL)


def test_relay_reads_a_flood_to_the_end_but_shows_only_its_limit(tmp_path):
    folder = write_program(tmp_path / "solution", (
        "python3 -c 'for number in range(100000): print(\"line\", number)'\n"
        "exec sleep 60\n"
    ))
    shown: list[str] = []
    program = start(folder, shown)
    try:
        wait_for(lambda: program.lines_seen == 100_000)
    finally:
        program.stop()
    assert len(shown) == RELAY_LIMIT + 1
    assert shown[:2] == ["line 0", "line 1"] and "stops showing it" in shown[-1]
    assert list(program.last_lines)[-1] == "line 99999"


def test_relay_cuts_an_endless_line_into_pieces(tmp_path):
    folder = write_program(tmp_path / "solution", (
        "python3 -c 'import sys; sys.stdout.write(\"a\" * 100000)'\n"
        "exec sleep 60\n"
    ))
    shown: list[str] = []
    program = start(folder, shown)
    try:
        wait_for(lambda: program.lines_seen == 100_000 // LINE_LIMIT)
    finally:
        program.stop()  # the unfinished last piece is shown once the output ends
    assert [len(line) for line in shown] == [LINE_LIMIT] * (100_000 // LINE_LIMIT) + [100_000 % LINE_LIMIT]


# the connection's limits: an endless, a dribbling and a stalled response

@pytest.fixture
def pair():
    """(connection the tester reads, socket the fake server writes); both closed afterwards."""
    tester_side, server_side = socket.socketpair()
    connection = Connection(tester_side, "connection #1")
    connection.reader.expect_response_to("GET")
    yield connection, server_side
    server_side.close()
    connection.close()


def serve_in_background(target) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def endless(sock: socket.socket, head: bytes, filler: bytes) -> None:
    try:
        sock.sendall(head)
        while True:
            sock.sendall(filler)
    except OSError:
        pass  # the tester closed its side


@pytest.mark.parametrize("head, filler, what", [
    (b"HTTP/1.1 200 OK\r\n\r\n", b"x" * 65536, "a body with no Content-Length"),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", (b"400\r\n" + b"y" * 1024 + b"\r\n") * 64,
     "a chunked body with no final zero-size chunk"),
], ids=["close-delimited", "chunked"])
def test_an_endless_response_is_cut_off_at_the_limit(pair, head, filler, what):
    connection, server = pair
    serve_in_background(lambda: endless(server, head, filler))
    with pytest.raises(StageFailure) as caught:
        connection.receive(timeout=60, close_timeout=60)
    assert "the tester stopped reading there" in caught.value.message
    assert what in caught.value.message
    assert MAX_RESPONSE_BYTES < len(connection.reader.buffer) <= MAX_RESPONSE_BYTES + RECV_SIZE
    connection.close()


def test_a_content_length_beyond_the_limit_fails_once_the_head_is_in(pair):
    connection, server = pair
    declared = 50 * 2**30
    server.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {declared}\r\n\r\nabc".encode())
    with pytest.raises(StageFailure) as caught:
        connection.receive(timeout=60, close_timeout=60)
    assert f"Content-Length declares {declared} bytes, more than the 16 MiB the tester reads" in caught.value.message


def test_a_dribbled_response_fails_at_the_deadline_as_still_arriving(pair):
    connection, server = pair
    stop = threading.Event()

    def dribble():
        for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n":
            if stop.wait(0.1):
                return
            server.sendall(bytes([byte]))

    serve_in_background(dribble)
    try:
        with pytest.raises(StageFailure) as caught:
            connection.receive(timeout=1, close_timeout=1)
    finally:
        stop.set()
    assert "was still arriving when the 1 s limit passed" in caught.value.message
    assert "bytes of its head had come" in caught.value.message


def test_a_close_delimited_body_that_keeps_coming_is_read_until_the_response_deadline(pair):
    connection, server = pair
    stop = threading.Event()

    def trickle():
        server.sendall(b"HTTP/1.1 200 OK\r\n\r\n")
        while not stop.wait(0.05):
            server.sendall(b"more ")

    serve_in_background(trickle)
    try:
        with pytest.raises(StageFailure) as caught:
            connection.receive(timeout=1, close_timeout=0.3)  # longer than close_timeout: bytes kept coming
    finally:
        stop.set()
    assert "no Content-Length and its body was still arriving when the 1 s limit passed" in caught.value.message


def test_a_stalled_response_is_not_called_slow(pair):
    connection, server = pair
    server.sendall(b"HTTP/1.1 200 OK\r\nContent-Le")
    with pytest.raises(StageFailure) as caught:
        connection.receive(timeout=0.5, close_timeout=0.5)
    assert "nothing more came within 0.5 s" in caught.value.message


def test_a_close_delimited_body_on_an_open_connection_is_not_called_slow(pair):
    connection, server = pair
    server.sendall(b"HTTP/1.1 200 OK\r\n\r\nall of it")
    with pytest.raises(StageFailure) as caught:
        connection.receive(timeout=5, close_timeout=0.5)
    assert "the server kept the connection open" in caught.value.message


def test_a_close_delimited_body_already_buffered_gets_close_timeout_not_the_whole_timeout(pair):
    connection, server = pair
    connection.reader.feed(b"HTTP/1.1 200 OK\r\n\r\nleft from an earlier read")  # nothing more will come
    with pytest.raises(StageFailure) as caught:
        connection.receive(timeout=30, close_timeout=0.2)
    assert "the server kept the connection open (0.2 s)" in caught.value.message


# the messages (pure)

@pytest.mark.parametrize("waiting, fragment", [
    (Waiting("head", 3), "only 3 bytes of its head had come"),
    (Waiting("body", 40, declared=100, body_received=2), "only 2 of the 100 body bytes Content-Length declares"),
    (Waiting("chunked", 900, body_received=850), "the chunked body was still arriving"),
    (Waiting("close", 900, body_received=850), "no Content-Length and its body was still arriving"),
])
def test_too_slow_says_what_was_still_arriving(waiting, fragment):
    failure = diagnose.too_slow(waiting, b"HTTP/1.1 2", 3)
    assert fragment in failure.message
    assert "3 s" in failure.message and failure.hint


@pytest.mark.parametrize("waiting, fragment", [
    (Waiting("close", 2**24 + 1, body_received=2**24 - 30), "a body with no Content-Length"),
    (Waiting("chunked", 2**24 + 1, body_received=2**24 - 30), "a chunked body with no final zero-size chunk"),
    (Waiting("body", 40, declared=2**40, body_received=0), "Content-Length declares 1099511627776 bytes"),
])
def test_too_big_says_why_the_tester_stopped(waiting, fragment):
    failure = diagnose.too_big(waiting, bytearray(b"HTTP/1.1 200 OK\r\n"), 2**24)
    assert fragment in failure.message and "16 MiB" in failure.message
    assert isinstance(failure.evidence[0].data, bytes) and failure.hint
