"""Stage 47 (wsgi-environ): the application answers with what it was given, as JSON.

Each CGI variable PEP 3333 names is reported as the server set it (null when it is missing or empty, as
CONTENT_TYPE and CONTENT_LENGTH may be); the HTTP_ variables come together under "HTTP"; for wsgi.input
and wsgi.errors, which are objects, the methods PEP 3333 asks of them that they have are listed instead.
"""

import json

CGI = ["REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "CONTENT_TYPE", "CONTENT_LENGTH",
       "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL"]
METHODS = {"wsgi.input": ["read", "readline", "readlines", "__iter__"], "wsgi.errors": ["write", "writelines", "flush"]}


def application(environ, start_response):
    report = {name: environ.get(name) or None for name in CGI}
    report["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "")  # "" or left out: the same, for PEP 3333
    report["HTTP"] = {name: value for name, value in environ.items() if name.startswith("HTTP_")}
    for name in ("wsgi.version", "wsgi.url_scheme", "wsgi.multithread", "wsgi.multiprocess", "wsgi.run_once"):
        report[name] = environ.get(name)
    for name, methods in METHODS.items():
        report[name] = [method for method in methods if hasattr(environ.get(name), method)]
    body = json.dumps(report, default=repr).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


# PEP 3333's checker watches the server through every call (see validated.py, beside this file)
from validated import checked  # noqa: E402

application = checked(application)
