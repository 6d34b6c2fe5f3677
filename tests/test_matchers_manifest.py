"""The check language's load-time mistakes: each named with its file, line and a fix, by the loader."""

from __future__ import annotations

import pytest

from tester.manifest.load import load_course

from test_manifest import problems, write_course

COURSE = """
stages:
  - slug: one
    title: One
    description: one.md
    vars:
      name: word
    probes:
      - kind: exchange
        requests:
          - send: {method: GET, target: /}
            expect:
              RULE
"""


def course_with(tmp_path, rule: str):
    return write_course(tmp_path, COURSE.replace("RULE", rule))


def only(path) -> tuple[int, str, str]:
    found = problems(path)
    assert len(found) == 1, found
    where, _, rest = found[0].partition(": ")
    problem, _, fix = rest.partition("\n    fix: ")
    assert where.startswith(str(path)), found[0]
    assert fix, f"every mistake has a fix: {found[0]}"
    return int(where.rsplit(":", 1)[1]), problem, fix


def test_every_key_of_the_language_loads(tmp_path):
    rule = """status: [403, 404, 5xx]
              headers:
                Allow: {tokens: [GET, "{name}"]}
                Date: {date: true}
                X-Id: {matches: "[0-9]{8}"}
                Content-Type: {one_of: [text/plain, text/html]}
                Server: {present: true}
              body_contains: ["{name}"]
              body_excludes: [secret]
              json: {id: {$any: integer}, name: "{name}", tags: {$unordered: [a]}, n: {$is: "{name|len}"},
                     d: {$match: "[0-9]+"}, o: {$partial: {k: 1}}}
              framing: [content-length, chunked]
              level: should
              rfc: RFC 9110 §15"""
    load_course(course_with(tmp_path, rule))


@pytest.mark.parametrize("rule, problem, fix", [
    ("status: teapot", "expect.status: status takes a code (404), a class (4xx) or a list of them, got 'teapot'",
     "write a number without quotes, e.g. 404, or a class such as 4xx"),
    ("status: 6xx", "got '6xx'", "a class is a digit from 1 to 5 and then xx"),
    ("status: [403, 4O4]", "expect.status[1]: status takes a code (404)", "write a number without quotes"),
    ("status: [200, 700]", "expect.status[1]: must be at most 599, got 700", "use 599 or less"),
    ("status: []", "an empty list of statuses allows none", "e.g. [403, 404]"),
    ("headers: {X: {matches: '[0-9'}}", "headers.X.matches: not a valid regular expression",
     "single quotes keep backslashes"),
    ("headers: {X: {one_of: [a], matches: a}}", "give one rule per header, not one_of and matches", "also:"),
    ("json: {id: {$anyy: integer}}", "json: json pattern at $.id: unknown matcher '$anyy'", "did you mean '$any'?"),
    ("json: {id: {$match: '('}}", "json pattern at $.id: $match: '(' is not a valid regular expression",
     "check its brackets"),
    ("json: {id: {$any: int}}", "$any takes a type name, not 'int'", "did you mean integer?"),
    ("framing: chunk", "framing", "chunked"),
    ("level: must-not", "level", "must"),
])
def test_each_mistake_is_named_at_its_line_with_a_fix(tmp_path, rule, problem, fix):
    line, said, fixed = only(course_with(tmp_path, rule))
    assert line == 12, (line, said)
    assert problem in said, said
    assert fix in fixed, fixed
    assert "Input should" not in said


def test_an_unknown_value_in_a_json_pattern_is_named(tmp_path):
    line, said, fixed = only(course_with(tmp_path, 'json: {name: "{nmae}"}'))
    assert "{nmae}" in said and "did you mean {name}?" in fixed
