"""What every key of `stages.yaml` means, as pydantic models.

The models are the manifest's single definition: the loader validates against them, the JSON Schema is
generated from them, and the probes read their parameters from them. Unknown keys are errors, because
a misspelt key that is silently ignored is a check that silently does not happen.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from tester import variables
from tester.templates import names


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_template(value: str) -> str:
    names(value)  # a TemplateError is a ValueError, so pydantic reports it at this template's own place
    return value


Template = Annotated[str, AfterValidator(_check_template),
                     Field(description="Text with {name} or {name|len} placeholders for the stage's values")]

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

    def params(self) -> dict[str, Any]:
        return {key: value for key, value in self.model_dump(exclude={"generate"}).items() if value is not None}


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

    @model_validator(mode="after")
    def _raw_alone(self) -> Request:
        if self.raw is not None and (self.body is not None or self.headers or "target" in self.model_fields_set):
            raise ValueError("raw replaces target, headers and body: give either raw or those")
        return self


class HeaderRule(Strict):
    """A header check that is not a plain exact value."""

    present: bool | None = Field(None, description="true: must be there with any value")
    token: Template | None = Field(None, description="Must hold this token in its comma-separated list")


class Expect(Strict):
    """What must come back for one request."""

    status: int | None = Field(None, ge=100, le=599, description="Status code")
    reason: str | None = Field(None, description="Exact reason phrase")
    headers: dict[str, Union[Template, HeaderRule]] = Field(
        default_factory=dict, description="Names compare case-insensitively, values exactly"
    )
    absent: list[str] = Field(default_factory=list, description="Headers that must not be sent")
    body: Template | None = Field(None, description="Exact body bytes (after decoding, when decode is set)")
    decode: Literal["gzip"] | None = Field(None, description="Decode the body with this coding before comparing")
    files: dict[Template, Template] = Field(
        default_factory=dict, description="Files in the stage directory and their exact contents afterwards"
    )
    then: Literal["open", "close"] | None = Field(
        None, description="open: the connection must stay open; close: the server must close it next"
    )


class Step(Strict):
    """One request and what must come back for it."""

    send: Request = Field(description="The request to send")
    expect: Expect = Field(description="What the response must be")


class Stage(Strict):
    """One stage: what the learner builds next, and the probes that check it."""

    slug: str = Field(pattern=SLUG_PATTERN, description="Stable name, used on the command line")
    title: str = Field(min_length=1, description="Shown in stage headers; the description starts with it")
    description: str = Field(min_length=1, description="Markdown file, relative to the manifest")
    directory: bool = Field(False, description="Start the program with --directory DIR")
    vars: dict[str, VarSpec] = Field(default_factory=dict, description="Values drawn from the run's seed")
    files: dict[Template, Template] = Field(
        default_factory=dict, description="Files written into the directory before the program starts"
    )
    probes: list[Any] = Field(min_length=1, description="The checks, run in order")


class Course(Strict):
    """A course manifest (stages.yaml): the stages in order, and what they share."""

    defaults: Defaults = Field(default_factory=Defaults, description="Time limits for every stage")
    probe_modules: list[str] = Field(
        default_factory=list, description="Python modules (beside the manifest) that define custom probe kinds"
    )
    stages: list[Stage] = Field(min_length=1, description="The stages, in the order learners take them")

    _source: Path = PrivateAttr(Path("stages.yaml"))

    @property
    def source(self) -> Path:
        """The manifest file; descriptions and probe modules resolve relative to its folder."""
        return self._source

    @property
    def root(self) -> Path:
        return self._source.parent

    def stage_number(self, stage: Stage) -> int:
        return self.stages.index(stage) + 1

    def find(self, key: str) -> Stage | None:
        """A stage by number (1-based) or slug."""
        if key.isdigit():
            number = int(key)
            return self.stages[number - 1] if 1 <= number <= len(self.stages) else None
        return next((stage for stage in self.stages if stage.slug == key), None)
