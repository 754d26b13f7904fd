"""The `facility-health` plugin: facility-scoped health and compliance items (TB screening,
influenza vaccine, respirator fit test, bloodborne pathogens training, background check, HIPAA
training) and the immunity records a facility asks for once (hepatitis B, MMR, varicella; Tdap
with its booster), defined in the YAML files beside this module, each fact with its source."""

from __future__ import annotations

from pathlib import Path

from nervecenter import hookimpl

PLUGIN_NAME = "facility-health"
TYPES = Path(__file__).parent


@hookimpl
def register_credential_types(register):
    for path in sorted(TYPES.glob("*.yaml")):
        register(path)
