"""When the parts of a body arrived: the evidence that a server streams what it is given. Pure.

A server that sends each part of a body as soon as it has it lets the client start on the first part
while the rest is being made; one that gathers the parts first makes the client wait for all of them. The
bytes are the same either way: only their arrival times tell the two apart. The connection notes when
each piece came (`Response.arrivals`); this module finds when the body's first bytes were complete,
measured against the body's end.
"""

from __future__ import annotations

from tester.http11 import Response


def raw_end_of_body_prefix(response: Response, count: int) -> int | None:
    """The offset in `response.raw` just after the first `count` bytes of its body (after the chunked
    coding is taken off); None if the body is shorter."""
    if count > len(response.body):
        return None
    if response.framing != "chunked":
        return response.head_length + count
    raw, position, left = response.raw, response.head_length, count
    while True:  # the reader has checked the chunks already: every size line is whole and valid
        line_end = raw.index(b"\r\n", position)
        size = int(raw[position:line_end].split(b";")[0].strip(), 16)
        start = line_end + 2
        if left <= size:
            return start + left
        left -= size
        position = start + size + 2


def arrived_at(response: Response, offset: int) -> float | None:
    """When the byte just before `offset` of `response.raw` arrived; None without arrival times."""
    for end, at in response.arrivals:
        if end >= offset:
            return at
    return None


def lead(response: Response, count: int) -> float | None:
    """Seconds between the arrival of the body's first `count` bytes and that of the response's last byte;
    None where the body is shorter or the times were not recorded."""
    offset = raw_end_of_body_prefix(response, count)
    if offset is None or not response.arrivals:
        return None
    first = arrived_at(response, offset)
    return None if first is None else response.arrivals[-1][1] - first


def timeline(response: Response, limit: int = 12) -> str:
    """The arrivals as lines a learner can read: seconds from the first piece, how many bytes, and which
    body bytes they completed."""
    if not response.arrivals:
        return "no arrival times were recorded"
    start = response.arrivals[0][1]
    lines, before = [], 0
    for end, at in response.arrivals[:limit]:
        lines.append(f"+{at - start:.3f} s  {end - before} bytes (bytes {before} to {end - 1} of the response)")
        before = end
    if len(response.arrivals) > limit:
        lines.append(f"… {len(response.arrivals) - limit} more pieces, the last at "
                     f"+{response.arrivals[-1][1] - start:.3f} s")
    return "\n".join(lines)
