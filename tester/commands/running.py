"""Running stages against the learner's program and reporting: what `tester stage` and `tester test` share."""

from __future__ import annotations

import argparse
import json
import random

from tester.commands import options
from tester.errors import UsageError
from tester.runner import Options, plan, run


def run_stages(arguments: argparse.Namespace, console, stage_name: str | None, only: bool = False) -> int:
    course = options.course(arguments)
    target = None
    if stage_name is not None:
        target = course.find(stage_name)
        if target is None:
            raise UsageError(f"there is no stage {stage_name!r}; 'tester list' shows the "
                             f"{len(course.stages)} stages (numbers 1-{len(course.stages)} or slugs)")
    seed = arguments.seed if arguments.seed is not None else random.randrange(1, 1_000_000)
    chosen = Options(solution=options.solution(arguments), port=options.port(arguments), seed=seed,
                     debug=arguments.debug)
    console.seed(seed)
    outcome = run(course, plan(course, target, only), chosen, console)
    console.summary(outcome)
    if arguments.json:
        try:
            arguments.json.write_text(json.dumps(outcome.as_json(), indent=2) + "\n")
        except OSError as error:
            raise UsageError(f"cannot write {arguments.json}: {error.strerror}") from None
    return 0 if outcome.passed else 1

