"""Third-party plugins installed beside the project (CI installs tests/fixtures/
nervecenter-sleep-lab): tests that count or list what the built-in plugins provide either
leave these out of the count or switch them off (the `builtin_plugins` fixture in conftest.py)."""

from __future__ import annotations

import importlib.metadata

from nervecenter.core import plugins


def third_party() -> set[str]:
    """Names of the installed plugins that are not part of the nervecenter distribution."""
    return {ep.name for ep in importlib.metadata.entry_points(group=plugins.ENTRY_POINT_GROUP)
            if not ep.dist or ep.dist.name != "nervecenter"}


def built_in_types(types: dict) -> dict:
    """Credential types (id -> CredentialType) without those of third-party plugins."""
    others = third_party()
    return {k: t for k, t in types.items() if t.plugin not in others}
