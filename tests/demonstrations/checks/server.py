"""The demonstration server for the check language: passes every stage of this course; `--defect NAME`
breaks exactly one behaviour (the names are in cases.yaml)."""

from __future__ import annotations

import argparse
import itertools
import json
import os
import signal
import socket
import sys
import time
from email.utils import formatdate
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from listen import serve_forever  # noqa: E402  (beside this folder)

PAGE = b"<html><body><h1>Welcome</h1><p>Nothing to hide here.</p></body></html>"


def respond(status: str, headers: list[tuple[str, str]], body: bytes = b"", *, chunked: bool = False) -> bytes:
    head = [f"HTTP/1.1 {status}"] + [f"{name}: {value}" for name, value in headers]
    if chunked:
        head.append("Transfer-Encoding: chunked")
        pieces = [body[index:index + 7] for index in range(0, len(body), 7)]
        body = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"
    else:
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def route(method: str, target: str, body: bytes, defect: str | None) -> bytes:
    date = formatdate(time.time(), usegmt=True)
    if defect == "bad-date":
        date = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
    common = [("Date", date)] + ([] if defect == "no-server" else [("Server", "demo/1.0")])
    if target == "/secret":
        if defect == "forbidden-silent":
            return respond("403 Forbidden", common)
        return respond("200 OK" if defect == "wrong-status" else "404 Not Found", common)
    if target == "/broken":
        return respond("200 OK" if defect == "wrong-class" else "503 Service Unavailable", common)
    if target == "/hello" and method == "DELETE":
        allow = "GET, OPTIONS, PUT" if defect == "allow-extra" else "GET, HEAD, OPTIONS"
        return respond("405 Method Not Allowed", common + [("Allow", allow)])
    if target == "/hello" and method == "OPTIONS":
        allow = "GET, POST" if defect == "bad-allow" else "get,HEAD ,  OPTIONS"
        return respond("204 No Content", common + [("Allow", allow)])
    if target == "/hello":
        kind = "text/html" if defect == "html-type" else "text/plain; charset=utf-8"
        request_id = "12ab" if defect == "short-id" else "0f3a9c7e"
        return respond("200 OK", common + [("Content-Type", kind), ("X-Request-Id", request_id),
                                           ("Vary", "Origin, Accept-Encoding")], b"hello")
    if target == "/page":
        page = PAGE
        if defect == "no-title":
            page = page.replace(b"<h1>Welcome</h1>", b"<h2>Welcome</h2>")
        if defect == "leak":
            page = page.replace(b"Nothing to hide here.", b"debug: secret-token=42")
        request_id = [("X-Request-Id", "req-7")] if defect == "page-odd-id" else []  # /page sends none
        return respond("200 OK", common + [("Content-Type", "text/html")] + request_id, page)
    if target == "/items" and method == "POST":
        return respond("201 Created", common + [("Content-Type", "application/json")], item(body, defect))
    if target == "/stream":
        return respond("200 OK", common + [("Content-Type", "text/plain")], b"a body sent in small chunks",
                       chunked=defect != "stream-length")
    if target == "/legacy":
        version = "HTTP/1.1" if defect == "legacy-as-1.1" else "HTTP/1.0"
        return f"{version} 200 OK\r\n\r\nan HTTP/1.0 answer, ended by the close".encode()
    if target == "/plain":  # no Date here: a should-level check warns about it
        headers = [] if defect == "plain-no-type" else [("Content-Type", "text/plain")]
        return respond("200 OK", headers, b"plain")
    return respond("404 Not Found", common)


IDS = itertools.count(7)


def item(body: bytes, defect: str | None) -> bytes:
    name = json.loads(body)["name"]
    document = {
        "count": len(name.encode()), "id": 7 if defect == "same-id" else next(IDS), "name": name,
        "tags": [name, "new"], "created": "2024-05-01",
        "owner": {"login": "demo", "since": 2020},
    }
    if defect == "id-string":
        document["id"] = "7"
    elif defect == "tags-wrong":
        document["tags"] = [name, "old"]
    elif defect == "bad-created":
        document["created"] = "May 1st"
    elif defect == "owner-without-login":
        document["owner"] = {"since": 2020}
    elif defect == "count-off":
        document["count"] += 1
    elif defect == "count-text":
        document["count"] = str(document["count"])
    elif defect == "name-upper":
        document["name"] = name.upper()
    text = json.dumps(document).encode()
    if defect == "not-json":
        text = text.replace(b'"id": 7', b"'id': 7")
    return text


def serve(connection: socket.socket, defect: str | None) -> None:
    buffer = b""
    with connection:
        while True:
            while b"\r\n\r\n" not in buffer:
                data = connection.recv(65536)
                if not data:
                    return
                buffer += data
            head, buffer = buffer.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = {name.strip().lower(): value.strip()
                       for name, value in (line.split(":", 1) for line in lines[1:])}
            length = int(headers.get("content-length", "0"))
            while len(buffer) < length:
                data = connection.recv(65536)
                if not data:
                    return
                buffer += data
            body, buffer = buffer[:length], buffer[length:]
            connection.sendall(route(method, target, body, defect))
            if headers.get("connection", "").lower() == "close" or target == "/legacy":
                return  # /legacy's body ends with the close


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--defect")
    arguments, _ = parser.parse_known_args()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    serve_forever(serve, arguments.defect)


if __name__ == "__main__":
    sys.exit(main())
