"""Stage 48 (wsgi-input): the application reads the request body from wsgi.input in the way the query
asks (?read=N: read(N) until it returns nothing; ?readline: readline() until it returns nothing; ?iterate:
a for loop over the stream) and answers with the length and SHA-256 of what it read.

Each way ends only when wsgi.input says the body is over: a server that hands over the socket itself
makes the application wait for bytes that never come.
"""

import hashlib
import json


def chunks(stream, query):
    if query.startswith("read="):
        size = int(query[len("read="):])
        while True:
            data = stream.read(size)
            if not data:
                return
            yield data
    elif query == "readline":
        while True:
            line = stream.readline()
            if not line:
                return
            yield line
    else:
        yield from stream


def application(environ, start_response):
    digest, length = hashlib.sha256(), 0
    for data in chunks(environ["wsgi.input"], environ.get("QUERY_STRING", "")):
        digest.update(data)
        length += len(data)
    body = json.dumps({"length": length, "sha256": digest.hexdigest()}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


# PEP 3333's checker watches the server through every call (see validated.py, beside this file)
from validated import checked  # noqa: E402

application = checked(application)
