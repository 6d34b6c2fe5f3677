"""A validated course kept between runs, so that the commands a learner runs after every change skip the
YAML parse and the validation of the whole manifest.

`course(path)` returns what `load_course(path)` returns, and `outline(path)` that course's outline
(tester.manifest.outline), for the commands that only show the course. The first load of a manifest
validates it in full and keeps both (pickles) in the user's cache folder; a later load uses them while
their key still holds: the manifest's bytes, the files the validation looked at (description files,
copied sources, probe modules: their size and modification time), the tester's own code, the Python
version and, for the course, the pydantic version. Any change, or a copy that cannot be read, means a
full load again, and a manifest with problems is never kept: the cache can cost time, never a verdict or
a message. `tester check` always validates in full; TESTER_CACHE=off turns the cache off.

The outline comes first in the file and needs neither pydantic nor the models to be read.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tester.manifest.outline import Outline

if TYPE_CHECKING:
    from tester.manifest.models import Course

FORMAT = 2  # bumped when what a cache file holds changes shape
CODE = Path(__file__).resolve().parent.parent  # the tester package: its code is part of the key
HASHED = 256 * 1024  # bytes: a looked-at file up to this size is known by its content too


def course(path: Path | str) -> Course:
    path = Path(path)
    kept = _open(path)
    if kept is not None:
        header, file = kept
        with file:
            found = _course(header, file, path)
        if found is not None:
            return found
    return _load_and_keep(path)[0]


def outline(path: Path | str) -> Outline:
    path = Path(path)
    kept = _open(path)
    if kept is not None:
        header, file = kept
        file.close()
        header["outline"].source = path
        return header["outline"]
    return _load_and_keep(path)[1]


def _enabled() -> bool:
    return os.environ.get("TESTER_CACHE", "").lower() not in ("off", "0", "no")


def _store(path: Path) -> Path | None:
    """The cache file of this manifest, named after its absolute path as given (not resolved: two folders
    that link to one manifest have their own descriptions); None where there is no home to keep it in."""
    try:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "http-server-tester"
    except (RuntimeError, KeyError):  # no HOME, and no password entry to find one in
        return None
    name = hashlib.sha256(os.path.abspath(path).encode()).hexdigest()[:24]
    return base / f"course-{name}.pickle"


def _key(manifest: bytes) -> str:
    return hashlib.sha256(manifest + f"{FORMAT} {sys.version} {_code_stamp()}".encode()).hexdigest()


def _code_stamp() -> str:
    """Changes whenever a file of the tester's own code changes (an edit, an upgrade)."""
    stamps = []
    for folder, _, files in os.walk(CODE):
        for name in files:
            if name.endswith(".py"):
                status = os.stat(os.path.join(folder, name))
                stamps.append(f"{folder}/{name}:{status.st_mtime_ns}:{status.st_size}")
    return hashlib.sha256(" ".join(sorted(stamps)).encode()).hexdigest()


def _state(files: list[str]) -> list[tuple]:
    """Each file's size, modification time and, for a small file, a hash of its content: an edit that
    keeps the size within one tick of the clock is seen too."""
    state: list[tuple] = []
    for name in files:
        try:
            status = os.stat(name)
            digest = hashlib.sha256(Path(name).read_bytes()).hexdigest() if status.st_size <= HASHED else ""
        except OSError:
            state.append((name,))
        else:
            state.append((name, status.st_mtime_ns, status.st_size, digest))
    return state


def _open(path: Path) -> tuple[dict[str, Any], Any] | None:
    """The kept header and the open file, positioned at the course, when the key still holds."""
    if not _enabled():
        return None
    store = _store(path)
    if store is None:
        return None
    try:
        manifest = path.read_bytes()
        file = store.open("rb")
    except OSError:
        return None
    try:
        header = pickle.load(file)
        if header["key"] == _key(manifest) and _state(header["files"]) == header["state"]:
            return header, file
    except Exception:  # unreadable, or from another version: validate afresh
        pass
    file.close()
    return None


def _course(header: dict[str, Any], file, path: Path) -> Course | None:
    import pydantic

    if header["pydantic"] != pydantic.VERSION:
        return None
    if header["probe_modules"]:
        from tester.manifest.load import import_probe_modules

        if import_probe_modules(header["probe_modules"], path):
            return None
    try:
        found = pickle.load(file)
    except Exception:
        return None
    found._source = path
    return found


def _looked_at(found: Course) -> list[str]:
    """The files besides the manifest whose state the validation depended on, as absolute paths."""
    from tester.manifest.models import FileSpec

    root = found.root
    files = [root / stage.description for stage in found.stages]
    files += [root / spec.source for stage in found.stages for spec in stage.files.values()
              if isinstance(spec, FileSpec) and spec.source is not None]
    if found.probe_modules:  # the probe modules, and every module of the course's folder they import
        folder = os.path.join(os.path.abspath(found.root), "")
        files += sorted(Path(module.__file__) for module in list(sys.modules.values())
                        if isinstance(getattr(module, "__file__", None), str)
                        and os.path.abspath(module.__file__).startswith(folder))
    return [os.path.abspath(item) for item in files]


def _load_and_keep(path: Path) -> tuple[Course, Outline]:
    import pydantic

    from tester.manifest.load import load_course

    try:
        manifest = path.read_bytes()  # before the load: a manifest edited meanwhile is kept under its old key
    except OSError:
        manifest = None
    found = load_course(path)
    made = Outline.of(found)
    store = _store(path)
    if manifest is None or store is None or not _enabled():
        return found, made
    temporary = None
    try:
        files = _looked_at(found)
        state = _state(files)
        if path.read_bytes() != manifest:
            return found, made  # edited while it was validated: keep nothing, the next load validates it
        header = {"key": _key(manifest), "files": files, "state": state, "outline": made,
                  "pydantic": pydantic.VERSION, "probe_modules": list(found.probe_modules)}
        store.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=store.parent, prefix=store.name, suffix=".part")
        with os.fdopen(descriptor, "wb") as file:
            pickle.dump(header, file)
            pickle.dump(found, file)
        os.replace(temporary, store)
    except Exception:  # a read-only home, a full disk, a probe that cannot be pickled: no cache, no harm
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass
    return found, made
