"""Content codings the course checks, with a plain answer to "what is this body really?".

A learner who announces gzip can get it wrong in several ways that all look like binary noise; telling
them which one they did (plain text, zlib, raw deflate, truncated gzip) is most of the fix.
"""

from __future__ import annotations

import gzip
import zlib

GZIP_MAGIC = b"\x1f\x8b"


class DecodeError(ValueError):
    def __init__(self, problem: str, hint: str):
        super().__init__(problem)
        self.problem = problem
        self.hint = hint


def gunzip(body: bytes, plain: bytes | None = None) -> bytes:
    """The decoded body; DecodeError says what the body is instead of gzip."""
    if not body.startswith(GZIP_MAGIC):
        if plain is not None and body == plain:
            raise DecodeError(
                "the body is the plain text, not gzip data, although Content-Encoding says gzip",
                "Compress the body (for example gzip.compress in Python) before sending it, and send the "
                "compressed bytes' length as Content-Length. Announcing gzip is not enough.",
            )
        if _inflates(body, zlib.MAX_WBITS):
            raise DecodeError(
                "the body is a zlib stream (it starts with 0x78), not gzip",
                "zlib.compress writes the zlib format; gzip has its own header: use gzip.compress, or "
                "zlib.compressobj(wbits=31).",
            )
        if _inflates(body, -zlib.MAX_WBITS):
            raise DecodeError(
                "the body is raw deflate data, not gzip: the gzip header is missing",
                "Gzip wraps deflate data in a header (starting 1f 8b) and a trailer; use gzip.compress, or "
                "zlib.compressobj(wbits=31).",
            )
        raise DecodeError(
            f"the body does not start with the gzip magic bytes 1f 8b (it starts with {body[:2].hex(' ') or 'nothing'})",
            "With Content-Encoding: gzip the body must be the gzip-compressed bytes.",
        )
    try:
        return gzip.decompress(body)
    except (EOFError, OSError, zlib.error) as error:
        raise DecodeError(
            f"the body starts like gzip but does not decode: {error}",
            "Send every compressed byte, and count them (not the text's length) in Content-Length.",
        ) from None


def _inflates(body: bytes, wbits: int) -> bool:
    try:
        zlib.decompress(body, wbits)
    except zlib.error:
        return False
    return True
