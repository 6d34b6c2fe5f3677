"""The subcommands of `tester`, one module each.

A command module has NAME, HELP, `configure(parser)` to add its own arguments, and
`execute(arguments, console) -> int` returning the exit status. `COMMANDS` lists them in the order
`tester --help` shows them; adding a command means writing its module and naming it here.
"""

from __future__ import annotations

from tester.commands import (check, grade, hint, listing, new_stage, send, show, stage, status, test, track, tracks,
                             watch)

COMMANDS = [stage, test, status, tracks, track, show, hint, watch, send, listing, check, new_stage, grade]
