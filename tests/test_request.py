"""Unit tests for tester.request: manifest requests to wire bytes, and the equivalent curl command."""

from __future__ import annotations

import shlex
import shutil
import subprocess

import pytest

from tester.manifest.models import Request
from tester.request import BODY_FILE, build, printf_format, saved_as, send_raw


def out(values=None, **fields):
    return build(Request(**fields), values or {}, "localhost", 4221)


# --------------------------------------------------------------------------- wire bytes


def test_simple_get_bytes():
    outgoing = out(target="/echo/abc")
    assert outgoing.data == b"GET /echo/abc HTTP/1.1\r\nHost: localhost:4221\r\n\r\n"
    assert outgoing.method == "GET" and outgoing.target == "/echo/abc" and outgoing.body == b""
    assert outgoing.summary == "GET /echo/abc"


def test_get_with_headers_host_first_then_manifest_order_and_spelling():
    outgoing = out({"ua": "Foo/1.0 (x; y)"}, target="/user-agent",
                   headers={"user-agent": "{ua}", "X-Custom-HEADER": "v", "Accept": "*/*"})
    assert outgoing.data == (
        b"GET /user-agent HTTP/1.1\r\n"
        b"Host: localhost:4221\r\n"
        b"user-agent: Foo/1.0 (x; y)\r\n"
        b"X-Custom-HEADER: v\r\n"
        b"Accept: */*\r\n"
        b"\r\n"
    )
    assert outgoing.headers == (("Host", "localhost:4221"), ("user-agent", "Foo/1.0 (x; y)"),
                                ("X-Custom-HEADER", "v"), ("Accept", "*/*"))


def test_target_is_rendered():
    assert out({"text": "banana"}, target="/echo/{text}").data.startswith(b"GET /echo/banana HTTP/1.1\r\n")


def test_host_and_port_are_used():
    outgoing = build(Request(), {}, "127.0.0.1", 8080)
    assert outgoing.data == b"GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"


def test_get_has_no_content_length():
    assert b"Content-Length" not in out(target="/").data


def test_post_body_gets_content_length_automatically():
    outgoing = out({"content": "hello world"}, method="POST", target="/files/a",
                   headers={"Content-Type": "application/octet-stream"}, body="{content}")
    assert outgoing.data == (
        b"POST /files/a HTTP/1.1\r\n"
        b"Host: localhost:4221\r\n"
        b"Content-Type: application/octet-stream\r\n"
        b"Content-Length: 11\r\n"
        b"\r\n"
        b"hello world"
    )
    assert outgoing.body == b"hello world"


def test_content_length_counts_bytes():
    outgoing = out({"v": "é"}, method="POST", body="{v}")
    assert b"Content-Length: 2\r\n\r\n\xc3\xa9" in outgoing.data


def test_binary_body_sent_raw():
    blob = b"\xff\xfe\x00\r\n\x80"
    outgoing = out({"blob": blob}, method="POST", target="/files/x", body="{blob}")
    assert outgoing.data.endswith(b"Content-Length: 6\r\n\r\n" + blob)


def test_empty_body_gets_content_length_zero():
    outgoing = out(method="POST", body="")
    assert outgoing.data.endswith(b"Content-Length: 0\r\n\r\n")


def test_manifest_content_length_is_not_duplicated():
    outgoing = out(method="POST", headers={"content-length": "3"}, body="hello")
    assert outgoing.data == b"POST / HTTP/1.1\r\nHost: localhost:4221\r\ncontent-length: 3\r\n\r\nhello"
    assert outgoing.data.lower().count(b"content-length") == 1


def test_raw_request_is_sent_verbatim():
    raw = "GET /echo/{text} HTTP/1.1\r\nhost: x\r\n\r\n"
    outgoing = out({"text": "kiwi"}, raw=raw)
    assert outgoing.data == b"GET /echo/kiwi HTTP/1.1\r\nhost: x\r\n\r\n"
    assert outgoing.method == "GET" and outgoing.target == "/echo/kiwi"
    assert outgoing.headers == ()


def test_raw_request_without_crlf_is_not_repaired():
    outgoing = out(raw="GET / HTTP/1.1\nHost: localhost\n\n")
    assert outgoing.data == b"GET / HTTP/1.1\nHost: localhost\n\n"


def test_raw_request_reproduce_line_is_printf_to_tester_send():
    outgoing = out(raw="GET / HTTP/1.1\r\n\r\n")
    assert outgoing.curl == "printf 'GET / HTTP/1.1\\r\\n\\r\\n' | tester send --raw - --port 4221"
    assert outgoing.files == ()


def test_raw_request_with_bare_cr_is_spelled_out_for_printf_too():
    outgoing = out(raw="GET / HTTP/1.1\r\rx\r\n\r\n")
    assert outgoing.curl == "printf 'GET / HTTP/1.1\\r\\rx\\r\\n\\r\\n' | tester send --raw - --port 4221"
    assert "nc " not in outgoing.curl and "request.bin" not in outgoing.curl


