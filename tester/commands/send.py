"""`tester send`: one request to your server, the exact response bytes, and the tester's verdict on them.

A debugging client. It sends what you ask (method, target, headers, a body, or raw bytes from a file) to
a server you started yourself, or starts ./your_program.sh for the one request (--start; with --stage, with
the arguments and files that stage starts it with). The response is printed with \\r and \\n visible and
read by the same strict parser the stages use, so the verdict and hint are the ones a stage would give.

`--raw -` sends standard input as it arrives, each read at once, so a shell pipeline with pauses in it
sends a request in parts, and a request whose end never comes holds a connection open: the tester's own
reproduce lines are written that way, and need no other network tool.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import select
import shutil
import sys
from pathlib import Path

from tester import portlock
from tester.commands import options
from tester.errors import StageFailure, TesterError, UsageError

NAME = "send"
HELP = "send one request to your server and show the exact response and what the tester thinks of it"
CONNECT_TIMEOUT = 3.0


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("words", metavar="[METHOD] TARGET", nargs="*",
                        help="e.g. 'GET /echo/abc' or just '/echo/abc' (default: GET /)")
    parser.add_argument("-H", "--header", action="append", default=[], metavar="'NAME: VALUE'",
                        help="a request header (repeatable); Host and Content-Length are added unless given")
    parser.add_argument("-d", "--data", metavar="TEXT|@FILE", help="the request body: text, or @FILE for a file's bytes")
    parser.add_argument("--raw", type=Path, metavar="FILE",
                        help="send FILE's bytes exactly as they are, instead of building a request; '-' sends "
                             "standard input as it arrives, each read at once")
    parser.add_argument("--port", type=int, default=None,
                        help=f"your server's port (default {options.DEFAULT_PORT}, or $TESTER_PORT)")
    parser.add_argument("--host", default="localhost", help="your server's host (default localhost)")
    parser.add_argument("--timeout", type=float, default=3.0, help="seconds to wait for the response (default 3)")
    parser.add_argument("--start", action="store_true",
                        help="start ./your_program.sh from --solution for this one request, then stop it")
    parser.add_argument("--solution", type=Path, default=None,
                        help="with --start: folder with your_program.sh (default: here if it has one, else solution/)")
    parser.add_argument("--directory", type=Path, metavar="DIR",
                        help="with --start: pass --directory DIR to your program (for the file stages)")
    parser.add_argument("--stage", metavar="N|SLUG",
                        help="with --start: start your program as this stage does (its args, and its files in a "
                             "fresh folder unless --directory names one)")
    parser.add_argument("--seed", type=int, default=1, help="with --stage: the seed of the stage's values (default 1)")
    options.add_course(parser)


def request_bytes(arguments: argparse.Namespace, host: str, port: int) -> bytes:
    """The bytes to send, built from the command line. Pure apart from reading a --data @FILE or --raw."""
    if arguments.raw is not None:
        _raw_alone(arguments)
        return _read(arguments.raw)
    words = arguments.words or ["/"]
    if len(words) > 2:
        raise UsageError(f"expected [METHOD] TARGET, got {' '.join(words)!r}: put headers after -H")
    method, target = (words if len(words) == 2 else ["GET", words[0]])
    body = None
    if arguments.data is not None:
        body = _read(Path(arguments.data[1:])) if arguments.data.startswith("@") else arguments.data.encode()
    return build(method, target, arguments.header, body, f"{host}:{port}")


def _raw_alone(arguments: argparse.Namespace) -> None:
    if arguments.words or arguments.header or arguments.data is not None:
        raise UsageError("--raw sends a file's bytes exactly; it cannot be combined with a method, "
                         "target, -H or --data")


def streams_stdin(arguments: argparse.Namespace) -> bool:
    """`--raw -`: standard input is sent as it arrives, not read to its end first."""
    return arguments.raw is not None and str(arguments.raw) == "-"


def build(method: str, target: str, header_lines: list[str], body: bytes | None, authority: str) -> bytes:
    headers = []
    for line in header_lines:
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            raise UsageError(f"-H {line!r} is not a header: write it as 'Name: value'")
        headers.append((name.strip(), value.strip()))
    if not any(name.lower() == "host" for name, _ in headers):
        headers.insert(0, ("Host", authority))
    from tester.request import assemble  # the manifest's models, which `tester --help` need not import

    return assemble(method, target, headers, body, encoding="utf-8")[1]


def _read(path: Path) -> bytes:
    if str(path) == "-":
        return sys.stdin.buffer.read()
    try:
        return path.read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror or error}") from None


def execute(arguments: argparse.Namespace, console) -> int:
    from tester.connection import Connection
    from tester.program import Program
    from tester.runner import mention_exit

    port = options.port(arguments)
    if not 0 < arguments.timeout < float("inf"):  # also refuses nan
        raise UsageError(f"--timeout {arguments.timeout:g}: give a positive number of seconds")
    if arguments.stage is not None and not arguments.start:
        raise UsageError("--stage says how to start your program: use it with --start")
    streaming = streams_stdin(arguments)
    if streaming:
        _raw_alone(arguments)
    data = b"" if streaming else request_bytes(arguments, arguments.host, port)
    outgoing = _outgoing(data)
    program = None
    connection = None
    guard = contextlib.ExitStack()  # with --start, the port is this run's until the program is stopped
    try:
        if arguments.start:
            guard.enter_context(portlock.hold(port, console.note))
            program = Program(options.solution(arguments), port, _program_args(arguments, port, guard, console),
                              console.program_output, arguments.host)
            program.start()
            connection = Connection(program.wait_ready(10.0), "your server")
        else:
            connection = _connect(arguments.host, port)
        if streaming:
            _send_as_it_arrives(connection, sys.stdin.fileno(), console, f"{arguments.host}:{port}")
        else:
            console.print(console.paint(f"→ sent {len(data)} bytes to {arguments.host}:{port}:", "cyan"))
            console.bytes_block(data)
            connection.send(outgoing)
        response = connection.receive(arguments.timeout, min(1.0, arguments.timeout))
        connection.check_no_stray_bytes(0.2)
        after = connection.wait_for_close(0.3)
    except StageFailure as failure:
        if program is not None:
            mention_exit(failure, program)  # the crash it printed or its exit, read to the end, as a stage says
        failure.evidence = [item for item in failure.evidence if not item.label.startswith("sent")]
        console.print()
        console.verdict("the tester would fail this", failure)
        return 1
    finally:
        if connection is not None:
            connection.close()
        if program is not None:
            program.settle()  # what it is still printing (a traceback?) is shown before it is stopped
            program.stop()
        guard.close()
    console.print(console.paint(f"← received {len(response.raw)} bytes:", "cyan"))
    console.bytes_block(response.raw)
    framing = {"content-length": f"a {len(response.body)}-byte body by Content-Length", "none": "no body",
               "chunked": f"a chunked body of {len(response.body)} bytes",
               "close": f"a body of {len(response.body)} bytes ended by the close"}[response.framing]
    console.print()
    console.print(console.paint("✓ valid HTTP/1.1: ", "green", "bold")
                  + f"{response.status_line}, {len(response.headers)} headers, {framing}. Whether it is the "
                  "right answer for a stage, 'tester stage N' decides.")
    console.print({"closed": "Then your server closed the connection.",
                   "reset": "Then your server reset the connection (closed it with unread bytes, or crashed).",
                   "open": "The connection stayed open afterwards (HTTP/1.1's default: it could carry another "
                           "request).",
                   "data": "More bytes followed; the tester would object to them."}[after])
    return 0


def _program_args(arguments: argparse.Namespace, port: int, cleanup: contextlib.ExitStack, console) -> list[str]:
    """The arguments a stage starts the program with: --stage's (its files written to a fresh folder, removed
    afterwards, unless --directory names one), else --directory DIR as a file stage has them by default."""
    from tester import stagefiles
    from tester.runner import draw_values, put_files_in_place

    if arguments.stage is None:
        return stagefiles.program_args(None, arguments.directory, {})
    course = options.course(arguments)
    stage = course.find(arguments.stage)
    if stage is None:
        raise UsageError(f"--stage {arguments.stage}: the course has no such stage (give its number or slug; "
                         "'tester list' shows them)")
    values = draw_values(stage, arguments.seed)
    values["port"] = str(port)
    directory = arguments.directory.resolve() if arguments.directory else None
    if stage.directory and directory is None:
        folder, directory = stagefiles.make_stage_folder(stage.slug)
        cleanup.callback(shutil.rmtree, folder, ignore_errors=True)
        values["directory"] = str(directory)
        put_files_in_place(course, stage, folder, values)
        console.note(f"· stage {stage.slug}'s files are in {directory} (seed {arguments.seed})")
    elif directory is not None:
        values["directory"] = str(directory)
    return stagefiles.program_args(stage.args, directory, values)


def _send_as_it_arrives(connection, source: int, console, where: str) -> None:
    """Send what comes from the file descriptor `source`, each read at once, until it ends, or until the
    server answers or closes first (as to a request it took for complete: the rest is then not sent)."""
    sent = b""
    while True:
        ready, _, _ = select.select([source, connection.sock], [], [])
        if source not in ready:
            console.print(console.paint("· your server answered (or closed the connection) before standard "
                                        "input ended; nothing more is sent", "dim"))
            break
        piece = os.read(source, 65536)
        if not piece:
            break
        more = " more" if sent else ""
        console.print(console.paint(f"→ sent {len(piece)}{more} bytes to {where}:", "cyan"))
        console.bytes_block(piece)
        connection.send_bytes(piece)
        sent += piece
    if not sent:
        raise UsageError("--raw -: standard input ended before any byte came, so nothing was sent")
    outgoing = _outgoing(sent)
    connection.sent.append(outgoing)
    connection.reader.expect_response_to(outgoing.method)  # a response to HEAD has no body


def _outgoing(data: bytes):
    """The request as the connection records it: method and target read from the bytes' first line."""
    from tester.request import Outgoing

    method, _, rest = data.partition(b" ")
    return Outgoing(method.decode("latin-1"), rest.partition(b" ")[0].decode("latin-1"), (), b"", data, "")


def _connect(host: str, port: int):
    from tester.connection import Connection

    try:
        return Connection.open(host, port, "your server", CONNECT_TIMEOUT)
    except StageFailure as failure:
        failure.hint = (f"Nothing accepts connections on {host}:{port}. Start your server first "
                        "(./your_program.sh, with PORT set if you use --port), or let 'tester send --start' "
                        "start it for this request.")
        raise TesterError(f"{failure.message}. {failure.hint}") from None
