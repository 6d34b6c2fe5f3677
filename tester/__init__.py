"""A staged tester for "build your own HTTP server": it reads a course manifest, runs a learner's server
and judges it by the exact bytes it sends back."""

__version__ = "0.1.0"
