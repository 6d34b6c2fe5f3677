"""The server of the tracks demonstration: passes every stage, or with --defect NAME breaks one helper.

  no-upper   capitals come back in lower case: fails `upper` (track extra-a), and so `tester test
             --track extra-b` fails there, in a track that extra-b requires
  no-bang    the exclamation mark is left off: `tester test` fails `bang` (track side), but `tester test
             --track extra-b` fails `shout`, because extra-b does not require side
"""

import argparse
import signal
import socket
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from listen import serve_forever  # noqa: E402  (beside this folder)

parser = argparse.ArgumentParser()
parser.add_argument("--defect", choices=["no-upper", "no-bang"])
DEFECT = parser.parse_args().defect


def upper(text: str) -> str:
    return text if DEFECT == "no-upper" else text.upper()


def bang(text: str) -> str:
    return text if DEFECT == "no-bang" else text + "!"


def answer(target: str) -> tuple[str, str]:
    if target == "/":
        return "200 OK", "hello"
    route, _, rest = target.lstrip("/").partition("/")
    handlers = {"echo": lambda text: text, "bang": bang, "upper": upper, "shout": lambda text: bang(upper(text))}
    if route in handlers and rest:
        return "200 OK", handlers[route](rest)
    return "404 Not Found", ""


def serve(client: socket.socket) -> None:
    with client:
        pending = b""
        while True:
            while b"\r\n\r\n" not in pending:
                data = client.recv(65536)
                if not data:
                    return
                pending += data
            head, _, pending = pending.partition(b"\r\n\r\n")
            target = head.split(b"\r\n")[0].split(b" ")[1].decode("latin-1")
            status, body = answer(target)
            data = body.encode()
            client.sendall(f"HTTP/1.1 {status}\r\nContent-Length: {len(data)}\r\n\r\n".encode() + data)


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    serve_forever(serve, host="")


if __name__ == "__main__":
    main()
