"""The course as a pytest session: `pytest --tester-solution DIR` runs each stage as one test item.

pytest is what CI services, editors and graders already know how to read. Once the stages are pytest
items, `-k` picks stages, `-m TRACK` picks a track, `--junitxml` writes a report every CI service shows,
`-n` (pytest-xdist) spreads the stages over processes and `--lf` reruns the stages that failed; none of
that has to be written again here.

Whoever installs the tester gets this plugin in every pytest run they make, this project's own test suite
included. Without --tester-solution it adds its options and nothing else, and importing it imports none of
the tester: the course, pydantic and the probes are loaded inside the hooks, once a run asks for them.

The items do not come from a file pytest walks to (the manifest is often the bundled one, outside the
project being tested): pytest_collection_modifyitems adds them, before the other plugins' implementations
of that hook, so that -k, -m, --deselect and --lf treat them as any other item. The tree is the manifest,
then a node per track (a course without tracks has none), then an item per stage:
`stages.yaml::base::01-bind`, marked with its track (`-m base`).

An item runs its stage alone, as `tester stage N --only` does, with the session's seed, on a port no other
item uses at the same time: each xdist worker draws ports from its own share of the range (tester.ports),
and the tester's port lock guards each run besides. A failing stage is reported as the tester prints it,
never as a Python traceback.

Give the paths as `--tester-solution=DIR`: pytest settles its rootdir (and so its config file) before it
knows a plugin's options, and takes a bare DIR after an option it does not know yet for a test path there.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import pytest

if TYPE_CHECKING:
    from tester.errors import StageFailure
    from tester.manifest import models

SEEDS = 1_000_000  # seeds are drawn below this, as the tester's own commands draw them


@dataclass
class Setup:
    """What every item of a course session needs, settled once in pytest_configure."""

    course: models.Course
    solution: Path
    seed: int
    stages: list[models.Stage]  # the ones to collect (all, or the chosen tracks'), in course order
    marked: set[str] = field(default_factory=set)  # track slugs that are markers too


SETUP = pytest.StashKey[Setup]()


class StageWarning(UserWarning):
    """A `should` check that a passing stage did not meet: shown in pytest's warnings summary."""


class StageFailed(Exception):
    """The verdict of a stage, raised by its item; its report is the tester's rendering of `failure`."""

    def __init__(self, failure: StageFailure):
        super().__init__(failure.message)
        self.failure = failure


