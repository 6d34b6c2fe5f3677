"""The first process inside a submission's namespaces: bring the loopback interface up, then be the tester.

`python -m tester.grading.inside [--loopback] -- ARGUMENTS` runs `tester ARGUMENTS`; `--check` only
proves that the namespaces work (the loopback comes up and a socket can listen on it).
"""

from __future__ import annotations

import fcntl
import socket
import struct
import sys

SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1


def loopback_up() -> None:
    """What `ip link set lo up` does, without needing iproute2: a new network namespace starts with lo down."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sh", b"lo", 0)
        flags = struct.unpack("16sh", fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sh", b"lo", flags | IFF_UP))


def main(argv: list[str]) -> int | None:
    if argv == ["--check"]:
        loopback_up()
        with socket.create_server(("127.0.0.1", 4221)):
            return 0
    loopback = argv[:1] == ["--loopback"]
    arguments = argv[1:] if loopback else argv
    if arguments[:1] == ["--"]:
        arguments = arguments[1:]
    if loopback:
        loopback_up()
    from tester.cli import finish, main as tester

    finish(tester(arguments))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
