"""The `ionm` plugin: the credential types of an IONM practice (ABRET boards; the readers' boards
D.ABNM, ABCN and ABPN clinical neurophysiology; AHA cards; state licences; facility privileges),
defined in the YAML files beside this module, each fact with its source (`sources:`)."""

from __future__ import annotations

from pathlib import Path

from nervecenter import hookimpl

PLUGIN_NAME = "ionm"
TYPES = Path(__file__).parent


@hookimpl
def register_credential_types(register):
    for path in sorted(TYPES.glob("*.yaml")):
        register(path)
