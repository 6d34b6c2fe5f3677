"""What an instructor watches while a class is graded: done / total, passed / failed, the slowest still
running. On a terminal one line is rewritten in place every second; piped to a file or a CI log, a line
is printed per submission as it lands.
"""

from __future__ import annotations

import threading
import time
from typing import TextIO

from tester.reports.records import graded

TICK = 1.0  # seconds between refreshes of the live line


class Progress:
    def __init__(self, total: int, stream: TextIO, live: bool):
        self.total = total
        self.stream = stream
        self.live = live
        self.done = self.passed = self.failed = self.not_graded = 0
        self.running: dict[str, float] = {}  # id -> time.monotonic() it started
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def __enter__(self) -> Progress:
        if self.live:
            self._ticker = threading.Thread(target=self._tick, name="grade-progress", daemon=True)
            self._ticker.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=2)
            self._write("\r\x1b[2K")

    def started(self, student: str) -> None:
        with self._lock:
            self.running[student] = time.monotonic()

    def finished(self, student: str, record: dict) -> None:
        with self._lock:
            began = self.running.pop(student, None)
            self.done += 1
            verdict = _verdict(record)
            if verdict == "passed":
                self.passed += 1
            elif verdict == "failed":
                self.failed += 1
            else:
                self.not_graded += 1
        if not self.live:
            seconds = f" in {record.get('elapsed', 0):.1f} s" if began is not None else ""
            self._write(f"[{self.done}/{self.total}] {student}: {verdict}{seconds}\n")

    def line(self) -> str:
        with self._lock:
            text = f"graded {self.done}/{self.total}: {self.passed} passed, {self.failed} failed"
            if self.not_graded:
                text += f", {self.not_graded} not graded"
            if self.running:
                student, began = min(self.running.items(), key=lambda item: item[1])
                text += f"; running {len(self.running)}, slowest {student} ({time.monotonic() - began:.0f} s)"
        return text

    def _tick(self) -> None:
        while not self._stop.wait(TICK):
            self._write("\r\x1b[2K" + self.line())

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            pass


def _verdict(record: dict) -> str:
    if not graded(record):
        return record["outcome"]
    return "passed" if (record.get("result") or {}).get("passed") else "failed"
