"""Stage 51 (wsgi-cleanup): whether the server calls close() on what the application returned.

/item/NAME answers with an iterable whose close() counts itself; /slow/NAME does too, with NAME at once
and more lines a moment later, after the client has gone away. /closed?want=N answers with how many
closes were counted, after waiting up to 1.8 s for N of them (a server may call close() just after the
last byte went out, while the client is already asking).
"""

import json
import threading
import time

closed = 0
lock = threading.Lock()


class Body:
    """The response body, and a close() that a database cursor or an open file would need called."""

    def __init__(self, data, more=0):
        self.data = data
        self.more = more  # lines that follow after a pause

    def __iter__(self):
        yield self.data
        if self.more:
            time.sleep(1.0)  # long enough that the client is surely gone before the next write
            for number in range(self.more):
                yield b"more %d\n" % number

    def close(self):
        global closed
        with lock:
            closed += 1


def application(environ, start_response):
    path, query = environ["PATH_INFO"], environ.get("QUERY_STRING", "")
    if path.startswith("/item/"):
        data = path[len("/item/"):].encode("latin-1")
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(data)))])
        return Body(data)
    if path.startswith("/slow/"):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Body(path[len("/slow/"):].encode("latin-1") + b"\n", more=5)
    want = int(query.partition("=")[2] or 0)
    deadline = time.monotonic() + 1.8
    while closed < want and time.monotonic() < deadline:
        time.sleep(0.01)
    body = json.dumps({"closed": closed}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


# PEP 3333's checker watches the server through every call (see validated.py, beside this file)
from validated import checked  # noqa: E402

application = checked(application)
