"""Reading `stages.yaml`: YAML in, a validated Course out, or every problem with its file, line and fix.

Validation happens in layers: YAML syntax and duplicate keys, then the models (unknown keys, wrong
types), then each probe against its kind's own model, then what spans several places (unique slugs,
description files, the values that templates name). Within the layer of the models every mistake is
found, a stage's and its probes' alike; the last layer looks at every stage that passed its model. All
problems found are reported together, in the order of their lines, so an instructor fixes a manifest in
one pass. The words of the model errors come from tester.manifest.messages.
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
from tester.manifest import messages, models
from tester.manifest.models import Course, Generated, Stage, Strict
from tester.manifest.yaml_lines import compose, dotted, duplicate_keys, locate
from tester.templates import names

BUILTIN_VALUES = ("port", "directory")


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
        tree = compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ManifestError([_yaml_problem(path, text, error)]) from None
    problems = _Problems(path, tree)
    for place, line in duplicate_keys(tree):
        problems.add(place, f"the key '{place[-1]}' appears twice in one mapping", "keep one of them")
    problems.raise_if_any()
    if not isinstance(data, dict):
        problems.add((), "the manifest must be a mapping with a 'stages' list", "start the file with 'stages:'")
        problems.raise_if_any()

    _import_probe_modules(data.get("probe_modules"), path, problems)
    problems.raise_if_any()
    course = _validated(Course, data, problems)
    stages: list[tuple[int, Stage]] = []
    raw_stages = data.get("stages")
    for index, raw in enumerate(raw_stages if isinstance(raw_stages, list) else []):
        # Probes are checked whatever else is wrong with their stage; the cross checks need a valid stage.
        parsed = _probes(raw.get("probes") if isinstance(raw, dict) else None, index, problems)
        stage = course.stages[index] if course else _validated(Stage, raw)
        if stage is not None:
            stages.append((index, stage.model_copy(update={"probes": parsed})))
    _check_course(stages, path, problems)
    problems.raise_if_any()
    assert course is not None  # when the course fails its model, it has reported why
    course = course.model_copy(update={"stages": [stage for _, stage in stages]})
    course._source = path
    return course


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
    folder = str(path.resolve().parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    for index, name in enumerate(modules):
        try:
            importlib.import_module(str(name))
        except Exception as error:  # an instructor's module can fail in any way; report, don't crash
            problems.add(("probe_modules", index), f"cannot import probe module '{name}': "
                         f"{type(error).__name__}: {error}",
                         f"put {name}.py beside {path.name}, importable, defining its probe kinds with @register")


def _probes(raws: Any, index: int, problems: _Problems) -> list:
    parsed: list = []
    for number, raw in enumerate(raws if isinstance(raws, list) else []):
        place = ("stages", index, "probes", number)
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


def _check_course(stages: list[tuple[int, Stage]], path: Path, problems: _Problems) -> None:
    seen: dict[str, int] = {}
    for index, stage in stages:
        place = ("stages", index)
        if stage.slug in seen:
            problems.add(place + ("slug",), f"the slug '{stage.slug}' is already used by stage {seen[stage.slug] + 1}",
                         "give each stage its own slug")
        seen.setdefault(stage.slug, index)
        description = path.parent / stage.description
        if not description.is_file():
            problems.add(place + ("description",), f"the description file {stage.description} does not exist",
                         f"create {description}, or point 'description' at an existing file")
        _check_values(stage, place, problems)


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
    known = set(stage.vars) | set(BUILTIN_VALUES) | {name for probe in stage.probes for name in probe.captures()}
    used: list[tuple[tuple, str]] = [(place + ("files", key), key) for key in stage.files]
    used += [(place + ("files", key), value) for key, value in stage.files.items()]
    needs_directory = bool(stage.files)
    for number, probe in enumerate(stage.probes):
        for inner, template in probe.templates():
            used.append((place + ("probes", number) + inner, template))
            needs_directory = needs_directory or "files" in inner
    for where, template in used:
        for name, _ in names(template):
            if name not in known:
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
