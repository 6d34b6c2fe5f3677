"""`tester new-stage SLUG`: scaffold a stage: its manifest entry, its description and a fixture to fill in.

The entry is inserted into the manifest as text, after the last stage of the chosen track (--track; by
default the last track, or the one list of stages), so every comment and every formatting choice in the
file stays as it was; the manifest is loaded again afterwards, and put back if
it does not load. The description and the fixture carry TODO placeholders, which `tester check`
reports until they are written.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from tester.commands import options
from tester.errors import ManifestError, UsageError

NAME = "new-stage"
HELP = ("scaffold a new stage at the end of a track (default: the last one): manifest entry, description file "
        "and a fixture server to fill in")

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

ENTRY = """\
{dash}- slug: {slug}
{keys}title: {title}
{keys}description: {description}
{keys}probes:
{keys}  - kind: exchange
{keys}    requests:
{keys}      - send: {{method: GET, target: /{slug}}}
{keys}        expect: {{status: 200, reason: OK}}
"""

DESCRIPTION = """\
# {title}

TODO: what the learner builds in this stage, and why, in a short paragraph.

## Background

TODO: the protocol background the stage needs, with the RFC sections it rests on.

## What the tester does

The tester connects and sends:

```http
{request}```

and expects:

```http
{response}```

TODO: which values are random, and anything else the probes check.

## Hints

- TODO: the mistakes learners make here, and how to find them.
"""

FIXTURE_SPEC = """\
description: "TODO: the one thing this server gets wrong in stage {number} ({slug})"
fails_at: {slug}
message: "TODO: a fragment of the failure message the stage gives it"
"""

FIXTURE_SCRIPT = """\
#!/usr/bin/env bash
set -e
cd "$(dirname "$0")"
exec python3 -u server.py "$@"
"""

FIXTURE_SERVER = '''\
"""Defect: TODO say what this server gets wrong in stage {number} ({slug}), then make it so.

For now it runs the reference unchanged, so `tester check` reports that it passes the stage. Give it
one defect that the stage exists to catch: import the reference and replace the function that does the
stage's work (the other fixtures show how), or copy the reference here and break it.
"""

import os
import sys
from pathlib import Path

reference = Path(__file__).resolve().parents[1] / "reference" / "your_program.sh"
os.execv(reference, [str(reference), *sys.argv[1:]])
'''


def configure(parser: argparse.ArgumentParser) -> None:
    options.add_course(parser)
    parser.add_argument("slug", metavar="SLUG", help="the new stage's name: lower-case words joined by '-'")
    parser.add_argument("--title", help="its title (default: made from the slug)")
    parser.add_argument("--track", metavar="TRACK", help="the track it ends (default: the last track)")


def execute(arguments: argparse.Namespace, console) -> int:
    from tester import describe
    from tester.commands.learning import find_track
    from tester.lint.layout import FIXTURES
    from tester.manifest.load import load_course

    path = options.find_course(arguments.course)
    course = load_course(path)
    slug = arguments.slug
    if not SLUG.match(slug):
        raise UsageError(f"{slug!r} is not a slug: use lower-case letters and digits, words joined by '-'")
    if slug.isdigit():
        raise UsageError(f"{slug!r} is only digits: 'tester stage {slug}' would take it for a stage number; "
                         "use a word")
    if course.find(slug) is not None:
        raise UsageError(f"the course already has a stage {slug!r} (stage {course.stage_number(course.find(slug))})")
    title = arguments.title or slug.replace("-", " ").capitalize()
    track = course.tracks[-1] if arguments.track is None else find_track(course, arguments.track)
    number = course.stage_number(track.stages[-1]) + 1
    later = course.stages[number - 1:]  # the stages whose numbers the new one moves on by one
    folder = Path(track.stages[-1].description).parent
    description = (folder / f"{number:02d}-{slug}.md").as_posix()
    fixture = course.root / FIXTURES / f"missing-{slug}"
    for taken in (course.root / description, fixture):
        if taken.exists():
            raise UsageError(f"{taken} already exists; move it away or pick another slug")

    original = path.read_text(encoding="utf-8")
    after, line = with_entry(original, slug, title, description, track.slug)
    request, response = describe.shown_exchanges(_scaffold_stage(slug, title, description))[0]
    try:
        (course.root / description).parent.mkdir(parents=True, exist_ok=True)
        (course.root / description).write_text(
            DESCRIPTION.format(title=title, request=request, response=response), encoding="utf-8")
        path.write_text(after, encoding="utf-8")
        load_course(path)
        fixture.mkdir(parents=True)
        (fixture / "fixture.yaml").write_text(FIXTURE_SPEC.format(number=number, slug=slug), encoding="utf-8")
        (fixture / "server.py").write_text(FIXTURE_SERVER.format(number=number, slug=slug), encoding="utf-8")
        script = fixture / "your_program.sh"
        script.write_text(FIXTURE_SCRIPT, encoding="utf-8")
        script.chmod(0o755)
    except (ManifestError, OSError) as error:  # put the course back as it was
        _undo(path, original, course.root / description, fixture)
        if isinstance(error, OSError):
            raise UsageError(f"cannot write {error.filename or path}: {error.strerror or error}; "
                             "the course is as it was") from None
        raise
    _next_steps(console, path, line, number, slug, course.root / description, fixture)
    if later:
        console.print(f"note: stages {number}-{len(course.stages)} ({', '.join(stage.slug for stage in later)}) "
                      f"are now {number + 1}-{len(course.stages) + 1}. Progress is kept by slug, so learners keep "
                      "theirs; file names, texts and scripts that give their numbers need updating.")
    return 0


def _undo(manifest: Path, original: str, description: Path, fixture: Path) -> None:
    import shutil

    try:
        manifest.write_text(original, encoding="utf-8")
    except OSError:
        pass
    description.unlink(missing_ok=True)
    shutil.rmtree(fixture, ignore_errors=True)


def with_entry(text: str, slug: str, title: str, description: str, track: str | None = None) -> tuple[str, int]:
    """The manifest text with a stage entry after the last stage of `track` (or of the top-level list of
    stages, in a manifest without tracks), and the entry's first line (1-based)."""
    from tester.manifest.yaml_lines import compose

    stages = _stages_node(compose(text), track)
    last = stages.value[-1]
    dash = text.splitlines()[last.start_mark.line].index("-")
    lines = text.splitlines(keepends=True)
    end = _last_line(last)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    entry = ENTRY.format(dash=" " * dash, keys=" " * (dash + 2), slug=slug, title=_scalar(title),
                         description=description)
    lines[end + 1:end + 1] = ["\n", entry]
    return "".join(lines), end + 3


