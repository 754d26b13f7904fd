"""Setting a practice up: `init`, `check`, `plugins`, `schema`."""

from __future__ import annotations

import importlib.resources
import json
import shutil
from pathlib import Path

import click

from nervecenter.commands.options import config_option
from nervecenter.core.errors import ConfigError
from nervecenter.data.report import counted, table_text

# Written by runs against the example itself; never copied by `init`.
_SKIP = {".nervecenter", "__pycache__"}


def _example_files():
    """(relative path, resource) of every file of the packaged example practice."""
    root = importlib.resources.files("nervecenter") / "example"
    if not root.is_dir():  # an editable install: the checkout's config/example
        root = Path(__file__).resolve().parents[2] / "config" / "example"
    stack = [(root, Path())]
    while stack:
        folder, rel = stack.pop()
        for item in sorted(folder.iterdir(), key=lambda i: i.name):
            if item.name in _SKIP:
                continue
            if item.is_dir():
                stack.append((item, rel / item.name))
            else:
                yield rel / item.name, item


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Write into DIR even when it is not empty.")
@click.option("--blank", is_flag=True, help="An empty practice to fill in instead of the "
              "example: practice.yaml with its keys commented, one facility, an empty roster "
              "and schedule with their headers.")
def init(directory: Path, force: bool, blank: bool):
    """Write a working example practice to DIRECTORY: practice.yaml, facilities/, states/,
    people.yaml and cases.csv of a small IONM practice in Louisiana and Texas (or, with
    --blank, an empty one)."""
    if directory.exists() and any(directory.iterdir()) and not force:
        raise click.ClickException(f"{directory} is not empty; choose a new directory or "
                                   "pass --force to write the example files into it")
    if blank:
        from nervecenter.commands.blank import FILES

        for rel, text in FILES.items():
            (directory / rel).parent.mkdir(parents=True, exist_ok=True)
            (directory / rel).write_text(text, encoding="utf-8")
        click.echo(f"Wrote an empty practice to {directory} ({len(FILES)} files): fill in "
                   "practice.yaml, facilities/, roster.csv and cases.csv.")
        click.echo(f"Next: nervecenter check --config {directory}")
        return
    count = 0
    for rel, resource in _example_files():
        target = directory / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        with resource.open("rb") as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
        count += 1
    click.echo(f"Wrote the example practice to {directory} ({count} files).")
    click.echo(f"Next: nervecenter check --config {directory}")


@click.command()
@config_option
def check(config_dir: str):
    """Validate the configuration, the plugins and the source files; every problem is printed
    as `file:line: message` (exit code 1), or a short summary when all is well."""
    from nervecenter.core.config import load_practice
    from nervecenter.service.check import source_problems, unmeetable

    practice = load_practice(config_dir)
    problems, counts, unreachable = source_problems(practice, config_dir)
    if problems:
        raise ConfigError(problems)
    for warning in [*unmeetable(practice), *unreachable]:
        click.echo(f"warning: {warning}", err=True)
    plugins = {t.plugin for t in practice.credential_types.values()}
    reqs = sum(len(f.requirements) for f in practice.facilities.values()) + \
        sum(len(s.requirements) for s in practice.states.values())
    click.echo(f"OK: {practice.name} ({config_dir})")
    click.echo(f"  {counted(len(practice.credential_types), 'credential type')} from "
               f"{', '.join(sorted(plugins))}; {counted(len(practice.rule_kinds), 'rule kind')}")
    click.echo(f"  {counted(len(practice.facilities), 'facility', 'facilities')}, "
               f"{counted(len(practice.states), 'state')}, "
               f"{counted(reqs, 'requirement')}")
    click.echo(f"  {counted(counts['person'], 'person', 'people')}, "
               f"{counted(counts['credential'], 'credential')}, "
               f"{counted(counts['ce'], 'CE entry', 'CE entries')}, {counted(counts['case'], 'case')}")


