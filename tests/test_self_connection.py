"""The guard against TCP self-connections, which would make the tester talk to itself."""

from __future__ import annotations

import socket

from tester.connection import connected_to_itself

from conftest import free_port


def test_a_self_connection_is_recognised():
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
        sock.connect(("127.0.0.1", port))  # Linux completes this as a connection to itself
        assert connected_to_itself(sock)


def test_an_ordinary_connection_is_not_a_self_connection():
    with socket.create_server(("127.0.0.1", 0)) as server:
        with socket.create_connection(server.getsockname()) as client:
            assert not connected_to_itself(client)