def test_raw_request_names_another_host():
    outgoing = build(Request(raw="GET / HTTP/1.1\r\n\r\n"), {}, "127.0.0.1", 8080)
    assert outgoing.curl.endswith("| tester send --raw - --port 8080 --host 127.0.0.1")


# every byte value, and the characters printf and the shell treat specially
AWKWARD = bytes(range(256)) + b"'%s%%\\r\\n\\x41\\101 $HOME `x` \"q\" -- 0123"


@pytest.mark.parametrize("shell", ["sh", "bash"])
def test_printf_format_gives_back_every_byte(shell):
    if shutil.which(shell) is None:
        pytest.skip(f"no {shell} here")
    word = printf_format(AWKWARD)
    done = subprocess.run([shell, "-c", f"printf {word}"], capture_output=True, timeout=10)
    assert done.returncode == 0 and done.stdout == AWKWARD


def test_printf_format_is_one_shell_word_of_printable_ascii():
    word = printf_format(AWKWARD)
    assert len(shlex.split(word)) == 1
    assert all(0x20 <= ord(char) < 0x7F for char in word)


def test_send_raw_in_parts_pauses_between_them():
    line = send_raw([b"GET / HTTP/1.1\r\n", b"\r\n"], "localhost", 4221, pause=1)
    assert line == ("(sleep 1; printf 'GET / HTTP/1.1\\r\\n'; sleep 1; printf '\\r\\n') "
                    "| tester send --raw - --port 4221")


def test_send_raw_with_a_timeout():
    line = send_raw([b"GET / HTTP/1.1\r\n"], "localhost", 4221, timeout=30)
    assert line == "printf 'GET / HTTP/1.1\\r\\n' | tester send --raw - --port 4221 --timeout 30"


def test_pieces_are_carried():
    outgoing = out(target="/", pieces=3, piece_pause=0.1)
    assert outgoing.pieces == 3 and outgoing.piece_pause == 0.1


# --------------------------------------------------------------------------- curl


def test_curl_for_a_get():
    assert out(target="/echo/abc").curl == "curl -i http://localhost:4221/echo/abc"


def test_curl_keeps_dot_segments_as_they_are():
    assert out(target="/files/../secret.txt").curl == "curl -i --path-as-is http://localhost:4221/files/../secret.txt"
    assert out(target="/files/a/./b").curl.startswith("curl -i --path-as-is ")
    assert "--path-as-is" not in out(target="/files/a..b/.hidden").curl
    assert "--path-as-is" in out(target="/files/%2e%2e/secret.txt").curl  # today's curl sends it as it is


def test_curl_headers_are_shell_quoted():
    outgoing = out({"ua": "Mozilla/5.0 (X11; Linux x86_64) it's"}, target="/user-agent",
                   headers={"User-Agent": "{ua}"})
    assert outgoing.curl.startswith("curl -i http://localhost:4221/user-agent -H ")
    words = shlex.split(outgoing.curl)
    assert words == ["curl", "-i", "http://localhost:4221/user-agent", "-H",
                     "User-Agent: Mozilla/5.0 (X11; Linux x86_64) it's"]


def test_curl_does_not_repeat_host():
    outgoing = out(target="/", headers={"Accept": "*/*"})
    assert "Host" not in outgoing.curl
    assert outgoing.curl == "curl -i http://localhost:4221/ -H 'Accept: */*'"


def test_curl_post_with_short_printable_body():
    outgoing = out({"c": "hello world"}, method="POST", target="/files/a",
                   headers={"Content-Type": "application/octet-stream"}, body="{c}")
    assert outgoing.curl == ("curl -i http://localhost:4221/files/a -H 'Content-Type: application/octet-stream' "
                             "--data-binary 'hello world'")
    words = shlex.split(outgoing.curl)
    assert words[-2:] == ["--data-binary", "hello world"]
    assert "-X" not in words
    assert not any("Content-Length" in word for word in words)


def test_curl_post_body_with_quote_round_trips():
    outgoing = out({"c": "it's $HOME `x`"}, method="POST", body="{c}")
    assert shlex.split(outgoing.curl)[-1] == "it's $HOME `x`"


@pytest.mark.parametrize("body", [b"x" * 121, b"line\n", b"\xff\x00abc"])
def test_curl_post_with_long_or_binary_body_uses_body_bin(body):
    outgoing = out({"c": body}, method="POST", target="/files/a", body="{c}")
    assert "--data-binary @body.bin" in outgoing.curl
    assert f"{len(body)}-byte" in outgoing.curl
    assert body.decode("latin-1") not in outgoing.curl


def test_curl_post_body_of_120_printable_bytes_is_inline():
    outgoing = out({"c": "y" * 120}, method="POST", body="{c}")
    assert shlex.split(outgoing.curl)[-2:] == ["--data-binary", "y" * 120]


