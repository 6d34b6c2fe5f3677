"""Stage 50 (wsgi-streaming): a body made slowly, part by part, to be sent part by part.

/stream/NAME gives its first line at once and its last one second later, as a report rendered row by
row or a file read from a slow disk would. A server that sends each part as it comes lets the client
read the first line a second before the last; one that gathers the parts first makes it wait for both.
"""

import time

PAUSE = 1.0  # seconds between the two parts


def application(environ, start_response):
    name = environ["PATH_INFO"].rsplit("/", 1)[-1].encode("latin-1")
    start_response("200 OK", [("Content-Type", "text/plain")])
    return slowly(name)


def slowly(name):
    yield b"first " + name + b"\n"
    time.sleep(PAUSE)
    yield b"last\n"


# PEP 3333's checker watches the server through every call (see validated.py, beside this file)
from validated import checked  # noqa: E402

application = checked(application)