def _stages_node(tree, track: str | None):
    """The YAML sequence of stages the entry goes in: track `track`'s (the loader has found it there), or
    the top-level `stages` of a manifest without tracks."""
    def value(mapping, key: str):
        return next((item for name, item in mapping.value if name.value == key), None)

    if track is None or value(tree, "tracks") is None:
        return value(tree, "stages")
    return next(value(item, "stages") for item in value(tree, "tracks").value if value(item, "slug").value == track)


def _last_line(node) -> int:
    """The 0-based line of the last character that belongs to a node (comments after it do not)."""
    if hasattr(node, "value") and isinstance(node.value, list):
        children = [child for pair in node.value for child in (pair if isinstance(pair, tuple) else (pair,))]
        if children and node.flow_style is not True:
            return max(_last_line(child) for child in children)
    mark = node.end_mark
    return mark.line - 1 if mark.column == 0 else mark.line


def _scalar(text: str) -> str:
    """A title as a YAML plain scalar when that is safe, else double-quoted."""
    import json

    plain = re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 ,.()/'-]*", text) and not text.endswith(" ")
    return text if plain else json.dumps(text)


def _scaffold_stage(slug: str, title: str, description: str):
    """The stage the entry text describes, with its probes parsed, for the description's http blocks."""
    import yaml

    from tester import probes
    from tester.manifest.models import Stage

    (data,) = yaml.safe_load(ENTRY.format(dash="", keys="  ", slug=slug, title=_scalar(title),
                                          description=description))
    stage = Stage.model_validate(data)
    return stage.model_copy(update={"probes": [probes.KINDS[raw["kind"]].model_validate(raw)
                                               for raw in stage.probes]})


def _next_steps(console, path: Path, line: int, number: int, slug: str, description: Path, fixture: Path) -> None:
    from tester.lint import shown

    course = "" if shown(path) == "stages.yaml" else f" --course {shown(path)}"
    console.print(f"added stage {number} {slug}:")
    console.print(f"  {shown(path)}:{line}  the manifest entry, with one exchange probe to replace")
    console.print(f"  {shown(description)}  its description, with TODO placeholders")
    console.print(f"  {shown(fixture)}/  a fixture server that must fail it (it runs the reference for now)")
    console.print("next:")
    console.print(f"  1. write the stage's probes in {shown(path)}:{line} (keys: docs/authoring.md)")
    console.print("  2. teach the reference the new behaviour, until this passes:")
    console.print(f"       tester stage {slug}{course} --solution {shown(path.parent / 'fixtures/reference')}")
    console.print(f"  3. give {shown(fixture / 'server.py')} the defect the stage catches, "
                  "and fill in its fixture.yaml")
    console.print(f"  4. replace the TODOs in {shown(description)}; its http blocks must show the probes' requests")
    console.print(f"  5. tester check{course}   (lists whatever is still missing)")
