"""Choosing a free port for a server the tester starts itself (tests, `tester check`, benchmarks).

The port the kernel picks for bind(0) comes from its ephemeral range, the range it also takes the
local ports of outgoing connections from. Between choosing such a port and the server binding it, any
client on the machine may take it as its own end of a connection, and the server's bind then fails
with EADDRINUSE. Ports below that range are only ever taken by servers that ask for them, so that is
where this looks, and it never hands out the same port twice in one process. Processes that choose
ports side by side (the test suite's parallel workers) each take a share of the range (`share`), so no two
of them can hand out the same port.
"""

from __future__ import annotations

import random
import socket
import threading
from pathlib import Path

LOWEST = 10000
RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_handed_out: set[int] = set()
_lock = threading.Lock()
_share = (0, 1)  # (index, count): this process draws from the index-th of count equal parts of the range


def share(index: int, count: int) -> None:
    """From now on, choose ports only in part `index` of `count` equal parts of the range below the ephemeral one."""
    global _share
    if not 0 <= index < count:
        raise ValueError(f"share {index} of {count}")
    _share = (index, count)


def ephemeral_start(text: str | None = None) -> int:
    """The first port of the kernel's ephemeral range (Linux's default where it cannot be read)."""
    try:
        text = RANGE_FILE.read_text() if text is None else text
        return int(text.split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("", port))
        except OSError:
            return False
    return True


def free_port(rng: random.Random | None = None) -> int:
    """A port nobody is bound to now, below the ephemeral range where there is room, else from the kernel."""
    rng = rng or random.SystemRandom()
    index, count = _share
    width = (ephemeral_start() - LOWEST) // count
    low = LOWEST + index * width
    with _lock:
        if width > 1000:
            for _ in range(200):
                port = rng.randrange(low, low + width)
                if port not in _handed_out and bindable(port):
                    _handed_out.add(port)
                    return port
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        _handed_out.add(port)
        return port
