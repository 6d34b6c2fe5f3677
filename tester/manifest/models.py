"""What every key of `stages.yaml` means, as pydantic models.

The models are the manifest's single definition: the loader validates against them, the JSON Schema is
generated from them, and the probes read their parameters from them. Unknown keys are errors, because
a misspelt key that is silently ignored is a check that silently does not happen.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import re

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from tester import captures, variables
from tester.manifest.index import IMPLICIT_TRACK, CourseIndex
from tester.matchers import json_pattern
from tester.templates import names


class Strict(BaseModel):
    # defer_build: a model's validator is built when it first validates, so a course read from the cache
    # (tester.manifest.cache) never pays for building them
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


def _fields(model: BaseModel) -> dict[str, Any]:
    """A model's field values by name, read directly (model_dump would build the model's serializer)."""
    return {name: value for name, value in model.__dict__.items() if name in type(model).model_fields}


def _check_template(value: str) -> str:
    names(value)  # a TemplateError is a ValueError, so pydantic reports it at this template's own place
    return value


Template = Annotated[str, AfterValidator(_check_template),
                     Field(description="Text with {name} or {name|len} placeholders for the stage's values")]

def _check_regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as error:
        raise ValueError(f"not a valid regular expression: {error}") from None
    return value


Regex = Annotated[str, AfterValidator(_check_regex),
                  Field(description="A Python regular expression")]

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
METHOD_PATTERN = r"^[A-Z]+$"


class Defaults(Strict):
    """Time limits for every stage of the course."""

    ready_timeout: float = Field(10.0, gt=0, description="Seconds the program has to start accepting connections")
    response_timeout: float = Field(3.0, gt=0, description="Seconds a whole response may take to arrive")
    close_timeout: float = Field(1.0, gt=0, description="Seconds to wait for the server to close a connection")
    trailing_wait: float = Field(
        0.005, ge=0, description="Seconds to listen for stray bytes after the last response on a connection"
    )


def _generator_names(schema: dict[str, Any]) -> None:
    schema["enum"] = list(variables.GENERATORS)


class Generated(Strict):
    """A random value with parameters; a plain generator name is the same without them."""

    generate: str = Field(description="The generator that draws the value",
                          json_schema_extra=_generator_names)
    size: int | None = Field(None, gt=0, description="Length in bytes (binary, text)")
    count: int | None = Field(None, gt=0, description="How many words (words)")
    separator: str | None = Field(None, description="Between words (words)")
    min: int | None = Field(None, description="The smallest value (number)")
    max: int | None = Field(None, description="The largest value (number)")

    def params(self) -> dict[str, Any]:
        return {name: value for name, value in _fields(self).items() if name != "generate" and value is not None}


VarSpec = Union[Annotated[str, Field(description="A generator name", json_schema_extra=_generator_names)],
                Generated]


class Request(Strict):
    """One HTTP request. Either structured (method, target, headers, body) or `raw` bytes."""

    method: str = Field("GET", pattern=METHOD_PATTERN, description="Request method, in capitals")
    target: Template = Field("/", description="Request target (the path), a template")
    headers: dict[str, Template] = Field(
        default_factory=dict, description="Sent in this order and spelling, after Host"
    )
    body: Template | None = Field(None, description="Request body, a template; Content-Length is added for it")
    raw: Template | None = Field(None, description="Exact bytes to send instead of a structured request")
    pieces: int = Field(
        1, ge=1, le=64, description="Send the request in this many pieces, with a pause between them"
    )
    piece_pause: float = Field(0.05, ge=0, le=2, description="Seconds between pieces")
    chunks: Union[Annotated[int, Field(ge=1, le=1000)], Annotated[list[Annotated[int, Field(ge=1)]],
                                                                  Field(min_length=1)]] | None = Field(
        None, description="Send the body chunked (Transfer-Encoding: chunked): a list of chunk sizes in bytes "
        "(what is left goes in one more chunk), or a number of chunks whose sizes the stage's seed draws")
    trailers: dict[str, Template] = Field(
        default_factory=dict, description="Trailer fields sent after the last chunk (with chunks)")
    expect_continue: bool = Field(
        False, description="Send 'Expect: 100-continue' with the head, wait for a 100 (or a final response) "
        "up to continue_wait seconds, then send the body")
    continue_wait: float = Field(1.0, gt=0, le=10, description="Seconds to wait for the 100 Continue")

    @model_validator(mode="after")
    def _raw_alone(self) -> Request:
        if self.raw is not None and (self.body is not None or self.headers or "target" in self.model_fields_set
                                     or self.chunks is not None or self.trailers or self.expect_continue):
            raise ValueError("raw replaces target, headers, body, chunks and expect_continue: give either raw or "
                             "those")
        if self.chunks is not None and self.body is None:
            raise ValueError("chunks cuts the body into chunks: give a body too")
        if self.trailers and self.chunks is None:
            raise ValueError("trailers follow the last chunk: give chunks too")
        if self.expect_continue and self.body is None:
            raise ValueError("expect_continue holds back the body: give a body too")
        return self


class HeaderRule(Strict):
    """A header check that is not a plain exact value. Give one kind of rule (`present: true` may go with
    any); every rule but `present: false` needs the header to be there."""

    present: bool | None = Field(None, description="true: must be there with any value; false: must not be there")
    token: Template | None = Field(None, description="Must hold this token in its comma-separated list")
    one_of: list[Template] | None = Field(None, min_length=1, description="Must be exactly one of these values")
    matches: Regex | None = Field(None, description="Must match this regular expression as a whole")
    tokens: list[Template] | None = Field(
        None, min_length=1, description="Its comma-separated list must hold exactly these tokens, in any order "
        "and spacing; tokens compare case-insensitively")
    optional: list[Template] | None = Field(
        None, min_length=1, description="With tokens: tokens the list may hold as well (HEAD, OPTIONS in an Allow)")
    date: bool | None = Field(None, description="true: must be an HTTP date in IMF-fixdate form "
                              "(Sun, 06 Nov 1994 08:49:37 GMT)")
    if_present: bool | None = Field(
        None, description="true: the header may be left out; when it is there, the rule holds (a Content-Length "
        "in a response to HEAD)")

    @model_validator(mode="after")
    def _one_rule(self) -> HeaderRule:
        rules = [key for key in ("token", "one_of", "matches", "tokens", "date") if getattr(self, key) is not None]
        if self.if_present is not None and (self.present is not None or not rules or self.if_present is False):
            raise ValueError("if_present: true lets the header be left out and checks its value when it is there: "
                             "give it with one of token, one_of, matches, tokens, date, and without present")
        if len(rules) > 1:
            raise ValueError(f"give one rule per header, not {' and '.join(rules)}")
        if not rules and self.present is None:
            raise ValueError("a header rule needs one of: present, token, one_of, matches, tokens, date")
        if rules and self.present is False:
            raise ValueError(f"present: false says the header must not be there, so {rules[0]} cannot hold")
        if self.date is False:
            raise ValueError("date: false checks nothing: leave it out, or use date: true")
        if self.optional is not None and self.tokens is None:
            raise ValueError("optional names tokens a tokens list may hold as well: give tokens too")
        return self

    def templates(self) -> list[str]:
        """The templates in this rule, for the loader's name check."""
        return [value for value in (self.token, *(self.one_of or ()), *(self.tokens or ()), *(self.optional or ()))
                if value is not None]


