"""Arguments shared by several commands, and the lookups they need (course file, port, solution)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from tester.errors import UsageError
from tester.manifest import cache
from tester.manifest.outline import Outline

if TYPE_CHECKING:
    from tester.manifest.models import Course

DEFAULT_PORT = 4221


def add_course(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--course", type=Path,
                        help="the course manifest (default: $TESTER_COURSE, ./stages.yaml, else the bundled one)")


def add_running(parser: argparse.ArgumentParser) -> None:
    """The options of every command that starts the learner's program."""
    parser.add_argument("--solution", type=Path, default=None,
                        help="folder with your_program.sh (default: this folder if it has one, else solution/)")
    parser.add_argument("--port", type=int, default=None,
                        help=f"port for your server, passed to it as PORT (default $TESTER_PORT, else {DEFAULT_PORT})")
    parser.add_argument("--seed", type=int, help="replay the random values of an earlier run")
    parser.add_argument("--debug", action="store_true", help="show every byte sent and received")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results as JSON to PATH")
    parser.add_argument("--junit", type=Path, metavar="PATH",
                        help="also write the results as JUnit XML to PATH (for CI test reports)")
    parser.add_argument("--tap", type=Path, metavar="PATH", help="also write the results as TAP (version 14) to PATH")
    parser.add_argument("--no-progress", dest="progress", action="store_false",
                        help="neither read nor write the progress file (for CI and read-only checkouts)")
    add_limits(parser)


def add_limits(parser: argparse.ArgumentParser, memory_mb: int | None = None, file_size_mb: int | None = None) -> None:
    """Bounds on the learner's program, for running programs nobody has read (grading a class)."""
    def default(value: int | None) -> str:
        return f" (default {value})" if value else ""

    group = parser.add_argument_group("limits on the program (for grading)")
    group.add_argument("--limit-memory", type=_positive, metavar="MB", default=memory_mb,
                       help="most memory the program may allocate" + default(memory_mb))
    group.add_argument("--limit-processes", type=_positive, metavar="N",
                       help="most processes its user may have (every process and thread of the user counts; not "
                            "enforced for root)")
    group.add_argument("--limit-file-size", type=_positive, metavar="MB", default=file_size_mb,
                       help="largest file it may write" + default(file_size_mb))


def limits(arguments: argparse.Namespace):
    from tester.program import Limits

    chosen = Limits(arguments.limit_memory, arguments.limit_processes, arguments.limit_file_size)
    return chosen if chosen != Limits() else None


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) == 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


def report_paths(arguments: argparse.Namespace) -> list[Path]:
    """The files a run writes its results to (--json, --junit, --tap): `tester watch` ignores them."""
    return [path for path in (arguments.json, arguments.junit, arguments.tap) if path is not None]


def find_course(explicit: Path | None) -> Path:
    if explicit is not None:
        return explicit
    if os.environ.get("TESTER_COURSE"):
        return Path(os.environ["TESTER_COURSE"])
    here = Path("stages.yaml")
    if here.is_file():
        return here
    return Path(__file__).resolve().parent.parent.parent / "stages.yaml"


def course(arguments: argparse.Namespace) -> Course:
    """The validated course, for the commands that run it."""
    return cache.course(find_course(arguments.course))


def outline(arguments: argparse.Namespace) -> Outline:
    """The course's outline, for the commands that only show it."""
    return cache.outline(find_course(arguments.course))


def port(arguments: argparse.Namespace) -> int:
    if arguments.port is not None:
        chosen = arguments.port
    else:
        text = os.environ.get("TESTER_PORT", str(DEFAULT_PORT))
        if not text.strip().isdigit():
            raise UsageError(f"TESTER_PORT={text!r} is not a port number: set it to one (1-65535), or unset it")
        chosen = int(text)
    if not 1 <= chosen <= 65535:
        raise UsageError(f"--port {chosen} is not a TCP port (1-65535)")
    return chosen


def solution(arguments: argparse.Namespace) -> Path:
    folder = arguments.solution
    if folder is None:
        folder = Path(".") if Path("your_program.sh").is_file() else Path("solution")
    if not folder.is_dir():
        raise UsageError(f"the solution folder {folder} does not exist (use --solution DIR)")
    return folder.resolve()
