"""The progress file: what plain `tester` decides from it, and how it copes with a file it cannot use."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from conftest import COURSE
from tester import progress
from tester.manifest.load import load_course


@pytest.fixture(scope="module")
def course():
    return load_course(COURSE)


def result(stage, status):
    return SimpleNamespace(stage=stage, status=status)


def test_no_progress_means_stage_one(course):
    assert progress.current(course, progress.Progress()) is course.stages[0]


def test_passes_move_the_current_stage_on(course):
    state = progress.Progress()
    progress.record(state, [result(course.stages[0], "passed"), result(course.stages[1], "passed")])
    assert progress.current(course, state) is course.stages[2]


def test_a_failed_regression_makes_that_stage_current_again(course):
    state = progress.Progress()
    progress.record(state, [result(stage, "passed") for stage in course.stages[:4]])
    progress.record(state, [result(course.stages[4], "passed"), result(course.stages[1], "failed"),
                            result(course.stages[2], "not-run")])
    assert progress.current(course, state) is course.stages[1]
    assert state.has_passed(course.stages[2]) and state.has_passed(course.stages[4])


def test_every_stage_passed_means_no_current_stage(course):
    state = progress.Progress()
    progress.record(state, [result(stage, "passed") for stage in course.stages])
    assert progress.current(course, state) is None


def test_a_stage_whose_checks_changed_must_be_passed_again(course):
    state = progress.Progress()
    progress.record(state, [result(stage, "passed") for stage in course.stages[:3]])
    changed = course.stages[1].model_copy(update={"vars": {"extra": "word"}})
    assert changed.fingerprint != course.stages[1].fingerprint
    assert not state.has_passed(changed)
    # a new title or description file does not change what is checked
    retitled = course.stages[1].model_copy(update={"title": "Another title"})
    assert state.has_passed(retitled)


def test_round_trip(course):
    state = progress.Progress({"bind": "abc"}, {"echo": 2})
    again, problem = progress.parse(progress.dumps(state))
    assert problem is None and again == state


@pytest.mark.parametrize("text, problem", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "not written by this version"),
    ('{"version": 99, "passed": {}}', "not written by this version"),
    ('{"version": 1, "passed": ["bind"]}', "unexpected shape"),
    ('{"version": 1, "passed": {}, "hints_seen": {"bind": -1}}', "unexpected shape"),
    ('{"version": 1, "passed": {}, "hints_seen": {"bind": true}}', "unexpected shape"),
])
def test_unusable_text_counts_as_no_progress(text, problem):
    state, note = progress.parse(text)
    assert state == progress.Progress()
    assert note is not None and problem in note


def test_load_of_a_missing_file_is_quiet(tmp_path):
    assert progress.load(tmp_path) == (progress.Progress(), None)


def test_load_of_a_corrupt_file_says_so(tmp_path):
    (tmp_path / progress.FILE).write_bytes(b"\xff\xfe garbage")
    state, note = progress.load(tmp_path)
    assert state == progress.Progress() and note and str(tmp_path) in note


def test_save_then_load(tmp_path):
    state = progress.Progress({"bind": "abc"}, {"bind": 1})
    assert progress.save(tmp_path, state) is None
    assert progress.load(tmp_path) == (state, None)
    assert [path.name for path in tmp_path.iterdir()] == [progress.FILE]  # no temporary file left


def test_save_where_it_cannot_write_returns_a_note(tmp_path):
    (tmp_path / progress.FILE).mkdir()  # unwritable as a file, even for root
    note = progress.save(tmp_path, progress.Progress({"bind": "abc"}))
    assert note is not None and note.startswith("progress not saved")
    assert sorted(path.name for path in tmp_path.iterdir()) == [progress.FILE]
    state, load_note = progress.load(tmp_path)
    assert state == progress.Progress() and load_note is not None


def test_starter_gitignore_names_the_progress_file():
    from conftest import STARTER
    assert progress.FILE in (STARTER / ".gitignore").read_text().split()


def test_the_fingerprint_is_what_it_was_when_it_came_from_model_dump():
    """Progress files of earlier versions keep their passes: the fingerprint, now read from the fields (so a
    cached course needs no serializer), hashes the same text model_dump gave, for every bundled course."""
    import hashlib
    import json

    from conftest import ROOT

    courses = [ROOT / "stages.yaml", ROOT / "examples" / "hit-counter" / "stages.yaml",
               *sorted((ROOT / "tests" / "demonstrations").glob("*/stages.yaml"))]
    stages = [stage for path in courses for stage in load_course(path).stages]
    assert len(stages) >= 40
    for stage in stages:
        dumped = json.dumps(stage.model_dump(exclude={"title", "description"}), sort_keys=True, default=repr)
        assert stage.fingerprint == hashlib.sha256(dumped.encode()).hexdigest()[:16], stage.slug