def test_curl_post_body_starting_with_at_sign_is_sent_raw():
    outgoing = out({"c": "@notes"}, method="POST", body="{c}")
    assert shlex.split(outgoing.curl)[-2:] == ["--data-raw", "@notes"]  # --data-binary @x reads a file


def test_curl_head_uses_head():
    outgoing = out(method="HEAD", target="/")
    assert outgoing.curl == "curl -i --head http://localhost:4221/"
    assert outgoing.data == b"HEAD / HTTP/1.1\r\nHost: localhost:4221\r\n\r\n"


def test_curl_post_without_body_uses_x():
    assert out(method="POST", target="/").curl == "curl -i -X POST http://localhost:4221/"


def test_curl_other_method_with_body_uses_x_and_data():
    words = shlex.split(out(method="PUT", target="/a", body="b").curl)
    assert words[:4] == ["curl", "-i", "-X", "PUT"]
    assert words[-2:] == ["--data-binary", "b"]


def test_a_body_read_from_a_file_travels_with_the_request():
    body = bytes(range(256)) * 3
    outgoing = out({"blob": body}, method="POST", target="/files/x", body="{blob}")
    assert f"--data-binary @{BODY_FILE}" in outgoing.curl
    assert outgoing.files == ((BODY_FILE, body),)


def test_a_body_on_the_command_line_needs_no_file():
    assert out(method="POST", target="/files/x", body="short").files == ()
    assert out(target="/").files == ()


def test_saved_as_names_the_written_file():
    outgoing = out({"blob": b"\x00" * 300}, method="POST", target="/files/x", body="{blob}")
    line = saved_as(outgoing.curl, BODY_FILE, "/tmp/tester-7/files-post-body.bin")
    assert line == ("curl -i http://localhost:4221/files/x --data-binary @/tmp/tester-7/files-post-body.bin"
                    "  # written by the tester: the 300-byte request body")


def test_saved_as_quotes_a_path_the_shell_would_split():
    outgoing = out({"blob": b"\x00" * 300}, method="POST", target="/files/x", body="{blob}")
    line = saved_as(outgoing.curl, BODY_FILE, "/tmp/my folder/x-body.bin")
    assert shlex.split(line, comments=True)[-1] == "@/tmp/my folder/x-body.bin"


# --------------------------------------------------------------------------- Expect: 100-continue


def test_expect_continue_adds_the_header_and_marks_where_the_body_starts():
    outgoing = out(method="POST", target="/upload", body="hello", expect_continue=True, continue_wait=0.4)
    assert outgoing.data == (b"POST /upload HTTP/1.1\r\nHost: localhost:4221\r\nExpect: 100-continue\r\n"
                             b"Content-Length: 5\r\n\r\nhello")
    assert outgoing.data[outgoing.head_length:] == b"hello"
    assert outgoing.expect_continue and outgoing.continue_wait == 0.4


def test_expect_given_in_the_manifest_is_not_repeated():
    outgoing = out(method="POST", body="x", expect_continue=True, headers={"expect": "100-continue"})
    assert outgoing.data.lower().count(b"expect:") == 1


def test_curl_for_expect_continue_waits_as_long_as_the_tester():
    outgoing = out(method="POST", target="/u", body="abc", expect_continue=True, continue_wait=0.5)
    assert outgoing.curl == ("curl -i --expect100-timeout 0.5 http://localhost:4221/u -H 'Expect: 100-continue' "
                             "--data-binary abc")


def test_head_length_of_a_request_without_body_is_its_length():
    outgoing = out(target="/")
    assert outgoing.head_length == len(outgoing.data)


def test_a_long_raw_request_is_sent_from_a_file_in_its_reproduce_line():
    data = "GET /echo/x HTTP/1.1\r\nX-Big: " + "a" * 3000 + "\r\n\r\n"
    outgoing = build(Request(raw=data), {}, "localhost", 4221)
    assert outgoing.data == data.encode()
    assert outgoing.curl.startswith("tester send --raw request.bin --port 4221  # request.bin: the ")
    assert outgoing.files == (("request.bin", data.encode()),)
    assert "--raw /tmp/x/request.bin" in saved_as(outgoing.curl, "request.bin", "/tmp/x/request.bin")


def test_the_summary_of_a_raw_request_escapes_its_bytes_and_cuts_a_long_target():
    garbage = build(Request(raw="\x00\x1b[2J\xff junk"), {}, "localhost", 4221)
    assert garbage.summary == "\\x00\\x1b[2J\\xc3\\xbf junk"  # the template is text, sent as UTF-8
    long = build(Request(raw="GET /" + "b" * 500 + " HTTP/1.1\r\n\r\n"), {}, "localhost", 4221)
    assert long.summary.startswith("GET /bbbb") and long.summary.endswith("... (501 characters)")
    assert len(long.summary) < 100