StatusCode = Annotated[int, Field(ge=100, le=599, description="A status code")]
StatusClass = Annotated[str, Field(pattern=r"^[1-5]xx$", description="A class of status codes: 1xx to 5xx")]
StatusRule = Union[StatusCode, StatusClass, Annotated[list[Union[StatusCode, StatusClass]], Field(min_length=1)]]
Framing = Literal["content-length", "chunked", "close"]
Version = Literal["HTTP/1.1", "HTTP/1.0"]


def _check_json_pattern(value: Any) -> Any:
    json_pattern.validate(value)  # a JsonPatternError is a ValueError: reported at the pattern's place
    return value


class Streamed(Strict):
    """The body's opening bytes must come well before its end: the server sends what it has when it has it."""

    first: Template = Field(min_length=1, description="The bytes the body starts with (before any decode), a template")
    lead: float = Field(gt=0, le=10, description="Seconds by which they must arrive before the response's last byte")


class Expect(Strict):
    """What must come back for one request."""

    status: StatusRule | None = Field(
        None, description="Status code; or a class (4xx); or a list of codes and classes, any of which will do")
    reason: str | None = Field(None, description="Exact reason phrase")
    version: Union[Version, Annotated[list[Version], Field(min_length=1)]] | None = Field(
        None, description="The HTTP version the status line may give, or a list (default HTTP/1.1; an also item "
        "takes its expect's)")
    headers: dict[str, Union[Template, HeaderRule]] = Field(
        default_factory=dict, description="Names compare case-insensitively; a plain value exactly, a rule as it says"
    )
    absent: list[str] = Field(default_factory=list, description="Headers that must not be sent")
    body: Template | None = Field(None, description="Exact body bytes (after decoding, when decode is set)")
    body_contains: list[Template] = Field(
        default_factory=list, description="Byte strings the body must contain (after decoding)")
    body_excludes: list[Template] = Field(
        default_factory=list, description="Byte strings the body must not contain (after decoding)")
    json_value: Annotated[Any, AfterValidator(_check_json_pattern)] = Field(
        None, alias="json", description="The body must be JSON equal in meaning to this; strings are templates, and "
        "{$any: TYPE}, {$match: REGEX}, {$unordered: [...]}, {$is: TEMPLATE}, {$number: TEMPLATE}, {$partial: {...}}, "
        "{$not: PATTERN}, {$all: [...]} match loosely")
    decode: Literal["gzip"] | None = Field(None, description="Decode the body with this coding before comparing")
    framing: Union[Framing, Annotated[list[Framing], Field(min_length=1)]] | None = Field(
        None, description="How the response must delimit its body: content-length, chunked or close (or a list)")
    continued: bool | None = Field(
        None, description="true: a '100 Continue' must come before the response; false: it must not")
    streamed: Streamed | None = Field(
        None, description="The body's first bytes must arrive some time before its last (a streamed response)")
    files: dict[Template, Template] = Field(
        default_factory=dict, description="Files in the stage directory and their exact contents afterwards"
    )
    output_contains: list[Template] = Field(
        default_factory=list, description="Texts the program must have printed (stdout or stderr) by the response, "
        "or within the close timeout after it")
    then: Literal["open", "close"] | None = Field(
        None, description="open: the connection must stay open; close: the server must close it next"
    )
    or_close: bool = Field(
        False, description="The server may instead close the connection without a response (a refusal)")
    or_silence: bool = Field(
        False, description="The server may instead send nothing and keep the connection open for the response "
        "timeout (it is still reading a request that never ends): the probe then gives the connection up")
    level: Literal["must", "should", "may"] = Field(
        "must", description="must: a mismatch fails the stage; should: it is a warning; may: noted in --debug "
        "and the JSON report")
    rfc: str | None = Field(None, description="The rule this checks, e.g. 'RFC 9112 §3.2', shown with a mismatch")
    when_status: StatusRule | None = Field(
        None, description="Check this expectation only when the response's status is one of these (in an also "
        "item: what a 200 must hold where a 404 is allowed too)")
    hint: str | None = Field(None, min_length=1, description="What to try next when this expectation fails, "
                             "instead of the tester's own hint: the usual mistake behind it in this course")

    @model_validator(mode="after")
    def _one_body_rule(self) -> Expect:
        if self.body is not None and self.json_value is not None:
            raise ValueError("give body (exact bytes) or json (a value), not both")
        return self


