"""The demonstration server for requests as data: it reads pipelined requests, chunked bodies with
trailers and `Expect: 100-continue`, answers HEAD without a body, keeps items it creates, refuses a
malformed request by closing the connection, and serves byte ranges of files from --directory.

It passes every stage of this course; `--defect NAME` breaks exactly one behaviour (the names are in
cases.yaml)."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import signal
import socket
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from listen import serve_forever  # noqa: E402  (beside this folder)

ITEMS: dict[int, dict] = {}
LOCK = threading.Lock()
MAX_UPLOAD = 1000


class Closed(Exception):
    """The client went away, or the request is malformed and the connection is dropped."""


class Reader:
    """Requests one after another from a connection; bytes read beyond one request stay for the next."""

    def __init__(self, connection: socket.socket, defect: str | None):
        self.connection = connection
        self.defect = defect
        self.buffer = b""

    def more(self) -> None:
        data = self.connection.recv(65536)
        if not data:
            raise Closed
        self.buffer += data

    def line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            self.more()
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def head(self) -> tuple[str, str, dict[str, str]]:
        if self.defect == "one-per-read":
            self.buffer = b""  # what a read beyond the first request held is lost
        while b"\r\n\r\n" not in self.buffer:
            self.more()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if ":" not in line:
                raise ValueError(line)
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
        return method, target, headers

    def body(self, headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
        if headers.get("transfer-encoding", "").lower() == "chunked" and self.defect != "ignores-chunks":
            return self.chunked()
        length = int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            self.more()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return body, {}

    def chunked(self) -> tuple[bytes, dict[str, str]]:
        body = b""
        while True:
            size = int(self.line().split(b";")[0], 16)
            if self.defect == "chunk-size-64bit":
                size &= 2 ** 64 - 1  # what a 64-bit integer keeps of a larger size
            if size == 0:
                break
            while len(self.buffer) < size + 2:
                self.more()
            body += self.buffer[:size]
            self.buffer = self.buffer[size + 2:]
        trailers = {}
        while line := self.line():
            name, _, value = line.decode("latin-1").partition(":")
            trailers[name.strip().lower()] = value.strip()
        return body, trailers


def respond(status: str, body: bytes = b"", headers: tuple[tuple[str, str], ...] = (), *,
            length: int | None = None, head: bool = False) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{name}: {value}" for name, value in headers),
             f"Content-Length: {len(body) if length is None else length}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (b"" if head else body)


def items(method: str, target: str, headers: dict[str, str], body: bytes, defect: str | None) -> bytes:
    if method == "POST" and target == "/items":
        if defect == "naive-json":  # reads the name up to the next quote, escapes and all
            found = re.search(rb'"name": *"(.*?)"', body)
            name = found.group(1).decode() if found else ""
        else:
            name = json.loads(body)["name"]
        with LOCK:
            number = len(ITEMS) + 1
            ITEMS[number] = {"name": name, "token": hashlib.sha256(f"{number}:{name}".encode()).hexdigest()[:12]}
        document = {"name": name} if defect == "no-id" else {"id": number, "name": name}
        headers = (("Content-Type", "application/json"),)
        if defect != "no-location":
            headers += (("Location", f"/items/{number}" if defect != "location-elsewhere" else f"/things/{number}"),)
        return respond("201 Created", json.dumps(document).encode(), headers)
    found = re.fullmatch(r"/(?:items|things)/(\d+)(/secret)?", target)
    item = ITEMS.get(int(found.group(1))) if found else None
    if item is None:
        return respond("404 Not Found")
    if found.group(2):
        if headers.get("x-token") != item["token"]:
            return respond("403 Forbidden")
        return respond("200 OK", b"the secret of " + item["name"].encode())
    token = "" if defect == "no-token" else f"token={item['token']}"
    page = f"<p>{item['name']}</p><a data-{token}>more</a>".encode()
    return respond("200 OK", page, (("Content-Type", "text/html"),))


def ranged(target: str, headers: dict[str, str], directory: Path, defect: str | None) -> bytes:
    path = directory / target.removeprefix("/files/")
    if not path.is_file():
        return respond("404 Not Found")
    data = path.read_bytes()
    wanted = re.fullmatch(r"bytes=(\d*)-(\d*)", headers.get("range", ""))
    if not wanted:
        return respond("200 OK", data)
    first, last = wanted.groups()
    if first == "":
        start, end = len(data) - int(last), len(data)
    else:
        start, end = int(first), (int(last) + 1 if last else len(data))
    piece = data[start:end + 1] if defect == "range-off-by-one" else data[start:end]  # the last byte counted twice
    return respond("206 Partial Content", piece, (("Content-Range", f"bytes {start}-{end - 1}/{len(data)}"),))


def serve(connection: socket.socket, defect: str | None, directory: Path | None) -> None:
    reader = Reader(connection, defect)
    with connection:
        while True:
            try:
                method, target, headers = reader.head()
            except ValueError:
                if defect == "accepts-malformed":
                    connection.sendall(respond("200 OK", b"fine"))
                    continue
                return  # a malformed request: refused by closing the connection
            except Closed:
                return
            head = method == "HEAD" and defect != "head-body"
            waiting = headers.get("expect", "").lower() == "100-continue"
            declared = int(headers.get("content-length", "0") or 0)
            if waiting and declared > MAX_UPLOAD:
                if defect == "continue-on-refusal":  # asks for the body it will refuse, and reads it
                    connection.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
                    reader.body(headers)
                connection.sendall(respond("413 Content Too Large", headers=(("Connection", "close"),)))
                return
            if waiting and defect != "no-continue":
                connection.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            try:
                body, trailers = reader.body(headers)
            except Closed:
                return
            if target.startswith("/echo/"):
                text = target.removeprefix("/echo/").encode()
                answer = respond("200 OK", text, (("Content-Type", "text/plain"),), head=head)
            elif target == "/upload" and method == "POST":
                digest = hashlib.md5(body) if defect == "wrong-digest" else hashlib.sha256(body)
                checksum = "" if defect == "no-trailers" else trailers.get("x-checksum", "none")
                answer = respond("201 Created", digest.hexdigest().encode(),
                                 (("X-Length", str(len(body))), ("X-Checksum", checksum)))
            elif target.startswith("/items"):
                answer = items(method, target, headers, body, defect)
            elif target.startswith("/files/") and directory is not None:
                answer = ranged(target, headers, directory, defect)
            else:
                answer = respond("404 Not Found")
            connection.sendall(answer)
            if headers.get("connection", "").lower() == "close":
                return


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--defect")
    parser.add_argument("--directory", type=Path)
    arguments, _ = parser.parse_known_args()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    serve_forever(serve, arguments.defect, arguments.directory)


if __name__ == "__main__":
    sys.exit(main())
