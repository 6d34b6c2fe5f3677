"""The exceptions the tester raises, one tree so the command line can turn each into a message.

TesterError
├── UsageError      the command line asks for something that does not exist (exit 2)
├── ManifestError   the course files are wrong: names the file, line and fix (exit 2)
└── StageFailure    the learner's server did something wrong: a verdict, not a crash (exit 1)

ValueWithFix (a ValueError, so pydantic reports it at the value's own place) is what the manifest's pure
checkers raise for one wrong value (a template, a JSON pattern, a file path); the loader turns it into a
ManifestError line with its fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class TesterError(Exception):
    """Base of every error the tester reports as a message rather than a traceback."""


class ValueWithFix(ValueError):
    """One value of the manifest is wrong; `fix` says what to write instead."""

    def __init__(self, problem: str, fix: str = ""):
        super().__init__(problem)
        self.fix = fix


class UsageError(TesterError):
    pass


@dataclass(frozen=True)
class ManifestProblem:
    path: str
    line: int | None
    problem: str
    fix: str = ""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.problem}" + (f"\n    fix: {self.fix}" if self.fix else "")


class ManifestError(TesterError):
    """The course files are wrong; every problem found names its file and line, and how to fix it."""

    def __init__(self, problems: list[ManifestProblem]):
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass
class Evidence:
    """Bytes to show beside a failure, with an optional caret at the first wrong byte."""

    label: str
    data: bytes
    caret: int | None = None
    text: bool = False  # plain lines (a program's output), not bytes to escape

    def __post_init__(self) -> None:
        self.data = bytes(self.data)  # a snapshot: a response reader's buffer is a bytearray that grows


@dataclass
class StageFailure(TesterError):
    """A check failed. Everything the learner needs to see it and fix it travels with it."""

    message: str
    expected: str = ""
    hint: str = ""
    evidence: list[Evidence] = field(default_factory=list)
    curl: str = ""
    connection_lost: bool = False  # refused, reset or closed: the program may be dying, worth a look
    files: dict[str, bytes] = field(default_factory=dict)  # read by `curl`, by the name it uses; the runner writes them
    level: str = "must"  # of the check that failed: "should" and "may" mismatches are warnings, not verdicts
    rfc: str = ""  # the rule the check cites, e.g. "RFC 9112 §3.2" (already at the end of the message)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message
