"""Finding one's way in a course: stages by number or slug, tracks by slug, what a stage's run re-checks.

Shared by the validated course (tester.manifest.models.Course) and its outline (tester.manifest.outline),
which the commands that only show the course read without loading the models. Both have `tracks`, each
with its `stages`, and `stages`, every stage in course order; a stage has a `slug`, a track a `slug` and
`requires`.
"""

from __future__ import annotations

IMPLICIT_TRACK = "main"  # the one track of a course that lists `stages` without tracks


class CourseIndex:
    """What a course with `tracks` and `stages` attributes can be asked (no annotations here: pydantic would
    take them for fields of the Course model)."""

    @property
    def has_tracks(self) -> bool:
        """Whether the course is in tracks; one that lists only `stages` is shown as before, without headings."""
        return not (len(self.tracks) == 1 and self.tracks[0].slug == IMPLICIT_TRACK)

    def stage_number(self, stage) -> int:
        return next(number for number, item in enumerate(self.stages, start=1) if item.slug == stage.slug)

    def find(self, key: str):
        """A stage by number (1-based) or slug."""
        if key.isdigit():
            number = int(key)
            return self.stages[number - 1] if 1 <= number <= len(self.stages) else None
        return next((stage for stage in self.stages if stage.slug == key), None)

    def find_track(self, slug: str):
        return next((track for track in self.tracks if track.slug == slug), None)

    def track_of(self, stage):
        return next(track for track in self.tracks if any(item.slug == stage.slug for item in track.stages))

    def required(self, track) -> list:
        """The tracks `track` requires, transitively, in course order (the loader has ruled out cycles)."""
        wanted: set[str] = set()
        pending = list(track.requires)
        while pending:
            slug = pending.pop()
            if slug not in wanted and (found := self.find_track(slug)) is not None:
                wanted.add(slug)
                pending.extend(found.requires)
        return [item for item in self.tracks if item.slug in wanted]

    def regression(self, stage) -> list:
        """What a stage's run re-checks: every stage of the tracks its track requires, then the earlier
        stages of its own track; in course order. Never a stage of an unrelated track."""
        track = self.track_of(stage)
        earlier = [stage for required in self.required(track) for stage in required.stages]
        own = track.stages
        return earlier + own[:next(index for index, item in enumerate(own) if item.slug == stage.slug)]