def _check_json_path(value: str) -> str:
    captures.parse_path(value)  # a PathError is a ValueError: reported at the path's own place
    return value


class Capture(Strict):
    """Where a captured value comes from in a response; give exactly one."""

    header: str | None = Field(None, description="The value of this response header")
    json_path: Annotated[str, AfterValidator(_check_json_path)] | None = Field(
        None, alias="json", pattern=r"^\$", description="A JSON path into the body: $.id, $.items[0].name")
    body: Regex | None = Field(None, description="A regular expression searched in the body: its first group, "
                               "or the whole match when it has none")
    pattern: Regex | None = Field(None, description="With header: a regular expression searched in the header's "
                                  "value; its first group (or the whole match) is the value taken")

    @model_validator(mode="after")
    def _exactly_one(self) -> Capture:
        given = [key for key in ("header", "json_path", "body") if getattr(self, key) is not None]
        if len(given) != 1:
            raise ValueError("a capture takes its value from one place: give exactly one of header, json, body")
        if self.pattern is not None and self.header is None:
            raise ValueError("pattern picks a part of a header's value: give header too (a body capture is "
                             "itself a pattern)")
        return self


class Step(Strict):
    """One request and what must come back for it."""

    send: Request = Field(description="The request to send")
    expect: Expect = Field(description="What the response must be")
    also: list[Expect] = Field(
        default_factory=list, description="More checks of the same response, each with its own level and rfc")
    capture: dict[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")], Capture] = Field(
        default_factory=dict, description="Values taken from the response, usable as {name} in the rest of the stage")

    @model_validator(mode="after")
    def _also_checks_only(self) -> Step:
        if self.expect.when_status is not None:
            raise ValueError("when_status in expect would skip the whole check for other statuses, the status "
                             "itself included: put the checks that depend on the status in an also item")
        for extra in self.also:
            if extra.then is not None or extra.or_close or extra.or_silence or extra.files or extra.output_contains:
                raise ValueError("also checks the same response: then, or_close, or_silence, files and "
                                 "output_contains belong in expect")
        return self


