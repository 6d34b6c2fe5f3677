"""The reproduce lines run as printed, with only a shell, curl and the tester; --debug shows every byte.

`tester send --raw -` must send standard input as it arrives (the concurrency stage's lines feed it a
request in two parts, or one that never ends); a body too long for the command line must be in the file
the line names once the stage has failed; and --debug must not cut a long body short.
"""

from __future__ import annotations

import io
import os
import shlex
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from conftest import COURSE, FIXTURES, ROOT, run_tester
from tester.connection import Connection
from tester.console import Console
from tester.errors import StageFailure
from tester.http11 import ResponseReader
from tester.manifest.load import load_course
from tester.manifest.models import Request
from tester.probes.concurrency import _in_two_parts
from tester.request import BODY_FILE, build, send_raw
from tester.runner import draw_values
from tester.templates import render

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
WAIT = 10.0  # seconds; far beyond what any step here needs, so hitting it means something hangs


class RecordingServer:
    """Accepts one connection and notes every piece that arrives (with its time), in a thread.

    It answers once it has `answer_after` bytes, so a test can make it answer a complete request or
    only the start of one."""

    def __init__(self, answer_after: bytes = b"\r\n\r\n"):
        self.answer_after = answer_after
        self.pieces: list[tuple[float, bytes]] = []
        self.arrived = threading.Condition()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def data(self) -> bytes:
        return b"".join(piece for _, piece in self.pieces)

    def _serve(self) -> None:
        self.listener.settimeout(WAIT)
        try:
            sock, _ = self.listener.accept()
        except OSError:
            return
        with sock:
            sock.settimeout(WAIT)
            answered = False
            while True:
                try:
                    piece = sock.recv(65536)
                except OSError:
                    break
                if not piece:
                    break
                with self.arrived:
                    self.pieces.append((time.monotonic(), piece))
                    self.arrived.notify_all()
                if not answered and self.answer_after in self.data:
                    sock.sendall(OK)
                    answered = True

    def wait_for(self, count: int) -> bool:
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.pieces) >= count, WAIT)

    def close(self) -> None:
        self.listener.close()
        self.thread.join(WAIT)


@pytest.fixture
def server():
    servers: list[RecordingServer] = []

    def start(**kwargs) -> RecordingServer:
        servers.append(RecordingServer(**kwargs))
        return servers[-1]

    yield start
    for each in servers:
        each.close()


@pytest.fixture
def shell_env(tmp_path):
    """An environment whose PATH has a `tester` that is this checkout's, run by this Python."""
    folder = tmp_path / "bin"
    folder.mkdir()
    shim = folder / "tester"
    shim.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -m tester \"$@\"\n")
    shim.chmod(0o755)
    return {**os.environ, "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}", "NO_COLOR": "1"}


def start_send(port: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tester", "send", "--raw", "-", "--host", "127.0.0.1",
                             "--port", str(port), "--timeout", "5", "--no-color"],
                            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


# --------------------------------------------------------------------------- tester send --raw -


def test_send_raw_stdin_sends_each_piece_as_it_arrives(server):
    listening = server()
    process = start_send(listening.port)
    try:
        process.stdin.write(b"GET / HTTP/1.1\r\nHost: x\r\n")
        process.stdin.flush()
        # the first part reaches the server while standard input is still open
        assert listening.wait_for(1), "nothing arrived before standard input ended"
        process.stdin.write(b"Accept: */*\r\n\r\n")
        process.stdin.close()
        output = process.stdout.read().decode()
        assert process.wait(WAIT) == 0, output
    finally:
        process.kill()
        process.wait()
    assert [piece for _, piece in listening.pieces] == [b"GET / HTTP/1.1\r\nHost: x\r\n", b"Accept: */*\r\n\r\n"]
    assert "→ sent 25 bytes to 127.0.0.1:" in output and "→ sent 15 more bytes to 127.0.0.1:" in output
    assert "✓ valid HTTP/1.1: HTTP/1.1 200 OK" in output


def test_send_raw_stdin_stops_when_the_server_answers_first(server):
    listening = server(answer_after=b"Host: x\r\n")  # answers a request whose head has not ended
    process = start_send(listening.port)
    try:
        process.stdin.write(b"GET / HTTP/1.1\r\nHost: x\r\n")
        process.stdin.flush()  # and standard input stays open
        assert process.wait(WAIT) is not None
        output = process.stdout.read()
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 0, output
    assert b"answered (or closed the connection) before standard input ended" in output
    assert b"HTTP/1.1 200 OK" in output


def test_send_raw_stdin_that_is_empty_is_a_usage_error(server):
    listening = server()
    process = start_send(listening.port)
    output, _ = process.communicate(b"", timeout=WAIT)
    assert process.returncode == 2 and b"nothing was sent" in output, output


# --------------------------------------------------------------------------- the printed lines, run


