"""`nervecenter serve` and `nervecenter users`: the dashboard and who may use it."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from nervecenter.commands.options import config_option, format_option, on_option, workspace
from nervecenter.core.errors import NerveCenterError


def _addresses(ctx, param, values: tuple[str, ...]) -> tuple[str, ...]:
    import ipaddress

    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise click.BadParameter(f"{value!r} is not an IP address or network (e.g. 10.0.0.5 "
                                     "or 10.0.0.0/24)") from None
    return values


def _proxy_headers(proxies: tuple[str, ...]) -> dict:
    """uvicorn's settings: forwarded headers believed from these proxies only, else from none
    (uvicorn's default would believe 127.0.0.1, or $FORWARDED_ALLOW_IPS)."""
    if not proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": list(proxies)}


@click.command()
@config_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 for every interface).")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Processes answering requests (one of them evaluates after a change, the "
                   "others load its result; sessions work across them).")
@click.option("--proxy", "proxies", multiple=True, metavar="ADDRESS", callback=_addresses,
              help="A reverse proxy's address or network (repeatable): its X-Forwarded-For "
                   "and X-Forwarded-Proto are believed, so that the login throttle counts each "
                   "client's address, not the proxy's.")
@on_option
def serve(config_dir, host, port, workers, proxies, on):
    """The web dashboard and JSON API (OpenAPI at /openapi.json)."""
    import logging
    import os

    import uvicorn

    from nervecenter.web import app as web_app

    # Built here once even with several workers: it checks the configuration and the database
    # before any worker starts, and makes the session key file they all read.
    app = web_app.create_app(config_dir, on=on)
    if not app.state.users.all():
        click.echo("No users yet: add one with `nervecenter users add NAME --role manager`.",
                   err=True)
    click.echo(f"NerveCenter for {app.state.workspace.practice.name} on http://{host}:{port}/"
               + (f" ({workers} workers)" if workers > 1 else ""), err=True)
    if workers == 1:
        logging.getLogger("uvicorn.access").addFilter(web_app.RedactTokens())
        uvicorn.run(app, host=host, port=port, log_level="info", log_config=_log_config(),
                    **_proxy_headers(proxies))
        return
    app.state.workspace.store.engine.dispose()  # no connection crosses into the workers
    os.environ[web_app.CONFIG_ENV] = str(Path(config_dir).resolve())
    if on is not None:
        os.environ[web_app.ON_ENV] = on.isoformat()
    uvicorn.run("nervecenter.web.app:app_from_environment", factory=True, workers=workers,
                host=host, port=port, log_level="info", log_config=_log_config(),
                **_proxy_headers(proxies))


def _log_config() -> dict:
    """uvicorn's logging, and NerveCenter's own lines beside it (each evaluation the process
    computes: `nervecenter.evaluation`), in every worker."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["nervecenter"] = {"handlers": ["default"], "level": "INFO",
                                        "propagate": False}
    return config


@click.group()
def users():
    """Manage dashboard users and API tokens."""


def _users(config_dir):
    from nervecenter.store.users import Users

    ws = workspace(config_dir)
    return ws, Users(ws.store.engine)


def _read_password(name: str) -> str:
    if sys.stdin.isatty():
        return click.prompt(f"Password for {name}", hide_input=True, confirmation_prompt=True)
    line = sys.stdin.readline()
    if not line.strip():
        raise NerveCenterError("no password on standard input; pipe one line, "
                               "or run in a terminal to be prompted")
    return line.rstrip("\r\n")


@users.command("add")
@config_option
@click.argument("name")
@click.option("--role", type=click.Choice(["manager", "person"]), required=True)
@click.option("--person", "person_id", metavar="ID",
              help="The person this user is (required for --role person).")
def add(config_dir, name, role, person_id):
    """Add user NAME; the password is read from standard input or prompted."""
    ws, accounts = _users(config_dir)
    if person_id is not None:
        ws.sync_sources()
        known = ws.store.people_roles()
        if person_id not in known:
            import difflib

            close = difflib.get_close_matches(person_id, sorted(known), n=1)
            hint = f" (did you mean {close[0]}?)" if close else "; import people.yaml first"
            raise NerveCenterError(f"no person {person_id!r} in the database{hint}")
    password = _read_password(name)
    user = accounts.add(name, role, password, person=person_id)
    bound = f" for person {user.person}" if user.person else ""
    click.echo(f"Added {user.role} {user.name}{bound}.")


@users.command("token")
@config_option
@click.argument("name")
@click.option("--revoke", is_flag=True, help="End NAME's token without making a new one.")
def token(config_dir, name, revoke):
    """Print a new API token for NAME (the old one stops working); --revoke ends it."""
    _, accounts = _users(config_dir)
    if revoke:
        accounts.revoke_token(name)
        click.echo(f"The API token of {name} no longer works.")
        return
    click.echo(accounts.new_token(name))


@users.command("password")
@config_option
@click.argument("name")
def password(config_dir, name):
    """Set a new password for NAME (read from standard input or prompted)."""
    _, accounts = _users(config_dir)
    if accounts.get(name) is None:
        raise NerveCenterError(f"no user {name}; `nervecenter users list` shows them")
    accounts.set_password(name, _read_password(name))
    click.echo(f"Password of {name} changed; their sessions and API token ended.")


@users.command("remove")
@config_option
@click.argument("name")
def remove(config_dir, name):
    """Remove user NAME (their sessions, token and calendar links stop working)."""
    _, accounts = _users(config_dir)
    accounts.remove(name)
    click.echo(f"Removed {name}.")


@users.command("list")
@config_option
@format_option
def list_(config_dir, fmt):
    """List the users with their roles (and the person a person user is)."""
    from nervecenter.data.listings import render_users

    _, accounts = _users(config_dir)
    text = render_users(accounts.all(), fmt)
    if text:
        click.echo(text)
