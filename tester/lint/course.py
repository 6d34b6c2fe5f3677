"""The whole lint of one course, in order: manifest, fixture specs, descriptions, then the servers.

A course whose manifest does not load stops there, since nothing after it has stages to check. After
that, problems are collected rather than raised, so one run lists them all: a fixture whose spec cannot
be read is left out of the server runs, and everything else still runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tester.errors import ManifestError
from tester.lint import Problem, descriptions, shown
from tester.lint.layout import HOSTILE, Fixture, Layout, read_fixture, script_problem
from tester.manifest.load import load_course
from tester.manifest.models import Course, Stage
from tester.manifest.yaml_lines import compose, locate


@dataclass
class Settings:
    servers: bool = True  # run the reference, starter and fixtures
    all_fixtures: bool = False  # every fixture, not one per stage
    workers: int = 2
    seed: int = 1


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    done: list[str] = field(default_factory=list)  # what was checked and found sound, for the summary


def check(path: Path, settings: Settings) -> Report:
    report = Report()
    try:
        course = load_course(path)
    except ManifestError as error:
        report.problems += error.problems
        return report
    slugs = [stage.slug for stage in course.stages]
    tracks = "" if len(course.tracks) == 1 else f"{len(course.tracks)} tracks (requires sound), "
    report.done.append(f"the manifest: {tracks}{len(slugs)} stages, slugs unique, every description file present")

    layout = Layout(course.root)
    fixtures: list[Fixture] = []
    for spec in layout.fixture_specs():
        fixture, problems = read_fixture(spec, slugs, [track.slug for track in course.tracks])
        report.problems += problems
        if fixture is not None:
            unusable = script_problem(fixture.folder, f"fixture {fixture.name}")
            if unusable:
                report.problems.append(unusable)
            else:
                fixtures.append(fixture)

    found = descriptions.problems(course)
    report.problems += found
    if not found:
        report.done.append("the descriptions: titles, sections, and every request and response the probes use")

    chosen = fixtures if settings.all_fixtures else _one_per_stage(fixtures, slugs)
    report.problems += _uncovered(course, fixtures)
    if settings.servers:
        _check_servers(course, layout, chosen, settings, report)
    return report


def _one_per_stage(fixtures: list[Fixture], slugs: list[str]) -> list[Fixture]:
    """One fixture that fails each stage, enough to show the stage is not a no-op: the first by folder
    name, taking hostile ones (which wait out the tester's time limits by design) only when there is
    nothing else."""
    chosen = {}
    for fixture in sorted(fixtures, key=lambda fixture: (fixture.name.startswith(HOSTILE), fixture.name)):
        if fixture.fails_at is not None:
            chosen.setdefault(fixture.fails_at, fixture)
    return [chosen[slug] for slug in slugs if slug in chosen]


def _uncovered(course: Course, fixtures: list[Fixture]) -> list[Problem]:
    covered = {fixture.fails_at for fixture in fixtures}
    tree = compose(course.source.read_text(encoding="utf-8"))
    problems = []
    for index, stage in enumerate(course.stages):
        if stage.slug not in covered:
            line = locate(tree, _place(tree, course, stage) + ("slug",))[0]
            problems.append(Problem(
                shown(course.source), line, f"stage {index + 1} {stage.slug} has no fixture that fails it, so "
                "nothing shows the stage catches anything",
                f"add fixtures/<name>/ with your_program.sh and a fixture.yaml saying 'fails_at: {stage.slug}'"))
    return problems


def _place(tree, course: Course, stage: Stage) -> tuple:
    """Where a stage is in the manifest: in its track's `stages`, or in the top-level list."""
    track = course.track_of(stage)
    index = next(number for number, item in enumerate(track.stages) if item.slug == stage.slug)
    in_tracks = ("tracks", course.tracks.index(track))
    if locate(tree, in_tracks)[1] == in_tracks:
        return in_tracks + ("stages", index)
    return ("stages", course.stages.index(stage))


def _check_servers(course: Course, layout: Layout, fixtures: list[Fixture], settings: Settings,
                   report: Report) -> None:
    from tester.lint import servers  # starts programs: imported only when servers run

    jobs = []
    def starter_jobs(course: Course, folder: Path) -> list:
        return [servers.starter_job(course, folder)]

    for folder, role, make in ((layout.reference, "reference", servers.reference_jobs),
                               (layout.starter, "starter", starter_jobs)):
        unusable = script_problem(folder, role)
        if unusable:
            report.problems.append(unusable)
        else:
            jobs += make(course, folder)
    jobs += [servers.fixture_job(course, fixture) for fixture in fixtures]
    results = servers.run_jobs(course, jobs, settings.workers, settings.seed)
    for job, problems in zip(jobs, results):
        report.problems += problems
    sound = [job for job, problems in zip(jobs, results) if not problems]
    if sound:
        proved = sum(job.label.startswith("fixture ") for job in sound)
        report.done.append(f"the servers: {len(sound)} of {len(jobs)} behaved as they should"
                           f" ({proved} fixtures, seed {settings.seed})")
