"""The plugin manager: NerveCenter's own features and third-party packages, through the same hooks.

Built-in plugins (the top-level `plugins/` folder, installed as `nervecenter.plugins`) and
third-party packages alike declare an entry point in the group `nervecenter`; all are loaded once,
on first use. What the plugins register is
collected into a `Registry`, each item remembering the plugin that added it.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib.metadata
import os
import re
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import pluggy

from nervecenter.core import hookspecs
from nervecenter.core.errors import PluginError
from nervecenter.core.model import RuleKind

ENTRY_POINT_GROUP = "nervecenter"
# Plugin names (comma- or space-separated) that are not loaded at all, built-in or installed:
# a broken or unwanted plugin is switched off without uninstalling it.
DISABLE_ENV = "NERVECENTER_DISABLE_PLUGINS"


def disabled_plugins() -> set[str]:
    return {n for n in os.environ.get(DISABLE_ENV, "").replace(",", " ").split() if n}


@dataclass(frozen=True)
class PluginInfo:
    name: str
    version: str
    module: str
    package: str | None = None  # the distribution of a third-party plugin; None when built in


@dataclass(frozen=True)
class TypeSource:
    """One credential type as a plugin registered it: a dict, or the path of a YAML file."""

    plugin: str
    data: dict | None = None
    path: Path | None = None


@dataclass
class Registry:
    """Everything the loaded plugins registered."""

    plugins: dict[str, PluginInfo] = field(default_factory=dict)
    credential_types: list[TypeSource] = field(default_factory=list)
    rule_kinds: dict[str, RuleKind] = field(default_factory=dict)
    channels: dict[str, Any] = field(default_factory=dict)  # id -> ChannelKind
    channel_plugins: dict[str, str] = field(default_factory=dict)  # channel id -> plugin name


@dataclass
class _Loaded:
    pm: pluggy.PluginManager
    plugins: dict[str, PluginInfo]
    failures: list[str]
    registry: Registry | None = None


_loaded: _Loaded | None = None
_lock = threading.RLock()  # the web server's threads may load plugins at the same moment


def _where(exc: BaseException) -> str:
    """`file:line: ` of the innermost frame of real source in a traceback, or ''."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith("<")]
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"{exc.filename}:{exc.lineno}: "
    return f"{frames[-1].filename}:{frames[-1].lineno}: " if frames else ""


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


HOOKS = sorted(n for n in dir(hookspecs) if n.startswith("register_"))


