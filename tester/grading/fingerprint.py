"""Whether a submission needs grading again: a digest of its files, of the course and of the options.

A record keeps the digest it was graded under; a later `tester grade` skips a submission whose digest is
unchanged (unless told to regrade). The course's part covers the manifest and every file a stage takes
from it (descriptions, copied sources), so an edited stage regrades the class.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Iterable

from tester import __version__

# not the code graded: version control, caches, installed dependencies, build output (Rust's target/)
SKIPPED = {".git", "__pycache__", "node_modules", ".venv", "target", ".tester-progress.json"}


def of_submission(folder: Path) -> str:
    return _digest(_files(folder), folder)


def of_course(manifest: Path, course) -> str:
    base = manifest.parent
    used = {manifest.resolve()}
    for module in course.probe_modules:  # the course's own probe kinds, beside the manifest
        used.add((base / (module.replace(".", "/") + ".py")).resolve())
    for stage in course.stages:
        used.add((base / stage.description).resolve())
        for spec in stage.files.values():
            source = getattr(spec, "source", None)
            if source:
                used.add((base / source).resolve())
    return _digest(sorted(path for path in used if path.is_file()), base)


def of_grading(submission: str, course: str, options: Iterable[str]) -> str:
    """The digest a record is graded under: the submission's, the course's, the options and the tester."""
    text = "\n".join([submission, course, __version__, *options])
    return hashlib.sha256(text.encode()).hexdigest()


def _files(folder: Path) -> list[Path]:
    found = []
    for root, folders, files in os.walk(folder):
        folders[:] = sorted(name for name in folders if name not in SKIPPED)
        found += [Path(root) / name for name in sorted(files) if name not in SKIPPED]
    return found


def _digest(paths: list[Path], base: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        try:
            name = str(path.relative_to(base))
        except ValueError:
            name = str(path)
        digest.update(name.encode("utf-8", "surrogateescape") + b"\0")
        try:
            digest.update(path.read_bytes() if not path.is_symlink() else os.readlink(path).encode())
        except OSError:
            digest.update(b"(unreadable)")
        digest.update(b"\0")
    return digest.hexdigest()
