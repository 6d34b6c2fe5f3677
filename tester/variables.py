"""The random values a stage uses, drawn from the run's seed.

Random values keep a server honest (it cannot hard-code the answer) and the seed keeps a run
reproducible: the same seed and stage give the same values, whether the stage runs alone or in a course.
Each generator takes a `random.Random` and its parameters from the manifest.
"""

from __future__ import annotations

import inspect
import random
from typing import Callable

from tester.templates import Value

WORDS = (
    "apple", "banana", "cherry", "damson", "elder", "fig", "grape", "guava", "kiwi", "lemon", "lime",
    "mango", "melon", "nectarine", "olive", "orange", "papaya", "peach", "pear", "plum", "quince",
    "raspberry", "strawberry", "tangerine", "blueberry", "apricot", "coconut", "date", "lychee", "pomelo",
    "badger", "beaver", "falcon", "gecko", "heron", "ibex", "jackal", "koala", "lemur", "marmot", "narwhal",
    "otter", "panda", "quokka", "raven", "salmon", "tapir", "urchin", "vole", "walrus", "yak", "zebra",
)

_BROWSERS = (("Mozilla", 5, 0), ("Opera", 9, 80), ("Lynx", 2, 9))
_PLATFORMS = (
    "X11; Linux x86_64", "Windows NT 10.0; Win64; x64", "Macintosh; Intel Mac OS X 14_2",
    "X11; Ubuntu; Linux aarch64", "iPhone; CPU iPhone OS 17_1 like Mac OS X",
)
_ENGINES = ("Gecko", "AppleWebKit", "Blink", "Presto")
_PRODUCTS = ("Firefox", "Chrome", "Safari", "Edg", "HeadlessChrome")


def word(rng: random.Random) -> str:
    return rng.choice(WORDS)


def words(rng: random.Random, count: int = 2, separator: str = "-") -> str:
    return separator.join(rng.choice(WORDS) for _ in range(count))


def user_agent(rng: random.Random) -> str:
    """A User-Agent like real ones: mixed case, spaces, slashes, parentheses and semicolons."""
    if rng.random() < 0.25:
        tool = rng.choice(("curl", "Wget", "HTTPie", "python-requests", "Go-http-client"))
        return f"{tool}/{rng.randint(1, 9)}.{rng.randint(0, 40)}.{rng.randint(0, 9)} ({word(rng)}; {word(rng)})"
    browser, major, minor = rng.choice(_BROWSERS)
    engine, product = rng.choice(_ENGINES), rng.choice(_PRODUCTS)
    return (
        f"{browser}/{major}.{minor} ({rng.choice(_PLATFORMS)}; rv:{rng.randint(90, 130)}.0) "
        f"{engine}/{rng.randint(100, 700)}.{rng.randint(1, 99)} {product}/{rng.randint(90, 130)}.0"
    )


def filename(rng: random.Random) -> str:
    return f"{word(rng)}_{word(rng)}_{rng.randint(10, 999)}"


def binary(rng: random.Random, size: int = 64) -> bytes:
    """Random bytes that are certainly not valid UTF-8: a server that decodes them as text will fail."""
    if size < 8:
        raise ValueError("binary values need a size of at least 8")
    marker = b"\xff\xfe\x00\xc3\x28\r\n\x80"  # invalid UTF-8, a NUL and a CRLF inside the content
    body = bytearray(rng.randbytes(size - len(marker)))
    at = rng.randint(0, len(body))
    return bytes(body[:at] + marker + body[at:])


def text(rng: random.Random, size: int = 256) -> str:
    """Exactly `size` bytes of words and spaces."""
    out = []
    length = 0
    while length < size:
        piece = word(rng)
        out.append(piece)
        length += len(piece) + 1
    return " ".join(out)[:size]


def coding(rng: random.Random) -> str:
    """A content-coding name no server supports, like 'x-walrus'."""
    return f"x-{word(rng)}"


GENERATORS: dict[str, Callable[..., Value]] = {
    "word": word,
    "words": words,
    "user-agent": user_agent,
    "filename": filename,
    "binary": binary,
    "text": text,
    "coding": coding,
}


def parameters(generator: str) -> dict[str, inspect.Parameter]:
    signature = inspect.signature(GENERATORS[generator])
    return {name: parameter for name, parameter in list(signature.parameters.items())[1:]}


def stage_rng(seed: int, slug: str) -> random.Random:
    """The random source for one stage: depends on the run's seed and the stage, nothing else."""
    return random.Random(f"{seed}:{slug}")
