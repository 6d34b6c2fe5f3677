"""Tracks: the loader's checks of them, each stage's regression, the current track kept with the progress,
and the commands that show and switch tracks, run one, and add a stage to one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import COURSE, ROOT
from tester import progress
from tester.cli import main
from tester.commands.new_stage import with_entry
from tester.errors import ManifestError
from tester.manifest.load import load_course
from tester.runner import plan

BASE = ["bind", "respond-200", "url-path", "echo", "user-agent", "concurrency", "files-get", "files-post"]
COMPRESSION = ["compression-header", "compression-multi", "gzip"]
PERSISTENCE = ["keep-alive", "keep-alive-multi", "connection-close"]
REST = ["api-empty", "api-create", "api-list", "api-replace", "api-delete", "api-methods", "api-bad-input",
        "api-bodies", "api-restart", "api-crash", "api-concurrent"]
STATIC = ["static-types", "static-head", "static-index", "static-names", "static-escape", "static-methods",
          "static-large", "static-cache", "static-ranges"]
HTTP11 = ["request-line", "host", "header-fields", "message-framing", "chunked-requests", "versions", "methods",
          "pipelining", "expect-continue", "limits", "chunked-responses"]
WSGI = ["wsgi-call", "wsgi-environ", "wsgi-input", "wsgi-framing", "wsgi-streaming", "wsgi-cleanup", "wsgi-errors"]


def stage(slug: str, indent: str = "      ") -> str:
    return (f"{indent}- slug: {slug}\n{indent}  title: {slug.capitalize()}\n{indent}  description: one.md\n"
            f"{indent}  probes: [{{kind: connect}}]\n")


def track(slug: str, stages: list[str], requires: list[str] | None = None) -> str:
    text = f"  - slug: {slug}\n    title: {slug.capitalize()}\n"
    if requires is not None:
        text += f"    requires: [{', '.join(requires)}]\n"
    return text + "    stages:\n" + "".join(stage(name) for name in stages)


def write(folder: Path, text: str) -> Path:
    (folder / "one.md").write_text("# One\n")
    path = folder / "stages.yaml"
    path.write_text(text)
    return path


THREE = ("tracks:\n" + track("core", ["a", "b"]) + track("middle", ["c"], ["core"])
         + track("top", ["d", "e"], ["middle"]))


def problems(path: Path) -> list[str]:
    with pytest.raises(ManifestError) as caught:
        load_course(path)
    return [str(problem) for problem in caught.value.problems]


def line_of(text: str, fragment: str, nth: int = 0) -> int:
    return [number for number, line in enumerate(text.splitlines(), 1) if fragment in line][nth]


# the shipped course


def test_the_shipped_course_is_in_seven_tracks_numbered_as_before():
    course = load_course(COURSE)
    assert [(item.slug, item.requires) for item in course.tracks] == [
        ("base", []), ("compression", ["base"]), ("persistence", ["base"]), ("rest", ["base", "persistence"]),
        ("static", ["base"]), ("http11", ["base", "persistence"]), ("wsgi", ["base"])]
    assert [[stage.slug for stage in item.stages] for item in course.tracks] == [BASE, COMPRESSION, PERSISTENCE,
                                                                                   REST, STATIC, HTTP11, WSGI]
    assert [stage.slug for stage in course.stages] == (BASE + COMPRESSION + PERSISTENCE + REST + STATIC + HTTP11
                                                       + WSGI)
    assert course.find("12").slug == "keep-alive" and course.stage_number(course.find("gzip")) == 11
    assert all(item.title and item.description.endswith(".") for item in course.tracks)
    assert course.tracks[1].stages[0] is course.stages[8]  # one object, whichever way it is reached
    assert type(course.stages[0].probes[0]).__name__ == "ConnectProbe"  # probes parsed in every track


def test_a_course_of_stages_alone_is_one_implicit_track():
    course = load_course(ROOT / "examples" / "hit-counter" / "stages.yaml")
    assert [item.slug for item in course.tracks] == ["main"]
    assert course.tracks[0].stages == course.stages
    assert course.regression(course.stages[2]) == course.stages[:2]


# the loader's checks


@pytest.mark.parametrize("tracks, fragment, line_fragment, fix", [
    pytest.param(track("core", ["a"]) + track("extra", ["b"], ["cor"]),
                 "tracks[1].requires[0]: requires 'cor', which is not a track of this course", "requires: [cor]",
                 "did you mean 'core'? the tracks: core", id="unknown"),
    pytest.param(track("core", ["a"], ["core"]), "the track 'core' requires itself", "requires: [core]",
                 "remove 'core' from its requires", id="itself"),
    pytest.param(track("core", ["a"], ["extra"]) + track("extra", ["b"]),
                 "tracks[0].requires[0]: requires 'extra', which comes after it (track 2)", "requires: [extra]",
                 "a track may only require tracks listed before it: move 'extra' above 'core'", id="later"),
    pytest.param(track("one", ["a"], ["three"]) + track("two", ["b"], ["one"]) + track("three", ["c"], ["two"]),
                 "requires 'three', which leads back to it: a cycle, one → three → two → one",
                 "requires: [three]",
                 "a track builds on tracks, never on itself: drop one of these requires", id="cycle"),
    pytest.param(track("core", ["a"]) + track("core", ["b"]), "tracks[1].slug: the track slug 'core' is already "
                 "used by track 1", None, "give each track its own slug", id="duplicate-track"),
    pytest.param(track("core", ["a", "b"]) + track("extra", ["a"], ["core"]),
                 "tracks[1].stages[0].slug: the slug 'a' is already used by stage 1, in track 'core' (this one is "
                 "in track 'extra')", None, "give each stage its own slug", id="stage-in-two-tracks"),
    pytest.param(track("core", ["a"]) + "  - slug: empty\n    title: Empty\n    stages: []\n",
                 "tracks[1].stages: this track has no stages", "stages: []", "add its stages under `stages:`",
                 id="empty"),
    pytest.param(track("core", ["a"]).replace("    stages:\n", "    requirse: []\n    stages:\n"),
                 "unknown key 'requirse'", "requirse", "did you mean 'requires'?", id="misspelt-key"),
    pytest.param(track("core", ["a"]).replace("      - slug: a\n", "      - slug: a\n        requires: [x]\n"),
                 "'requires' does not belong in a stage: it is a track key", "requires: [x]",
                 "put it in a track, an item of `tracks:`", id="key-of-a-track-in-a-stage"),
])
def test_each_track_mistake_names_its_line_and_fix(tmp_path, tracks, fragment, line_fragment, fix):
    text = "tracks:\n" + tracks
    path = write(tmp_path, text)
    found = problems(path)
    assert len(found) == 1, found
    assert fragment in found[0] and f"fix: {fix}" in found[0], found[0]
    if line_fragment is None:  # the second track's own line: its slug for a track, a stage's for a stage
        line = line_of(text, "slug: core", 1) if "track slug" in fragment else line_of(text, "- slug: a", 1)
    else:
        line = line_of(text, line_fragment)
    assert found[0].startswith(f"{path}:{line}: "), found[0]


def test_probe_mistakes_are_placed_in_their_track(tmp_path):
    text = "tracks:\n" + track("core", ["a"]) + track("extra", ["b"], ["core"]).replace("kind: connect", "kind: conect")
    found = problems(write(tmp_path, text))
    assert len(found) == 1 and "tracks[1].stages[0].probes[0].kind: unknown probe kind 'conect'" in found[0]
    assert f":{line_of(text, 'kind: conect')}:" in found[0]


@pytest.mark.parametrize("text", ["tracks: []\n", "stages: []\n", "defaults: {ready_timeout: 5}\n"])
def test_a_course_without_stages_is_told_what_to_write(tmp_path, text):
    found = problems(write(tmp_path, text))
    assert len(found) == 1 and "the course has no stages: it needs tracks (or a list of stages)" in found[0]
    assert "fix: list the tracks under 'tracks:'" in found[0]


def test_tracks_and_stages_together_are_refused(tmp_path):
    text = "tracks:\n" + track("core", ["a"]) + "stages:\n" + stage("b", "  ")
    found = problems(write(tmp_path, text))
    assert any("give tracks (each with its stages) or stages, not both" in item for item in found)


# what a run of a stage re-checks


def slugs(order) -> list[tuple[str, bool]]:
    return [(stage.slug, regression) for stage, regression in order]


def test_a_persistence_stage_never_runs_compression_stages():
    course = load_course(COURSE)
    order = slugs(plan(course, course.find("connection-close"), False))
    assert order == [("connection-close", False)] + [(slug, True) for slug in BASE + PERSISTENCE[:2]]
    assert slugs(plan(course, course.find("gzip"), False))[1:] == [(slug, True) for slug in BASE + COMPRESSION[:2]]
    assert slugs(plan(course, course.find("files-post"), False))[1:] == [(slug, True) for slug in BASE[:7]]
    assert slugs(plan(course, course.find("gzip"), True)) == [("gzip", False)]


def test_several_tracks_run_each_stage_once_in_course_order():
    course = load_course(COURSE)
    chosen = [course.find_track("persistence"), course.find_track("compression")]
    order = [stage.slug for stage, _ in plan(course, None, False, chosen)]
    assert order == BASE + COMPRESSION + PERSISTENCE


def test_requires_are_followed_transitively_in_course_order(tmp_path):
    course = load_course(write(tmp_path, THREE))
    assert [item.slug for item in course.required(course.find_track("top"))] == ["core", "middle"]
    assert slugs(plan(course, course.find("e"), False)) == [("e", False), ("a", True), ("b", True), ("c", True),
                                                             ("d", True)]
    assert [stage.slug for stage, _ in plan(course, None, False, [course.find_track("middle")])] == ["a", "b", "c"]
    assert [stage.slug for stage, _ in plan(course, None, False)] == ["a", "b", "c", "d", "e"]


def test_a_test_run_of_a_track_runs_what_it_requires_first(tester):
    run = tester("test", "--track", "persistence")
    assert run.code == 0, run.output
    assert [stage["slug"] for stage in run.report["stages"]] == BASE + PERSISTENCE
    assert "(regression)" not in run.output


def test_a_test_run_of_an_unknown_track_is_a_usage_error(tester):
    run = tester("test", "--track", "persistance")
    assert run.code == 2
    assert "there is no track 'persistance'; did you mean 'persistence'?" in run.output
    assert "The tracks: base, compression, persistence" in run.output


# the current track, in the progress file


def passed(state: progress.Progress, stages) -> None:
    progress.record(state, [SimpleNamespace(stage=item, status="passed") for item in stages])


def test_the_current_track_and_its_current_stage():
    course = load_course(COURSE)
    state = progress.Progress()
    assert progress.current_track(course, state).slug == "base"
    state.track = "persistence"
    assert progress.current(course, state).slug == "keep-alive"
    passed(state, course.find_track("persistence").stages)
    assert progress.current(course, state) is None  # the track is done, though base is not
    assert [item.slug for item in progress.unfinished_requirements(course, course.find_track("persistence"), state)] \
        == ["base"]
    state.track = "gone"  # a track the course no longer has
    assert progress.current_track(course, state).slug == "base"


def test_the_track_survives_a_round_trip():
    state = progress.Progress({"bind": "abc"}, {"echo": 1}, "compression")
    text = progress.dumps(state)
    assert json.loads(text)["version"] == 2 and json.loads(text)["track"] == "compression"
    assert progress.parse(text) == (state, None)


def test_a_file_of_version_1_has_no_track_and_means_the_first():
    state, note = progress.parse('{"version": 1, "passed": {"bind": "abc"}, "hints_seen": {"echo": 2}}')
    assert note is None and state == progress.Progress({"bind": "abc"}, {"echo": 2}, None)
    assert progress.current_track(load_course(COURSE), state).slug == "base"


@pytest.mark.parametrize("text", ['{"version": 2, "passed": {}, "track": 3}', '{"version": true, "passed": {}}'])
def test_a_track_that_is_not_a_slug_is_not_used(text):
    state, note = progress.parse(text)
    assert state == progress.Progress() and note is not None


# the learner's commands


def command(capsys, *args: str, course: Path = COURSE) -> tuple[int, str]:
    code = main([*args, "--course", str(course), "--no-color"])
    return code, capsys.readouterr().out


def test_tracks_lists_each_with_progress_and_marks_the_current(capsys, tmp_path):
    course = load_course(COURSE)
    state = progress.Progress(track="compression")
    passed(state, course.find_track("base").stages)
    progress.save(tmp_path, state)
    code, out = command(capsys, "tracks", "--solution", str(tmp_path))
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == "✓ base: The base server (stages 1-8): 8 of 8 passed"
    assert lines[1].startswith("    A server that listens")
    assert lines[2] == "→ compression: Compression (stages 9-11, requires base): 0 of 3 passed  ← your track"
    assert lines[4] == "· persistence: Persistent connections (stages 12-14, requires base): 0 of 3 passed"
    assert "Your track is compression. 'tester track SLUG' switches" in out


def test_track_switches_and_says_where_the_learner_stands(capsys, tmp_path):
    code, out = command(capsys, "track", "persistence", "--solution", str(tmp_path))
    assert code == 0, out
    assert "Your track is now persistence (Persistent connections), in place of base." in out
    assert "Its current stage is 12 (keep-alive)" in out
    assert "Note: persistence builds on base (0 of 8 passed), which is not finished yet" in out
    assert progress.load(tmp_path)[0].track == "persistence"
    code, out = command(capsys, "track", "--solution", str(tmp_path))
    assert code == 0 and "Your track is persistence (Persistent connections)." in out


def test_track_of_an_unknown_slug_suggests_one_and_keeps_the_track(capsys, tmp_path):
    code, out = command(capsys, "track", "compresion", "--solution", str(tmp_path))
    assert code == 2 and "there is no track 'compresion'; did you mean 'compression'?" in out
    assert not (tmp_path / progress.FILE).exists()


def test_tracks_of_a_course_without_tracks(capsys, tmp_path):
    example = ROOT / "examples" / "hit-counter" / "stages.yaml"
    code, out = command(capsys, "tracks", "--solution", str(tmp_path), course=example)
    assert code == 0 and "This course has no tracks: its 3 stages are one list" in out
    code, out = command(capsys, "track", "main2", "--solution", str(tmp_path), course=example)
    assert code == 2 and "this course is one list of 3 stages, without tracks" in out


def test_status_groups_the_stages_by_track(capsys, tmp_path):
    course = load_course(COURSE)
    state = progress.Progress(track="compression")
    passed(state, course.stages[:3] + [course.find("compression-header")])
    progress.save(tmp_path, state)
    code, out = command(capsys, "status", "--solution", str(tmp_path))
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == "base: The base server (stages 1-8)"
    assert lines[4].startswith("  ·  4. needed   echo")  # compression builds on base: its stages must pass too
    assert "compression: Compression (stages 9-11, requires base)  ← your track" in lines
    assert "  ✓  9. passed   compression-header   Announce compression" in lines
    assert "  → 10. current  compression-multi    Several accepted encodings" in lines
    assert "  · 11. locked   gzip                 Compress with gzip" in lines
    assert "  · 12. pending  keep-alive           Persistent connections" in lines
    assert "4 of 52 passed; your track is compression, 1 of 3 passed" in out
    assert "Next: read stage 10" in out


def test_status_and_list_of_a_course_without_tracks_look_as_before(capsys, tmp_path):
    example = ROOT / "examples" / "hit-counter" / "stages.yaml"
    code, out = command(capsys, "status", "--solution", str(tmp_path), course=example)
    assert out.splitlines()[:3] == ["→ 1. current  bind                 Listen for connections",
                                    "· 2. locked   hello                Say hello",
                                    "· 3. locked   count                Count the visits"]
    assert "your track" not in out
    code, out = command(capsys, "list", course=example)
    assert out.splitlines()[0] == "1. bind                 Listen for connections"


def test_list_groups_the_stages_by_track(capsys):
    code, out = command(capsys, "list")
    lines = out.splitlines()
    assert lines[:2] == ["base: The base server (stages 1-8)", "   1. bind                 Bind to a port"]
    assert lines[10:12] == ["compression: Compression (stages 9-11, requires base)",
                            "   9. compression-header   Announce compression"]
    assert lines[15] == "persistence: Persistent connections (stages 12-14, requires base)"


def test_plain_tester_runs_the_current_tracks_stage_and_says_when_it_is_done(capsys, tmp_path):
    from conftest import REFERENCE, free_port

    solution = tmp_path / "solution"
    shutil.copytree(REFERENCE, solution, ignore=shutil.ignore_patterns("__pycache__", progress.FILE))
    running = ["--solution", str(solution), "--port", str(free_port()), "--seed", "1"]
    assert command(capsys, "track", "persistence", "--solution", str(solution))[0] == 0
    code, out = command(capsys, "stage", "connection-close", *running)
    assert code == 0, out
    assert "stage 9 " not in out and "stage 12 keep-alive: Persistent connections (regression)" in out
    assert "You have passed every stage of track persistence. 'tester tracks' shows the others" in out
    code, out = command(capsys, *running)
    assert code == 0, out
    assert "every stage of your track persistence has passed; running them again (stage 14" in out
    code, out = command(capsys, "track", "compression", "--solution", str(solution))
    assert "Its current stage is 9 (compression-header)" in out and "Note:" not in out  # base has passed
    code, out = command(capsys, *running)
    assert "your current stage is 9 (compression-header) in track compression" in out
    assert "Next: stage 10 (compression-multi)" in out


# the instructor's side


def test_new_stage_goes_at_the_end_of_its_track_and_says_what_moved(capsys, course_copy):
    before = course_copy.read_text()
    code = main(["new-stage", "brotli", "--track", "compression", "--course", str(course_copy), "--no-color"])
    out = capsys.readouterr().out
    assert code == 0, out
    course = load_course(course_copy)
    assert [stage.slug for stage in course.find_track("compression").stages] == COMPRESSION + ["brotli"]
    assert course.stage_number(course.find("keep-alive")) == 13
    assert "added stage 12 brotli:" in out
    assert "note: stages 12-52 (keep-alive, keep-alive-multi, connection-close, api-empty, api-create, " in out
    assert "are now 13-53" in out
    assert (course_copy.parent / "stages" / "12-brotli.md").is_file()
    after = course_copy.read_text()
    assert after.replace(after[after.index("      - slug: brotli\n"):after.index("  - slug: persistence")], "") \
        == before.replace("  - slug: persistence", "\n  - slug: persistence", 1).replace("\n\n\n", "\n\n")


def test_new_stage_without_a_track_ends_the_last_track(capsys, course_copy):
    assert main(["new-stage", "trailers", "--course", str(course_copy), "--no-color"]) == 0
    out = capsys.readouterr().out
    assert "added stage 53 trailers:" in out and "note:" not in out
    assert load_course(course_copy).find_track("wsgi").stages[-1].slug == "trailers"


def test_new_stage_in_an_unknown_track_is_refused(capsys, course_copy):
    before = course_copy.read_text()
    assert main(["new-stage", "brotli", "--track", "compresion", "--course", str(course_copy), "--no-color"]) == 2
    assert "did you mean 'compression'?" in capsys.readouterr().out
    assert course_copy.read_text() == before


def test_with_entry_finds_the_track_in_the_text():
    text = "tracks:\n" + track("core", ["a"]) + "\n" + track("extra", ["b"], ["core"])
    after, line = with_entry(text, "c", "C", "c.md", "core")
    lines = after.splitlines()
    assert lines[line - 1] == "      - slug: c" and lines[line] == "        title: C"
    assert lines.index("  - slug: extra") > line


def test_check_runs_the_reference_per_track_and_each_fixture_on_its_stages_plan(tmp_path):
    from tester.lint import servers

    course = load_course(write(tmp_path, THREE))
    jobs = servers.reference_jobs(course, tmp_path)
    assert [(job.label, [stage.slug for stage in job.stages]) for job in jobs] == [
        ("the reference (track core)", ["a", "b"]), ("the reference (track middle)", ["c"]),
        ("the reference (track top)", ["d", "e"])]
    from tester.lint.layout import Fixture
    job = servers.fixture_job(course, Fixture(tmp_path, "e", "words", 2))
    assert [stage.slug for stage in job.stages] == ["a", "b", "c", "d", "e"]
    shipped = load_course(COURSE)
    job = servers.fixture_job(shipped, Fixture(tmp_path, "keep-alive-multi", "words", 2))
    assert [stage.slug for stage in job.stages] == BASE + PERSISTENCE[:2]
