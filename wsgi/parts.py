"""Stage 49 (wsgi-framing): a body in parts, and no Content-Length: the server has to frame it itself.

The application does not know its body's length when it starts answering (a page rendered as it goes, a
file read in blocks), so it gives none, and returns its parts one by one, an empty one among them.
"""


def application(environ, start_response):
    name = environ["PATH_INFO"].rsplit("/", 1)[-1].encode("latin-1")
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"first ", b"", b"second ", name]


# PEP 3333's checker watches the server through every call (see validated.py, beside this file)
from validated import checked  # noqa: E402

application = checked(application)
