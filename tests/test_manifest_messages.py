"""The instructor's messages: each manifest mistake in plain words, at its own line, with a fix that works.

Courses are small files written to tmp_path; the pure helpers of tester.manifest.messages are tested
with models directly.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tester import probes
from tester.manifest import messages, models
from tester.templates import TemplateError, names

from test_manifest import VALID, problems, write_course

BLOCK = """
stages:
  - slug: one
    title: One
    description: one.md
    vars:
      text: word
    probes:
      - kind: exchange
        requests:
          - send:
              target: "/echo/{text}"
            expect:
              status: 200
              body: "{text}"
"""


def line_of(problem: str) -> int:
    return int(problem.split(":")[1])


def only(path) -> str:
    found = problems(path)
    assert len(found) == 1, found
    return found[0]


# --------------------------------------------------------------------------- 1. keys valid elsewhere


@pytest.mark.parametrize("key", ["ready_timeout", "response_timeout", "close_timeout"])
def test_a_course_default_in_a_stage_is_told_where_it_belongs(tmp_path, key):
    found = only(write_course(tmp_path, VALID.replace("    title: One\n", f"    title: One\n    {key}: 3\n")))
    assert line_of(found) == 4
    assert f"stages[0].{key}: '{key}' does not belong in a stage: it is a course default" in found
    assert "fix: put it under `defaults:` at the top of the file" in found
    assert "did you mean" not in found


def test_a_stage_timeout_is_not_offered_a_key_refused_there(tmp_path):
    found = only(write_course(tmp_path, VALID.replace("    title: One\n", "    title: One\n    timeout: 3\n")))
    assert "unknown key 'timeout'" in found and "did you mean" not in found
    assert "a stage takes: slug, title, description, directory, points, args, vars, files, probes" in found


def test_suggestions_come_from_the_keys_of_that_place(tmp_path):
    # 'sizee' is near 'size' (a generator parameter), 'requsts' near 'requests' (an exchange parameter).
    body = (VALID.replace("text: word", "text: {generate: text, sizee: 3}")
            .replace("        requests:", "        requsts: []\n        requests:"))
    found = problems(write_course(tmp_path, body))
    assert any("vars.text.sizee: unknown key 'sizee'" in problem and "did you mean 'size'?" in problem
               for problem in found), found
    assert any("probes[0].requsts: unknown key 'requsts'" in problem and "did you mean 'requests'?" in problem
               for problem in found), found


def test_a_request_key_under_expect_is_sent_to_send(tmp_path):
    found = only(write_course(tmp_path, BLOCK.replace("              status: 200", "              method: GET")))
    assert line_of(found) == 13
    assert "'method' does not belong in an expectation (expect): it is a request key" in found
    assert "fix: put it under the step's `send:`" in found


def test_a_probe_parameter_names_its_probe_kinds(tmp_path):
    found = only(write_course(tmp_path, BLOCK.replace('target: "/echo/{text}"', 'connections: 3')))
    assert "it is a parameter of the 'concurrency', 'interleaved' and 'burst' probe kinds" in found


def test_every_suggestion_is_a_key_of_the_place():
    # Whatever the misspelling, a "did you mean" names a key the model at that place accepts.
    for model in [models.Course, models.Defaults, models.Stage, models.Request, models.Expect, models.Generated]:
        for key in list(model.model_fields) + ["timeout", "ready_timeout", "status", "body", "kind"]:
            misspelt = key[:-1] + "x"
            problem, fix = messages._unknown_key(misspelt, model, [])
            if "did you mean" in fix:
                assert fix.split("'")[1] in model.model_fields, (model, misspelt, fix)


# --------------------------------------------------------------------------- 2. all mistakes of a stage at once


def test_three_mistakes_in_one_stage_are_all_reported(tmp_path):
    body = (VALID.replace("    title: One\n", "    title: One\n    titel: Two\n    directory: maybe\n")
            .replace("kind: exchange", "kind: exchang"))
    found = problems(write_course(tmp_path, body))
    assert [line_of(problem) for problem in found] == [4, 5, 10], found
    assert "unknown key 'titel'" in found[0]
    assert "directory: expected true or false, got 'maybe'" in found[1]
    assert "unknown probe kind 'exchang'" in found[2]


def test_a_bad_probe_key_is_reported_beside_the_stage_mistakes(tmp_path):
    body = (VALID.replace("    title: One\n", "    title: One\n    titel: Two\n    directory: maybe\n")
            .replace("        requests:", "        reqests: []\n        requests:"))
    found = problems(write_course(tmp_path, body))
    assert [line_of(problem) for problem in found] == [4, 5, 11], found


def test_a_broken_stage_does_not_hide_the_next_stage_checks(tmp_path):
    second = VALID.split("stages:\n", 1)[1].replace("slug: one", "slug: two").replace("one.md", "gone.md")
    body = VALID.replace("    title: One\n", "    title: One\n    titel: Two\n") + second
    found = problems(write_course(tmp_path, body))
    assert any("titel" in problem for problem in found)
    assert any("stages[1].description: the description file gone.md does not exist" in problem for problem in found)


# --------------------------------------------------------------------------- 3. type errors in plain words


@pytest.mark.parametrize("change, problem, fix", [
    pytest.param(("method: GET", "method: GET, pieces: abc"), "expected a whole number, got 'abc'",
                 "write a number without quotes, e.g. 1", id="int"),
    pytest.param(("method: GET", "method: GET, pieces: 1.5"), "expected a whole number, got 1.5",
                 "write a whole number, e.g. 1", id="int-from-float"),
    pytest.param(("status: 200", "status: abc"), "status takes a code (404), a class (4xx) or a list of them, "
                 "got 'abc'", "write a number without quotes, e.g. 404", id="status-word"),
    pytest.param(("status: 200", "status: 200.5"), "status takes a code (404), a class (4xx) or a list of them, "
                 "got 200.5", "write a whole number, e.g. 404", id="status-fraction"),
    pytest.param(("status: 200", "status: 4XX"), "got '4XX'", "a class is a digit from 1 to 5 and then xx",
                 id="status-class"),
    pytest.param(("status: 200", "status: [403, four]"), "expect.status[1]: status takes a code (404)",
                 "write a number without quotes", id="status-list-item"),
    pytest.param(("stages:", "defaults: {ready_timeout: soon}\nstages:"), "expected a number, got 'soon'",
                 "write a number without quotes, e.g. 10", id="float"),
    pytest.param(("    title: One\n", "    title: One\n    directory: maybe\n"), "expected true or false, got 'maybe'",
                 "write true or false, without quotes", id="bool"),
    pytest.param(("title: One", "title: 3"), "expected text, got 3", 'put it in quotes: "3"', id="string"),
    pytest.param(('body: "{text}"', "body: {text}"), "expected text, got a mapping",
                 'put the template in quotes: "{text}"', id="unquoted-template"),
    pytest.param(("status: 200", "status: 200, absent: Server"), "expected a list, got 'Server'",
                 "one '- item' line each", id="list"),
    pytest.param(('send: {method: GET, target: "/echo/{text}"}', "send: GET /echo"),
                 "expected a mapping, got 'GET /echo'", "a request (send) takes: method, target", id="mapping"),
    pytest.param(("status: 200", "status: 200, then: clos"), "expected 'open' or 'close', got 'clos'",
                 "did you mean 'close'? write one of: open, close", id="literal"),
    pytest.param(("stages:", "defaults: {close_timeout: 0}\nstages:"), "must be more than 0, got 0",
                 "use a number above 0, e.g. 1", id="greater-than"),
    pytest.param(("status: 200", "status: 700"), "must be at most 599, got 700", "use 599 or less", id="at-most"),
    pytest.param(("method: GET", "method: GET, pieces: 0"), "must be at least 1, got 0", "use 1 or more",
                 id="at-least"),
    pytest.param(("title: One", 'title: ""'), "title: must not be empty", "write the text after the colon",
                 id="empty-text"),
    pytest.param(("text: word", "text: 3"), "vars.text: expected text or a mapping, got 3",
                 "a generated value takes: generate, size, count, separator", id="union"),
])
def test_type_errors_are_plain_words_with_a_fix(tmp_path, change, problem, fix):
    found = only(write_course(tmp_path, VALID.replace(*change)))
    assert problem in found
    assert "fix: " in found and fix in found.split("fix: ", 1)[1]
    assert "Input should" not in found


def test_an_empty_probe_list_asks_for_an_item(tmp_path):
    body = VALID.split("    probes:")[0] + "    probes: []\n"
    found = only(write_course(tmp_path, body))
    assert "probes: needs at least 1 item, got none" in found and "fix: add items under it" in found


# --------------------------------------------------------------------------- 4. tabs


def test_a_tab_indent_says_yaml_does_not_allow_tabs(tmp_path):
    found = only(write_course(tmp_path, VALID.replace("    title: One", "\ttitle: One")))
    assert line_of(found) == 3
    assert "not valid YAML: this line is indented with a tab" in found
    assert "fix: YAML does not allow tabs: indent with spaces" in found


def test_other_syntax_errors_keep_the_general_fix(tmp_path):
    found = only(write_course(tmp_path, VALID.replace("title: One", "title: [One")))
    assert "tab" not in found and "check the indentation and quoting" in found


# --------------------------------------------------------------------------- 5. slugs


def test_a_bad_slug_states_the_rule_and_a_valid_example(tmp_path):
    found = only(write_course(tmp_path, VALID.replace("slug: one", "slug: Stage_One")))
    assert line_of(found) == 2
    assert "lowercase letters and digits, with single hyphens between words" in found
    assert "fix: for example 'stage-one'" in found
    assert "^[a-z0-9]" not in found and "pattern" not in found


@pytest.mark.parametrize("bad, example", [("Stage_One", "stage-one"), ("files  post", "files-post"),
                                           ("-echo-", "echo"), ("Été", "ete"), ("___", messages.EXAMPLE_SLUG)])
def test_slug_like_makes_a_valid_slug(bad, example):
    import re

    assert messages.slug_like(bad) == example
    assert re.fullmatch(models.SLUG_PATTERN, messages.slug_like(bad))


def test_a_lowercase_method_is_told_in_capitals(tmp_path):
    found = only(write_course(tmp_path, VALID.replace("method: GET", "method: get")))
    assert "the method 'get' must be capital letters only" in found and "fix: write GET" in found


# --------------------------------------------------------------------------- 6. template filters


def test_an_unknown_filter_points_at_the_template_line(tmp_path):
    found = only(write_course(tmp_path, BLOCK.replace('body: "{text}"', 'body: "{text|lenght}"')))
    assert line_of(found) == 14  # the body line, not the `expect:` line (12)
    assert "expect.body: unknown filter |lenght in the template '{text|lenght}'" in found
    assert "status" not in found  # the template alone, not the whole expect mapping
    assert "fix: did you mean {text|len}? the filters are: json, len, lower, sha256, slice, upper, url" in found


def test_a_bad_template_in_a_header_or_file_name_is_reported_there(tmp_path):
    body = BLOCK.replace("              status: 200\n",
                         '              status: 200\n              headers:\n                X-Echo: "{text"\n')
    found = only(write_course(tmp_path, body))
    assert line_of(found) == 15 and "expect.headers.X-Echo: unmatched '{' in the template '{text'" in found
    assert "expected" not in found  # the header-rule member of the union says nothing about a string


def test_template_errors_carry_their_fix():
    with pytest.raises(TemplateError) as caught:
        names("{a|uper}")
    assert caught.value.fix == "did you mean {a|upper}? the filters are: json, len, lower, sha256, slice, upper, url"
    with pytest.raises(TemplateError) as caught:
        names("{a|zzz}")
    assert caught.value.fix == "the filters are: json, len, lower, sha256, slice, upper, url"


# --------------------------------------------------------------------------- the walk through the models


def test_follow_finds_the_model_field_and_union_of_a_location():
    spot = messages.follow(models.Course, ("stages", 0, "vars", "text", "Generated", "size"))
    assert spot.model is models.Generated and spot.field is models.Generated.model_fields["size"]
    assert spot.union_at == 4
    spot = messages.follow(probes.KINDS["exchange"], ("requests", 0, "expect", "headers", "X", "HeaderRule"))
    assert spot.model is models.HeaderRule


def test_explain_gives_one_message_for_a_union_mismatch():
    with pytest.raises(ValidationError) as caught:
        models.Expect.model_validate({"headers": {"X": 3}})
    said = messages.explain(models.Expect, caught.value)
    assert said == [(("headers", "X"), "expected text or a mapping, got 3",
                     'put it in quotes: "3", or write a mapping: a header rule takes: present, token, one_of, '
                     'matches, tokens, optional, date, if_present')]


def test_a_bad_template_in_a_stage_file_name_is_a_message_not_a_crash(tmp_path):
    body = VALID.replace("    title: One\n", '    title: One\n    directory: true\n    files: {"{text|bad}": "x"}\n')
    found = only(write_course(tmp_path, body))
    assert line_of(found) == 5 and "stages[0].files.{text|bad}: unknown filter |bad" in found
