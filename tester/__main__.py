"""Lets `python -m tester` work where the console script is not on PATH."""

from tester.cli import run

run()
