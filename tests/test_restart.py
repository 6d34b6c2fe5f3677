"""The `restart` probe against tiny servers: one that counts its starts in a file of its --directory, one
that ignores SIGTERM, one that cannot start a second time; and nothing is left running after any of them."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from aftermath import assert_clean
from conftest import write_program
from tester import hints

# Counts its starts in DIR/starts; answers GET / with the count. Behaviours by the first argument after
# --directory DIR: "ignore-term" keeps running on SIGTERM, "once" refuses to start when DIR/starts exists.
SERVER = textwrap.dedent('''
    import os, signal, socket, sys
    directory = sys.argv[sys.argv.index("--directory") + 1]
    mode = sys.argv[-1]
    counter = os.path.join(directory, "starts")
    if mode == "once" and os.path.exists(counter):
        print("already started once", flush=True)
        sys.exit(3)
    starts = int(open(counter).read()) + 1 if os.path.exists(counter) else 1
    with open(counter, "w") as file:
        file.write(str(starts))
    if mode == "ignore-term":
        signal.signal(signal.SIGTERM, lambda *_: print("ignoring SIGTERM", flush=True))
    else:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", int(os.environ["PORT"])))
    listener.listen()
    print(f"start {starts}", flush=True)
    while True:
        connection, _ = listener.accept()
        data = b""
        while b"\\r\\n\\r\\n" not in data:
            piece = connection.recv(4096)
            if not piece:
                break
            data += piece
        if data:
            body = str(starts).encode()
            connection.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: %d\\r\\nConnection: close\\r\\n\\r\\n%s"
                               % (len(body), body))
        connection.close()
''')


def _course(folder: Path, mode: str, restarts: list[str]) -> Path:
    (folder / "one.md").write_text("# Restart\n")
    probes = ['      - kind: exchange\n        requests:\n          - send: {target: /}\n'
              '            expect: {status: 200, body: "1"}\n']
    for number, restart in enumerate(restarts, start=2):
        probes.append(f"      - {restart}\n")
        probes.append('      - kind: exchange\n        requests:\n          - send: {target: /}\n'
                      f'            expect: {{status: 200, body: "{number}"}}\n')
    path = folder / "stages.yaml"
    path.write_text("stages:\n  - slug: restart\n    title: Restart\n    description: one.md\n"
                    f"    directory: true\n    args: ['--directory', '{{directory}}', '{mode}']\n"
                    "    probes:\n" + "".join(probes))
    return path


def _solution(folder: Path) -> Path:
    solution = folder / "solution"
    solution.mkdir()
    (solution / "server.py").write_text(SERVER)
    return write_program(solution, 'exec python3 -u "$(dirname "$0")/server.py" "$@"\n')


@pytest.mark.parametrize("restarts", [
    ["{kind: restart}", "{kind: restart, signal: KILL}"],
], ids=["term-then-kill"])
def test_the_program_comes_back_with_its_files(tester, tmp_path, restarts):
    solution = _solution(tmp_path)
    run = tester("test", solution=solution, course=_course(tmp_path, "count", restarts))
    assert run.code == 0, run.output
    assert "sent SIGTERM to your program: it exited with code 0" in run.output
    assert "sent SIGKILL to your program: it ended by SIGKILL" in run.output
    assert run.output.count("your program accepts connections again") == 2
    for line in ("start 1", "start 2", "start 3"):  # both runs' output reaches the console
        assert f"[your_program] {line}" in run.output
    assert_clean(run, solution)


def test_a_program_that_ignores_term_fails_and_is_killed(tester, tmp_path):
    solution = _solution(tmp_path)
    run = tester("test", solution=solution, course=_course(tmp_path, "ignore-term", ["{kind: restart, grace: 0.3}"]))
    assert run.code == 1, run.output
    assert run.failed["message"] == ("your program was still running 0.3 s after SIGTERM: the tester killed it "
                                     "(SIGKILL)"), run.output
    assert hints.RESTART_IGNORED_TERM in run.output
    assert "ignoring SIGTERM" in run.output  # its last output lines are shown
    assert_clean(run, solution)


def test_a_program_that_cannot_start_again_fails_with_its_output(tester, tmp_path):
    solution = _solution(tmp_path)
    run = tester("test", solution=solution, course=_course(tmp_path, "once", ["{kind: restart}"]))
    assert run.code == 1, run.output
    assert run.failed["message"] == ("after the restart (SIGTERM), your program exited with code 3 before "
                                     f"accepting a connection on port {run.port}"), run.output
    assert "already started once" in run.output
    assert_clean(run, solution)


def test_restart_takes_only_its_signals(tmp_path):
    from tester.errors import ManifestError
    from tester.manifest.load import load_course

    with pytest.raises(ManifestError) as caught:
        load_course(_course(tmp_path, "count", ["{kind: restart, signal: HUP}"]))
    assert "signal" in str(caught.value) and "TERM" in str(caught.value)
