"""Where a submission runs: in namespaces of its own, or, where Linux does not allow them, beside the
others on a port of its own.

In its own network namespace every submission listens on 4221, the port the course tells learners, and
no two can reach each other's servers; a PID namespace, whose first process is the tester, ends every
process a submission started (a daemon that left its session too) the moment the tester exits or is
killed. `unshare -r` makes the namespaces without root, where the kernel allows user namespaces. Inside,
the loopback interface starts down: tester.grading.inside brings it up before the tester runs.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys
from typing import Literal

Isolation = Literal["namespace", "port"]
UNSHARE = ["unshare", "--user", "--map-root-user", "--net", "--pid", "--fork", "--mount-proc", "--kill-child"]
TRIAL_TIMEOUT = 10.0


@functools.lru_cache(maxsize=1)
def namespaces_unavailable() -> str | None:
    """Why submissions cannot each have namespaces here, or None when they can (tried once, for real)."""
    if sys.platform != "linux":
        return f"namespaces are a Linux feature, and this is {sys.platform}"
    if shutil.which("unshare") is None:
        return "the unshare command (util-linux) is not installed"
    try:
        trial = subprocess.run([*UNSHARE, sys.executable, "-m", "tester.grading.inside", "--check"],
                               capture_output=True, timeout=TRIAL_TIMEOUT, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"unshare could not be run: {error}"
    if trial.returncode != 0:
        said = (trial.stderr or trial.stdout).decode("utf-8", "replace").strip().splitlines()
        return "unshare failed: " + (said[-1] if said else f"exit code {trial.returncode}") + \
            " (user namespaces may be turned off: sysctl kernel.unprivileged_userns_clone or " \
            "user.max_user_namespaces)"
    return None


def command(isolation: Isolation, tester_arguments: list[str]) -> list[str]:
    """The command line of one unit: the tester, inside namespaces or not."""
    inside = [sys.executable, "-m", "tester.grading.inside"]
    if isolation == "namespace":
        return [*UNSHARE, *inside, "--loopback", "--", *tester_arguments]
    return [*inside, "--", *tester_arguments]