class FileSpec(Strict):
    """A file (or symlink) the stage puts in place before the program starts; give one of content, source,
    symlink."""

    content: Template | None = Field(None, description="The file's bytes, a template")
    source: str | None = Field(None, description="Copy this file, relative to the manifest's folder")
    symlink: Template | None = Field(None, description="Make a symbolic link to this target instead of a file")
    mtime: Union[int, str] | None = Field(
        None, description="Modification time: seconds since 1970, or an IMF-fixdate such as "
        "'Sun, 06 Nov 1994 08:49:37 GMT', or a template giving one ('{when}', with when: http-date)")

    @model_validator(mode="after")
    def _one_source(self) -> FileSpec:
        given = [key for key in ("content", "source", "symlink") if getattr(self, key) is not None]
        if len(given) != 1:
            raise ValueError("a file comes from one place: give exactly one of content, source, symlink")
        return self


def _plain(value: Any) -> Any:
    """A field's value as model_dump gives it: models as dicts of their fields, containers walked."""
    if isinstance(value, BaseModel):
        return {name: _plain(item) for name, item in _fields(value).items()}
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(item) for item in value)
    return value


class Stage(Strict):
    """One stage: what the learner builds next, and the probes that check it."""

    slug: str = Field(pattern=SLUG_PATTERN, description="Stable name, used on the command line")
    title: str = Field(min_length=1, description="Shown in stage headers; the description starts with it")
    description: str = Field(min_length=1, description="Markdown file, relative to the manifest")
    directory: bool = Field(False, description="Start the program with --directory DIR")
    points: float = Field(1, ge=0, description="What passing the stage is worth in a class's gradebook")
    args: list[Template] | None = Field(
        None, description="The program's arguments, templates (default: --directory {directory} when directory "
        "is true, else none)")
    vars: dict[str, VarSpec] = Field(default_factory=dict, description="Values drawn from the run's seed")
    files: dict[Template, Union[Template, FileSpec]] = Field(
        default_factory=dict, description="Files put in the directory before the program starts: a path "
        "(subfolders allowed; ../NAME is beside the directory) and its content, or a file rule"
    )
    probes: list[Any] = Field(min_length=1, description="The checks, run in order")

    @property
    def fingerprint(self) -> str:
        """Changes when what the stage checks changes, so a pass of an older version of it does not count.
        The text hashed is what model_dump(exclude={"title", "description"}) would give, read from the fields
        directly: a course from the cache never has to build its serializers."""
        checks = {name: _plain(value) for name, value in _fields(self).items() if name not in ("title", "description")}
        return hashlib.sha256(json.dumps(checks, sort_keys=True, default=repr).encode()).hexdigest()[:16]


class Track(Strict):
    """A track: stages in order that build on the tracks it requires."""

    slug: str = Field(pattern=SLUG_PATTERN, description="Stable name, used on the command line")
    title: str = Field(min_length=1, description="Shown in tracks listings")
    description: str = Field("", description="One or two sentences on what the track teaches")
    requires: list[str] = Field(default_factory=list, description="Slugs of the tracks this one builds on")
    stages: list[Stage] = Field(min_length=1, description="The track's stages, in the order learners take them")


class Course(CourseIndex, Strict):
    """A course manifest (stages.yaml): its tracks of stages (or one list of stages), and what they share."""

    defaults: Defaults = Field(default_factory=Defaults, description="Time limits for every stage")
    probe_modules: list[str] = Field(
        default_factory=list, description="Python modules (beside the manifest) that define custom probe kinds"
    )
    tracks: list[Track] = Field(
        default_factory=list, description="The tracks, in order; stages number on from one track to the next")
    stages: list[Stage] = Field(
        default_factory=list, description="A course without tracks: its stages, in order (one track, 'main'). "
        "With tracks, this is derived: every track's stages, in order")

    _source: Path = PrivateAttr(Path("stages.yaml"))

    @model_validator(mode="after")
    def _tracks_or_stages(self) -> Course:
        if self.tracks and "stages" in self.model_fields_set and self.stages != [
                stage for track in self.tracks for stage in track.stages]:
            raise ValueError("give tracks (each with its stages) or stages, not both")
        if self.tracks:
            object.__setattr__(self, "stages", [stage for track in self.tracks for stage in track.stages])
        elif self.stages:
            object.__setattr__(self, "tracks", [Track(slug=IMPLICIT_TRACK, title="The course", stages=self.stages)])
        else:
            raise ValueError("a course needs tracks (or a list of stages)")
        return self

    @property
    def source(self) -> Path:
        """The manifest file; descriptions and probe modules resolve relative to its folder."""
        return self._source

    @property
    def root(self) -> Path:
        return self._source.parent
