"""Body contents: byte strings a body must contain, or must not."""

from __future__ import annotations


def first_missing(body: bytes, wanted: list[bytes]) -> bytes | None:
    """The first of `wanted` that the body does not contain."""
    return next((item for item in wanted if item not in body), None)


def first_forbidden(body: bytes, unwanted: list[bytes]) -> tuple[bytes, int] | None:
    """The forbidden byte string that occurs first in the body, and where it starts."""
    found = [(body.find(item), item) for item in unwanted if item and item in body]
    if not found:
        return None
    offset, item = min(found)
    return item, offset


def nearest(body: bytes, wanted: bytes) -> int | None:
    """Where the longest start of `wanted` (at least 3 bytes) occurs in the body: a near miss to point at."""
    for length in range(min(len(wanted) - 1, 200), 2, -1):
        at = body.find(wanted[:length])
        if at >= 0:
            return at + length
    return None
