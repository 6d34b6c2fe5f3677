"""nginx as a second reference for the static-site track: a real server by other authors, serving the stage's
folder under /files/ (fixtures/nginx/your_program.sh writes its configuration), run on each stage with
--only. Where nginx and a stage disagree, the RFC decides who is right; the verdicts are pinned here, each
failure with the rule nginx breaks, so that a change on either side shows.

Skipped, with the reason, where nginx is not installed (.ci/run installs it).
"""

from __future__ import annotations

import shutil

import pytest

from aftermath import assert_clean
from conftest import COURSE, FIXTURES
from tester.manifest.load import load_course

NGINX = FIXTURES / "nginx"

# stage -> None when nginx passes it, else (words of the failure, the rule nginx breaks)
VERDICTS = {
    "static-types": None,  # with a should-level warning: application/javascript, obsolete since RFC 9239
    "static-head": None,
    "static-index": None,
    "static-names": None,
    "static-escape": None,  # with disable_symlinks on: nginx follows a link out of the folder by default
    "static-methods": ("the response has no Allow header", "RFC 9110 §15.5.6: a 405 MUST carry Allow"),
    "static-large": None,
    "static-cache": None,
    "static-ranges": None,
}

pytestmark = pytest.mark.skipif(shutil.which("nginx") is None,
                                reason="nginx is not installed here (.ci/run installs it with apt-get)")


def test_every_stage_of_the_track_has_a_verdict():
    course = load_course(COURSE)
    assert [stage.slug for stage in course.find_track("static").stages] == list(VERDICTS)


@pytest.mark.parametrize("slug", list(VERDICTS))
def test_nginx_verdict(tester, slug):
    run = tester("stage", slug, "--only", solution=NGINX)
    assert_clean(run, NGINX)
    expected = VERDICTS[slug]
    if expected is None:
        assert run.code == 0, run.output
        return
    words, _rule = expected
    assert run.code == 1 and run.failed is not None and run.failed["slug"] == slug, run.output
    assert words in run.failed["message"], run.failed["message"]


def test_nginx_is_warned_about_the_obsolete_javascript_type(tester):
    run = tester("stage", "static-types", "--only", solution=NGINX)
    assert "Content-Type is 'application/javascript'" in run.output and "(RFC 9239 §6)" in run.output
