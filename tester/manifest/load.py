"""Reading `stages.yaml`: YAML in, a validated Course out, or every problem with its file, line and fix.

Validation happens in layers: YAML syntax and duplicate keys, then the models (unknown keys, wrong
types), then each probe against its kind's own model, then what spans several places (unique slugs in
the whole course, description files, the values that templates name, what each track requires). A
course is walked track by track (places such as tracks[1].stages[0]), or as its one list of stages.
Within the layer of the models every mistake is found, a stage's and its probes' alike; the last layer
looks at every stage that passed its model. All problems found are reported together, in the order of
their lines, so an instructor fixes a manifest in one pass. The words of the model errors come from
tester.manifest.messages.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import sys
from pathlib import Path
from typing import Any, Iterable

import yaml
from pydantic import BaseModel, ValidationError

from tester import probes, variables
from tester.errors import ManifestError, ManifestProblem
from tester.manifest import files_check, messages, models
from tester.manifest.models import Course, Generated, Stage, Strict
from tester.manifest.yaml_lines import dotted, duplicate_keys, locate, parse
from tester.templates import names

BUILTIN_VALUES = ("port", "directory")
NO_STAGES = "a course needs tracks (or a list of stages)"  # the words of models.Course's own check


class _Problems:
    def __init__(self, path: Path, tree: yaml.Node | None):
        self.path = path
        self.tree = tree
        self.found: list[ManifestProblem] = []

    def add(self, place: Iterable, problem: str, fix: str = "") -> None:
        line, resolved = locate(self.tree, tuple(place))
        where = dotted(resolved)
        self.found.append(ManifestProblem(str(self.path), line, f"{where}: {problem}" if where else problem, fix))

    def add_validation(self, prefix: tuple, model: type[BaseModel], error: ValidationError) -> None:
        for place, problem, fix in messages.explain(model, error, _all_models()):
            self.add(prefix + place, problem, fix)

    def raise_if_any(self) -> None:
        if self.found:
            raise ManifestError(sorted(self.found, key=lambda problem: problem.line or 0))


def load_course(path: Path | str) -> Course:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError([ManifestProblem(str(path), None, "the course manifest does not exist",
                                             "run from the course folder, or pass --course PATH")]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ManifestError([ManifestProblem(str(path), None, f"cannot read the manifest: {error}")]) from None
    try:
        tree, data = parse(text)
    except yaml.YAMLError as error:
        raise ManifestError([_yaml_problem(path, text, error)]) from None
    problems = _Problems(path, tree)
    for place, line in duplicate_keys(tree):
        problems.add(place, f"the key '{place[-1]}' appears twice in one mapping", "keep one of them")
    problems.raise_if_any()
    if not isinstance(data, dict):
        problems.add((), "the manifest must be a mapping with a 'tracks' (or 'stages') list",
                     "start the file with 'tracks:', or with 'stages:' for a course that is one list of stages")
        problems.raise_if_any()

    _import_probe_modules(data.get("probe_modules"), path, problems)
    problems.raise_if_any()
    course = _validated(Course, data, problems)
    if all(data[key] == [] for key in ("tracks", "stages") if key in data):  # none, or empty lists
        # the model says only that a course needs them; say it here with a fix, in place of the model's words
        problems.found = [problem for problem in problems.found if problem.problem != NO_STAGES]
        problems.add(("tracks",) if "tracks" in data else ("stages",) if "stages" in data else (),
                     "the course has no stages: it needs tracks (or a list of stages)",
                     "list the tracks under 'tracks:', each with its slug, title and stages; or, for a course "
                     "without tracks, its stages under 'stages:'")
    layout = _layout(data)
    parsed: list[tuple[tuple, Stage]] = []  # (place, stage with parsed probes), every stage in course order
    for track_index, stage_index, place, raw in layout:
        # Probes are checked whatever else is wrong with their stage; the cross checks need a valid stage.
        probes_found = _probes(raw.get("probes") if isinstance(raw, dict) else None, place, problems)
        stage = _validated(Stage, raw) if course is None else course.tracks[track_index].stages[stage_index]
        if stage is not None:
            parsed.append((place, stage.model_copy(update={"probes": probes_found})))
    _check_course(parsed, _positions(data, layout), path, problems)
    _check_tracks(data.get("tracks"), problems)
    problems.raise_if_any()
    assert course is not None  # when the course fails its model, it has reported why
    course = _rebuilt(course, [stage for _, stage in parsed])
    course._source = path
    return course


def _layout(data: dict) -> list[tuple[int, int, tuple, Any]]:
    """Every raw stage as (track index, index in its track, place in the manifest, raw value): the stages
    of each track under `tracks`, or the one list `stages` as the implicit track 0."""
    found = []
    if "tracks" in data:
        tracks = data["tracks"] if isinstance(data["tracks"], list) else []
        for track_index, track in enumerate(tracks):
            raws = track.get("stages") if isinstance(track, dict) else None
            for stage_index, raw in enumerate(raws if isinstance(raws, list) else []):
                found.append((track_index, stage_index, ("tracks", track_index, "stages", stage_index), raw))
    else:
        raws = data.get("stages")
        for stage_index, raw in enumerate(raws if isinstance(raws, list) else []):
            found.append((0, stage_index, ("stages", stage_index), raw))
    return found


def _positions(data: dict, layout: list) -> dict[tuple, tuple[int, str | None]]:
    """Each raw stage's number in the course and the slug of its track (None in a course without tracks),
    by the stage's place."""
    tracks = data.get("tracks") if isinstance(data.get("tracks"), list) else []
    positions: dict[tuple, tuple[int, str | None]] = {}
    for number, (track_index, _, place, _) in enumerate(layout, start=1):
        track = tracks[track_index] if track_index < len(tracks) else None
        positions[place] = (number, str(track.get("slug")) if isinstance(track, dict) else None)
    return positions


