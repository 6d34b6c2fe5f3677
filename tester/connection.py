"""One TCP connection to the learner's server: the thin I/O layer around the response reader.

Every wait here has a deadline. Bytes go to `http11.ResponseReader`, which decides where a response
ends; this layer only moves bytes and turns socket events (timeouts, resets, closes) into verdicts.

Requests go out one at a time (`send`), several in one write (`send_together`, pipelining), or head first
with the body held back for a `100 Continue` (`send_expecting_continue`). A request that the server may
refuse by closing the connection is received with `or_close`: a close or reset before any byte of the
response is then an answer (`refusal` says which), not a failure.
"""

from __future__ import annotations

import select
import socket
import struct
import time
from dataclasses import replace
from typing import Callable

from tester import diagnose, hints
from tester.errors import Evidence, StageFailure, UsageError
from tester.http11 import ParseError, Response, ResponseReader
from tester.request import Outgoing, pipelined_line

MAX_RESPONSE_BYTES = 16 * 1024 * 1024  # the tester stops reading a response here: no course sends more
RECV_SIZE = 65536
HALF_CLOSE_WAIT = 1.0  # seconds a silent server gets to answer once the tester stops sending

Listener = Callable[[str, str, object], None]  # (connection label, event, payload)
Address = tuple[int, tuple]  # (address family, socket address), as getaddrinfo gives them
LOOPBACK = ((socket.AF_INET6, ("::1", 0, 0, 0)), (socket.AF_INET, ("127.0.0.1", 0)))


def _ignore(label: str, event: str, payload: object) -> None:
    pass


