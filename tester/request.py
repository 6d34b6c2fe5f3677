"""Requests as bytes, and the curl command that sends the same request by hand.

Pure: a manifest request and the stage's values in, bytes out. The tester always sends `Host` first,
as HTTP/1.1 requires (RFC 9112 §3.2), then the manifest's headers in the manifest's order and spelling,
and a Content-Length for a body unless the manifest spells one out itself.

A chunked body (`chunks`) is cut by tester.chunking and gets `Transfer-Encoding: chunked` unless the
manifest spells it out; `expect_continue` adds `Expect: 100-continue`, and `head_length` tells the
connection where the body starts, so it can hold the body back until the server has answered the head.

The commands printed to reproduce a request need only a shell, curl and the tester: bytes curl cannot
send are fed to `tester send --raw -` by printf. A body too long or too odd for the command line is read
from a file the command names; the request carries that file's bytes (`files`) and the runner writes
them when the stage fails, since this module writes nothing.
"""

from __future__ import annotations

import random
import shlex
from dataclasses import dataclass
from typing import Mapping

from tester import chunking, visible
from tester.manifest.models import Request
from tester.templates import Value, render, render_text

BODY_FILE = "body.bin"
RAW_FILE = "request.bin"
RAW_INLINE = 1024  # a raw request longer than this is sent from a file in its reproduce line
SUMMARY_TARGET = 60  # characters of a request target shown in its one-line summary


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
    files: tuple[tuple[str, bytes], ...] = ()  # (name, bytes) of every file the curl line reads
    head_length: int = 0  # where the body starts in `data` (0: the same as len(data), no body known)
    expect_continue: bool = False  # hold the body back until a 100 Continue, a response, or continue_wait
    continue_wait: float = 0.0

    @property
    def summary(self) -> str:
        """One screen line: the method and target, with bytes no terminal should get escaped, and a long
        target cut (a raw request may be anything, binary garbage included)."""
        method, target = visible.escape(self.method.encode("latin-1")), visible.escape(self.target.encode("latin-1"))
        if len(method) > SUMMARY_TARGET:
            return f"{method[:SUMMARY_TARGET]}... ({len(self.data)} bytes)"
        if len(target) > SUMMARY_TARGET:
            target = f"{target[:SUMMARY_TARGET]}... ({len(self.target)} characters)"
        return f"{method} {target}"


def build(spec: Request, values: Mapping[str, Value], host: str, port: int,
          rng: random.Random | None = None) -> Outgoing:
    """The request's bytes and its reproduce line. `rng` draws the chunk sizes when `chunks` is a count."""
    authority = f"{host}:{port}"
    if spec.raw is not None:
        data = render(spec.raw, values)
        method, _, rest = data.partition(b" ")
        target = rest.partition(b" ")[0].decode("latin-1")
        line, files = _raw_curl(data, authority), ()
        if len(data) > RAW_INLINE:
            line, files = _raw_file_line(len(data), authority), ((RAW_FILE, data),)
        return Outgoing(method.decode("latin-1"), target, (), b"", data, line, spec.pieces, spec.piece_pause,
                        files, head_length=len(data))
    target = render_text(spec.target, values)
    body = render(spec.body, values) if spec.body is not None else None
    headers = [("Host", authority)]
    headers += [(name, render_text(value, values)) for name, value in spec.headers.items()]
    if spec.expect_continue and not _has(headers, "expect"):
        headers.append(("Expect", "100-continue"))
    if spec.chunks is not None and body is not None:
        if not _has(headers, "transfer-encoding"):
            headers.append(("Transfer-Encoding", "chunked"))
        sizes = chunking.sizes(len(body), spec.chunks, rng or random.Random(0))
        trailers = [(name, render_text(value, values)) for name, value in spec.trailers.items()]
        head = assemble(spec.method, target, headers, None)[1]
        data = head + chunking.encode(body, sizes, trailers)
        return Outgoing(spec.method, target, tuple(headers), body, data, _raw_curl(data, authority), spec.pieces,
                        spec.piece_pause, head_length=len(head), expect_continue=spec.expect_continue,
                        continue_wait=spec.continue_wait)
    headers, data = assemble(spec.method, target, headers, body)
    curl = _curl(spec.method, f"http://{authority}{target}", headers[1:], body)
    if spec.expect_continue:  # curl waits 1 s for the 100 unless told otherwise
        curl = curl.replace(" -i ", f" -i --expect100-timeout {spec.continue_wait:g} ", 1)
    files = ((BODY_FILE, body),) if body is not None and f"@{BODY_FILE}" in curl else ()
    return Outgoing(spec.method, target, tuple(headers), body or b"", data, curl, spec.pieces, spec.piece_pause,
                    files, head_length=len(data) - len(body or b""), expect_continue=spec.expect_continue,
                    continue_wait=spec.continue_wait)


