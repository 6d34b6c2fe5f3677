"""The `tester` command: parse the command line, load the course, run, report, exit with a status.

Exit status: 0 when every requested stage passed, 1 when one failed, 2 for a usage or manifest error,
130 when interrupted. No Python traceback reaches the learner: an unexpected error is reported as a
bug in the tester, with the traceback only under --debug.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import traceback
from typing import NoReturn

from tester import __version__
from tester.commands import COMMANDS
from tester.console import Console
from tester.errors import ManifestError, TesterError, UsageError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tester", description="Test your HTTP server, stage by stage. "
                                     "Plain `tester` (options allowed) is `tester stage`: your current stage.")
    parser.add_argument("--version", action="version", version=f"tester {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        sub = subparsers.add_parser(command.NAME, help=command.HELP, description=command.HELP)
        sub.add_argument("--no-color", "--no-colour", dest="no_colour", action="store_true", help="plain output")
        command.configure(sub)
        sub.set_defaults(execute=command.execute)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    arguments = parser.parse_args(_with_command(sys.argv[1:] if argv is None else argv))
    console = Console(colour=False if arguments.no_colour else None, debug=getattr(arguments, "debug", False))
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return arguments.execute(arguments, console)
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
        console.error("interrupted; every program the tester started has been stopped")
        return 130
    except Exception as error:  # a bug in the tester itself: say so plainly
        console.error(f"the tester itself failed ({type(error).__name__}: {error}). This is a bug in the "
                      "tester, not in your server; please report it with the command you ran.")
        if console.debug:
            console.print(traceback.format_exc())
        return 2


def run() -> None:
    """The `tester` command: main(), then finish()."""
    finish(main())


def finish(code: int) -> NoReturn:
    """Exit without the interpreter's teardown (tens of ms with pydantic loaded): by now everything the tester
    wrote is closed and every program it started stopped. Not while a worker thread is still busy (a second
    Ctrl-C during `tester check`): the ordinary exit waits for it, and it stops its program on the way out."""
    if any(thread.is_alive() and not thread.daemon for thread in threading.enumerate()
           if thread is not threading.main_thread()):
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe (tester | head): nothing more can be said
        pass
    os._exit(code)


def _with_command(argv: list[str]) -> list[str]:
    """Plain `tester` (options allowed) means `tester stage`: the learner's current stage."""
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        return ["stage", *argv]
    return argv


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    run()
