"""The one place that writes to the terminal: stage headers, the wire in short or in full, verdicts.

Everything else describes (a StageFailure with its evidence, a Response, a program's output line); the
console decides how it looks. Colour only on a terminal, never with NO_COLOR or --no-color, so output
piped to a file or a CI log is plain text.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from typing import TYPE_CHECKING, TextIO

from tester import visible
from tester.errors import StageFailure
from tester.http11 import Response

if TYPE_CHECKING:
    from tester.request import Outgoing

STYLES = {
    "bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "blue": "34", "magenta": "35", "cyan": "36",
}
_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")


def wants_colour(stream: TextIO, disabled: bool) -> bool:
    if disabled or os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty() and os.environ.get("TERM") != "dumb"


class Console:
    def __init__(self, stream: TextIO | None = None, *, colour: bool | None = None, debug: bool = False):
        self.stream = stream or sys.stdout
        self.colour = wants_colour(self.stream, False) if colour is None else colour
        self.debug = debug
        self._lock = threading.Lock()

    # primitives

    def paint(self, text: str, *styles: str) -> str:
        if not self.colour or not styles:
            return text
        codes = ";".join(STYLES[style] for style in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"

    def print(self, text: str = "") -> None:
        with self._lock:
            try:
                self.stream.write(text + "\n")
                self.stream.flush()
            except BrokenPipeError:  # the reader went away (`tester | head`): finish quietly
                self._discard()

    def _discard(self) -> None:
        if self.stream is sys.stdout:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        else:
            self.stream = open(os.devnull, "w")

    def bytes_block(self, data: bytes, caret: int | None = None, indent: str = "    ", keep: int = 512) -> None:
        for line in visible.lines(data, caret, keep=keep):
            self.print(indent + (self.paint(line.text, "dim") if line.elided else line.text))
            if line.caret_column is not None:
                self.print(indent + " " * line.caret_column + self.paint("^", "red", "bold"))

    # the run

    def seed(self, seed: int) -> None:
        self.print(self.paint(f"seed {seed} (replay this run with --seed {seed})", "dim"))

    def stage_started(self, result) -> None:
        role = " (regression)" if result.regression else ""
        self.print()
        self.print(self.paint(f"stage {result.number} {result.stage.slug}: {result.stage.title}{role}", "bold"))

    def probe_started(self, probe) -> None:
        if self.debug and probe.summary:
            self.print(self.paint(f"  probe {probe.kind}: {probe.summary}", "dim"))

    def program_output(self, line: str) -> None:
        self.print(self.paint("  [your_program] ", "magenta") + line)

    def event(self, label: str, event: str, payload: object) -> None:
        tag = f"[{label.replace('connection ', '')}] " if label else ""
        if event == "send":
            payload: Outgoing  # request.Outgoing is imported only where a stage runs
            pieces = f" (in {payload.pieces} pieces)" if payload.pieces > 1 else ""
            self.print(f"  {self.paint('→', 'cyan')} {tag}{payload.summary}{pieces}")
            self.print(self.paint(f"    $ {payload.curl}", "dim"))
            if self.debug:
                self.bytes_block(payload.data, indent="      ", keep=len(payload.data))  # --debug: every byte
        elif event == "receive":
            assert isinstance(payload, Response)
            self.print(f"  {self.paint('←', 'cyan')} {tag}{payload.status_line}{_describe_body(payload)}")
            if self.debug:
                self.bytes_block(payload.raw, indent="      ", keep=len(payload.raw))
        else:
            self.print(self.paint(f"  · {tag}{payload}", "dim"))

    def stage_finished(self, result) -> None:
        seconds = f"{result.duration:.2f} s"
        if result.status == "passed":
            self.print(self.paint(f"✓ stage {result.number} {result.stage.slug} passed", "green") + f" ({seconds})")
            for warning in result.warnings:
                self.warning(warning)
            return
        assert result.failure is not None
        self.failure(result.number, result.stage.slug, result.failure)

    def failure(self, number: int, slug: str, failure: StageFailure) -> None:
        self.verdict(f"stage {number} {slug} failed", failure)

    def verdict(self, title: str, failure: StageFailure) -> None:
        """One failure on one screen: what went wrong, the curl command, the bytes, expectation and hint."""
        self.print(self.paint(f"✗ {title}: ", "red", "bold") + failure.message)
        if failure.curl:
            self.print(f"  {self.paint('reproduce:', 'bold')} {failure.curl}")
        for evidence in failure.evidence:
            self.print(f"  {self.paint(evidence.label + ':', 'bold')}")
            if evidence.text:
                for line in evidence.data.decode("utf-8", "replace").splitlines():
                    self.print("    " + line)
            else:
                self.bytes_block(evidence.data, evidence.caret)
        if failure.expected:
            self.print(f"  {self.paint('expected:', 'bold')} {failure.expected}")
        if failure.hint:
            self.print(f"  {self.paint('hint:', 'yellow', 'bold')} {failure.hint}")

    def warning(self, warning: StageFailure) -> None:
        """A `should` mismatch in two lines, what and hint (the rule it cites ends the first); `may` ones
        only with --debug."""
        if warning.level != "should" and not self.debug:
            return
        self.print(self.paint(f"  ⚠ {warning.level}: ", "yellow", "bold") + warning.message)
        if warning.hint:
            self.print(f"    {self.paint('hint:', 'yellow')} {warning.hint}")

    def summary(self, run, upcoming: tuple[int, str] | None | bool = False) -> None:
        """The run's totals and the one next command; `upcoming` is the learner's current stage after it,
        None once the whole course has passed, False when it is not known."""
        passed = sum(result.status == "passed" for result in run.results)
        failed = [result for result in run.results if result.status == "failed"]
        skipped = sum(result.status == "not-run" for result in run.results)
        self.print()
        if failed:
            stage = failed[0]
            tail = f", {skipped} not run" if skipped else ""
            self.print(self.paint(f"{passed} passed, 1 failed{tail}.", "red", "bold")
                       + f" Fix stage {stage.number} ({stage.stage.slug}), then run: tester stage {stage.number}"
                       + f"   (same values: --seed {run.seed})")
            return
        should = sum(warning.level == "should" for result in run.results for warning in result.warnings)
        noted = f" {should} warning{'s' if should != 1 else ''} (should-level checks, shown above)." if should else ""
        self.print(self.paint(f"{passed} passed, 0 failed.", "green", "bold") + noted)
        ran = {result.number for result in run.results}
        if upcoming is None:
            self.print("You have passed every stage of the course.")
        elif upcoming and upcoming[0] not in ran:
            number, slug = upcoming
            self.print(f"Next: stage {number} ({slug}). Read it with 'tester show', then build it and run 'tester'.")

    def error(self, text: str) -> None:
        self.print(self.paint("error: ", "red", "bold") + text)

    def note(self, text: str) -> None:
        self.print(self.paint(text, "dim"))

    # stage descriptions (tester show, tester hint)

    def description(self, lines) -> None:
        """A description's lines (tester.markdown.Line) for the terminal; code blocks indented, and the
        head lines of http blocks with the \\r\\n that ends them on the wire."""
        for line in lines:
            if line.kind == "title":
                self.print(self.paint(line.text, "bold", "cyan"))
                self.print(self.paint("=" * len(line.text), "cyan"))
            elif line.kind == "heading":
                self.print(self.paint(line.text, "bold", "yellow"))
            elif line.kind == "fence":
                continue
            elif line.kind == "wire":
                self.print("    " + line.text + self.paint("\\r\\n", "dim"))
            elif line.kind == "code":
                self.print("    " + line.text)
            else:
                self.print(self.inline(line.text))

    def inline(self, text: str) -> str:
        """Markdown `code` and **bold** inside running text: painted on a terminal, else left readable."""
        if self.colour:
            text = _CODE.sub(lambda match: self.paint(match.group(1), "cyan"), text)
            return _BOLD.sub(lambda match: self.paint(match.group(1), "bold"), text)
        return _BOLD.sub(r"\1", text)


def _describe_body(response: Response) -> str:
    parts = []
    content_type = response.header("content-type")
    if content_type:
        parts.append(content_type.value)
    encoding = response.header("content-encoding")
    if encoding:
        parts.append(encoding.value)
    if response.body:
        parts.append(f"{len(response.body)}-byte body")
    return f"  ({', '.join(parts)})" if parts else ""