# options and setup


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tester", "HTTP server tester (the course's stages as test items)")
    group.addoption("--tester-solution", metavar="DIR",
                    help="run the course against the server in DIR (its your_program.sh), one test item per stage")
    group.addoption("--tester-course", metavar="MANIFEST",
                    help="the course manifest (default: $TESTER_COURSE, ./stages.yaml, else the bundled course)")
    group.addoption("--tester-seed", metavar="N", type=int,
                    help="replay the random values of an earlier run (the header and every failure show its seed)")
    group.addoption("--tester-track", metavar="SLUG", action="append",
                    help="only this track's stages, after those of the tracks it requires; may be repeated")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("tester_solution") is None:
        return
    from tester import ports
    from tester.errors import TesterError

    try:
        setup = _set_up(config)
    except TesterError as error:
        raise pytest.UsageError(_explained(error)) from None
    config.stash[SETUP] = setup
    _register_track_markers(config, setup)
    share = _worker_share(config)
    if share is not None:
        ports.share(*share)


def _set_up(config: pytest.Config) -> Setup:
    from tester.commands.learning import find_track
    from tester.commands.options import find_course
    from tester.errors import UsageError
    from tester.manifest import cache
    from tester.runner import plan

    given = config.getoption("tester_solution")
    solution = Path(given).resolve()
    if not solution.is_dir():
        raise UsageError(f"--tester-solution {given}: there is no such folder (give the folder with your_program.sh)")
    course_option = config.getoption("tester_course")
    manifest = find_course(Path(course_option) if course_option else None)
    if not manifest.is_file():
        raise UsageError(f"the course manifest {manifest} does not exist: pass --tester-course MANIFEST, "
                         "or set TESTER_COURSE")
    course = cache.course(manifest.absolute())
    tracks = [find_track(course, slug) for slug in config.getoption("tester_track") or ()]
    stages = [stage for stage, _ in plan(course, None, False, tracks or None)]
    return Setup(course, solution, _seed(config), stages)


def _explained(error: Exception) -> str:
    from tester.errors import ManifestError

    if isinstance(error, ManifestError):
        return "the course manifest has problems:\n" + "\n".join(f"  {problem}" for problem in error.problems)
    return str(error)


def _seed(config: pytest.Config) -> int:
    """The session's seed: the one xdist's controller handed this worker, --tester-seed, or a new one."""
    handed = getattr(config, "workerinput", {}).get("tester_seed")
    if handed is not None:
        return handed
    chosen = config.getoption("tester_seed")
    return chosen if chosen is not None else random.randrange(1, SEEDS)


def _register_track_markers(config: pytest.Config, setup: Setup) -> None:
    """Each track a marker, for `-m TRACK`; not a track whose slug is a marker already (a track `skip`
    must not skip its stages)."""
    if not setup.course.has_tracks:
        return
    taken = {line.split(":")[0].split("(")[0].strip() for line in config.getini("markers")}
    for track in setup.course.tracks:
        if track.slug not in taken:
            config.addinivalue_line("markers", f"{track.slug}: the stages of the course's track {track.slug}")
            setup.marked.add(track.slug)


def _worker_share(config: pytest.Config) -> tuple[int, int] | None:
    """(index, count) of this xdist worker, whose ports come from its own part of the range; None outside xdist."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None:
        return None
    index = str(workerinput.get("workerid", "")).removeprefix("gw")
    return (int(index), int(workerinput["workercount"])) if index.isdigit() else None


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """pytest-xdist's controller, before it starts a worker: every worker runs with the controller's seed."""
    setup = node.config.stash.get(SETUP, None)
    if setup is not None:
        node.workerinput["tester_seed"] = setup.seed


def pytest_report_header(config: pytest.Config) -> list[str]:
    setup = config.stash.get(SETUP, None)
    if setup is None:
        return []
    return [f"tester: course {setup.course.source} ({len(setup.stages)} stages), solution {setup.solution}",
            f"tester: seed {setup.seed} (replay this run with --tester-seed {setup.seed})"]


# collection


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    setup = config.stash.get(SETUP, None)
    if setup is None:
        return
    source = setup.course.source
    items.extend(session.genitems(Course.from_parent(session, name=source.name, path=source.absolute(),
                                                     nodeid=_manifest_id(config, source))))


def _manifest_id(config: pytest.Config, manifest: Path) -> str:
    """The course node's id: the manifest's path from the rootdir, or its bare name when it lies elsewhere."""
    try:
        return manifest.absolute().relative_to(config.rootpath).as_posix()
    except ValueError:
        return manifest.name


class Course(pytest.Collector):
    """The course manifest: its tracks, or its stages when it has no tracks."""

    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        setup = self.config.stash[SETUP]
        course = setup.course
        lines = _stage_lines(course)
        if not course.has_tracks:
            yield from _stage_items(self, setup.stages, setup, lines)
            return
        for track in course.tracks:
            stages = [stage for stage in setup.stages if course.track_of(stage).slug == track.slug]
            if stages:
                yield Track.from_parent(self, name=track.slug, stages=stages, lines=lines)


class Track(pytest.Collector):
    """One track of the course, the stages it has in this session; a marker of the same name when it can be."""

    def __init__(self, *, stages: list[models.Stage], lines: dict[str, int], **kwargs):
        super().__init__(**kwargs)
        self.stages = stages
        self.lines = lines
        if self.name in self.config.stash[SETUP].marked:
            self.add_marker(self.name)

    def collect(self) -> Iterator[pytest.Item]:
        return _stage_items(self, self.stages, self.config.stash[SETUP], self.lines)


def _stage_items(parent: pytest.Collector, stages: list[models.Stage], setup: Setup,
                 lines: dict[str, int]) -> Iterator[pytest.Item]:
    digits = max(2, len(str(len(setup.course.stages))))
    for stage in stages:
        number = setup.course.stage_number(stage)
        yield Stage.from_parent(parent, name=f"{number:0{digits}d}-{stage.slug}", stage=stage, number=number,
                                line=lines.get(stage.slug))


def _stage_lines(course: models.Course) -> dict[str, int]:
    """Each stage's line in the manifest, so that reports and warnings point at the stage; {} where the
    manifest cannot be read again."""
    import yaml

    from tester.manifest import yaml_lines

    try:
        tree = yaml_lines.compose(course.source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    lines = {}
    for track_index, track in enumerate(course.tracks):
        for stage_index, stage in enumerate(track.stages):
            place = ("tracks", track_index, "stages", stage_index) if course.has_tracks else ("stages", stage_index)
            line = yaml_lines.locate(tree, place)[0]
            if line is not None:
                lines[stage.slug] = line
    return lines


# running


class Stage(pytest.Item):
    """One stage, run alone against the solution; it fails with the tester's verdict."""

    def __init__(self, *, stage: models.Stage, number: int, line: int | None, **kwargs):
        super().__init__(**kwargs)
        self.stage = stage
        self.number = number
        self.line = line

    def runtest(self) -> None:
        from tester import ports
        from tester.runner import Options, run

        setup = self.config.stash[SETUP]
        transcript = io.StringIO()
        console = _Transcript(transcript)
        console.print(f"seed {setup.seed} (replay with --tester-seed {setup.seed})")
        options = Options(solution=setup.solution, port=ports.free_port(), seed=setup.seed)
        try:
            result = run(setup.course, [(self.stage, False)], options, console).results[0]
        finally:
            self.add_report_section("call", "tester", transcript.getvalue())
        for warning in result.warnings:
            if warning.level == "should":
                self.warn(StageWarning(_warning_text(self.number, self.stage.slug, warning)))
        if result.failure is not None:
            raise StageFailed(result.failure)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None):
        from tester.errors import TesterError
        from tester.runner import rendered

        error = excinfo.value
        if isinstance(error, StageFailed):
            seed = self.config.stash[SETUP].seed
            text = rendered(self.number, self.stage.slug, error.failure)
            text += f"  seed: {seed} (replay with --tester-seed {seed})\n"
            headline = f"stage {self.number} {self.stage.slug} failed: {error.failure.message}"
        elif isinstance(error, TesterError):  # the course's mistake, or a port another run holds
            text = "error: " + _explained(error) + "\n"
            headline = text.splitlines()[0]
        elif isinstance(error, StageWarning):  # -W error made a warning fail its stage
            text = headline = str(error)
        else:  # a bug in the tester: its traceback is what a bug report needs
            return super().repr_failure(excinfo, style)
        return _verdict(text, headline, self.path, self.line or 0)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None if self.line is None else self.line - 1, f"stage {self.number} {self.stage.slug}"


