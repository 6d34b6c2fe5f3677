"""A crash report in the learner's output: which runtime printed it and the one line that names the error.

When a handler dies, the verdict the tester sees ("closed the connection without a response") is only the
symptom; the cause is what the program printed, in whatever language it is written. Each runtime has its
own report: a Python traceback ends with `KeyError: 'host'`, a Rust panic puts its message under
`thread '...' panicked at src/main.rs:12:5:`, Go prints `panic: ...` over `goroutine N [running]:`,
Node.js an `Error: ...` line over `    at ...` frames, the JVM `Exception in thread "x" java.lang.Foo` over
`\\tat ...` frames. Each is recognised by its error line together with the lines that only that runtime
prints around it, so a log line that merely says "panic" or "Error" is not a crash.

Pure: lines in, a description out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence


@dataclass(frozen=True)
class Crash:
    runtime: str  # "Python", "Rust", "Go", "Node.js", "Deno", "Java" or "Kotlin"
    error: str  # the line that names the error, as printed; "" when the report stops before it
    where: str = ""  # file:line where it happened, in the program's own code when the report tells
    stack: str = ""  # where the report's call stack is, seen from the error line: "above", "under" or ""
    start: int = 0  # index of the report's first line in the lines it was found in

    @property
    def peer_left(self) -> bool:
        """The error is the other end having closed the connection: what follows a verdict, not its cause."""
        return bool(_PEER_LEFT.search(self.error))


_PEER_LEFT = re.compile(r"BrokenPipe|ConnectionReset|ConnectionAborted|EPIPE|ECONNRESET|ECONNABORTED"
                        r"|[Bb]roken pipe|[Cc]onnection reset|[Cc]onnection aborted")


def find(lines: Sequence[str]) -> Crash | None:
    """The last crash report in `lines` (oldest first), or None if there is none."""
    plain = [_ANSI.sub("", line) for line in lines]
    found = None
    for index in range(len(plain)):
        for recognise in _RECOGNISERS:
            crash = recognise(plain, index)
            if crash is not None:
                found = crash
                break
    return found


_ANSI = re.compile(r"\x1b\[[0-9;]*m")

# Python

_PY_START = re.compile(r"Traceback \(most recent call last\):\s*$")
_PY_FRAME = re.compile(r'\s+File "(?P<path>[^"]+)", line (?P<line>\d+)')
_PY_LIBRARY = re.compile(r"/lib/python[\d.]*/|site-packages|dist-packages|^<")


def _python(lines: Sequence[str], index: int) -> Crash | None:
    if not _PY_START.search(lines[index]):
        return None
    if index > 0 and "Exception ignored in" in lines[index - 1]:  # not always at the start: a write without "\n"
        return None  # raised in a __del__ or a callback: Python printed it and went on, nothing crashed
    frames = []
    error = ""
    for line in lines[index + 1:]:
        if not line[:1].isspace():  # the frames are indented; the error line is not
            error = line.strip()
            break
        frame = _PY_FRAME.match(line)
        if frame:
            frames.append((frame["path"], frame["line"]))
    own = [frame for frame in frames if not _PY_LIBRARY.search(frame[0])] or frames
    where = f"{own[-1][0]}:{own[-1][1]}" if own else ""
    return Crash("Python", error, where, "above", index)


# Rust: since 1.73 the message is on its own line under the location; before, inside quotes on the same line

_RUST_PANIC = re.compile(r"thread '[^']*'(?: \(\d+\))? panicked at (?P<where>\S+?:\d+:\d+):$")
_RUST_OLD_PANIC = re.compile(r"thread '[^']*' panicked at '(?P<error>.*)', (?P<where>\S+?:\d+:\d+)$")


def _rust(lines: Sequence[str], index: int) -> Crash | None:
    match = _RUST_PANIC.match(lines[index])
    if match:
        error = lines[index + 1].strip() if index + 1 < len(lines) else ""
        rest = lines[index + 2:index + 4]
    else:
        match = _RUST_OLD_PANIC.match(lines[index])
        if not match:
            return None
        error = match["error"]
        rest = lines[index + 1:index + 3]
    stack = "under" if any(line.startswith("stack backtrace:") for line in rest) else ""
    return Crash("Rust", error, match["where"], stack, index)


# Go: a panic or fatal error is only one if a goroutine's stack follows within a few lines

_GO_START = re.compile(r"(?:panic|fatal error): (?P<error>.+)$|.*http: panic serving \S+: (?P<served>.+)$")
_GO_REPANIC = re.compile(r"\tpanic: (?P<error>.+)$")
_GO_GOROUTINE = re.compile(r"goroutine \d+ \[[^\]]*\]:$")
_GO_FILE = re.compile(r"\t(?P<where>\S+\.go:\d+)(?: \+0x[0-9a-f]+)?$")
GO_GAP = 6  # lines a panic's message and signal line may take before the goroutine line


def _go(lines: Sequence[str], index: int) -> Crash | None:
    match = _GO_START.match(lines[index])
    if not match:
        return None
    error = match["error"] or match["served"]
    for offset, line in enumerate(lines[index + 1:index + 1 + GO_GAP], start=index + 1):
        repanic = _GO_REPANIC.match(line)
        if repanic:  # panicking while panicking: the newest panic is the one that ended the program
            error = repanic["error"]
        if _GO_GOROUTINE.match(line):
            error = error.removesuffix(" [recovered]")
            return Crash("Go", error, _go_where(lines[offset + 1:]), "under", index)
    return None


def _go_where(frames: Sequence[str]) -> str:
    """The file:line of the first frame in package main, else of the first one not in the runtime."""
    calls = []
    for function, file in zip(frames, frames[1:]):
        located = _GO_FILE.match(file)
        if located and not function.startswith("\t"):
            calls.append((function, located["where"]))
    for function, where in calls:
        if function.startswith("main."):
            return where
    for function, where in calls:
        if not function.startswith(("runtime.", "panic(", "created by ")):
            return where
    return ""


# JavaScript: an error line over frames indented with spaces ("    at ..."); a thrown value that is not an
# Error has no frames, only node's advice to rerun with --trace-uncaught under it

_JS_ERROR = re.compile(r"(?P<prefix>error: )?(?:Uncaught (?:\(in promise\) )?)?"
                       r"(?P<error>[A-Za-z_$][\w$.]*(?: \[[\w-]+\])?(?::.*)?)$")
_JS_NAMED = re.compile(r"[\w$.]*(?:Error|Exception|Rejection)\b")
_JS_FRAME = re.compile(r" {4,}at (?P<frame>\S.*)$")
_JS_UNCAUGHT = re.compile(r"(?:error: )?Uncaught (?:\(in promise\) )?"
                          r"(?P<error>[A-Z][\w$]*(?:Error|Exception)(?::.*)?)$")
_JS_TRACE_UNCAUGHT = "(Use `node --trace-uncaught ...` to show where the exception was thrown)"
JS_MESSAGE_LINES = 6  # a multi-line message may stand between the error's name and its frames


def _javascript(lines: Sequence[str], index: int) -> Crash | None:
    line = lines[index]
    if _JS_FRAME.match(line) and (index == 0 or not _JS_FRAME.match(lines[index - 1])):
        return _javascript_stack(lines, index)
    if line.strip() == _JS_TRACE_UNCAUGHT:
        thrown = next((lines[at] for at in range(index - 1, -1, -1) if lines[at].strip()), "")
        return Crash("Node.js", thrown.strip(), "", "", max(index - 1, 0))
    match = _JS_UNCAUGHT.match(line)
    if match and not (index + 1 < len(lines) and _JS_FRAME.match(lines[index + 1])):
        return Crash("Deno" if line.startswith("error: ") else "Node.js", match["error"], "", "", index)
    return None


def _javascript_stack(lines: Sequence[str], first_frame: int) -> Crash | None:
    """The error a run of "    at" frames belongs to: the line right above them, or the nearest named error
    line above a multi-line message."""
    for at in range(first_frame - 1, max(first_frame - 1 - JS_MESSAGE_LINES, -1), -1):
        line = lines[at]
        if _JS_FRAME.match(line) or line[:1].isspace():
            return None  # another report's frames, or indented text (Python code that reads "at ...")
        match = _JS_ERROR.match(line)
        if match and match["error"].split(":")[0] == "Trace":
            return None  # console.trace(): a stack printed on purpose
        if match and (at == first_frame - 1 or _JS_NAMED.match(match["error"])):
            runtime = "Deno" if match["prefix"] else "Node.js"
            return Crash(runtime, match["error"], _javascript_where(lines[first_frame:]), "under", at)
    return None


def _javascript_where(frames: Sequence[str]) -> str:
    for line in frames:
        match = _JS_FRAME.match(line)
        if not match:
            break
        frame = match["frame"].removesuffix(" {")  # an error with extra properties lists them after its frames
        place = frame[frame.rfind("(") + 1:-1] if frame.endswith(")") else frame
        if not place.startswith(("node:", "internal/", "native")):
            return place
    return ""


# the JVM (Java, Kotlin): uncaught in a thread, or printed by printStackTrace(), over "\tat" frames

_JVM_UNCAUGHT = re.compile(r'Exception in thread "[^"]*" (?P<error>\S.*)$')
_JVM_PRINTED = re.compile(r"(?P<error>[A-Za-z_$][\w$.]*(?::.*)?)$")
_JVM_FRAME = re.compile(r"\tat (?:[\w.$-]*/)*(?P<method>[\w$.<>]+)\((?P<file>[^)]*)\)$")
_JVM_LIBRARY = ("java.", "javax.", "jdk.", "sun.", "com.sun.", "kotlin.", "kotlinx.", "scala.")


def _jvm(lines: Sequence[str], index: int) -> Crash | None:
    match = _JVM_UNCAUGHT.match(lines[index])
    if not match:
        match = _JVM_PRINTED.match(lines[index])
        if not match or index + 1 >= len(lines) or not _JVM_FRAME.match(lines[index + 1]):
            return None
    where = ""
    kotlin = False
    for line in lines[index + 1:]:
        frame = _JVM_FRAME.match(line)
        if not frame:
            if line.startswith(("\t", "Caused by: ")):
                continue
            break
        kotlin = kotlin or ".kt:" in frame["file"]
        if not where and ":" in frame["file"] and not frame["method"].startswith(_JVM_LIBRARY):
            where = frame["file"]
    return Crash("Kotlin" if kotlin else "Java", match["error"], where, "under", index)


_RECOGNISERS: list[Callable[[Sequence[str], int], Crash | None]] = [_python, _rust, _go, _javascript, _jvm]
