"""Requests as bytes, and the curl command that sends the same request by hand.

Pure: a manifest request and the stage's values in, bytes out. The tester always sends `Host` first,
as HTTP/1.1 requires (RFC 9112 §3.2), then the manifest's headers in the manifest's order and spelling,
and a Content-Length for a body unless the manifest spells one out itself.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Mapping

from tester.manifest.models import Request
from tester.templates import Value, render, render_text


@dataclass(frozen=True)
class Outgoing:
    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    data: bytes  # exactly what goes on the wire
    curl: str
    pieces: int = 1
    piece_pause: float = 0.0

    @property
    def summary(self) -> str:
        return f"{self.method} {self.target}"


def build(spec: Request, values: Mapping[str, Value], host: str, port: int) -> Outgoing:
    authority = f"{host}:{port}"
    if spec.raw is not None:
        data = render(spec.raw, values)
        method, _, rest = data.partition(b" ")
        target = rest.partition(b" ")[0].decode("latin-1")
        return Outgoing(method.decode("latin-1"), target, (), b"", data,
                        _raw_curl(data, authority), spec.pieces, spec.piece_pause)
    target = render_text(spec.target, values)
    body = render(spec.body, values) if spec.body is not None else None
    headers = [("Host", authority)]
    headers += [(name, render_text(value, values)) for name, value in spec.headers.items()]
    headers, data = assemble(spec.method, target, headers, body)
    curl = _curl(spec.method, f"http://{authority}{target}", headers[1:], body)
    return Outgoing(spec.method, target, tuple(headers), body or b"", data, curl, spec.pieces, spec.piece_pause)


def assemble(method: str, target: str, headers: list[tuple[str, str]], body: bytes | None,
             encoding: str = "latin-1") -> tuple[list[tuple[str, str]], bytes]:
    """The headers as sent (a Content-Length added for a body unless one is given) and the request's bytes."""
    if body is not None and not any(name.lower() == "content-length" for name, _ in headers):
        headers = [*headers, ("Content-Length", str(len(body)))]
    head = f"{method} {target} HTTP/1.1\r\n" + "".join(f"{name}: {value}\r\n" for name, value in headers)
    return headers, head.encode(encoding) + b"\r\n" + (body or b"")


def _curl(method: str, url: str, headers: list[tuple[str, str]], body: bytes | None) -> str:
    words = ["curl", "-i"]
    if method == "HEAD":
        words.append("--head")
    elif method != "GET" and not (method == "POST" and body is not None):
        words += ["-X", method]
    words.append(url)
    for name, value in headers:
        if name.lower() == "content-length":
            continue  # curl computes it from the data
        words += ["-H", f"{name}: {value}"]
    command = " ".join(shlex.quote(word) for word in words)
    if body is None:
        return command
    if _printable(body) and len(body) <= 120:
        flag = "--data-raw" if body.startswith(b"@") else "--data-binary"  # curl reads @name as a file
        return f"{command} {flag} {shlex.quote(body.decode('ascii'))}"
    return f"{command} --data-binary @body.bin  # body.bin: the {len(body)}-byte request body (see --debug)"


def _raw_curl(data: bytes, authority: str) -> str:
    host, _, port = authority.partition(":")
    if _printable(data.replace(b"\r\n", b"")):
        printf = data.decode("ascii").replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n").replace("%", "%%")
        return f"printf {shlex.quote(printf)} | nc {host} {port}"
    return f"nc {host} {port} < request.bin  # request.bin: the {len(data)} bytes of the request (see --debug)"


def _printable(data: bytes) -> bool:
    return all(0x20 <= byte < 0x7F for byte in data)
