"""The exchange probe's hint for a 404 to a file the --directory folder holds (a server that looks elsewhere)."""

from __future__ import annotations

import random

from tester import hints
from tester.errors import StageFailure
from tester.http11 import ResponseReader
from tester.manifest.models import Defaults, Expect, Request, Step
from tester.probes.base import ProbeContext
from tester.probes.exchange import _point_at_the_directory
from tester.request import build

NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"


def context(directory) -> ProbeContext:
    return ProbeContext("localhost", 4221, {"name": "apple_kiwi_12"}, Defaults(), directory, random.Random(0),
                        lambda *args: None)


def point(directory, target: str = "/files/{name}", status: int = 200, raw: bytes = NOT_FOUND) -> StageFailure:
    reader = ResponseReader()
    reader.expect_response_to("GET")
    reader.feed(raw)
    response = reader.next_response()
    step = Step(send=Request(target=target), expect=Expect(status=status))
    probe_context = context(directory)
    outgoing = build(step.send, probe_context.values, "localhost", 4221)
    failure = StageFailure("expected status code 200, got 404", hint=hints.STATUS[(200, 404)])
    _point_at_the_directory(failure, step, outgoing, response, probe_context)
    return failure


def test_a_404_for_a_file_in_the_folder_names_the_folder_and_the_arguments(tmp_path):
    (tmp_path / "apple_kiwi_12").write_bytes(b"x")
    failure = point(tmp_path)
    assert failure.message == ("expected status code 200, got 404 for /files/apple_kiwi_12, a file that is in "
                               "the --directory folder")
    assert f"started as ./your_program.sh --directory {tmp_path}," in failure.hint
    assert f"({tmp_path / 'apple_kiwi_12'})" in failure.hint
    assert "os.path.join(directory, name)" in failure.hint


def test_a_404_for_a_file_that_is_not_there_keeps_the_status_hint(tmp_path):
    failure = point(tmp_path)
    assert failure.hint == hints.STATUS[(200, 404)]
    assert "--directory" not in failure.message


def test_a_stage_without_a_folder_keeps_the_status_hint():
    assert point(None).hint == hints.STATUS[(200, 404)]


def test_only_a_404_where_200_was_expected(tmp_path):
    (tmp_path / "apple_kiwi_12").write_bytes(b"x")
    assert point(tmp_path, status=404).hint == hints.STATUS[(200, 404)]
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    assert point(tmp_path, raw=ok).hint == hints.STATUS[(200, 404)]


def test_a_folder_is_not_a_file(tmp_path):
    (tmp_path / "apple_kiwi_12").mkdir()
    assert point(tmp_path).hint == hints.STATUS[(200, 404)]


def test_a_percent_encoded_name_is_decoded_and_the_hint_says_so(tmp_path):
    (tmp_path / "a b").write_bytes(b"x")
    hint = point(tmp_path, target="/files/a%20b?download=1").hint
    assert "The file a b is in the --directory folder" in hint and "as a%20b" in hint and "unquote" in hint


def test_a_name_in_a_subfolder_is_found_too(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_bytes(b"x")
    assert "the file docs/a.txt is there" in point(tmp_path, target="/files/docs/a.txt").hint
