"""JSON patterns: a JSON value in the manifest, with `$` matchers for the parts that may vary.

(Being filled in: validate() checks a pattern's matchers at load time.)"""

from __future__ import annotations

from typing import Any


class JsonPatternError(ValueError):
    """A pattern uses an unknown or malformed matcher."""


def validate(pattern: Any) -> None:
    """Raise JsonPatternError if `pattern` is not a valid JSON pattern."""
