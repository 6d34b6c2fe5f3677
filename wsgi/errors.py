"""Stage 52 (wsgi-errors): applications that fail.

/boom raises before it has called start_response: the server answers 500 and goes on serving. /late
calls start_response, fails while making its body, and calls start_response again with exc_info, as
PEP 3333 lets it before any of the body has been sent: the second status is the one to send. /log?note=X
writes a line about X to wsgi.errors, which must show in the server's output.
"""

import sys


def application(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/boom":
        raise RuntimeError("the application fell over before answering")
    if path == "/late":
        start_response("200 OK", [("Content-Type", "text/plain")])
        try:
            raise ValueError("the body could not be made")
        except ValueError:
            print("errors.py: the body could not be made", file=environ["wsgi.errors"])
            start_response("500 Could Not Make It", [("Content-Type", "text/plain"), ("Content-Length", "5")],
                           sys.exc_info())
            return [b"sorry"]
    if path == "/log":
        note = environ.get("QUERY_STRING", "").partition("=")[2]
        environ["wsgi.errors"].write(f"errors.py was asked to log {note}\n")
        environ["wsgi.errors"].flush()
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "6")])
        return [b"logged"]
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "4")])
    return [b"fine"]


# PEP 3333's checker watches the server through every call (see validated.py, beside this file)
from validated import checked  # noqa: E402

application = checked(application)
