"""A course's table of contents: its tracks and stages with their slugs, titles, description files and
fingerprints, and nothing of what the stages check.

`tester list`, `status`, `tracks`, `track`, `show` and `hint` need no more than this, so they read the
outline that tester.manifest.cache keeps beside the validated course, without loading the models, the
probes or pydantic: what a learner types between two runs answers at once. The outline is made from a
validated course (`of`), so it says what the course says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tester.manifest.index import CourseIndex


@dataclass(frozen=True)
class StageOutline:
    slug: str
    title: str
    description: str  # the Markdown file, relative to the manifest's folder
    fingerprint: str  # tester.manifest.models.Stage.fingerprint


@dataclass(frozen=True)
class TrackOutline:
    slug: str
    title: str
    description: str
    requires: list[str]
    stages: list[StageOutline]


@dataclass
class Outline(CourseIndex):
    tracks: list[TrackOutline]
    source: Path = Path("stages.yaml")
    stages: list[StageOutline] = field(init=False)

    def __post_init__(self) -> None:
        self.stages = [stage for track in self.tracks for stage in track.stages]

    @property
    def root(self) -> Path:
        return self.source.parent

    @classmethod
    def of(cls, course) -> Outline:
        """The outline of a validated course (tester.manifest.models.Course)."""
        return cls([TrackOutline(track.slug, track.title, track.description, list(track.requires),
                                 [StageOutline(stage.slug, stage.title, stage.description, stage.fingerprint)
                                  for stage in track.stages])
                    for track in course.tracks], course.source)
