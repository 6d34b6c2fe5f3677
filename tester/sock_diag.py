"""The kernel's listening TCP sockets on a port, asked over netlink (sock_diag, Linux's `ss` interface).

One request per address family asks for sockets in the LISTEN state only, so the kernel walks its small
table of listeners and nothing else. Building the request and reading the answer are pure (`request`,
`inodes`), tested with bytes; `listening` does the I/O and returns None wherever netlink is not there or
not allowed, so the caller can fall back to /proc/net.
"""

from __future__ import annotations

import socket
import struct

NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
TCP_LISTEN = 10
HEADER = struct.Struct("=IHHII")  # nlmsghdr: length, type, flags, sequence, port id
REQUEST = struct.Struct("=BBBxI48s")  # inet_diag_req_v2: family, protocol, extensions, states, socket id
MESSAGE = struct.Struct("=BBBB48sIIIII")  # inet_diag_msg: family, state, timer, retrans, id, ..., uid, inode
TIMEOUT = 0.5


def request(family: int, sequence: int) -> bytes:
    body = REQUEST.pack(family, socket.IPPROTO_TCP, 0, 1 << TCP_LISTEN, bytes(48))
    return HEADER.pack(HEADER.size + len(body), SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, sequence, 0) + body


def inodes(data: bytes, port: int) -> tuple[set[int], bool]:
    """The inodes of the listeners on `port` in a chunk of the answer, and whether the answer is complete.
    ValueError for an error message or a chunk that does not parse."""
    found: set[int] = set()
    offset = 0
    while offset + HEADER.size <= len(data):
        length, kind, _, _, _ = HEADER.unpack_from(data, offset)
        if length < HEADER.size or offset + length > len(data):
            raise ValueError("a netlink message runs past the data")
        if kind == NLMSG_DONE:
            return found, True
        if kind == NLMSG_ERROR:
            raise ValueError("the kernel refused the request")
        if kind == SOCK_DIAG_BY_FAMILY and length >= HEADER.size + MESSAGE.size:
            _, state, _, _, identity, _, _, _, _, inode = MESSAGE.unpack_from(data, offset + HEADER.size)
            if state == TCP_LISTEN and struct.unpack_from("!H", identity)[0] == port:
                found.add(inode)
        offset += (length + 3) & ~3
    return found, False


def listening(port: int) -> set[int] | None:
    found: set[int] = set()
    try:
        with socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_SOCK_DIAG) as sock:
            sock.settimeout(TIMEOUT)
            for sequence, family in enumerate((socket.AF_INET, socket.AF_INET6), start=1):
                sock.send(request(family, sequence))
                done = False
                while not done:
                    more, done = inodes(sock.recv(65536), port)
                    found |= more
    except (OSError, ValueError, AttributeError):  # no netlink here (not Linux, a sandbox): use /proc/net
        return None
    return found
