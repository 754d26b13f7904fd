"""The `facility-health` plugin: facility-scoped health and compliance items (TB screening,
influenza vaccine, respirator fit test, background check, HIPAA training), defined in
credential_types/facility-health/*.yaml."""

from __future__ import annotations

from pathlib import Path

from nervecenter.core.hookspecs import hookimpl

PLUGIN_NAME = "facility-health"
TYPES = Path(__file__).parent / "credential_types" / "facility-health"


@hookimpl
def register_credential_types(register):
    for path in sorted(TYPES.glob("*.yaml")):
        register(path)
