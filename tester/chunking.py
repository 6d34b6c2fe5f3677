"""A request body in the chunked transfer coding (RFC 9112 §7.1), for requests that send one. Pure.

The manifest says how to cut the body: a list of chunk sizes (what is left over goes in one more chunk),
or a number of chunks whose sizes the stage's seed draws, so a server sees cuts it cannot predict but a
rerun with the same seed sends the same bytes. Sizes are written in lower-case hex, without extensions;
a request that needs odd chunk lines says them in `raw`.
"""

from __future__ import annotations

import random
from typing import Sequence


def sizes(length: int, spec: int | Sequence[int], rng: random.Random) -> list[int]:
    """The chunk sizes for a body of `length` bytes: never a zero (that would end the body early), and
    summing to `length`.

    A list is taken as far as the body reaches (the last chunk it reaches may be shorter) and the rest
    of the body is one more chunk. A number N draws N sizes (fewer for a body shorter than N bytes)."""
    if length == 0:
        return []
    if not isinstance(spec, int):
        cut: list[int] = []
        left = length
        for size in spec:
            if left == 0:
                break
            cut.append(min(size, left))
            left -= cut[-1]
        return cut + ([left] if left else [])
    count = max(1, min(spec, length))
    ends = sorted(rng.sample(range(1, length), count - 1)) + [length]
    return [end - start for start, end in zip([0] + ends, ends)]


def encode(body: bytes, chunk_sizes: Sequence[int], trailers: Sequence[tuple[str, str]] = (),
           encoding: str = "latin-1") -> bytes:
    """`body` as chunks of the given sizes, the last (zero) chunk, trailer fields and the closing CRLF."""
    assert sum(chunk_sizes) == len(body) and all(chunk_sizes), "sizes must be positive and cover the body"
    out = bytearray()
    position = 0
    for size in chunk_sizes:
        out += f"{size:x}\r\n".encode() + body[position:position + size] + b"\r\n"
        position += size
    out += b"0\r\n"
    out += "".join(f"{name}: {value}\r\n" for name, value in trailers).encode(encoding)
    return bytes(out + b"\r\n")
