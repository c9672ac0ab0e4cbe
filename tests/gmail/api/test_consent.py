"""A partial grant: the user leaves a scope unticked on Google's consent page (the page shows
one checkbox per scope; ``tests/gmailfake/oauth.py`` answers with the scopes granted only, as
Google does). `relance setup` must say which permission is missing and why relance needs it,
and keep no token that would fail later. And what the user already set in Gmail (the name and
signature of settings.sendAs, the language of settings.getLanguage) is offered as the default.
Driven like ``tests/cli/test_setup.py``."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from relance.daemon.cli.main import cli
from relance.daemon.core.errors import PermanentMailboxError
from relance.daemon.cycle.config import load_config
from relance.gmail.api.quota import SCOPE_COMPOSE
from tests.cli.test_setup import (  # noqa: F401 -- fixtures
    ME,
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


def test_the_name_signature_and_language_set_in_gmail_are_offered(
        tmp_path: Path, fake: OAuthGmailFake) -> None:  # noqa: F811
    acc = fake.accounts[ME]
    # as Gmail's settings hold them: the signature is HTML from the web app's editor
    acc.display_name = "Claire Martin"
    acc.signature_html = '<div dir="ltr">Claire Martin<br>Atelier Martin &middot; Lyon</div>'
    acc.language = "fr-CA"
    client = fake.client_file(tmp_path / "client_secret_123.apps.json")
    env = env_for(tmp_path, fake)
    # the user presses Enter at the name, signature and language questions
    result = CliRunner().invoke(cli, ["setup"], obj=env, input=answers(
        "gmail", str(client), "", "", "", "Europe/Paris", "30"))
    assert result.exit_code == 0, result.output
    assert "[Claire Martin]" in result.output and "[fr]" in result.output
    config = load_config(env.config_file, env.environ)  # type: ignore[arg-type]
    assert config.sender.name == "Claire Martin"
    assert config.sender.signature == "Claire Martin\nAtelier Martin · Lyon"
    assert config.language == "fr"


def test_without_gmail_settings_the_old_defaults_stay(
        tmp_path: Path, fake: OAuthGmailFake) -> None:  # noqa: F811
    fake.accounts[ME].language = "ja"  # a language relance does not write in
    client = fake.client_file(tmp_path / "client_secret_123.apps.json")
    env = env_for(tmp_path, fake)
    result = CliRunner().invoke(cli, ["setup"], obj=env, input=answers(
        "gmail", str(client), "", "", "", "Europe/Paris", "30"))
    assert result.exit_code == 0, result.output
    config = load_config(env.config_file, env.environ)  # type: ignore[arg-type]
    assert config.sender.name == ME.split("@")[0] and config.language == "en"
