"""The demonstration server for the stage-and-program keys: args, file trees, restart.

Started as `--directory DIR`, or as `--root DIR --greeting WORD` (the stage with `args`). It serves
/greeting, /files/PATH (with Last-Modified, never outside its folder), /notes/NAME (kept in the folder,
so they survive a restart), /slow/WORD (WORD at once, the rest of the body a moment later) and
/log/WORD (which prints a line about WORD). `--defect NAME` breaks one behaviour; see DEFECTS.
"""

import email.utils
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from listen import serve_forever  # noqa: E402  (beside this folder)

DEFECTS = {
    "greeting-ignored": "answers /greeting with 'hello' whatever --greeting says",
    "mtime-now": "sends the current time as Last-Modified, not the file's",
    "text-mode": "reads files as text, so CRLF line ends come out as LF",
    "serves-dotdot": "serves a path with ../ in it, outside its folder",
    "follows-symlinks": "follows a symlink wherever it leads",
    "memory-only": "keeps notes in memory, so a restart loses them",
    "ignores-term": "keeps running when it gets SIGTERM",
    "gathers-body": "makes the whole of a slow body before sending any of it",
    "dies-on-hangup": "exits when a write fails because the client went away",
    "silent-log": "answers /log/WORD without printing the line it should",
}


def option(arguments, name, default=None):
    return arguments[arguments.index(name) + 1] if name in arguments else default


arguments = sys.argv[1:]
DEFECT = option(arguments, "--defect")
ROOT = option(arguments, "--root") or option(arguments, "--directory") or "."
GREETING = option(arguments, "--greeting", "hello")
NOTES = {}


def inside(path):
    """Whether the file stays in ROOT, symlinks followed (unless a defect says otherwise)."""
    root = os.path.realpath(ROOT)
    if DEFECT == "serves-dotdot" and ".." in path:
        return True
    if DEFECT == "follows-symlinks":
        return os.path.abspath(path).startswith(os.path.abspath(ROOT) + os.sep)
    return os.path.realpath(path).startswith(root + os.sep)


def serve_file(name):
    path = os.path.join(ROOT, name)
    if not inside(path) or not os.path.isfile(path):
        return 404, {}, b""
    if DEFECT == "text-mode":
        with open(path, encoding="utf-8") as file:
            body = file.read().encode()
    else:
        with open(path, "rb") as file:
            body = file.read()
    moment = time.time() if DEFECT == "mtime-now" else os.stat(path).st_mtime
    return 200, {"Last-Modified": email.utils.formatdate(moment, usegmt=True)}, body


def note(method, name, body):
    if DEFECT == "memory-only":
        if method == "POST":
            NOTES[name] = body
            return 201, {}, b""
        return (200, {}, NOTES[name]) if name in NOTES else (404, {}, b"")
    folder = os.path.join(ROOT, ".notes")
    path = os.path.join(folder, name)
    if method == "POST":
        os.makedirs(folder, exist_ok=True)
        with open(path, "wb") as file:
            file.write(body)
        return 201, {}, b""
    if not os.path.isfile(path):
        return 404, {}, b""
    with open(path, "rb") as file:
        return 200, {}, file.read()


SLOW_PAUSE = 0.3  # seconds between the two parts of /slow/WORD


def send_slowly(connection, word):
    """WORD and a newline at once, "done" after a pause: a body made as it goes, sent as it is made."""
    first, rest = word.encode() + b"\n", b"done\n"
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(first) + len(rest)}\r\n\r\n".encode()
    try:
        if DEFECT == "gathers-body":
            time.sleep(SLOW_PAUSE)
            connection.sendall(head + first + rest)
            return True
        connection.sendall(head + first)
        time.sleep(SLOW_PAUSE)
        connection.sendall(rest)
    except OSError:
        if DEFECT == "dies-on-hangup":
            os._exit(1)  # as a single-threaded server does when the BrokenPipeError is not caught
        return False  # the client went away: this connection is over, the server goes on
    return True


def route(method, target, body):
    if target.startswith("/log/"):
        if DEFECT != "silent-log":
            print(f"logged {target[len('/log/'):]}", flush=True)
        return 200, {}, b"ok"
    if target == "/greeting":
        return 200, {}, (b"hello" if DEFECT == "greeting-ignored" else GREETING.encode())
    if target.startswith("/files/"):
        return serve_file(target[len("/files/"):])
    if target.startswith("/notes/"):
        return note(method, target[len("/notes/"):], body)
    return 404, {}, b""


REASONS = {200: "OK", 201: "Created", 404: "Not Found"}


def handle(connection):
    """Requests one after another on the connection (HTTP/1.1 keeps it open) until the client closes it."""
    with connection:
        data = b""
        while True:
            while b"\r\n\r\n" not in data:
                piece = connection.recv(65536)
                if not piece:
                    return
                data += piece
            head, _, data = data.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = {line.partition(":")[0].strip().lower(): line.partition(":")[2].strip() for line in lines[1:]}
            length = int(headers.get("content-length", "0"))
            while len(data) < length:
                piece = connection.recv(65536)
                if not piece:
                    return
                data += piece
            body, data = data[:length], data[length:]
            if target.startswith("/slow/"):
                if not send_slowly(connection, target[len("/slow/"):]):
                    return
                continue
            status, extra, payload = route(method, target, body)
            head = f"HTTP/1.1 {status} {REASONS[status]}\r\n"
            for name, value in extra.items():
                head += f"{name}: {value}\r\n"
            head += f"Content-Length: {len(payload)}\r\n\r\n"
            connection.sendall(head.encode() + payload)


def main():
    if DEFECT == "ignores-term":
        signal.signal(signal.SIGTERM, lambda *_: print("SIGTERM? carrying on", flush=True))
    else:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    serve_forever(handle, banner=f"listening, root {ROOT}", host="127.0.0.1")


if __name__ == "__main__":
    main()
