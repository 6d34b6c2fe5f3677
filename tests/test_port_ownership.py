"""A run owns its port: a lock between tester runs, and a check that the listener is the program's own."""

from __future__ import annotations

import os
import socket
import struct
import textwrap
import threading
from pathlib import Path

import pytest

from tester import listeners, portlock, processes
from tester.cli import main
from tester.program import Program

from aftermath import assert_clean
from conftest import REFERENCE, free_port, write_program

TCP = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:107D 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 651 1 0 100 0 0 10 0
   1: 0100007F:107D 0100007F:A000 01 00000000:00000000 00:00000000 00000000     0        0 652 1 0 100 0 0 10 0
   2: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 653 1 0 100 0 0 10 0
"""
TCP6 = """\
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:107D 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4034 1 0 100 0 0 10 0
"""


def test_listening_inodes_reads_only_listeners_on_the_port():
    assert listeners.listening_inodes(TCP, 4221) == {651}  # 652 is an established connection, 653 port 8080
    assert listeners.listening_inodes(TCP6, 4221) == {4034}
    assert listeners.listening_inodes(TCP, 8080) == {653}
    assert listeners.listening_inodes("header only\n", 4221) == set()


def test_fd_links_and_stat_lines():
    assert listeners.socket_inode("socket:[4034]") == 4034
    assert listeners.socket_inode("pipe:[12]") is None and listeners.socket_inode("/dev/null") is None
    assert processes.group_of("123 (python3 -m app (x)) S 1 4567 4567 0 -1") == 4567


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="needs Linux /proc")
def test_a_socket_of_this_process_is_found_and_not_a_stranger():
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        assert listeners.listeners(port)
        assert listeners.strangers(port, [os.getpid()], lambda: []) == set()
        assert listeners.strangers(port, [], lambda: []) == listeners.listeners(port)
        holder = listeners.holder_of(min(listeners.listeners(port)))
        assert holder is not None and holder.pid == os.getpid()


def _reuse_port_server(folder) -> None:
    """A solution whose server listens with SO_REUSEPORT, as the usual starter does."""
    (folder / "server.py").write_text(textwrap.dedent("""\
        import os, socket
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        server.bind(("127.0.0.1", int(os.environ["PORT"])))
        server.listen(8)
        print("listening", flush=True)
        while True:
            server.accept()
    """))
    write_program(folder, "exec python3 -u server.py\n")


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="needs Linux /proc")
def test_a_second_listener_on_the_port_is_named(tmp_path, capsys, monkeypatch):
    _reuse_port_server(tmp_path)
    port = free_port()
    other = socket.socket()
    other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    other.bind(("127.0.0.1", port))
    other.listen(8)
    monkeypatch.setattr(Program, "_port_taken", lambda self: False)  # as if the other came after the check
    try:
        code = main(["stage", "1", "--only", "--solution", str(tmp_path), "--port", str(port), "--no-color",
                     "--no-progress"])
    finally:
        other.close()
    out = capsys.readouterr().out
    assert code == 1
    assert f"another program also listens on port {port}: pid {os.getpid()} (" in out
    assert "SO_REUSEPORT" in out and "Traceback" not in out


def test_a_second_run_on_the_port_waits_then_names_the_first(capsys, monkeypatch):
    port = free_port()
    holding, release = threading.Event(), threading.Event()

    def first_run():
        with portlock.hold(port, lambda text: None):
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=first_run)
    thread.start()
    holding.wait(5)
    monkeypatch.setattr(portlock, "WAIT", 0.3)
    try:
        code = main(["stage", "1", "--only", "--solution", str(REFERENCE), "--port", str(port), "--no-color",
                     "--no-progress"])
    finally:
        release.set()
        thread.join(5)
    out = capsys.readouterr().out
    assert code == 2
    assert f"port {port} is in use by another tester run (pid {os.getpid()}: tester" in out
    assert "waiting up to 0.3 s" in out and "--port" in out


def test_the_second_run_goes_ahead_once_the_first_finishes(capsys):
    release = threading.Event()
    holding = threading.Event()

    def first_run(port):
        with portlock.hold(port, lambda text: None):
            holding.set()
            release.wait(10)

    port = free_port()
    thread = threading.Thread(target=first_run, args=(port,))
    thread.start()
    holding.wait(5)
    threading.Timer(0.3, release.set).start()
    code = main(["stage", "1", "--only", "--solution", str(REFERENCE), "--port", str(port), "--no-color",
                 "--no-progress"])
    thread.join(5)
    assert code == 0, capsys.readouterr().out


def test_the_lock_is_free_after_a_run(tester):
    run = tester("stage", "1", "--only")
    assert run.code == 0
    assert_clean(run, REFERENCE)
    with portlock.hold(run.port, lambda text: pytest.fail(f"still held: {text}"), wait=0):
        pass


def _diag_message(state: int, port: int, inode: int) -> bytes:
    from tester import sock_diag

    identity = struct.pack("!HH", port, 0) + bytes(44)
    body = sock_diag.MESSAGE.pack(socket.AF_INET, state, 0, 0, identity, 0, 0, 0, 0, inode)
    return sock_diag.HEADER.pack(sock_diag.HEADER.size + len(body), sock_diag.SOCK_DIAG_BY_FAMILY, 2, 1, 0) + body


def test_sock_diag_answers_are_read_for_the_port_and_the_listen_state():
    from tester import sock_diag

    done = sock_diag.HEADER.pack(sock_diag.HEADER.size + 4, sock_diag.NLMSG_DONE, 2, 1, 0) + bytes(4)
    data = _diag_message(10, 4221, 651) + _diag_message(10, 8080, 652) + _diag_message(1, 4221, 653)
    assert sock_diag.inodes(data, 4221) == ({651}, False)
    assert sock_diag.inodes(data + done, 4221) == ({651}, True)
    error = sock_diag.HEADER.pack(sock_diag.HEADER.size + 4, sock_diag.NLMSG_ERROR, 0, 1, 0) + bytes(4)
    with pytest.raises(ValueError):
        sock_diag.inodes(error, 4221)
    with pytest.raises(ValueError):  # a message cut short
        sock_diag.inodes(data[:60], 4221)
    header = sock_diag.request(socket.AF_INET6, 7)
    assert sock_diag.HEADER.unpack_from(header) == (len(header), 20, 0x301, 7, 0)


def test_sock_diag_finds_what_the_proc_tables_find():
    from tester import sock_diag

    with socket.socket() as four, socket.socket(socket.AF_INET6) as six:
        four.bind(("127.0.0.1", 0))
        four.listen()
        port = four.getsockname()[1]
        six.bind(("::1", port))
        six.listen()
        found = sock_diag.listening(port)
        if found is None:
            pytest.skip("netlink sock_diag is not available here; the tester reads /proc/net instead")
        tables = listeners.listeners(port, Path("/proc/self/.."))  # /proc by another name: the table reader
        assert found == tables and len(found) == 2
