"""The `ionm` plugin: the ten credential types of an IONM practice (ABRET boards, D.ABNM, AHA
cards, state licences, facility privileges), defined in the YAML files beside this module."""

from __future__ import annotations

from pathlib import Path

from nervecenter import hookimpl

PLUGIN_NAME = "ionm"
TYPES = Path(__file__).parent


@hookimpl
def register_credential_types(register):
    for path in sorted(TYPES.glob("*.yaml")):
        register(path)
