"""The random values a stage uses, drawn from the run's seed.

Random values keep a server honest (it cannot hard-code the answer) and the seed keeps a run
reproducible: the same seed and stage give the same values, whether the stage runs alone or in a course.
Each generator takes a `random.Random` and its parameters from the manifest.
"""

from __future__ import annotations

import email.utils
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

# Every platform comment holds a semicolon and every value "(KHTML, like Gecko)", so each value has
# spaces, slashes, parentheses, a semicolon and a comma; the crawlers' URLs add a colon.
_DESKTOPS = (
    "Windows NT 10.0; Win64; x64", "X11; Linux x86_64", "Macintosh; Intel Mac OS X 10_15_7",
    "X11; CrOS x86_64 15633.69.0", "Windows NT 6.1; WOW64",
)
_PHONES = ("Pixel 8", "Pixel 7a", "SM-S918B", "SM-A546B", "moto g power 5G", "CPH2449")
_APPLE_DEVICES = ("iPhone; CPU iPhone OS {v} like Mac OS X", "iPad; CPU OS {v} like Mac OS X")
_CHROMIUM_BRANDS = ("", " Edg/{major}.0.{build}.{patch}", " OPR/{opera}.0.0.0", " Vivaldi/6.{minor}.{build}.{patch}")
_APPS = ("Code", "Slack", "discord", "obsidian", "Signal")
_CRAWLERS = (
    ("Googlebot", "2.1", "http://www.google.com/bot.html"),
    ("bingbot", "2.0", "http://www.bing.com/bingbot.htm"),
    ("Applebot", "0.1", "http://www.apple.com/go/applebot"),
    ("DuckDuckBot", "1.1", "https://duckduckgo.com/duckduckbot.html"),
)
_KHTML = "AppleWebKit/537.36 (KHTML, like Gecko)"


def word(rng: random.Random) -> str:
    return rng.choice(WORDS)


def words(rng: random.Random, count: int = 2, separator: str = "-") -> str:
    return separator.join(rng.choice(WORDS) for _ in range(count))


def user_agent(rng: random.Random) -> str:
    """A User-Agent like real ones: a desktop or phone browser, an app or a crawler.

    Every value holds spaces, slashes, parentheses, a semicolon and a comma, so a server that cuts the
    value at any of them fails; some also hold a colon. Never a doubled space: no real client sends one,
    so a server that collapses runs of spaces works with every real client, and this stage is about
    finding the value, not about whitespace inside it.
    """
    kind = rng.choices(("chromium", "android", "safari", "app", "crawler"), weights=(3, 2, 2, 1, 5))[0]
    if kind == "crawler":
        name, version, url = rng.choice(_CRAWLERS)
        base = _chromium(rng, branded=False) if rng.random() < 0.5 else _android(rng)
        return f"{base} (compatible; {name}/{version}; +{url})"
    return {"chromium": _chromium, "android": _android, "safari": _safari, "app": _app}[kind](rng)


def _chrome_version(rng: random.Random) -> tuple[int, int, int]:
    return rng.randint(100, 131), rng.randint(4000, 6900), rng.randint(10, 250)


def _chromium(rng: random.Random, branded: bool = True) -> str:
    major, build, patch = _chrome_version(rng)
    brand = rng.choice(_CHROMIUM_BRANDS if branded else ("",)).format(major=major, build=build, patch=patch,
                                                 opera=major - 14, minor=rng.randint(0, 9))
    return f"Mozilla/5.0 ({rng.choice(_DESKTOPS)}) {_KHTML} Chrome/{major}.0.0.0 Safari/537.36{brand}"


def _android(rng: random.Random) -> str:
    major, build, patch = _chrome_version(rng)
    samsung = f"SamsungBrowser/{rng.randint(20, 25)}.0 " if rng.random() < 0.3 else ""
    return (f"Mozilla/5.0 (Linux; Android {rng.randint(10, 14)}; {rng.choice(_PHONES)}) {_KHTML} "
            f"{samsung}Chrome/{major}.0.{build}.{patch} Mobile Safari/537.36")


def _safari(rng: random.Random) -> str:
    major, minor = rng.randint(15, 17), rng.randint(0, 6)
    webkit = "AppleWebKit/605.1.15 (KHTML, like Gecko)"
    if rng.random() < 0.5:
        return f"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) {webkit} Version/{major}.{minor} Safari/605.1.15"
    device = rng.choice(_APPLE_DEVICES).format(v=f"{major}_{minor}")
    return f"Mozilla/5.0 ({device}) {webkit} Version/{major}.{minor} Mobile/15E148 Safari/604.1"


def _app(rng: random.Random) -> str:
    """A desktop app built on Electron, which sends Chrome's User-Agent with its own name in it."""
    major, build, patch = _chrome_version(rng)
    app = f"{rng.choice(_APPS)}/{rng.randint(1, 4)}.{rng.randint(0, 99)}.{rng.randint(0, 20)}"
    electron = f"Electron/{rng.randint(22, 33)}.{rng.randint(0, 9)}.{rng.randint(0, 20)}"
    return (f"Mozilla/5.0 ({rng.choice(_DESKTOPS)}) {_KHTML} {app} Chrome/{major}.0.{build}.{patch} "
            f"{electron} Safari/537.36")


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
    """Exactly `size` bytes of words and single spaces, starting and ending with a letter."""
    pieces: list[str] = []
    length = -1  # the joined length: one space fewer than pieces
    while length < size:
        pieces.append(word(rng))
        length += len(pieces[-1]) + 1
    cut = " ".join(pieces)[:size]
    # a cut just after a word would end in a space, which a strip() anywhere would lose: make it a plural
    return cut[:-1] + "s" if cut.endswith(" ") else cut


ACCENTED = ("café", "crème", "jalapeño", "piñata", "naïve", "über", "façade", "smörgås", "brûlée", "fjörd",
            "señor", "zoë")


def label(rng: random.Random) -> str:
    """A name as people type it: two words and a space, one word with a letter outside ASCII ('plum café'),
    so that it must be percent-encoded in a URL and is more than one byte a character in UTF-8."""
    pair = [word(rng), rng.choice(ACCENTED)]
    rng.shuffle(pair)
    return " ".join(pair)


def number(rng: random.Random, min: int = 1, max: int = 999) -> str:  # noqa: A002 (the manifest's words)
    """A whole number from min to max, both included, written in decimal."""
    if min > max:
        raise ValueError(f"number needs min ≤ max, got min {min} and max {max}")
    return str(rng.randint(min, max))


def http_date(rng: random.Random) -> str:
    """A moment between 2001 and 2020, whole seconds, as an IMF-fixdate (the form of Last-Modified)."""
    return email.utils.formatdate(rng.randint(978_307_200, 1_609_459_199), usegmt=True)


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
    "label": label,
    "number": number,
    "http-date": http_date,
}


def parameters(generator: str) -> dict[str, inspect.Parameter]:
    signature = inspect.signature(GENERATORS[generator])
    return {name: parameter for name, parameter in list(signature.parameters.items())[1:]}


def stage_rng(seed: int, slug: str) -> random.Random:
    """The random source for one stage: depends on the run's seed and the stage, nothing else."""
    return random.Random(f"{seed}:{slug}")
