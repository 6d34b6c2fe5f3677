"""The committed JSON Schemas and the manifest reference in docs/authoring.md are current, and say what
every key does; the schemas accept the shipped manifests and reject a wrong one."""

from __future__ import annotations

import json

import pytest
import yaml

from conftest import COURSE, ROOT
from tester.manifest import schema
from tester.manifest.load import load_course

EXAMPLE = ROOT / "examples" / "hit-counter" / "stages.yaml"
REGENERATE = "regenerate it with: python3 -m tester.manifest.schema"


def test_shared_schema_is_current():
    committed = json.loads(schema.SHARED.read_text())
    assert committed == schema.course_schema(schema.builtin_kinds()), REGENERATE


def test_example_schema_is_current_and_knows_its_own_kind():
    course = load_course(EXAMPLE)
    generated = schema.course_schema(schema.course_kinds(course))
    committed = json.loads((EXAMPLE.parent / "stages.schema.json").read_text())
    assert committed == generated, REGENERATE + f" --course {EXAMPLE.relative_to(ROOT)}"
    assert "CounterProbe" in committed["$defs"] and "CounterProbe" not in json.loads(schema.SHARED.read_text())["$defs"]


def test_authoring_reference_is_current():
    document = schema.DOCS.read_text()
    assert document == schema.with_reference(document, schema.course_schema(schema.builtin_kinds())), REGENERATE


def test_every_key_has_a_description():
    generated = schema.course_schema(schema.builtin_kinds())
    definitions = [generated, *generated["$defs"].values()]
    undescribed = [f"{definition.get('title')}.{key}" for definition in definitions
                   for key, prop in definition.get("properties", {}).items()
                   if key != "kind" and not prop.get("description")]
    assert undescribed == []
    assert all(definition.get("description") for definition in definitions)


def test_every_builtin_kind_is_in_the_schema_with_its_parameters():
    generated = schema.course_schema(schema.builtin_kinds())
    kinds = {definition["properties"]["kind"]["const"]: definition for definition in generated["$defs"].values()
             if "kind" in definition.get("properties", {})}
    assert set(kinds) == {"connect", "exchange", "concurrency", "interleaved", "client", "idle", "restart", "burst", "hang-up"}
    assert set(kinds["idle"]["properties"]) == {"kind", "settle", "window", "max_cpu"}
    assert set(kinds["connect"]["properties"]) == {"kind", "settle"}
    assert set(kinds["concurrency"]["properties"]) == {"kind", "connections", "waves", "answer_within", "settle"}
    probes = generated["$defs"]["Stage"]["properties"]["probes"]["items"]
    assert probes["discriminator"]["propertyName"] == "kind"
    assert set(probes["discriminator"]["mapping"]) == set(kinds)


def test_manifests_name_their_schema():
    for manifest, expected in ((COURSE, "schema/stages.schema.json"), (EXAMPLE, "stages.schema.json")):
        first = manifest.read_text().splitlines()[0]
        assert first == f"# yaml-language-server: $schema={expected}"
        assert (manifest.parent / expected).is_file()


def test_schemas_accept_the_manifests_and_reject_mistakes():
    jsonschema = pytest.importorskip("jsonschema")
    shared = json.loads(schema.SHARED.read_text())
    own = json.loads((EXAMPLE.parent / "stages.schema.json").read_text())
    course = yaml.safe_load(COURSE.read_text())
    jsonschema.Draft202012Validator(shared).validate(course)
    jsonschema.Draft202012Validator(own).validate(yaml.safe_load(EXAMPLE.read_text()))
    course["tracks"][0]["stages"][5]["probes"][0]["waves"] = 0
    course["tracks"][0]["stages"][0]["tittle"] = "misspelt"
    errors = list(jsonschema.Draft202012Validator(shared).iter_errors(course))
    assert len(errors) == 2