class _Transcript:
    """The console of an item's report section: what `tester stage N --only` prints, but the verdict of a
    failing stage, which is the item's failure report itself."""

    def __init__(self, stream: io.StringIO):
        from tester.console import Console

        self._console = Console(stream, colour=False)

    def __getattr__(self, name: str):
        return getattr(self._console, name)

    def stage_finished(self, result) -> None:
        if result.status == "passed":
            self._console.stage_finished(result)


def _warning_text(number: int, slug: str, warning: StageFailure) -> str:
    hint = f"\n  hint: {warning.hint}" if warning.hint else ""
    return f"stage {number} {slug}: {warning.level}: {warning.message}{hint}"


def _verdict(text: str, headline: str, path: Path, line: int):
    """A failure report that prints `text` as it is and gives `headline` as the one-line message (pytest's
    short summary, a JUnit failure's message). Built from pytest's own representation classes so that
    pytest-xdist carries it between processes whole; plain text where a pytest lacks them."""
    try:
        from _pytest._code.code import ReprEntryNative, ReprExceptionInfo, ReprFileLocation, ReprTraceback
    except ImportError:
        return text
    return ReprExceptionInfo(reprtraceback=ReprTraceback([ReprEntryNative([text])], None, "native"),
                             reprcrash=ReprFileLocation(str(path), line, headline))
