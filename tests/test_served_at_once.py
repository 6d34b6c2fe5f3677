"""The concurrency probe's measurement after a failure: how many connections a server serves at once.

Small servers run in threads here, each with a fixed number of workers that serve a connection until the
client closes it; the measurement must find that number, and must leave no connection open behind it.
"""

from __future__ import annotations

import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest

from tester.probes.concurrency import served_at_once

HEAD = b"GET / HTTP/1.1\r\nHost: x\r\n"
PARTS = (HEAD, b"Accept: */*\r\n\r\n")


class PoolServer:
    """Serves connections with `workers` threads; each keeps its connection until the client closes it."""

    def __init__(self, workers: int):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.pool = ThreadPoolExecutor(max_workers=workers)
        self.open_now = 0
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.open_now += 1
            self.pool.submit(self._serve, sock)

    def _serve(self, sock: socket.socket) -> None:
        buffer = b""
        with sock:
            while True:
                try:
                    piece = sock.recv(65536)
                except OSError:
                    break
                if not piece:
                    break
                buffer += piece
                while b"\r\n\r\n" in buffer:
                    _, _, buffer = buffer.partition(b"\r\n\r\n")
                    sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        with self.lock:
            self.open_now -= 1

    def close(self) -> None:
        self.listener.close()
        self.pool.shutdown(wait=True)


@pytest.fixture
def pool_server():
    servers: list[PoolServer] = []

    def start(workers: int) -> PoolServer:
        servers.append(PoolServer(workers))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def context_for(port: int, notes: list[str]) -> SimpleNamespace:
    return SimpleNamespace(host="127.0.0.1", port=port, address=None, listener=lambda label, event, text: notes.append(text))


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_the_measurement_finds_the_number_of_workers(pool_server, workers):
    server = pool_server(workers)
    notes: list[str] = []
    assert served_at_once(context_for(server.port, notes), PARTS, 5, 0.5) == workers
    assert notes and f"with {workers} connection" in notes[-1]


def test_room_for_all_that_are_tried_gives_no_number(pool_server):
    server = pool_server(8)
    assert served_at_once(context_for(server.port, []), PARTS, 3, 0.5) is None


def test_a_server_that_answers_nobody_gives_zero():
    listener = socket.create_server(("127.0.0.1", 0), backlog=16)  # accepts (the kernel does), never answers
    with listener:
        assert served_at_once(context_for(listener.getsockname()[1], []), PARTS, 3, 0.3) == 0


def test_nothing_listening_gives_no_number():
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
    assert served_at_once(context_for(port, []), PARTS, 3, 0.3) is None


def test_the_measurement_closes_every_connection_it_opens(pool_server):
    server = pool_server(2)
    served_at_once(context_for(server.port, []), PARTS, 5, 0.5)
    for _ in range(100):
        with server.lock:
            if server.open_now == 0:
                return
        threading.Event().wait(0.02)
    pytest.fail(f"{server.open_now} connections still open on the server")
