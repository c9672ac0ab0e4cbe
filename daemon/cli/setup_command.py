"""The `relance setup` command: the wizard of ``relance.daemon.setup`` behind click."""

from __future__ import annotations

from dataclasses import fields

import click

from ...gmail.api.mailbox import GOOGLE_ENDPOINT
from .env import Environment
from .setup import SetupEnv, SetupOptions, run_setup


def _setup_env(obj: Environment | None, endpoint: str) -> SetupEnv:
    """The command's environment as a ``SetupEnv`` (tests hand one in with a stand-in
    browser; otherwise it is built from the group's ``Environment``)."""
    if isinstance(obj, SetupEnv):
        if endpoint != GOOGLE_ENDPOINT:
            obj.gmail_endpoint = endpoint
        return obj
    base = obj or Environment()
    values = {f.name: getattr(base, f.name) for f in fields(Environment)}
    return SetupEnv(**values, gmail_endpoint=endpoint)


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
@click.option("--api-endpoint", default=GOOGLE_ENDPOINT, hidden=True,
              help="The Gmail API's address (tests point it at a local server).")
@click.pass_context
def setup(ctx: click.Context, provider: str | None, no_browser: bool, port: int | None,
          api_endpoint: str) -> None:
    run_setup(_setup_env(ctx.obj, api_endpoint),
              SetupOptions(provider=provider, no_browser=no_browser, port=port))
