"""The `burst` probe: what the loader accepts, and a run against a tiny server with and without a lock."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from aftermath import assert_clean
from conftest import write_program
from tester import hints
from tester.errors import ManifestError
from tester.manifest.load import load_course

# Answers POST /things with {"id": N, "n": <the request's n>} and GET /things with every thing. With "racy"
# as its last argument, it reads the next id, sleeps a moment (a save to disk), and only then counts up.
SERVER = textwrap.dedent('''
    import json, os, socket, sys, threading, time
    racy = sys.argv[-1] == "racy"
    lock = threading.Lock()
    things, counter = [], [1]

    def create(n):
        if racy:
            number = counter[0]
            time.sleep(0.01)
            counter[0] = number + 1
        else:
            with lock:
                number = counter[0]
                counter[0] += 1
        thing = {"id": number, "n": n}
        with lock:
            things.append(thing)
        return thing

    def serve(connection):
        data = b""
        while b"\\r\\n\\r\\n" not in data:
            piece = connection.recv(4096)
            if not piece:
                return
            data += piece
        head, _, body = data.partition(b"\\r\\n\\r\\n")
        length = int(next((line.split(b":")[1] for line in head.split(b"\\r\\n")
                           if line.lower().startswith(b"content-length:")), b"0"))
        while len(body) < length:
            body += connection.recv(4096)
        if head.startswith(b"POST"):
            status, answer = "201 Created", create(json.loads(body)["n"])
        else:
            with lock:
                status, answer = "200 OK", list(things)
        text = json.dumps(answer).encode()
        connection.sendall(b"HTTP/1.1 %s\\r\\nContent-Type: application/json\\r\\nContent-Length: %d\\r\\n"
                           b"Connection: close\\r\\n\\r\\n%s" % (status.encode(), len(text), text))
        connection.close()

    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", int(os.environ["PORT"])))
    listener.listen(64)
    print("listening", flush=True)
    while True:
        threading.Thread(target=serve, args=(listener.accept()[0],), daemon=True).start()
''')

STAGE = textwrap.dedent('''
    stages:
      - slug: burst
        title: Burst
        description: one.md
        probes:
          - kind: burst
            connections: 4
            step:
              send:
                method: POST
                target: /things
                body: '{{"n": {n}}}'
              expect:
                status: 201
                json: {id: {$any: integer}, n: {$is: "{n}"}}
              capture: {id: {json: $.id}}
            distinct: [id]
          - kind: exchange
            requests:
              - send: {target: /things}
                expect:
                  status: 200
                  json:
                    $unordered:
                      - {id: {$is: "{id_1}"}, n: 1}
                      - {id: {$is: "{id_2}"}, n: 2}
                      - {id: {$is: "{id_3}"}, n: 3}
                      - {id: {$is: "{id_4}"}, n: 4}
''')


def _write(folder: Path, text: str) -> Path:
    (folder / "one.md").write_text("# Burst\n")
    path = folder / "stages.yaml"
    path.write_text(text)
    return path


def _problems(folder: Path, text: str) -> list[str]:
    with pytest.raises(ManifestError) as caught:
        load_course(_write(folder, text))
    return [str(problem) for problem in caught.value.problems]


def test_a_burst_captures_per_connection_and_knows_n(tmp_path):
    course = load_course(_write(tmp_path, STAGE))
    burst = course.stages[0].probes[0]
    assert set(burst.captures()) == {"id_1", "id_2", "id_3", "id_4"}
    assert list(burst.own_values()) == ["n"]


def test_n_belongs_to_the_burst_alone(tmp_path):
    text = STAGE.replace('- send: {target: /things}', '- send: {target: "/things/{n}"}')
    found = _problems(tmp_path, text)
    assert any("uses {n}, which this stage does not define" in problem for problem in found), found


@pytest.mark.parametrize("change, words", [
    (("distinct: [id]", "distinct: [ident]"), "distinct names 'ident', which the step does not capture"),
    (("body: '{{\"n\": {n}}}'", "body: '{{\"n\": {n}}}'\n            pieces: 3"), "step uses pieces"),
    (("status: 201\n", "status: 201\n            or_close: true\n"), "step uses or_close"),
])
def test_what_a_burst_cannot_do_is_refused(tmp_path, change, words):
    text = STAGE.replace(*change)
    assert text != STAGE
    found = _problems(tmp_path, text)
    assert any(words in problem for problem in found), found


def _solution(folder: Path, mode: str) -> Path:
    (folder / "server.py").write_text(SERVER)
    return write_program(folder, f'exec python3 -u "{folder / "server.py"}" {mode}\n')


def test_a_server_with_a_lock_passes(tester, tmp_path):
    course = _write(tmp_path, STAGE)
    run = tester("test", solution=_solution(tmp_path, "locked"), course=course)
    assert run.code == 0, run.output
    assert "4 requests sent but for their last byte; sending the last bytes together" in run.output
    assert_clean(run, tmp_path)


def test_a_server_that_races_is_given_the_same_id_twice(tester, tmp_path):
    course = _write(tmp_path, STAGE)
    run = tester("test", solution=_solution(tmp_path, "racy"), course=course)
    assert run.code == 1, run.output
    message = run.failed["message"]
    assert "were both given '1' as {id} (from $.id), though their 4 requests came at the same moment" in message
    assert hints.BURST_SAME_VALUE[:40] in run.output
    assert "for i in $(seq 4); do curl" in run.output
    assert_clean(run, tmp_path)