def _has(headers: list[tuple[str, str]], name: str) -> bool:
    return any(given.lower() == name for given, _ in headers)


def pipelined_line(sent: list[Outgoing], host: str, port: int) -> str:
    """The reproduce line for requests written at once: their bytes in one write to `tester send --raw -`,
    which shows the first response (and names what follows it)."""
    return send_raw([b"".join(outgoing.data for outgoing in sent)], host, port) + \
        f"  # {len(sent)} requests in one write"


def assemble(method: str, target: str, headers: list[tuple[str, str]], body: bytes | None,
             encoding: str = "latin-1") -> tuple[list[tuple[str, str]], bytes]:
    """The headers as sent (a Content-Length added for a body unless one is given) and the request's bytes."""
    if body is not None and not _has(headers, "content-length"):
        headers = [*headers, ("Content-Length", str(len(body)))]
    head = f"{method} {target} HTTP/1.1\r\n" + "".join(f"{name}: {value}\r\n" for name, value in headers)
    return headers, head.encode(encoding) + b"\r\n" + (body or b"")


def _curl(method: str, url: str, headers: list[tuple[str, str]], body: bytes | None) -> str:
    words = ["curl", "-i"]
    path = url.partition("://")[2].partition("/")[2].partition("?")[0]
    if any(segment.lower().replace("%2e", ".") in (".", "..") for segment in path.split("/")):
        words.append("--path-as-is")  # curl may resolve dot segments itself and send another path
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
    return f"{command} --data-binary @{BODY_FILE}  # {BODY_FILE}: the {len(body)}-byte request body"


def saved_as(line: str, name: str, path: str) -> str:
    """A reproduce line that read the file `name`, now naming the copy the tester wrote at `path`."""
    line = line.replace(f"@{name}", "@" + shlex.quote(path)).replace(f"--raw {name}", "--raw " + shlex.quote(path))
    return line.replace(f"# {name}: ", "# written by the tester: ")


def _raw_curl(data: bytes, authority: str) -> str:
    host, _, port = authority.rpartition(":")
    return send_raw([data], host, int(port))


def _raw_file_line(size: int, authority: str) -> str:
    host, _, port = authority.rpartition(":")
    words = ["tester", "send", "--raw", RAW_FILE, "--port", port] + (["--host", host] if host != "localhost" else [])
    return f"{' '.join(shlex.quote(word) for word in words)}  # {RAW_FILE}: the {size}-byte request"


def send_raw(parts: list[bytes], host: str, port: int, *, pause: float = 1.0, timeout: float | None = None) -> str:
    """A shell command that sends `parts` on one connection with `tester send --raw -`, `pause` s apart.

    Parts are written `pause` s apart, the first too: the pipe holds what printf writes while the tester
    starts, so without that first pause the parts could all be waiting for it, and go out as one."""
    writes = [f"printf {printf_format(part)}" for part in parts]
    feed = writes[0] if len(writes) == 1 else "(" + "; ".join(f"sleep {pause:g}; {w}" for w in writes) + ")"
    words = ["tester", "send", "--raw", "-", "--port", str(port)]
    if host != "localhost":
        words += ["--host", host]
    if timeout is not None:
        words += ["--timeout", f"{timeout:g}"]
    return f"{feed} | {' '.join(shlex.quote(word) for word in words)}"


def printf_format(data: bytes) -> str:
    """A shell word that printf turns back into exactly `data`: CR, LF, backslash, % and the bytes outside
    printable ASCII escaped the way every POSIX printf reads them (octal for the rest, not bash's \\x)."""
    text = "".join(_PRINTF.get(byte) or (chr(byte) if 0x20 <= byte < 0x7F else f"\\{byte:03o}") for byte in data)
    return shlex.quote(text)


_PRINTF = {0x5C: "\\\\", 0x25: "%%", 0x0D: "\\r", 0x0A: "\\n"}


def _printable(data: bytes) -> bool:
    return all(0x20 <= byte < 0x7F for byte in data)