def _rebuilt(course: Course, stages: list[Stage]) -> Course:
    """The course with its stages' probes parsed. model_copy does not run the validator that derives
    `stages` from the tracks, so both are given: each track its own stages, and all of them in order."""
    remaining = iter(stages)
    tracks = [track.model_copy(update={"stages": [next(remaining) for _ in track.stages]})
              for track in course.tracks]
    return course.model_copy(update={"tracks": tracks, "stages": [stage for track in tracks for stage in track.stages]})


def _validated(model: type[BaseModel], data: Any, problems: _Problems | None = None,
               place: tuple = ()) -> Any:
    """The model of `data`, or None with its problems added (not added when `problems` is None, for a part
    whose errors the whole has already reported)."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        if problems is not None:
            problems.add_validation(place, model, error)
        return None


def _yaml_problem(path: Path, text: str, error: yaml.YAMLError) -> ManifestProblem:
    mark = getattr(error, "problem_mark", None)
    line = mark.line + 1 if mark else None
    problem = getattr(error, "problem", None) or str(error)
    if mark and "'\\t'" in problem:  # PyYAML's "found character '\t' that cannot start any token"
        lines = text.splitlines()
        start = lines[mark.line][:mark.column] if mark.line < len(lines) else ""
        if start.strip():
            return ManifestProblem(str(path), line, "not valid YAML: a tab where a value starts",
                                   "YAML does not allow a tab here: use a space, or remove it")
        return ManifestProblem(str(path), line, "not valid YAML: this line is indented with a tab",
                               "YAML does not allow tabs: indent with spaces")
    return ManifestProblem(str(path), line, f"not valid YAML: {problem}",
                           "check the indentation and quoting on this line (values with ': ' or '{' need quotes)")


def _import_probe_modules(modules: Any, path: Path, problems: _Problems) -> None:
    if not modules or not isinstance(modules, list):
        return
    for index, name, error in import_probe_modules(modules, path):
        problems.add(("probe_modules", index), f"cannot import probe module '{name}': "
                     f"{type(error).__name__}: {error}",
                     f"put {name}.py beside {path.name}, importable, defining its probe kinds with @register")


def import_probe_modules(modules: list, path: Path) -> list[tuple[int, str, Exception]]:
    """Import the course's probe modules from the manifest's folder; (index, name, error) of each that failed."""
    folder = str(path.resolve().parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    failed = []
    for index, name in enumerate(modules):
        try:
            importlib.import_module(str(name))
        except Exception as error:  # an instructor's module can fail in any way; report, don't crash
            failed.append((index, str(name), error))
    return failed


def _probes(raws: Any, stage_place: tuple, problems: _Problems) -> list:
    parsed: list = []
    for number, raw in enumerate(raws if isinstance(raws, list) else []):
        place = stage_place + ("probes", number)
        if not isinstance(raw, dict) or "kind" not in raw:
            problems.add(place, "a probe must be a mapping with a 'kind'",
                         f"add 'kind: ' with one of: {', '.join(probes.KINDS)}")
            continue
        kind_class = probes.KINDS.get(raw["kind"])
        if kind_class is None:
            close = difflib.get_close_matches(str(raw["kind"]), list(probes.KINDS), n=1)
            problems.add(place + ("kind",), f"unknown probe kind '{raw['kind']}'",
                         (f"did you mean '{close[0]}'? " if close else "")
                         + f"known kinds: {', '.join(probes.KINDS)}; custom kinds come from probe_modules")
            continue
        probe = _validated(kind_class, raw, problems, place)
        if probe is not None:
            parsed.append(probe)
    return parsed


def _check_course(stages: list[tuple[tuple, Stage]], positions: dict[tuple, tuple[int, str | None]], path: Path,
                  problems: _Problems) -> None:
    seen: dict[str, tuple] = {}
    for place, stage in stages:
        if stage.slug in seen:
            number, track = positions[seen[stage.slug]]
            problems.add(place + ("slug",), f"the slug '{stage.slug}' is already used by stage {number}"
                         + _in_tracks(track, positions[place][1]), "give each stage its own slug")
        seen.setdefault(stage.slug, place)
        description = path.parent / stage.description
        if not description.is_file():
            problems.add(place + ("description",), f"the description file {stage.description} does not exist",
                         f"create {description}, or point 'description' at an existing file")
        _check_values(stage, place, problems)
        files_check.check(stage, place, problems, path.parent)


def _in_tracks(first: str | None, this: str | None) -> str:
    """Which tracks the two stages with one slug are in, for the message; nothing without tracks."""
    if first is None or this is None:
        return ""
    if first == this:
        return f", earlier in this track ('{this}')"
    return f", in track '{first}' (this one is in track '{this}'): a slug names one stage in the whole course"


def _check_tracks(raw_tracks: Any, problems: _Problems) -> None:
    """The tracks' slugs are unique, and each `requires` names tracks listed before it: so `tester test`,
    which runs the course in order, meets every track's foundation before the track, and no cycle can form."""
    if not isinstance(raw_tracks, list):
        return
    slugs = [str(track.get("slug")) if isinstance(track, dict) else None for track in raw_tracks]
    for index, slug in enumerate(slugs):
        if slug is not None and slug in slugs[:index]:
            problems.add(("tracks", index, "slug"), f"the track slug '{slug}' is already used by track "
                         f"{slugs.index(slug) + 1}", "give each track its own slug")
    for index, track in enumerate(raw_tracks):
        requires = track.get("requires") if isinstance(track, dict) else None
        if not isinstance(requires, list):
            continue  # missing, or a type error the model has reported
        for position, wanted in enumerate(requires):
            _check_requirement(slugs, index, str(wanted), requires[:position], ("tracks", index, "requires", position),
                               problems, raw_tracks)


