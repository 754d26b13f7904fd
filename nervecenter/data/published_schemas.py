"""The JSON Schemas as `nervecenter schema` publishes them for editors and plain validators.

The loader (core.config) reads requirements with the looser `schemas.REQUIREMENT` and checks the
rest itself, so that its messages name the exact key and fix; the published facility and state
schemas say as much of that as JSON Schema can.
"""

from __future__ import annotations

import copy

from nervecenter.core import schemas

KINDS = ("credential", "any_of", "rule")


def _described(description: str, schema: dict) -> dict:
    return {"description": description, **schema}


def strict_requirement(rule_kinds: dict) -> dict:
    """One requirement as strictly as JSON Schema can say what the loader checks: exactly one of
    credential / any_of / rule (`oneOf`), and with `rule:` only that rule kind's own keys
    (its `params_schema`), required ones included."""
    common = {k: v for k, v in schemas.REQUIREMENT_PROPERTIES.items() if k not in KINDS}

    def kind(key: str, description: str, properties: dict, required: list) -> dict:
        return _described(description, {
            "type": "object", "additionalProperties": False, "required": [key, *required],
            "properties": {**common, key: schemas.REQUIREMENT_PROPERTIES[key], **properties}})
    branches = [kind("credential", "A credential type is required.", {}, []),
                kind("any_of", "Any one of several credential types is required.", {}, [])]
    for k in sorted(rule_kinds.values(), key=lambda k: k.id):
        own = copy.deepcopy(k.params_schema.get("properties", {}))
        branch = kind("rule", f"Rule {k.id}: {k.description}", own,
                      list(k.params_schema.get("required", [])))
        branch["properties"]["rule"] = _described(schemas.REQUIREMENT_PROPERTIES["rule"]["description"],
                                          {"const": k.id})
        branches.append(branch)
    if not rule_kinds:
        branches.append(kind("rule", "A rule kind from a plugin.", {}, []))
    return _described(schemas.REQUIREMENT["description"], {"type": "object", "oneOf": branches})


def with_rule_kinds(schema: dict, rule_kinds: dict) -> dict:
    """`schema` (facility or state) as published for editors and validators: each requirement is
    `strict_requirement`. The loader reads with the looser REQUIREMENT and checks the rest itself,
    so that its messages name the exact key and fix."""
    schema = copy.deepcopy(schema)
    schema["properties"]["requirements"]["items"] = strict_requirement(rule_kinds)
    return schema


def published(rule_kinds: dict) -> dict[str, dict]:
    """Every schema as `nervecenter schema` gives it, by name."""
    return {n: with_rule_kinds(s, rule_kinds) if n in ("facility", "state") else s
            for n, s in schemas.SCHEMAS.items()}