class Connection:
    def __init__(self, sock: socket.socket, label: str, listener: Listener = _ignore):
        self.sock = sock
        self.label = label
        self.reader = ResponseReader()
        self.listener = listener
        self.sent: list[Outgoing] = []
        self.received: list[Response] = []
        self.together: list[Outgoing] = []  # the requests of the last write that carried several
        self.refusal: str | None = None  # "closed" or "reset": how the server refused a request, if it did
        self.body_withheld = False  # a final response came before a held-back body, which was never sent
        self._early: Response | None = None  # a response read while waiting for a 100 Continue
        # for the response to a request sent by send_expecting_continue: (whether a 100 Continue came before
        # the body was sent, the seconds waited); receive() sets it on that response
        self._continue: tuple[bool, float] | None = None

    @classmethod
    def open(cls, host: str, port: int, label: str, timeout: float, listener: Listener = _ignore,
             address: Address | None = None) -> Connection:
        """A connection to `address` (the one that answered at readiness), else to the first of `host`'s
        addresses that accepts."""
        candidates = [address] if address is not None else None
        try:
            sock = connect_first(candidates or addresses(host, port), timeout)[0]
        except ConnectionRefusedError:
            raise StageFailure(f"{label}: connection refused on port {port}", expected="a server listening",
                               hint=hints.REFUSED, connection_lost=True) from None
        except OSError as error:
            raise StageFailure(f"{label}: could not connect to {host}:{port}: {error.strerror or error}",
                               hint=hints.REFUSED, connection_lost=True) from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(sock, label, listener)

    # sending

    def send(self, outgoing: Outgoing, *, or_close: bool = False, hold: int = 0) -> bytes:
        """Send a request, but for its last `hold` bytes, which it returns for the caller to send later. With
        `or_close`, a server that closed before taking all of it is not a failure here: what it answered (or
        that it answered nothing) is for `receive` to tell."""
        self._record([outgoing])
        cut = len(outgoing.data) - hold
        for number, piece in enumerate(split(outgoing.data[:cut], outgoing.pieces)):
            if number:
                time.sleep(outgoing.piece_pause)
            if not self.send_bytes(piece, or_close=or_close):
                break
        return outgoing.data[cut:]

    def send_together(self, outgoings: list[Outgoing]) -> None:
        """Several requests in one write, as a pipelining client sends them."""
        self._record(outgoings)
        self.together = list(outgoings)
        self.send_bytes(b"".join(outgoing.data for outgoing in outgoings))

    def send_expecting_continue(self, outgoing: Outgoing, *, or_close: bool = False) -> None:
        """Send the head, then wait up to the request's continue_wait for the server's first answer: after a
        100 Continue, or when nothing came, send the body (RFC 9110 §10.1.1 lets a client stop waiting);
        after a final response, or a close, hold it back (`body_withheld`): that response is the answer."""
        self._record([outgoing])
        head, body = outgoing.data[:outgoing.head_length], outgoing.data[outgoing.head_length:]
        if not self.send_bytes(head, or_close=or_close):
            return
        deadline = time.monotonic() + outgoing.continue_wait
        while True:
            try:
                self._early = self.reader.next_response()
            except ParseError:
                return  # receive() reads the same bytes and says what is wrong with them
            if self._early is not None or self.reader.eof:
                self.body_withheld = True
                if self._early is not None:  # no body was ever sent: any 100 before it was in time
                    self._continue = (100 in self._early.interim, outgoing.continue_wait)
                what = "answered" if self._early is not None else "closed the connection"
                self.listener(self.label, "note", f"the server {what} before the body was sent: the body is "
                              "held back, and this connection carries no other request")
                return
            if any(item.status == 100 for item in self.reader.interim_since_last_response()):
                self.listener(self.label, "note", "100 Continue came: sending the body")
                self._continue = (True, outgoing.continue_wait)
                break
            left = deadline - time.monotonic()
            if left <= 0:
                self.listener(self.label, "note", f"no 100 Continue within {outgoing.continue_wait:g} s: sending "
                              "the body anyway (RFC 9110 §10.1.1)")
                self._continue = (False, outgoing.continue_wait)
                break
            data = self._recv(left, or_close=or_close)
            if data:
                self.reader.feed(data, time.monotonic())
            elif data is not None:
                self.reader.feed_eof()
        self.send_bytes(body, or_close=or_close)

    def _record(self, outgoings: list[Outgoing]) -> None:
        if self.received and self.reader.buffer:  # bytes after the last response came before this request
            raise self.annotate(diagnose.trailing(bytes(self.reader.buffer), self.received[-1]))
        self.together = []
        self._continue = None  # only the request just sent can be answered with it
        for outgoing in outgoings:
            self.listener(self.label, "send", outgoing)
            self.sent.append(outgoing)
            self.reader.expect_response_to(outgoing.method)

    def send_bytes(self, data: bytes, *, or_close: bool = False) -> bool:
        """Write `data`; False if the server had closed (only with `or_close`, else a StageFailure)."""
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            if or_close:
                return False
            raise self.annotate(StageFailure(
                f"{self.label}: the server closed the connection before the request could be sent"
                + self._after(), expected="the connection still open", hint=hints.CLOSED_EARLY,
                connection_lost=True,
            )) from None

    # receiving

    def receive(self, timeout: float, close_timeout: float, *, or_close: bool = False) -> Response | None:
        """The next response; StageFailure if it is malformed, incomplete or missing within `timeout`.

        With `or_close`, a close or reset before the response's first byte is the server refusing the
        request: None, and `refusal` says how. A response cut short by a close is still a failure."""
        start = time.monotonic()
        deadline = start + timeout
        close_deadline: float | None = None
        last_arrival: float | None = None
        while True:
            try:
                response, self._early = self._early or self.reader.next_response(), None
            except ParseError as error:
                if self.received and not self.reader.buffer.startswith(b"HTTP/"):
                    raise self.annotate(diagnose.leftover(self.reader.buffer, self.received[-1])) from None
                raise self.annotate(diagnose.parse_failure(error)) from None
            if response is not None:
                if self._continue is not None:  # the answer to the request sent expecting a 100 Continue
                    in_time, wait = self._continue
                    self._continue = None
                    response = replace(response, continued_in_time=in_time, continue_wait=wait)
                self.received.append(response)
                self.listener(self.label, "receive", response)
                return response
            waiting = self.reader.pending
            if self.reader.eof:
                if waiting.stage == "nothing" and or_close:
                    self.refusal = self.refusal or "closed"
                    return None
                if waiting.stage == "nothing" and self.received:
                    raise self.annotate(StageFailure(
                        f"{self.label}: the server closed the connection" + self._after(),
                        expected="the connection kept open for the next request", hint=hints.CLOSED_EARLY,
                        connection_lost=True,
                    ))
                failure = diagnose.timed_out(waiting, self.reader.buffer, timeout, eof=True)
                failure.connection_lost = True
                raise self.annotate(failure)
            if waiting.stage == "close":  # the close must come within close_timeout of the last byte
                close_deadline = max(close_deadline or 0, (last_arrival or start) + close_timeout)
            if len(self.reader.buffer) > MAX_RESPONSE_BYTES or (waiting.declared or 0) > MAX_RESPONSE_BYTES:
                raise self.annotate(diagnose.too_big(waiting, self.reader.buffer, MAX_RESPONSE_BYTES))
            now = time.monotonic()
            limit = min(deadline, close_deadline) if close_deadline else deadline
            if now >= limit:
                seconds = close_timeout if close_deadline and limit == close_deadline else timeout
                # bytes in the second half of the wait: a slow sender, not a stalled one
                if last_arrival is not None and last_arrival > limit - seconds / 2:
                    raise self.annotate(diagnose.too_slow(waiting, self.reader.buffer, seconds))
                failure = diagnose.timed_out(waiting, self.reader.buffer, seconds)
                if waiting.stage == "nothing" and self.sent and self.sent[-1].body:
                    self._body_unanswered(failure)
                raise self.annotate(failure)
            data = self._recv(limit - now, or_close=or_close)
            if data is None:
                continue
            if data:
                last_arrival = time.monotonic()
                self.reader.feed(data, time.monotonic())
            else:
                self.reader.feed_eof()

    def _body_unanswered(self, failure: StageFailure) -> None:
        """A request with a body got no answer. Servers that read the body until the connection ends answer
        once the client stops sending: close the sending side and see (the connection is spent anyway)."""
        failure.hint = hints.BODY_UNANSWERED
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            return
        if self.wait_for_close(HALF_CLOSE_WAIT) == "data":
            failure.message += ("; the response came only after the tester closed its sending side (a half "
                                "close): your server reads the body until the connection ends")
            failure.hint = hints.BODY_UNTIL_EOF
            failure.expected = "a response as soon as the Content-Length bytes of the body have arrived"
            failure.evidence.append(Evidence("received after the half close", self.reader.buffer))

    def _recv(self, seconds: float, *, or_close: bool = False) -> bytes | None:
        """Bytes, b"" on a clean close, None when nothing came in time; a reset is a failure, except with
        `or_close` before any byte of the response (then it reads as a close, and `refusal` says reset) or
        where the response's body was to end at the close (a lingering close is the server's courtesy, RFC
        9112 §9.6, not a rule)."""
        self.sock.settimeout(max(seconds, 0.001))
        try:
            return self.sock.recv(RECV_SIZE)
        except (socket.timeout, BlockingIOError):
            return None
        except ConnectionResetError:
            if or_close and not self.reader.buffer:
                self.refusal = "reset"
                return b""
            if or_close and self.reader.pending.stage == "close":
                return b""  # a refusal whose body was to end at the close ended with a reset: it ends there

            raise self.annotate(StageFailure(
                f"{self.label}: the server reset the connection" + self._after(),
                expected="a complete response", hint=hints.RESET,
                evidence=[Evidence("received before the reset", self.reader.buffer, len(self.reader.buffer))]
                if self.reader.buffer else [], connection_lost=True,
            )) from None

    def check_no_stray_bytes(self, wait: float) -> None:
        """Fail if bytes follow the last response: they would be taken for the start of another one."""
        if not self.reader.buffer and wait > 0:
            readable, _, _ = select.select([self.sock], [], [], wait)
            if readable:
                try:
                    self.sock.settimeout(0.001)
                    data = self.sock.recv(RECV_SIZE)
                except OSError:
                    data = b""
                if data:
                    self.reader.feed(data, time.monotonic())
                else:
                    self.reader.feed_eof()
        if self.reader.buffer:
            raise self.annotate(diagnose.trailing(self.reader.buffer, self.received[-1]))

    def closed_by_peer(self) -> bool:
        """True if the server has already closed its side (checked without waiting)."""
        if self.reader.eof:
            return True
        if self.reader.buffer:
            return False
        readable, _, _ = select.select([self.sock], [], [], 0)
        if not readable:
            return False
        try:
            return self.sock.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def readable_now(self) -> bool:
        """True if the server has sent anything (bytes or a close) that the tester has not read yet."""
        if self.reader.buffer or self.reader.eof:
            return True
        readable, _, _ = select.select([self.sock], [], [], 0)
        return bool(readable)

    def wait_for_close(self, seconds: float) -> str:
        """'closed' (clean FIN), 'reset', 'data' (more bytes came) or 'open' after `seconds`."""
        if self.reader.eof:
            return "closed"
        if self.reader.buffer:
            return "data"
        self.sock.settimeout(max(seconds, 0.001))
        try:
            data = self.sock.recv(RECV_SIZE)
        except socket.timeout:
            return "open"
        except ConnectionResetError:
            return "reset"
        if data:
            self.reader.feed(data, time.monotonic())
            return "data"
        self.reader.feed_eof()
        return "closed"

    def wait_for_bytes(self, wanted: bytes, seconds: float) -> bool:
        """Read until the bytes received hold `wanted`: False if the server closed, or `seconds` went by, first."""
        deadline = time.monotonic() + seconds
        while wanted not in self.reader.buffer:
            left = deadline - time.monotonic()
            if self.reader.eof or left <= 0:
                return False
            data = self._recv(left)
            if data:
                self.reader.feed(data, time.monotonic())
            elif data is not None:
                self.reader.feed_eof()
        return True

    def hang_up(self, reset: bool) -> None:
        """Go away without reading the rest: with `reset`, by a reset (RST), so the server's next write fails."""
        if reset:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close()

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    # failures carry what was sent on this connection

    def _after(self) -> str:
        count = len(self.received)
        return f" after request {count}" if count else ""

    def annotate(self, failure: StageFailure) -> StageFailure:
        if not failure.message.startswith(self.label):
            failure.message = f"{self.label}: {failure.message}"
            failure.args = (failure.message,)
        if self.together:
            batch = self.together
            host, _, port = dict(batch[0].headers).get("Host", "localhost:0").rpartition(":")
            if not failure.curl:
                failure.curl = pipelined_line(batch, host, int(port or 0))
            summaries = ", ".join(outgoing.summary for outgoing in batch)
            failure.evidence.insert(0, Evidence(f"sent in one write ({summaries})",
                                                b"".join(outgoing.data for outgoing in batch)))
        elif self.sent:
            last = self.sent[-1]
            if not failure.curl:
                failure.curl = last.curl
                failure.files = {**dict(last.files), **failure.files}
            failure.evidence.insert(0, Evidence(f"sent ({last.summary})", last.data))
        return failure