def _check_requirement(slugs: list[str | None], index: int, wanted: str, before: list, place: tuple,
                       problems: _Problems, raw_tracks: list) -> None:
    slug = slugs[index]
    if wanted == slug:
        problems.add(place, f"the track '{slug}' requires itself", f"remove '{wanted}' from its requires")
    elif wanted in [str(item) for item in before]:
        problems.add(place, f"'{wanted}' is listed twice in requires", "keep one of them")
    elif wanted not in slugs:
        known = list(dict.fromkeys(item for item in slugs if item is not None and item != slug))
        close = difflib.get_close_matches(wanted, known, n=1)
        problems.add(place, f"requires '{wanted}', which is not a track of this course",
                     (f"did you mean '{close[0]}'? " if close else "")
                     + (f"the tracks: {', '.join(known)}" if known else "name a track listed before this one"))
    elif slugs.index(wanted) > index:
        cycle = _cycle(slugs, raw_tracks, slug, wanted)
        if cycle:
            problems.add(place, f"requires '{wanted}', which leads back to it: a cycle, {' → '.join(cycle)}",
                         "a track builds on tracks, never on itself: drop one of these requires (a track may "
                         "only require tracks listed before it)")
        else:
            problems.add(place, f"requires '{wanted}', which comes after it (track {slugs.index(wanted) + 1})",
                         f"a track may only require tracks listed before it: move '{wanted}' above '{slug}'")


