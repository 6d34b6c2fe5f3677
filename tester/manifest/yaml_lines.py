"""Line numbers for places in a YAML document, so a manifest error can say where to look.

PyYAML's composed node tree keeps a mark for every key and value; validators speak of places as paths
like ("stages", 3, "probes", 0, "kind"). This module maps one onto the other.
"""

from __future__ import annotations

from typing import Sequence

import yaml


_FAST = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's C parser, where PyYAML was built with it


def compose(text: str) -> yaml.Node | None:
    return parse(text)[0]


def parse(text: str) -> tuple[yaml.Node | None, object]:
    """The document's node tree (for line numbers) and its data, built from that tree: one parse, by the C
    parser where there is one (some ten times faster). Text it refuses is parsed again by the Python parser,
    whose error is the one raised, so a mistake is reported in the same words either way."""
    try:
        return _parse(text, _FAST)
    except yaml.YAMLError:
        if _FAST is yaml.SafeLoader:
            raise
    return _parse(text, yaml.SafeLoader)


def _parse(text: str, loader_class: type) -> tuple[yaml.Node | None, object]:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def duplicate_keys(node: yaml.Node | None, path: tuple = ()) -> list[tuple[tuple, int]]:
    """Keys that appear twice in one mapping (PyYAML would silently keep the last): (path, line)."""
    found: list[tuple[tuple, int]] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if key.value in seen:
                found.append((path + (key.value,), key.start_mark.line + 1))
            seen.add(key.value)
            found.extend(duplicate_keys(value, path + (key.value,)))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            found.extend(duplicate_keys(item, path + (index,)))
    return found


def locate(node: yaml.Node | None, path: Sequence) -> tuple[int | None, tuple]:
    """The 1-based line of the deepest node on `path` that exists (a key's own line when the path ends on
    it), and the steps of `path` that exist. Steps that name no key (a validator's type tags) are skipped."""
    if node is None:
        return None, ()
    line = node.start_mark.line + 1
    found: list = []
    for step in path:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == str(step):
                    line = key.start_mark.line + 1
                    node = value
                    found.append(step)
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            node = node.value[step]
            line = node.start_mark.line + 1
            found.append(step)
    return line, tuple(found)


def dotted(path: Sequence) -> str:
    """A path as people write it: stages[3].probes[0].kind."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text
