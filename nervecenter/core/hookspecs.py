"""The hooks a NerveCenter plugin can implement. Each receives a `register` callback (or the CLI
group) and calls it once per thing it adds; docs/plugins.md has a section per hook."""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("nervecenter")
hookimpl = pluggy.HookimplMarker("nervecenter")


@hookspec
def register_credential_types(register):
    """Add credential types: call register(dict) or register(path to a YAML file) for each."""


@hookspec
def register_rule_kinds(register):
    """Add requirement rule kinds (`rule: <id>`): call register(RuleKind) for each."""


@hookspec
def register_channels(register):
    """Add alert channel kinds beside Apprise: call register(ChannelKind) for each."""


@hookspec
def register_commands(cli):
    """Add commands to the `nervecenter` click group: decorate functions with @cli.command()."""
