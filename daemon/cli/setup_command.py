"""The `relance setup` command: the wizard of ``relance.daemon.setup`` behind click."""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING

import click

from .env import Environment

if TYPE_CHECKING:
    from .setup import SetupEnv


def _setup_env(obj: Environment | None, endpoint: str | None) -> SetupEnv:
    """The command's environment as a ``SetupEnv`` (tests hand one in with a stand-in
    browser; otherwise it is built from the group's ``Environment``); ``endpoint`` None keeps
    its Gmail endpoint (Google's unless a test set another)."""
    from .setup import SetupEnv

    if isinstance(obj, SetupEnv):
        if endpoint is not None:
            obj.gmail_endpoint = endpoint
        return obj
    base = obj or Environment()
    values = {f.name: getattr(base, f.name) for f in fields(Environment)}
    setup_env = SetupEnv(**values)
    if endpoint is not None:
        setup_env.gmail_endpoint = endpoint
    return setup_env


@click.command(help="Connect your mailbox (Gmail or IMAP) and write config.toml, step by step. "
                    "Running it again changes only what it asks about.")
@click.option("--provider", type=click.Choice(["gmail", "imap"]), default=None,
              help="The kind of account (default: asked).")
@click.option("--no-browser", is_flag=True,
              help="No browser on this machine (SSH): open the consent page on any device and "
                   "paste back the address it lands on.")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="Loopback port for Google's answer (default: a free one). With "
                   "--no-browser: wait on it, for an SSH port forward.")
@click.option("--api-endpoint", default=None, hidden=True,
              help="The Gmail API's address (default: Google's; tests point it at a local "
                   "server).")
@click.pass_context
def setup(ctx: click.Context, provider: str | None, no_browser: bool, port: int | None,
          api_endpoint: str | None) -> None:
    from .setup import SetupOptions, run_setup

    run_setup(_setup_env(ctx.obj, api_endpoint),
              SetupOptions(provider=provider, no_browser=no_browser, port=port))