def _invalid(who: str, exc: pluggy.PluginValidationError) -> str:
    """A hook that does not exist or takes the wrong arguments, with the closest hook's name."""
    match = re.search(r"unknown hook '([^']+)'", str(exc))
    if match:
        close = difflib.get_close_matches(match.group(1), HOOKS, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return (f"plugin {who!r}: unknown hook {match.group(1)!r}; {hint}"
                f"the hooks are {', '.join(HOOKS)} (docs/plugins.md)")
    return f"plugin {who!r}: {exc}; check the hook's arguments in docs/plugins.md"


def _load() -> _Loaded:
    pm = pluggy.PluginManager("nervecenter")
    pm.add_hookspecs(hookspecs)
    plugins: dict[str, PluginInfo] = {}
    failures: list[str] = []

    def add(module, info: PluginInfo, who: str) -> None:
        if info.name in plugins:
            failures.append(f"{who}: the plugin name {info.name!r} is already taken by "
                            f"{plugins[info.name].module}; rename the entry point")
            return
        try:
            pm.register(module, name=info.name)
        except pluggy.PluginValidationError as e:
            failures.append(_invalid(info.name, e))
            return
        plugins[info.name] = info

    off = disabled_plugins()
    about: dict[int, tuple] = {}  # each access to a distribution's name or version parses it
    for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        if ep.name in off:  # not even imported: its code does not run
            continue
        if id(ep.dist) not in about:
            meta = ep.dist.metadata if ep.dist else None
            about[id(ep.dist)] = (None, "?") if meta is None else (meta["Name"], meta["Version"])
        dist, version = about[id(ep.dist)]
        built_in = dist == "nervecenter"
        if built_in:  # no package of its own
            dist = None
        who = (f"built-in plugin {ep.name!r}" if built_in
               else f"plugin {ep.name!r} (package {dist or '?'} {version})")
        try:
            module = ep.load()
        except Exception as e:  # noqa: BLE001 - any failure is reported with the plugin's name
            fix = (f"switch it off with {DISABLE_ENV}={ep.name}" if built_in
                   else f"fix it or `pip uninstall {dist or ep.name}`")
            failures.append(f"{_where(e)}{who} failed to load: {_reason(e)}; {fix}")
            continue
        add(module, PluginInfo(ep.name, version, ep.value, dist), who)

    try:
        pm.check_pending()
    except pluggy.PluginValidationError as e:
        failures.append(_invalid(pm.get_name(e.plugin), e))
    return _Loaded(pm, plugins, failures)


def _state() -> _Loaded:
    global _loaded
    with _lock:
        if _loaded is None:
            _loaded = _load()
        return _loaded


def add_plugin(plugin: Any, name: str, version: str = "0", package: str | None = None) -> None:
    """Register a plugin object or module by hand (tests, embedding); forgets what was collected.
    `package` is the distribution it stands for, as an entry point's would be."""
    state = _state()
    try:
        state.pm.register(plugin, name=name)
        state.pm.check_pending()
    except pluggy.PluginValidationError as e:
        state.pm.unregister(name=name)
        raise PluginError(_invalid(name, e)) from None
    state.plugins[name] = PluginInfo(name, version, getattr(plugin, "__name__", repr(plugin)),
                                     package)
    state.registry = None


def reset() -> None:
    """Forget the loaded plugins (tests that install or register plugins call this)."""
    global _loaded
    _loaded = None


def get_plugin_manager() -> pluggy.PluginManager:
    """The plugin manager with built-in and installed plugins; PluginError if any failed to load."""
    state = _state()
    if state.failures:
        raise PluginError("\n".join(state.failures))
    return state.pm


def registry() -> Registry:
    """What every plugin registered; PluginError naming each plugin that failed and why."""
    with _lock:
        return _registry()


def _registry() -> Registry:
    state = _state()
    if state.registry is not None:
        return state.registry
    get_plugin_manager()
    reg = Registry(plugins=dict(state.plugins))
    errors: list[str] = []
    current: list[str] = [""]  # the plugin whose hook is running

    def register_type(item) -> None:
        if isinstance(item, (str, Path)):
            reg.credential_types.append(TypeSource(current[0], path=Path(item)))
        elif isinstance(item, dict):
            reg.credential_types.append(TypeSource(current[0], data=item))
        else:
            raise PluginError(f"register() takes a dict or the path of a YAML file, "
                              f"not {type(item).__name__}")

    def register_rule_kind(kind) -> None:
        if not isinstance(kind, RuleKind):
            raise PluginError(f"register() takes a nervecenter.core.model.RuleKind, "
                              f"not {type(kind).__name__}")
        if kind.id in reg.rule_kinds:
            raise PluginError(f"rule kind {kind.id!r} is already registered by plugin "
                              f"{reg.rule_kinds[kind.id].plugin!r}")
        info = reg.plugins.get(current[0])
        reg.rule_kinds[kind.id] = dataclasses.replace(kind, plugin=current[0],
                                                      package=info.package if info else None)

    def register_channel(kind) -> None:
        kind_id = getattr(kind, "id", None)
        if not kind_id or not getattr(kind, "schemes", None):
            raise PluginError("register() takes a ChannelKind with an `id` and `schemes` "
                              "(nervecenter.core.channels)")
        if kind_id in reg.channels:
            raise PluginError(f"channel {kind_id!r} is already registered by plugin "
                              f"{reg.channel_plugins[kind_id]!r}")
        reg.channels[kind_id] = kind
        reg.channel_plugins[kind_id] = current[0]

    for hook_name, register in (("register_credential_types", register_type),
                                ("register_rule_kinds", register_rule_kind),
                                ("register_channels", register_channel)):
        for impl in getattr(state.pm.hook, hook_name).get_hookimpls():
            current[0] = impl.plugin_name
            try:
                impl.function(*[register for _ in impl.argnames])
            except PluginError as e:
                errors.append(f"plugin {impl.plugin_name!r}, {hook_name}: {e}")
            except Exception as e:  # noqa: BLE001
                errors.append(f"{_where(e)}plugin {impl.plugin_name!r} failed in {hook_name}: "
                              f"{_reason(e)}")
    if errors:
        raise PluginError("\n".join(errors))
    state.registry = reg
    return reg


def commands_by_plugin(tolerant: bool = False) -> dict[str, dict[str, click.Command]]:
    """The commands each plugin adds through `register_commands`, by plugin name.

    `tolerant` skips plugins that failed (so that `nervecenter --help` still works and `check`
    can report them) instead of raising PluginError.
    """
    state = _state()
    if state.failures and not tolerant:
        raise PluginError("\n".join(state.failures))
    result: dict[str, dict[str, click.Command]] = {}
    errors: list[str] = []
    for impl in state.pm.hook.register_commands.get_hookimpls():
        group = click.Group()
        try:
            impl.function(*[group for _ in impl.argnames])
        except Exception as e:  # noqa: BLE001
            errors.append(f"{_where(e)}plugin {impl.plugin_name!r} failed in register_commands: "
                          f"{_reason(e)}")
            continue
        result[impl.plugin_name] = dict(group.commands)
    if errors and not tolerant:
        raise PluginError("\n".join(errors))
    return result


def plugin_commands() -> dict[str, click.Command]:
    """Every command plugins add, by name (cli.py calls this; broken plugins are skipped)."""
    commands: dict[str, click.Command] = {}
    for found in commands_by_plugin(tolerant=True).values():
        commands.update(found)
    return commands


def describe(credential_types: dict) -> list[dict[str, Any]]:
    """Each plugin with its version and what it adds, for `nervecenter plugins`.

    `credential_types` is the loaded types by id (config.plugin_credential_types()), whose
    `.plugin` says which plugin defined each.
    """
    reg = registry()
    commands = commands_by_plugin()
    rows = []
    for info in reg.plugins.values():
        rows.append({
            "name": info.name,
            "version": info.version,
            "package": info.package,
            "module": info.module,
            "credential_types": sorted(t for t, ct in credential_types.items()
                                       if ct.plugin == info.name),
            "rule_kinds": sorted(k for k, rk in reg.rule_kinds.items() if rk.plugin == info.name),
            "channels": sorted(c for c, p in reg.channel_plugins.items() if p == info.name),
            "commands": sorted(commands.get(info.name, {})),
        })
    return rows
