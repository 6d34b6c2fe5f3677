"""The manifest loader: the shipped course loads, and each kind of mistake names its file, line and fix."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tester.errors import ManifestError
from tester.manifest.load import load_course
from tester.probes import ConcurrencyProbe, ExchangeProbe

from conftest import COURSE

SLUGS = ["bind", "respond-200", "url-path", "echo", "user-agent", "concurrency", "files-get", "files-post"]


def test_the_shipped_course_loads_in_order():
    course = load_course(COURSE)
    assert [stage.slug for stage in course.stages][: len(SLUGS)] == SLUGS
    assert isinstance(course.find("echo").probes[0], ExchangeProbe)
    assert isinstance(course.find("6").probes[0], ConcurrencyProbe)
    assert course.find("99") is None and course.find("nope") is None


def write_course(folder: Path, body: str, descriptions: tuple[str, ...] = ("one.md",)) -> Path:
    for name in descriptions:
        (folder / name).write_text("# One\n")
    path = folder / "stages.yaml"
    path.write_text(textwrap.dedent(body).lstrip())
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ManifestError) as caught:
        load_course(path)
    return [str(problem) for problem in caught.value.problems]


VALID = """
stages:
  - slug: one
    title: One
    description: one.md
    vars:
      text: word
    probes:
      - kind: exchange
        requests:
          - send: {method: GET, target: "/echo/{text}"}
            expect: {status: 200, body: "{text}"}
"""


def test_a_small_valid_course_loads(tmp_path):
    course = load_course(write_course(tmp_path, VALID))
    assert course.stages[0].slug == "one"
    assert course.root == tmp_path


@pytest.mark.parametrize("change, line, fragments", [
    pytest.param(("status: 200", "stauts: 200"), 10, ["unknown key 'stauts'", "did you mean 'status'"],
                 id="unknown-key"),
    pytest.param(("status: 200", "status: two hundred"), 10,
                 ["status", "status takes a code (404), a class (4xx) or a list of them"], id="wrong-type"),
    pytest.param(("kind: exchange", "kind: exchang"), 7, ["unknown probe kind 'exchang'", "did you mean 'exchange'"],
                 id="unknown-kind"),
    pytest.param(("description: one.md", "description: missing.md"), 4, ["missing.md does not exist"],
                 id="missing-description"),
    pytest.param(('body: "{text}"', 'body: "{txet}"'), 10, ["{txet}", "did you mean {text}"], id="unknown-value"),
    pytest.param(("text: word", "text: wurd"), 6, ["unknown generator 'wurd'", "did you mean 'word'"],
                 id="unknown-generator"),
    pytest.param(('target: "/echo/{text}"', 'target: "/echo/{text"'), 10, ["unmatched"], id="bad-template"),
    pytest.param(("    title: One\n", ""), 1, ["missing key 'title'"], id="missing-key"),
])
def test_each_mistake_names_file_line_and_fix(tmp_path, change, line, fragments):
    path = write_course(tmp_path, VALID.replace(*change))
    found = problems(path)
    assert len(found) == 1, found
    assert found[0].startswith(f"{path}:")
    for fragment in fragments:
        assert fragment in found[0]
    reported_line = int(found[0].split(":")[1])
    assert abs(reported_line - line) <= 1, found[0]


def test_duplicate_slugs_and_keys_are_reported(tmp_path):
    doubled = VALID + VALID.split("stages:\n", 1)[1]
    assert any("already used by stage 1" in problem for problem in problems(write_course(tmp_path, doubled)))
    twice = VALID.replace("    title: One\n", "    title: One\n    title: Two\n")
    assert any("appears twice" in problem for problem in problems(write_course(tmp_path, twice)))


def test_yaml_syntax_error_has_a_line(tmp_path):
    found = problems(write_course(tmp_path, VALID.replace("title: One", "title: [One")))
    assert "not valid YAML" in found[0] and found[0].split(":")[1].isdigit()


def test_files_need_a_directory(tmp_path):
    body = VALID.replace('expect: {status: 200, body: "{text}"}', 'expect: {status: 201, files: {"{text}": "x"}}')
    assert any("directory: true" in problem for problem in problems(write_course(tmp_path, body)))


def test_several_problems_are_reported_together(tmp_path):
    body = VALID.replace("title: One", "title: [One]").replace("description: one.md", "description: gone.md")
    assert len(problems(write_course(tmp_path, body))) == 1  # a stage that fails its model skips the file checks
    body = VALID.replace("status: 200", "stauts: 200").replace("description: one.md", "description: gone.md")
    assert len(problems(write_course(tmp_path, body))) == 2  # a probe's mistake does not hide its stage's
    body = VALID.replace("description: one.md", "description: gone.md").replace('body: "{text}"', 'body: "{x}"')
    assert len(problems(write_course(tmp_path, body))) == 2


def test_missing_manifest(tmp_path):
    found = problems(tmp_path / "nope.yaml")
    assert "does not exist" in found[0] and "--course" in found[0]


def test_one_parse_gives_the_python_parsers_data_and_lines():
    """The loader parses once, with libyaml where PyYAML has it: the same data and the same line for every
    place as PyYAML's own Python parser gives, for every bundled manifest."""
    import yaml

    from tester.manifest.yaml_lines import locate, parse

    root = Path(__file__).resolve().parent.parent
    manifests = [root / "stages.yaml", root / "examples" / "hit-counter" / "stages.yaml",
                 *sorted((root / "tests" / "demonstrations").glob("*/stages.yaml"))]
    for manifest in manifests:
        text = manifest.read_text()
        tree, data = parse(text)
        assert data == yaml.safe_load(text), manifest
        python_tree = yaml.compose(text, Loader=yaml.SafeLoader)
        key = "tracks" if "tracks" in data else "stages"
        assert data[key]
        for index in range(len(data[key])):
            for step in ((key, index), (key, index, "slug"), (key, index, "stages", 0, "probes", 0, "kind")):
                assert locate(tree, step) == locate(python_tree, step), (manifest, step)
