"""Bytes after the end of a response are named as such, whichever stage meets them first, and whatever
the request was (a body sent with a response to HEAD included)."""

from __future__ import annotations

import socket
import threading

from tester.cli import main

from conftest import FIXTURES, free_port

HEAD_ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"


def _serve_one(server: socket.socket, answer: bytes) -> None:
    connection, _ = server.accept()
    with connection:
        connection.recv(65536)
        connection.sendall(answer)
        connection.recv(65536)  # until the client goes


def test_a_body_after_a_response_to_head_is_named(capsys):
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        thread = threading.Thread(target=_serve_one, args=(server, HEAD_ANSWER), daemon=True)
        thread.start()
        code = main(["send", "HEAD", "/", "--host", "127.0.0.1", "--port", str(port), "--no-color"])
        thread.join(5)
    out = capsys.readouterr().out
    assert code == 1, out
    assert "5 bytes arrived after the end of the response, a response to HEAD" in out
    assert "none framing" not in out and "Content-Length is smaller" not in out
    assert "hint: Answer HEAD with the status and headers a GET would get" in out


def test_leftover_bytes_are_named_when_a_later_stage_runs_first(capsys):
    code = main(["stage", "keep-alive", "--only", "--solution", str(FIXTURES / "trailing-newline"), "--port",
                 str(free_port()), "--seed", "1", "--no-color", "--no-progress"])
    out = capsys.readouterr().out
    assert code == 1
    assert "2 bytes arrived after the end of the response" in out, out
    assert "does not start with a status line" not in out
