"""Golden output: the tester's whole plain-text output for a few runs, compared line for line.

The other tests check verdicts; these catch every unintended change to what the learner reads. Each
case runs the tester in-process with seed 1 and compares its output, normalized, with
tests/golden/<case>.txt: a full pass, a parse failure (bare \\n line ends), a concurrency failure (a
serial server) and a hostile server (one that never answers).

After an intended change to the output, re-record every golden file with:

    python3 -m pytest tests/test_golden.py --record-golden

then read `git diff tests/golden` before committing it.
"""

from __future__ import annotations

import difflib
import re
import tempfile
from pathlib import Path

import pytest

from conftest import FIXTURES, REFERENCE, ROOT

GOLDEN = Path(__file__).resolve().parent / "golden"

# case -> (solution, the exit status the run must have)
CASES = {
    "pass-reference": (REFERENCE, 0),
    "parse-bare-lf": (FIXTURES / "bare-lf", 1),
    "concurrency-serial": (FIXTURES / "serial", 1),
    "hostile-silent": (FIXTURES / "hostile-silent", 1),
}

STAGE_HEADER = re.compile(r"^stage \d+ \S+: ")
PROGRAM_LINE = "  [your_program] "
BURST_NOTE = "requests sent but for their last byte"


def normalize(output: str, port: int, root: Path = ROOT, temp: str = tempfile.gettempdir()) -> str:
    """The output with what changes between identical runs replaced by placeholders.

    The port, stage durations, measured windows and a restart's stop time, the seed, temporary folders and the repository's absolute path become
    <PORT>, <T>, <SEED>, <TMP> and <ROOT>. The program's output is relayed by a thread, so where its
    lines fall among the tester's own lines is a race: each stage's program lines move, in their own
    order, to just after the stage's first line. After a burst, body sizes and captured numbers are <N>.
    """
    text = re.sub(rf"(?<!\d){port}(?!\d)", "<PORT>", output)
    text = re.sub(r"\(\d+(\.\d+)? s\)", "(<T> s)", text)
    text = re.sub(r"of a core over \d+\.\d+ s", "of a core over <T> s", text)  # a measured window
    text = re.sub(r"(ended by SIG[A-Z]+|exited with code -?\d+) after \d+\.\d+ s", r"\1 after <T> s", text)
    text = re.sub(r"\bseed \d+", "seed <SEED>", text)
    text = re.sub(rf"{re.escape(temp.rstrip('/'))}/[^/\s'\"]+", "<TMP>", text)
    text = text.replace(str(root), "<ROOT>")
    return "\n".join(_burst_values_masked(_program_lines_first(text.split("\n"))))


def _burst_values_masked(lines: list[str]) -> list[str]:
    """In a stage with a burst, which request the server takes first is a race, so which id each
    connection is given, and so its body's size, differ between identical runs: both become <N>."""
    result: list[str] = []
    in_burst = False
    for line in lines:
        if STAGE_HEADER.match(line):
            in_burst = False
        in_burst = in_burst or BURST_NOTE in line
        if in_burst:
            line = re.sub(r"\d+-byte body", "<N>-byte body", line)
            line = re.sub(r"(captured \{\w+\} = )'\d+'", r"\1'<N>'", line)
        result.append(line)
    return result


def _program_lines_first(lines: list[str]) -> list[str]:
    result: list[str] = []
    header_at = None  # index in result of the current stage's first line
    for line in lines:
        if STAGE_HEADER.match(line):
            header_at = len(result)
            result.append(line)
            inserted = 0
        elif line.startswith(PROGRAM_LINE) and header_at is not None:
            inserted += 1
            result.insert(header_at + inserted, line)
        else:
            result.append(line)
    return result


@pytest.mark.parametrize("case", CASES)
def test_output_matches_golden(case, tester, request):
    solution, code = CASES[case]
    run = tester("test", solution=solution)
    assert run.code == code, run.output
    text = normalize(run.output, run.port)
    path = GOLDEN / f"{case}.txt"
    if request.config.getoption("--record-golden"):
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text)
        return
    assert path.is_file(), f"{path} is missing: record it with python3 -m pytest tests/test_golden.py --record-golden"
    expected = path.read_text()
    if text != expected:
        diff = difflib.unified_diff(expected.splitlines(), text.splitlines(), str(path.relative_to(ROOT)),
                                    "this run", lineterm="")
        pytest.fail("the output differs from the golden file; if the change is intended, re-record with "
                    "python3 -m pytest tests/test_golden.py --record-golden\n" + "\n".join(diff), pytrace=False)


def test_normalize_replaces_port_seed_durations_temp_and_root():
    output = ("seed 4242 (replay this run with --seed 4242)\n"
              "✓ stage 1 bind passed (0.12 s)\n"
              "    $ curl -i http://localhost:50123/files/x --data-binary @/tmp/tester-files-post-ab_3x/body.bin\n"
              "  port 501234 and 150123 are other numbers; 50123 alone is the port\n"
              "  File \"/work/repo/fixtures/crash/server.py\", line 2\n"
              "✗ stage 6 concurrency failed: no response within 1 s (2 s)")
    assert normalize(output, 50123, Path("/work/repo"), "/tmp").split("\n") == [
        "seed <SEED> (replay this run with --seed <SEED>)",
        "✓ stage 1 bind passed (<T> s)",
        "    $ curl -i http://localhost:<PORT>/files/x --data-binary @<TMP>/body.bin",
        "  port 501234 and 150123 are other numbers; <PORT> alone is the port",
        "  File \"<ROOT>/fixtures/crash/server.py\", line 2",
        "✗ stage 6 concurrency failed: no response within 1 s (<T> s)",
    ]


def test_normalize_moves_program_lines_to_the_top_of_their_stage_in_order():
    first = ["stage 2 echo: Respond", "  → [#1] GET /", "  [your_program] one", "  ← [#1] HTTP/1.1 200 OK",
             "  [your_program] two", "✓ stage 2 echo passed (<T> s)", "",
             "stage 3 files: Files", "  [your_program] three", "✗ stage 3 files failed: x"]
    second = ["stage 2 echo: Respond", "  [your_program] one", "  → [#1] GET /", "  [your_program] two",
              "  ← [#1] HTTP/1.1 200 OK", "✓ stage 2 echo passed (<T> s)", "",
              "stage 3 files: Files", "✗ stage 3 files failed: x", "  [your_program] three"]
    expected = ["stage 2 echo: Respond", "  [your_program] one", "  [your_program] two", "  → [#1] GET /",
                "  ← [#1] HTTP/1.1 200 OK", "✓ stage 2 echo passed (<T> s)", "",
                "stage 3 files: Files", "  [your_program] three", "✗ stage 3 files failed: x"]
    assert normalize("\n".join(first), 50000).split("\n") == expected
    assert normalize("\n".join(second), 50000).split("\n") == expected


def test_normalize_leaves_program_lines_before_any_stage_alone():
    output = "  [your_program] early\nseed 1 (replay)\n"
    assert normalize(output, 50000) == "  [your_program] early\nseed <SEED> (replay)\n"
