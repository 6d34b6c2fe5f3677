"""PEP 3333's own checker around each application of the course, with its findings written where the
tester reads them.

wsgiref.validate.validator (Python's standard library) wraps an application and asserts, as the server
calls it, that the server keeps its side of PEP 3333: the environ's keys and types, how start_response
is called, what wsgi.input and wsgi.errors offer. (What it finds later, while the server iterates over
the body or forgets to close it, is raised or printed inside the server, out of this wrapper's reach.) Its assertions are raised inside the
server, which would only answer 500, or nothing; so `checked` appends each finding to violations.txt
beside this file, which the stage expects to stay empty, and answers a finding made before the response
began with a 500 whose body is the finding.
"""

import os
import sys
from wsgiref.validate import validator

VIOLATIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "violations.txt")


def checked(application):
    validating = validator(application)

    def application_checked(environ, start_response):
        try:
            return validating(environ, start_response)
        except AssertionError as violation:
            finding = f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}: {violation}"
            with open(VIOLATIONS, "a") as log:
                log.write(finding + "\n")
            # found before anything was sent: the finding is the answer, so the client sees it too
            start_response("500 PEP 3333 Violation", [("Content-Type", "text/plain")], sys.exc_info())
            return [finding.encode("utf-8", "replace")]

    return application_checked
