"""The course cache serves what a full load would, and never a stale course: each part of its key is
changed in turn and must cause a full load (and, where the change is a mistake, its message)."""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT
from tester import probes
from tester.errors import ManifestError
from tester.manifest import cache
from tester.manifest.load import load_course
from tester.manifest.outline import Outline

EXAMPLE = ROOT / "examples" / "hit-counter"


@pytest.fixture
def store(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("TESTER_CACHE", raising=False)
    return tmp_path / "cache" / "http-server-tester"


def loads(monkeypatch) -> list[Path]:
    """Record every full load from now on."""
    seen: list[Path] = []
    import tester.manifest.load as load_module

    def counting(path):
        seen.append(Path(path))
        return load_course(path)
    monkeypatch.setattr(load_module, "load_course", counting)
    return seen


def test_a_kept_course_is_the_course_a_full_load_gives(store, course_copy, monkeypatch):
    first = cache.course(course_copy)
    full = loads(monkeypatch)
    again = cache.course(course_copy)
    assert full == [] and len(list(store.glob("*.pickle"))) == 1
    assert again == first == load_course(course_copy)
    assert again.source == course_copy and [s.fingerprint for s in again.stages] == [s.fingerprint for s in first.stages]


def test_the_outline_is_made_from_the_course_and_read_without_a_load(store, course_copy, monkeypatch):
    course = cache.course(course_copy)
    full = loads(monkeypatch)
    outline = cache.outline(course_copy)
    assert full == []
    assert outline == Outline.of(course)
    assert [stage.slug for stage in outline.stages] == [stage.slug for stage in course.stages]
    assert outline.regression(outline.find("12")) == [outline.find(str(n)) for n in range(1, 9)]
    assert outline.has_tracks and outline.stage_number(outline.find("gzip")) == 11


def test_an_edited_manifest_is_loaded_afresh(store, course_copy, monkeypatch):
    cache.course(course_copy)
    course_copy.write_text(course_copy.read_text().replace("title: Bind to a port", "title: Bind, please"))
    full = loads(monkeypatch)
    assert cache.outline(course_copy).stages[0].title == "Bind, please"
    assert full == [course_copy]


def test_a_broken_manifest_is_reported_and_never_kept(store, course_copy, monkeypatch):
    cache.course(course_copy)
    course_copy.write_text(course_copy.read_text().replace("slug: respond-200", "slug: Respond 200"))
    for _ in range(2):
        with pytest.raises(ManifestError, match="slug"):
            cache.course(course_copy)


def test_a_removed_description_is_noticed(store, course_copy, monkeypatch):
    cache.outline(course_copy)
    (course_copy.parent / "stages" / "03-url-path.md").unlink()
    with pytest.raises(ManifestError, match="03-url-path.md does not exist"):
        cache.outline(course_copy)


def test_a_touched_description_or_tester_file_means_a_full_load(store, course_copy, monkeypatch):
    cache.course(course_copy)
    description = course_copy.parent / "stages" / "01-bind.md"
    later = time.time() + 5
    os.utime(description, (later, later))
    full = loads(monkeypatch)
    cache.course(course_copy)
    assert full == [course_copy]
    monkeypatch.setattr(cache, "_code_stamp", lambda: "another version of the tester")
    cache.course(course_copy)
    assert full == [course_copy, course_copy]


def test_a_damaged_or_foreign_cache_file_is_ignored(store, course_copy, monkeypatch):
    cache.course(course_copy)
    [kept] = store.glob("*.pickle")
    kept.write_bytes(b"not a pickle at all")
    full = loads(monkeypatch)
    assert cache.course(course_copy) == load_course(course_copy)
    assert full == [course_copy]
    assert cache.course(course_copy) is not None and full == [course_copy]  # rewritten whole


def test_off_means_every_load_is_full(store, course_copy, monkeypatch):
    monkeypatch.setenv("TESTER_CACHE", "off")
    full = loads(monkeypatch)
    cache.course(course_copy)
    cache.outline(course_copy)
    assert full == [course_copy, course_copy] and not store.exists()


def test_a_course_with_its_own_probe_kind_comes_back_with_it(store, monkeypatch):
    manifest = EXAMPLE / "stages.yaml"
    cache.course(manifest)
    full = loads(monkeypatch)
    again = cache.course(manifest)
    assert full == []
    assert {type(probe).__name__ for stage in again.stages for probe in stage.probes} >= {"CounterProbe"}


def test_an_unwritable_cache_folder_costs_nothing_but_time(tmp_path, course_copy, monkeypatch):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert cache.course(course_copy) == load_course(course_copy)
    assert cache.outline(course_copy).stages[0].slug == "bind"


def test_two_folders_that_link_to_one_manifest_are_each_validated(store, course_copy, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "stages.yaml").symlink_to(course_copy)
    cache.outline(course_copy)
    with pytest.raises(ManifestError, match="does not exist"):  # this folder has no stages/ at all
        cache.outline(other / "stages.yaml")


def test_an_edit_of_a_helper_a_probe_module_imports_is_noticed(store, tmp_path, monkeypatch):
    folder = tmp_path / "counter-course"
    shutil.copytree(EXAMPLE, folder)
    probe = folder / "counter_probe.py"
    original = probe.read_text()
    helper = folder / "counter_limits.py"
    helper.write_text("TIMES_LIMIT = 50\n")
    probe.write_text(original.replace("from typing import Literal",
                                      "from typing import Literal\n\nfrom counter_limits import TIMES_LIMIT  # noqa", 1))
    assert probe.read_text() != original
    for name in ("counter_probe", "counter_limits"):  # earlier tests imported the example's own
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.setattr(probes, "KINDS", dict(probes.KINDS))  # the copy registers its kind over the example's
    monkeypatch.syspath_prepend(str(folder))
    cache.course(folder / "stages.yaml")
    helper.write_text("TIMES_LIMIT = 51\n")
    full = loads(monkeypatch)
    cache.course(folder / "stages.yaml")
    assert full == [folder / "stages.yaml"]


def test_a_same_size_edit_in_the_same_instant_is_noticed(store, course_copy, monkeypatch):
    cache.outline(course_copy)
    description = course_copy.parent / "stages" / "01-bind.md"
    status = description.stat()
    text = description.read_text()
    description.write_text(text.replace("a", "b", 1) if "a" in text else text.upper())
    os.utime(description, ns=(status.st_atime_ns, status.st_mtime_ns))  # as if within one clock tick
    full = loads(monkeypatch)
    cache.outline(course_copy)
    assert full == [course_copy]


def test_a_manifest_edited_while_it_is_validated_is_not_kept(store, course_copy, monkeypatch):
    import tester.manifest.load as load_module

    def editing(path):
        course = load_course(path)
        Path(path).write_text(Path(path).read_text() + "\n# edited meanwhile\n")
        return course
    monkeypatch.setattr(load_module, "load_course", editing)
    cache.course(course_copy)
    assert not store.exists() or not list(store.glob("*.pickle"))