def test_the_two_part_line_sends_two_parts(server, shell_env):
    listening = server()
    line = _in_two_parts(b"GET / HTTP/1.1\r\nHost: x\r\n", f"127.0.0.1:{listening.port}")
    assert "nc " not in line
    done = subprocess.run(["sh", "-c", line], cwd=ROOT, env=shell_env, capture_output=True, timeout=WAIT * 2)
    assert done.returncode == 0, done.stdout + done.stderr
    assert listening.data == b"GET / HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n"
    [(first, _), (second, _)] = listening.pieces
    assert second - first > 0.5  # the line's `sleep 1` between them


def test_a_held_request_line_holds_the_request_unfinished(server, shell_env):
    listening = server()
    line = send_raw([b"GET / HTTP/1.1\r\nHost: x\r\n"], "127.0.0.1", listening.port, timeout=1)
    done = subprocess.run(["sh", "-c", line], cwd=ROOT, env=shell_env, capture_output=True, timeout=WAIT * 2)
    assert done.returncode == 1 and b"no response within 1 s" in done.stdout, done.stdout + done.stderr
    assert listening.data == b"GET / HTTP/1.1\r\nHost: x\r\n"


def test_a_raw_request_line_sends_its_exact_bytes(server, shell_env):
    raw = "GET /\x01% HTTP/1.1\r\nHost: x\rY\\n\r\n\r\n"
    listening = server()
    outgoing = build(Request(raw=raw), {}, "127.0.0.1", listening.port)
    done = subprocess.run(["sh", "-c", outgoing.curl], cwd=ROOT, env=shell_env, capture_output=True,
                          timeout=WAIT * 2)
    assert done.returncode == 0, done.stdout + done.stderr
    assert listening.data == outgoing.data


# --------------------------------------------------------------------------- a body from a file


def test_annotate_carries_the_files_the_reproduce_line_reads():
    body = bytes(range(256))
    outgoing = build(Request(method="POST", target="/files/x", body="{blob}"), {"blob": body}, "localhost", 4221)
    left, right = socket.socketpair()
    with left, right:
        connection = Connection(left, "connection #1")
        connection.sent.append(outgoing)
        failure = connection.annotate(StageFailure("no response within 1 s"))
        assert failure.curl == outgoing.curl and failure.files == {BODY_FILE: body}
        own = connection.annotate(StageFailure("x", curl="curl -i http://localhost:4221/"))
        assert own.files == {}  # a line of the failure's own reads no file of the request's


def test_a_failed_stage_writes_the_body_its_reproduce_line_reads(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    run = run_tester(["stage", "files-post", "--only"], FIXTURES / "post-no-write", tmp_path, capsys, seed=3)
    assert run.code == 1, run.output
    [line] = [line for line in run.output.splitlines() if line.startswith("  reproduce: ")]
    words = shlex.split(line.removeprefix("  reproduce: "), comments=True)
    [named] = [word[1:] for word in words if word.startswith("@")]
    assert Path(named) == tmp_path / "tmp" / "tester-3" / "files-post-body.bin"
    stage = next(stage for stage in load_course(COURSE).stages if stage.slug == "files-post")
    assert Path(named).read_bytes() == render("{content}", draw_values(stage, 3))
    assert "body.bin:" not in line and "# written by the tester: the 6000-byte request body" in line


def test_a_passed_stage_writes_no_file(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    run = run_tester(["stage", "files-post", "--only"], FIXTURES / "reference", tmp_path, capsys, seed=3)
    assert run.code == 0, run.output
    assert not (tmp_path / "tmp" / "tester-3").exists()


# --------------------------------------------------------------------------- --debug


def test_debug_shows_every_byte_of_a_long_request_and_response():
    body = bytes(range(256)) * 24  # 6144 bytes, far beyond the 512 a verdict shows
    outgoing = build(Request(method="POST", target="/files/x", body="{blob}"), {"blob": body}, "localhost", 4221)
    reader = ResponseReader()
    reader.expect_response_to("GET")
    reader.feed(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    response = reader.next_response()
    stream = io.StringIO()
    console = Console(stream, colour=False, debug=True)
    console.event("connection #1", "send", outgoing)
    console.event("connection #1", "receive", response)
    shown = stream.getvalue()
    assert "not shown" not in shown
    wire = "".join(line[6:] for line in shown.splitlines() if line.startswith("      "))  # lines rejoined
    assert wire.count("\\xfe\\xff") == 2 * 24  # the end of every 256-byte run, in both directions


def test_without_debug_the_bytes_are_not_shown():
    outgoing = build(Request(target="/"), {}, "localhost", 4221)
    stream = io.StringIO()
    Console(stream, colour=False).event("connection #1", "send", outgoing)
    assert "HTTP/1.1\\r\\n" not in stream.getvalue()
