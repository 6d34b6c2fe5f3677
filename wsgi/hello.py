"""Stage 46 (wsgi-call): the smallest complete WSGI application.

It greets the last segment of the path, in four pieces that the server must send one after another, under
a status whose reason phrase no server would guess, with a header of its own.
"""


def application(environ, start_response):
    name = environ["PATH_INFO"].rsplit("/", 1)[-1].encode("latin-1")
    parts = [b"Hello", b", ", name, b"!"]
    start_response("200 Very Well", [
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Length", str(sum(len(part) for part in parts))),
        ("X-Parts", str(len(parts))),
    ])
    return parts


# PEP 3333's checker watches the server through every call (see validated.py, beside this file)
from validated import checked  # noqa: E402

application = checked(application)
