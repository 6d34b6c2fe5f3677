"""A server for socket tests: each accepted connection is handed to a function the test writes.

The function gets a `Peer`, which reads requests the way a careful server does (head, then a body by
Content-Length or chunks) and keeps what it has read beyond them, so a test can play a server that
pipelines right, or one that gets something wrong on purpose. `run_probe` runs a probe of the manifest
against it with a ProbeContext, as a stage would, and records the listener's events.
"""

from __future__ import annotations

import random
import socket
import threading
from dataclasses import dataclass, field
from typing import Callable

from tester.manifest.models import Defaults
from tester.probes import KINDS, ProbeContext


@dataclass
class Request:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    trailers: dict[str, str] = field(default_factory=dict)


class Peer:
    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buffer = b""
        self.reads: list[bytes] = []  # every recv() as it came, to see how the requests were written

    def _more(self) -> bool:
        data = self.sock.recv(65536)
        self.reads.append(data)
        self.buffer += data
        return bool(data)

    def read_head(self) -> Request | None:
        while b"\r\n\r\n" not in self.buffer:
            if not self._more():
                return None
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        line, *lines = head.decode("latin-1").split("\r\n")
        method, target, _ = line.split(" ", 2)
        headers = {}
        for text in lines:
            name, _, value = text.partition(":")
            headers[name.strip().lower()] = value.strip()
        return Request(method, target, headers, b"")

    def read_body(self, request: Request) -> Request:
        if request.headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                while b"\r\n" not in self.buffer:
                    self._more()
                size_line, self.buffer = self.buffer.split(b"\r\n", 1)
                size = int(size_line.split(b";")[0], 16)
                if size == 0:
                    while True:
                        while b"\r\n" not in self.buffer:
                            self._more()
                        line, self.buffer = self.buffer.split(b"\r\n", 1)
                        if not line:
                            return request
                        name, _, value = line.decode("latin-1").partition(":")
                        request.trailers[name.strip().lower()] = value.strip()
                while len(self.buffer) < size + 2:
                    self._more()
                request.body += self.buffer[:size]
                self.buffer = self.buffer[size + 2:]
        length = int(request.headers.get("content-length", "0"))
        while len(self.buffer) < length:
            if not self._more():
                break
        request.body, self.buffer = self.buffer[:length], self.buffer[length:]
        return request

    def read(self) -> Request | None:
        request = self.read_head()
        return self.read_body(request) if request is not None else None

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def answer(self, status: str = "200 OK", body: bytes = b"", headers: str = "", head_only: bool = False) -> None:
        self.send(f"HTTP/1.1 {status}\r\n{headers}Content-Length: {len(body)}\r\n\r\n".encode()
                  + (b"" if head_only else body))


class Server:
    """Accepts connections on a free port and gives each to `serve` in a thread of its own."""

    def __init__(self, serve: Callable[[Peer], None]):
        self.serve = serve
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.peers: list[Peer] = []
        self.errors: list[BaseException] = []
        self.finished = threading.Event()  # set each time a connection's `serve` has returned
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            peer = Peer(sock)
            self.peers.append(peer)
            threading.Thread(target=self._run, args=(peer,), daemon=True).start()

    def _run(self, peer: Peer) -> None:
        try:
            self.serve(peer)
        except OSError:
            pass
        except BaseException as error:  # shown by the test that reads `errors`
            self.errors.append(error)
        finally:
            try:
                peer.sock.close()
            except OSError:
                pass
            self.finished.set()

    def close(self) -> None:
        self.listener.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def run_probe(server: Server, probe: dict, values: dict | None = None, **defaults) -> tuple[ProbeContext, list]:
    """Run one probe (a manifest mapping) against `server`; the context (values, warnings) and the events."""
    events: list = []
    limits = Defaults(**{"response_timeout": 1.0, "close_timeout": 0.5, **defaults})
    context = ProbeContext("127.0.0.1", server.port, dict(values or {}), limits, None, random.Random(0),
                           lambda label, event, payload: events.append((event, payload)))
    parsed = KINDS[probe["kind"]].model_validate(probe)
    try:
        parsed.run(context)
    finally:
        context.close_all()
    return context, events


def notes(events: list) -> list[str]:
    return [payload for event, payload in events if event == "note"]
