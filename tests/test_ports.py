"""Ports for servers the tester starts itself: free, below the kernel's ephemeral range, never twice."""

from __future__ import annotations

import random
import socket

from tester import ports


def test_the_ephemeral_range_is_read_from_the_kernel_text():
    assert ports.ephemeral_start("32768\t60999\n") == 32768
    assert ports.ephemeral_start("49152 65535") == 49152
    assert ports.ephemeral_start("") == 32768


def test_ports_come_from_below_the_ephemeral_range_and_are_not_repeated():
    chosen = [ports.free_port(random.Random(7)) for _ in range(20)]
    assert len(set(chosen)) == 20
    top = ports.ephemeral_start()
    assert all(ports.LOWEST <= port < top for port in chosen)


def test_a_port_someone_is_bound_to_is_passed_over():
    with socket.socket() as taken:
        taken.bind(("", 0))
        busy = taken.getsockname()[1]
        assert not ports.bindable(busy)

        class BusyFirst(random.Random):
            """Offers the busy port first, then ordinary random ports."""
            offered = False

            def randrange(self, start, stop):
                if not self.offered:
                    self.offered = True
                    return busy
                return super().randrange(start, stop)

        rng = BusyFirst(3)
        assert ports.free_port(rng) != busy
        assert rng.offered
