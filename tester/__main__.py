"""Lets `python -m tester` work where the console script is not on PATH."""

import sys

from tester.cli import main

sys.exit(main())
