"""The `nervecenter` command. Each command lives in nervecenter/commands/ and is imported only
when it runs, so that `nervecenter --help` stays instant."""

from __future__ import annotations

import atexit
import gc
import importlib
import sys

import click

# command name -> "module:attribute" under nervecenter.commands
COMMANDS = {
    "init": "setup:init",
    "check": "setup:check",
    "plugins": "setup:plugins",
    "schema": "setup:schema",
    "cases": "evaluate:cases",
    "status": "evaluate:status",
    "conflicts": "evaluate:conflicts",
    "coverage": "ahead:coverage",
    "import": "data:import_",
    "export": "data:export",
    "audit": "data:audit",
    "renew": "data:renew",
    "ce": "data:ce",
    "db": "data:db",
    "run": "alerting:run",
    "alerts": "alerting:alerts",
    "daemon": "alerting:daemon",
    "serve": "web:serve",
    "whatif": "ahead:whatif",
    "users": "web:users",
}

SHORT_HELP = {
    "init": "Write a working example practice to DIR.",
    "check": "Validate the configuration and plugins.",
    "plugins": "List plugins, credential types, rule kinds and channels.",
    "schema": "Print the JSON Schemas of the YAML files.",
    "cases": "Clearance of upcoming cases, with problems and backups.",
    "status": "Credentials due soon, by person.",
    "conflicts": "Facilities whose requirements for a credential type differ.",
    "coverage": "Who is cleared at each facility, week by week ahead.",
    "import": "Import people, credentials and cases from YAML, CSV, XLSX or ICS.",
    "export": "Export people, credentials and cases as CSV.",
    "audit": "The credentialing packet for one facility on a date.",
    "renew": "Record a renewal (submitted, or a new expiry).",
    "ce": "Continuing-education hours of a person against requirements.",
    "db": "Database maintenance (upgrade, backup).",
    "run": "Import sources, evaluate, plan and deliver alerts.",
    "alerts": "Plan, list and silence alerts.",
    "daemon": "Run on schedule: evaluations, digests, retries.",
    "serve": "The web dashboard and JSON API.",
    "whatif": "What a change would do to the cases and coverage ahead.",
    "users": "Manage dashboard users and API tokens.",
}


class LazyGroup(click.Group):
    """Imports a command's module only when that command is invoked (or its help is shown)."""

    def list_commands(self, ctx):
        return sorted(set(COMMANDS) | set(self.commands) | set(_plugin_commands()))

    def get_command(self, ctx, name):
        if name in self.commands:
            return self.commands[name]
        if name in COMMANDS:
            module, attr = COMMANDS[name].split(":")
            return getattr(importlib.import_module(f"nervecenter.commands.{module}"), attr)
        return _plugin_commands().get(name)

    def format_commands(self, ctx, formatter):
        rows = [(name, SHORT_HELP.get(name) or _short(self.get_command(ctx, name)))
                for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _short(cmd) -> str:
    return cmd.get_short_help_str() if cmd else ""


_plugin_cache: dict | None = None


def _plugin_commands() -> dict:
    """Commands that third-party plugins add through the `register_commands` hook."""
    global _plugin_cache
    if _plugin_cache is None:
        _plugin_cache = {}
        try:
            from nervecenter.core.plugins import plugin_commands
        except ImportError:
            return _plugin_cache
        _plugin_cache = plugin_commands()
    return _plugin_cache


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="nervecenter")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def cli(ctx, debug):
    """NerveCenter: credential tracking and pre-case clearance for IONM practices."""
    ctx.obj = {"debug": debug}


def main(argv=None):
    """Entry point: user errors become one line per problem on stderr and exit code 1."""
    from nervecenter.core.errors import NerveCenterError

    # Nothing is left to collect at exit, yet the interpreter's last collections walked every
    # object a command had made (0.3 s CPU after a daily `run` at 5,000 people): frozen first.
    atexit.unregister(gc.freeze)  # once, however often main() is called in one process
    atexit.register(gc.freeze)
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        cli.main(args=argv, prog_name="nervecenter", standalone_mode=False)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except click.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except NerveCenterError as e:
        if debug:
            raise
        for line in str(e).splitlines():
            click.echo(line, err=True)
        sys.exit(1)
    except OSError as e:
        import errno

        if debug or e.errno != errno.ENOSPC:
            raise
        from nervecenter.core.errors import DiskFull

        click.echo(DiskFull(e.filename), err=True)  # a file being written; the database as was
        sys.exit(1)
    sys.exit(0)
