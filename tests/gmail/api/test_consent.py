"""A partial grant: the user leaves a scope unticked on Google's consent page (the page shows
one checkbox per scope; ``tests/gmailfake/oauth.py`` answers with the scopes granted only, as
Google does). `relance setup` must say which permission is missing and why relance needs it,
and keep no token that would fail later. Driven like ``tests/cli/test_setup.py``."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from relance.daemon.cli.main import cli
from relance.daemon.core.errors import PermanentMailboxError
from relance.gmail.api.quota import SCOPE_COMPOSE
from tests.cli.test_setup import (  # noqa: F401 -- fixtures
    answers,
    env_for,
    fake,
    local_oauth,
    settings_answers,
)
from tests.gmailfake.oauth import OAuthGmailFake


def test_a_scope_left_unticked_is_named_and_no_token_is_kept(
        tmp_path: Path, fake: OAuthGmailFake) -> None:  # noqa: F811
    fake.unticked = {SCOPE_COMPOSE}
    client = fake.client_file(tmp_path / "client_secret_123.apps.json")
    env = env_for(tmp_path, fake)
    result = CliRunner().invoke(cli, ["setup"], obj=env, input=answers(
        "gmail", str(client), *settings_answers()))
    # the error the CLI's edge prints (relance.daemon.cli.main turns it into a message)
    assert isinstance(result.exception, PermanentMailboxError), result.output
    assert "(left unticked: gmail.compose)" in str(result.exception)
    assert not list(tmp_path.rglob("gmail-token.json"))