def _plugin_report() -> dict:
    from nervecenter.core import config, plugins

    types = config.plugin_credential_types()
    reg = plugins.registry()
    return {
        "plugins": plugins.describe(types),
        "credential_types": [
            {"id": t.id, "name": t.name, "scope": t.scope, "issuer": t.issuer,
             "holders": list(t.holders), "validity_months": t.validity_months,
             "expiry": t.expiry, "grace_days": t.grace_days,
             "renewal_lead_days": t.renewal_lead_days, "plugin": t.plugin,
             "sources": dict(t.sources)}
            for t in sorted(types.values(), key=lambda t: (t.plugin, t.id))],
        "rule_kinds": [{"id": k.id, "description": k.description, "plugin": k.plugin}
                       for k in sorted(reg.rule_kinds.values(), key=lambda k: k.id)],
        "channels": [{"id": cid, "schemes": sorted(getattr(ch, "schemes", ()) or ()),
                      "plugin": reg.channel_plugins[cid]}
                     for cid, ch in sorted(reg.channels.items())],
    }


@click.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="Output format.")
def plugins(fmt: str):
    """List the installed plugins with their versions and what each adds: credential types,
    rule kinds, channels, commands."""
    report = _plugin_report()
    if fmt == "json":
        click.echo(json.dumps(report, indent=2))
        return
    lines = []
    for p in report["plugins"]:
        origin = f"package {p['package']}" if p["package"] else "built in"
        lines.append(f"{p['name']} {p['version']} ({origin})")
        for key, label in (("credential_types", "credential types"), ("rule_kinds", "rule kinds"),
                           ("channels", "channels"), ("commands", "commands")):
            if p[key]:
                lines.append(f"  {label}: {', '.join(p[key])}")
    lines.append("")
    lines.append("Credential types")
    rows = [[t["id"], t["name"], t["scope"],
             f"{t['validity_months']} mo" if t["validity_months"] else "",
             t["expiry"] + (f", grace {t['grace_days']} d" if t["grace_days"] else ""),
             f"{t['renewal_lead_days']} d" if t["renewal_lead_days"] else ""]
            for t in report["credential_types"]]
    lines += ["  " + r for r in table_text(["id", "name", "scope", "validity", "expiry",
                                              "lead"], rows)]
    lines += ["", "Sources (where each fact of a type comes from)"]
    for t in report["credential_types"]:
        facts = t["sources"] or {"": "none given"}
        lines += [f"  {t['id']}"] + [f"    {fact}: {text}" if fact else f"    {text}"
                                     for fact, text in facts.items()]
    if report["rule_kinds"]:
        lines += ["", "Rule kinds"]
        lines += [f"  {k['id']} ({k['plugin']}): {k['description']}" for k in report["rule_kinds"]]
    if report["channels"]:
        lines += ["", "Channels"]
        lines += [f"  {c['id']} ({c['plugin']}): {', '.join(c['schemes'])}"
                  for c in report["channels"]]
    click.echo("\n".join(lines))


@click.command()
@click.argument("name", required=False)
@click.option("--out", "out", type=click.Path(file_okay=False), default=None,
              help="Write each schema to DIR/<name>.json (what the `# yaml-language-server: "
                   "$schema=` line of each YAML file points at) instead of printing.")
def schema(name: str | None, out: str | None):
    """Print the JSON Schema (Draft 2020-12) of a YAML file: practice, facility, state,
    credential_type or people; all of them, by name, without NAME."""
    from nervecenter.core import plugins
    from nervecenter.data import published_schemas

    found = published_schemas.published(plugins.registry().rule_kinds)
    if name is not None and name not in found:
        raise click.BadParameter(f"{name!r} is not a schema; use one of "
                                 f"{', '.join(found)}", param_hint="NAME")
    chosen = found if name is None else {name: found[name]}
    if out is not None:
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        for n, s in chosen.items():
            (folder / f"{n}.json").write_text(json.dumps(s, indent=2) + "\n")
        click.echo(f"wrote {', '.join(f'{n}.json' for n in chosen)} to {folder}")
        return
    click.echo(json.dumps(found if name is None else found[name], indent=2))