def addresses(host: str, port: int) -> list[Address]:
    """Where to connect for `host`: its addresses, and for `localhost` both loopback addresses whatever the
    resolver says, as curl does (RFC 6761 §6.3), so a server listening only on ::1 is found too."""
    try:
        found = [(family, address) for family, _, _, _, address in
                 socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]
    except OSError as error:
        if host != "localhost":
            raise UsageError(f"cannot look up the host {host}: {error.strerror or error}") from None
        found = []
    if host == "localhost":
        for family, address in LOOPBACK:
            candidate = (family, (address[0], port, *address[2:]))
            if candidate not in found and (family != socket.AF_INET6 or socket.has_ipv6):
                found.append(candidate)
    return found


def connect_first(candidates: list[Address], timeout: float) -> tuple[socket.socket, Address]:
    """A socket connected to the first candidate that accepts (never one connected to itself), and which one.
    Raises the last candidate's OSError (ConnectionRefusedError when nothing listens)."""
    error: OSError = ConnectionRefusedError("nothing accepted the connection")
    for family, address in candidates:
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(address)
        except OSError as failure:
            sock.close()
            error = failure
            continue
        if connected_to_itself(sock):  # nothing listens on the port
            sock.close()
            error = ConnectionRefusedError("nothing listens on the port")
            continue
        return sock, (family, address)
    raise error


def url_host(host: str, address: Address | None) -> str:
    """The host part of a URL that reaches `address`: the name, unless the program answered on IPv6 (where
    a name such as localhost may resolve to IPv4 only for ordinary clients), then the bracketed address."""
    if address is not None and address[0] == socket.AF_INET6:
        return f"[{address[1][0]}]"
    return host


def shown(address: Address) -> str:
    """An address as a person writes it: 127.0.0.1, or ::1."""
    return str(address[1][0])


def connected_to_itself(sock: socket.socket) -> bool:
    """True for a TCP self-connection: with nothing listening on a port in the ephemeral range, Linux can
    give a client that same port as its own, and the connect then succeeds with the socket talking to itself."""
    try:
        return sock.getsockname() == sock.getpeername()
    except OSError:
        return False


def split(data: bytes, pieces: int) -> list[bytes]:
    """`data` cut into `pieces` nearly equal parts (fewer if it is shorter than that)."""
    pieces = max(1, min(pieces, len(data)))
    size, extra = divmod(len(data), pieces)
    parts, position = [], 0
    for index in range(pieces):
        length = size + (1 if index < extra else 0)
        parts.append(data[position:position + length])
        position += length
    return parts
