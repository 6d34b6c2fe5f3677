"""`tester check`: what can be wrong with a course, found before a learner finds it.

The checks run cheapest first: the manifest (the loader's own checks: keys, slugs, description files),
the fixture specs and the descriptions against the probes, then the servers: the reference must pass
every stage (track by track), the starter must fail the first, and every stage must have a fixture that
passes the stages it builds on (its regression) and fails it, so that no stage is a no-op. Each problem
names its file and, where there is one, its line. Where a course keeps its servers is `layout`.
"""

from __future__ import annotations

import os
from pathlib import Path

from tester.errors import ManifestProblem

Problem = ManifestProblem


def shown(path: Path) -> str:
    """A path as the problem lines show it: relative to the working folder when it is below it."""
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def one_line(problem: Problem) -> str:
    where = f"{problem.path}:{problem.line}" if problem.line else problem.path
    return f"{where}: {problem.problem}" + (f" (fix: {problem.fix})" if problem.fix else "")
