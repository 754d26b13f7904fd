"""NerveCenter: credential tracking and pre-case clearance for IONM practices.

The public surface, for plugin authors and library users; everything else is internal.

    from nervecenter import hookimpl, RuleKind, ChannelKind, DeliveryError   # plugins
    from nervecenter import open_workspace                                    # library use
    ws = open_workspace("config/example")
    evaluation = ws.evaluate()

The workspace and the engine load on first use, so that `import nervecenter` (and a plugin's own
import of it) stays cheap.
"""

from __future__ import annotations

import importlib

from nervecenter.core.channels import ChannelKind, mask_url, scrub
from nervecenter.core.errors import (
    ConfigError,
    DatabaseError,
    DeliveryError,
    FileProblem,
    NerveCenterError,
    PluginError,
)
from nervecenter.core.hookspecs import hookimpl
from nervecenter.core.model import Case, Requirement, RuleKind

__version__ = "0.1.0"

# name -> module that defines it, imported when the name is first used
_LAZY = {
    "CaseSchedule": "nervecenter.rules.schedule",
    "case_end": "nervecenter.rules.schedule",
    "check_input_size": "nervecenter.core.limits",
    "evaluate": "nervecenter.rules.evaluate",
    "Evaluation": "nervecenter.rules.results",
    "OUTCOMES": "nervecenter.rules.results",
    "REASONS": "nervecenter.rules.results",
    "Workspace": "nervecenter.service.workspace",
    "decide_screening": "nervecenter.service.actions",
    "screen": "nervecenter.service.actions",
    "open_workspace": "nervecenter.service.workspace",
}

__all__ = [
    "OUTCOMES",
    "REASONS",
    "Case",
    "CaseSchedule",
    "ChannelKind",
    "ConfigError",
    "DatabaseError",
    "DeliveryError",
    "Evaluation",
    "FileProblem",
    "NerveCenterError",
    "PluginError",
    "Requirement",
    "RuleKind",
    "Workspace",
    "__version__",
    "case_end",
    "check_input_size",
    "decide_screening",
    "evaluate",
    "hookimpl",
    "mask_url",
    "open_workspace",
    "screen",
    "scrub",
]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'nervecenter' has no attribute {name!r}")
