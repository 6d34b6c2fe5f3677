"""The `tester` command: parse the command line, load the course, run, report, exit with a status.

Exit status: 0 when every requested stage passed, 1 when one failed, 2 for a usage or manifest error,
130 when interrupted. No Python traceback reaches the learner: an unexpected error is reported as a
bug in the tester, with the traceback only under --debug.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import traceback
from pathlib import Path

from tester import __version__
from tester.console import Console
from tester.errors import ManifestError, TesterError, UsageError
from tester.manifest.load import load_course
from tester.manifest.models import Course
from tester.runner import Options, plan, run

DEFAULT_PORT = 4221


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--course", type=Path, help="the course manifest (default: ./stages.yaml, else the bundled one)")
    running = argparse.ArgumentParser(add_help=False)
    running.add_argument("--solution", type=Path, default=Path("solution"),
                         help="folder with your_program.sh (default: solution/)")
    running.add_argument("--port", type=int, default=None,
                         help=f"port for your server, passed to it as PORT (default {DEFAULT_PORT})")
    running.add_argument("--seed", type=int, help="replay the random values of an earlier run")
    running.add_argument("--debug", action="store_true", help="show every byte sent and received")
    running.add_argument("--json", type=Path, metavar="PATH", help="also write the results as JSON to PATH")
    running.add_argument("--no-color", "--no-colour", dest="no_colour", action="store_true", help="plain output")

    parser = argparse.ArgumentParser(prog="tester", description="Test your HTTP server, stage by stage.")
    parser.add_argument("--version", action="version", version=f"tester {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("list", parents=[common], help="list the stages")
    stage = commands.add_parser("stage", parents=[common, running],
                                help="run stage N, then the earlier stages as regression")
    stage.add_argument("stage", metavar="N", help="stage number or slug")
    stage.add_argument("--only", action="store_true", help="run stage N alone, without the earlier stages")
    commands.add_parser("test", parents=[common, running], help="run every stage in order")
    return parser


def find_course(explicit: Path | None) -> Path:
    if explicit is not None:
        return explicit
    if os.environ.get("TESTER_COURSE"):
        return Path(os.environ["TESTER_COURSE"])
    here = Path("stages.yaml")
    if here.is_file():
        return here
    return Path(__file__).resolve().parent.parent / "stages.yaml"


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    arguments = parser.parse_args(argv)
    if arguments.command is None:
        parser.print_help()
        return 2
    console = Console(colour=False if getattr(arguments, "no_colour", False) else None,
                      debug=getattr(arguments, "debug", False))
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        course = load_course(find_course(arguments.course))
        if arguments.command == "list":
            return _list(course, console)
        return _run(course, arguments, console)
    except ManifestError as error:
        console.error("the course manifest has problems:")
        for problem in error.problems:
            console.print(f"  {problem}")
        return 2
    except UsageError as error:
        console.error(str(error))
        return 2
    except TesterError as error:
        console.error(str(error))
        return 1
    except KeyboardInterrupt:
        console.print()
        console.error("interrupted; your program was stopped")
        return 130
    except Exception as error:  # a bug in the tester itself: say so plainly
        console.error(f"the tester itself failed ({type(error).__name__}: {error}). This is a bug in the "
                      "tester, not in your server; please report it with the command you ran.")
        if console.debug:
            console.print(traceback.format_exc())
        return 2


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _list(course: Course, console: Console) -> int:
    width = len(str(len(course.stages)))
    for number, stage in enumerate(course.stages, start=1):
        console.print(f"{number:>{width}}. {stage.slug:<20} {stage.title}")
    return 0


def _run(course: Course, arguments: argparse.Namespace, console: Console) -> int:
    target = None
    if arguments.command == "stage":
        target = course.find(arguments.stage)
        if target is None:
            raise UsageError(f"there is no stage {arguments.stage!r}; 'tester list' shows the "
                             f"{len(course.stages)} stages (numbers 1-{len(course.stages)} or slugs)")
    seed = arguments.seed if arguments.seed is not None else random.randrange(1, 1_000_000)
    port = arguments.port if arguments.port is not None else int(os.environ.get("TESTER_PORT", DEFAULT_PORT))
    if not 1 <= port <= 65535:
        raise UsageError(f"--port {port} is not a TCP port (1-65535)")
    solution = arguments.solution
    if not solution.is_dir():
        raise UsageError(f"the solution folder {solution} does not exist (use --solution DIR)")
    options = Options(solution=solution.resolve(), port=port, seed=seed, debug=arguments.debug)
    console.seed(seed)
    outcome = run(course, plan(course, target, getattr(arguments, "only", False)), options, console)
    console.summary(outcome)
    if arguments.json:
        try:
            arguments.json.write_text(json.dumps(outcome.as_json(), indent=2) + "\n")
        except OSError as error:
            raise UsageError(f"cannot write {arguments.json}: {error.strerror}") from None
    return 0 if outcome.passed else 1


if __name__ == "__main__":
    sys.exit(main())