def _cycle(slugs: list[str | None], raw_tracks: list, start: str | None, first: str) -> list[str]:
    """The shortest path of `requires` from `first` back to `start`, as a cycle start → first → ... → start;
    empty when there is none."""
    requires: dict[str | None, list[str]] = {}
    for slug, track in zip(slugs, raw_tracks):
        wanted = track.get("requires") if isinstance(track, dict) else None
        requires.setdefault(slug, [str(item) for item in wanted] if isinstance(wanted, list) else [])
    paths = [[start, first]]
    visited = {first}
    while paths:
        path = paths.pop(0)
        for following in requires.get(path[-1], []):
            if following == start:
                return [str(item) for item in path + [start]]
            if following not in visited:
                visited.add(following)
                paths.append(path + [following])
    return []


def _check_values(stage: Stage, place: tuple, problems: _Problems) -> None:
    for name, spec in stage.vars.items():
        generator = spec if isinstance(spec, str) else spec.generate
        if generator not in variables.GENERATORS:
            close = difflib.get_close_matches(generator, list(variables.GENERATORS), n=1)
            problems.add(place + ("vars", name), f"unknown generator '{generator}'",
                         (f"did you mean '{close[0]}'? " if close else "")
                         + f"generators: {', '.join(variables.GENERATORS)}")
        elif isinstance(spec, Generated):
            accepted = variables.parameters(generator)
            for parameter in spec.params():
                if parameter not in accepted:
                    problems.add(place + ("vars", name, parameter), f"'{generator}' takes no '{parameter}'",
                                 f"its parameters: {', '.join(accepted) or 'none'}")
            if spec.min is not None and spec.max is not None and spec.min > spec.max:
                problems.add(place + ("vars", name), f"min ({spec.min}) is larger than max ({spec.max})",
                             "swap them: min is the smallest value drawn, max the largest")
    known = set(stage.vars) | set(BUILTIN_VALUES) | {name for probe in stage.probes for name in probe.captures()}
    used: list[tuple[tuple, str, frozenset[str]]] = [(place + ("files", key), key, frozenset()) for key in stage.files]
    used += [(place + ("files", key), value, frozenset()) for key, value in stage.files.items()
             if isinstance(value, str)]
    needs_directory = bool(stage.files)
    for number, probe in enumerate(stage.probes):
        own = frozenset(probe.own_values())
        for name in sorted(own & set(stage.vars)):
            problems.add(place + ("vars", name), f"the stage's value {{{name}}} has the name the {probe.kind} probe "
                         f"(probes[{number}]) gives its own value, so its templates could not reach it",
                         f"rename it: {{{name}}} inside that probe is the probe's own")
        for inner, template in probe.templates():
            used.append((place + ("probes", number) + inner, template, own))
            needs_directory = needs_directory or "files" in inner
    for where, template, own in used:
        for name, _ in names(template):
            if name not in known and name not in own:
                close = difflib.get_close_matches(name, sorted(known), n=1)
                problems.add(where, f"the template {template!r} uses {{{name}}}, which this stage does not define",
                             f"did you mean {{{close[0]}}}?" if close else f"add '{name}' under this stage's vars")
    if needs_directory and not stage.directory:
        problems.add(place, "this stage writes or checks files but does not set 'directory: true'",
                     "add 'directory: true', so the program gets --directory")


def _all_models() -> list[type[BaseModel]]:
    """Every model of the manifest and every probe kind, so a misplaced key can be told where it belongs."""
    manifest = [value for value in vars(models).values()
                if inspect.isclass(value) and issubclass(value, Strict) and value is not Strict]
    return manifest + list(probes.KINDS.values())
