"""`relance setup` end to end: the wizard driven through its prompts, the real OAuth libraries
against local consent and token endpoints (``tests/gmailfake/oauth.py``), a stand-in browser,
and the result used as relance uses it: ``load_config`` and ``open_gmail_mailbox``."""

from __future__ import annotations

import http.client
import json
import os
import stat
import subprocess
import sys
import threading
import time
import tomllib
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httplib2
import pytest
from click.testing import CliRunner

from relance.daemon.cli.main import cli
from relance.daemon.cli.setup import SetupEnv
from relance.daemon.cli.setup_config import update_config_text
from relance.daemon.cli.wiring import open_gmail_mailbox
from relance.daemon.core.errors import PermanentMailboxError, UsageError
from relance.daemon.cycle.config import load_config
from relance.gmail.api.quota import SCOPE_COMPOSE, SCOPE_MODIFY, SCOPE_READ
from tests.gmailfake.oauth import OAuthGmailFake

ME = "claire@atelier-martin.example"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def local_oauth(monkeypatch: pytest.MonkeyPatch) -> None:
    # oauthlib insists on https; these endpoints are on loopback, in a test.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake() -> Iterator[OAuthGmailFake]:
    server = OAuthGmailFake().start()
    server.add_account(ME)
    server.consent_as = ME
    yield server
    server.stop()


def stand_in_browser(url: str) -> None:
    """What a browser does once the user presses Allow: load the consent page and follow its
    redirect to relance's loopback address."""
    def visit() -> None:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            opener.open(url, timeout=10).read()
        except OSError:
            pass  # a refused consent's redirect still reaches relance; its page may be an error
    threading.Thread(target=visit, daemon=True).start()


def env_for(tmp_path: Path, fake: OAuthGmailFake) -> SetupEnv:
    return SetupEnv(environ={"HOME": str(tmp_path), "DISPLAY": ":0"}, clock=lambda: NOW,
                    config_file=tmp_path / "conf" / "config.toml", browser=stand_in_browser,
                    gmail_endpoint=fake.url, http=httplib2.Http(proxy_info=None))


def answers(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def settings_answers(days: str = "45") -> list[str]:
    return ["Claire Martin", r"Claire Martin\nAtelier Martin, Lyon", "fr", "Europe/Paris", days]


def test_gmail_setup_with_a_browser_ends_in_a_working_config_and_token(
        tmp_path: Path, fake: OAuthGmailFake) -> None:
    client = fake.client_file(tmp_path / "client_secret_123.apps.json")
    env = env_for(tmp_path, fake)
    result = CliRunner().invoke(cli, ["setup"], obj=env, input=answers(
        "gmail", str(client), *settings_answers()))
    assert result.exit_code == 0, result.output
    assert "gmail.modify scope is restricted" in result.output  # labels: not built, no question
    assert "Desktop app" in result.output and "In production" in result.output
    assert f"Connected to {ME}" in result.output and "2026-03-09" in result.output
    (asked,) = fake.auth_requests
    assert (asked["access_type"], asked["prompt"]) == ("offline", "consent")
    assert asked["code_challenge_method"] == "S256"
    assert set(asked["scope"].split()) == {SCOPE_READ, SCOPE_COMPOSE}  # no labels: no modify

    config = load_config(env.config_file, env.environ)  # type: ignore[arg-type]
    assert (config.account.provider, config.account.address) == ("gmail", ME)
    assert config.account.gmail.labels is False
    assert config.sender.name == "Claire Martin"
    assert config.sender.signature == "Claire Martin\nAtelier Martin, Lyon"
    assert (config.language, config.timezone, config.payment.default_days) == (
        "fr", "Europe/Paris", 45)
    token = config.account.gmail.token_file
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    stored = json.loads(token.read_text())  # JSON, not a pickle
    assert stored["refresh_token"] and set(stored["scopes"]) == {SCOPE_READ, SCOPE_COMPOSE}

    box = open_gmail_mailbox(config, endpoint=fake.url, token_uri=fake.url + "token",
                             http=httplib2.Http(proxy_info=None))
    assert box.address == ME
    assert box.sync(None).full
    box.close()


def test_running_setup_again_edits_only_its_own_keys(tmp_path: Path,
                                                      fake: OAuthGmailFake) -> None:
    client = fake.client_file(tmp_path / "client.json")
    env = env_for(tmp_path, fake)
    first = CliRunner().invoke(cli, ["setup"], obj=env, input=answers(
        "gmail", str(client), *settings_answers()))
    assert first.exit_code == 0, first.output
    path = env.config_file
    assert path is not None
    mine = ("\n# Tuesdays only: my clients read mail then.\n[window]\nweekdays = [\"tue\"]\n\n"
            "[[clients]]\nmatch = \"@northwind.test\"\ntimezone = \"Europe/London\"\n")
    path.write_text(path.read_text() + mine)
    second = CliRunner().invoke(cli, ["setup"], obj=env, input=answers(
        "", "", "", "", "", "", "30"))  # Enter keeps each earlier answer
    assert second.exit_code == 0, second.output
    text = path.read_text()
    assert mine in text
    config = load_config(path, env.environ)
    assert config.account.gmail.labels is False and config.payment.default_days == 30
    assert config.sender.signature == "Claire Martin\nAtelier Martin, Lyon"
    assert [c.timezone for c in config.clients] == ["Europe/London"]
    assert SCOPE_MODIFY not in fake.auth_requests[-1]["scope"].split()


def test_headless_setup_over_ssh_pastes_back_the_redirected_address(
        tmp_path: Path, fake: OAuthGmailFake) -> None:
    """The real `relance` process, no display: it prints the consent URL, the user opens it
    on another device, and pastes back the address the browser landed on."""
    client = fake.client_file(tmp_path / "client.json")
    config = tmp_path / "config.toml"
    env = {"HOME": str(tmp_path), "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "OAUTHLIB_INSECURE_TRANSPORT": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "relance.daemon.cli", "--config", str(config), "setup",
         "--provider", "gmail", "--api-endpoint", fake.url],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(answers(str(client)).encode())
    proc.stdin.flush()
    seen = _read_until(proc, b"Paste that address here")
    url = next(w for w in seen.decode().split() if w.startswith(fake.url + "auth?"))
    landed = _follow_once(url)
    assert landed.startswith("http://localhost:") and "code=" in landed
    # Two mistakes first, each asked again: the consent page's own address (no code in it),
    # then a redirect of another attempt (its state differs).
    other_attempt = landed.replace("state=", "state=older", 1)
    proc.stdin.write(answers(url, other_attempt, landed, *settings_answers()).encode())
    proc.stdin.close()
    rest = proc.stdout.read().decode()
    assert proc.wait(timeout=60) == 0, seen.decode() + rest
    assert "That address holds no code" in rest and "its state differs" in rest
    assert f"Connected to {ME}" in rest
    loaded = load_config(config, {"HOME": str(tmp_path)})
    assert stat.S_IMODE(loaded.account.gmail.token_file.stat().st_mode) == 0o600
    assert loaded.account.address == ME


def _read_until(proc: subprocess.Popen[bytes], marker: bytes, limit_s: float = 60) -> bytes:
    seen = b""
    deadline = time.monotonic() + limit_s
    fd = proc.stdout.fileno()  # type: ignore[union-attr]
    while marker not in seen:
        assert time.monotonic() < deadline, seen.decode()
        chunk = os.read(fd, 4096)
        assert chunk, f"relance setup ended early:\n{seen.decode()}"
        seen += chunk
    return seen


def _follow_once(url: str) -> str:
    """The browser on the other device: load the consent page, return where it redirects."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("GET", f"{parts.path}?{parts.query}")
    reply = conn.getresponse()
    assert reply.status == 302
    conn.close()
    return str(reply.getheader("Location"))


def test_consent_refused_says_to_press_allow(tmp_path: Path, fake: OAuthGmailFake) -> None:
    fake.refuse = True
    env = env_for(tmp_path, fake)
    result = CliRunner().invoke(cli, ["setup"], obj=env, input=answers(
        "gmail", str(fake.client_file(tmp_path / "c.json"))))
    assert isinstance(result.exception, PermanentMailboxError)
    assert "press Allow" in str(result.exception) and result.exception.exit_status == 4
    assert env.config_file is not None and not env.config_file.exists()


def test_a_wrong_client_file_is_asked_again_then_explained(tmp_path: Path,
                                                           fake: OAuthGmailFake) -> None:
    web = fake.client_file(tmp_path / "web.json", kind="web")
    broken = tmp_path / "broken.json"
    broken.write_text("{ not json")
    result = CliRunner().invoke(cli, ["setup"], obj=env_for(tmp_path, fake), input=answers(
        "gmail", str(tmp_path / "missing.json"), str(broken), str(web)))
    assert "no such file" in result.output and "not an OAuth client file" in result.output
    assert isinstance(result.exception, UsageError)
    assert "Desktop app" in str(result.exception)
    assert fake.auth_requests == []


def test_open_gmail_mailbox_names_relance_setup_when_the_token_cannot_serve(
        tmp_path: Path, fake: OAuthGmailFake) -> None:
    client = fake.client_file(tmp_path / "client.json")
    env = env_for(tmp_path, fake)
    done = CliRunner().invoke(cli, ["setup"], obj=env, input=answers(
        "gmail", str(client), *settings_answers()))
    assert done.exit_code == 0, done.output
    config = load_config(env.config_file, env.environ)  # type: ignore[arg-type]
    token = config.account.gmail.token_file

    def opened() -> None:
        open_gmail_mailbox(config, endpoint=fake.url, token_uri=fake.url + "token",
                           http=httplib2.Http(proxy_info=None)).close()

    fake.revoke(ME)
    with pytest.raises(PermanentMailboxError, match="relance setup") as revoked:
        opened()
    assert "invalid_grant" in str(revoked.value)
    token.write_text("\x80\x04 a pickle is not a token")
    with pytest.raises(PermanentMailboxError, match="relance setup"):
        opened()
    token.unlink()
    with pytest.raises(PermanentMailboxError, match="no Gmail token there yet.*relance setup"):
        opened()


def test_config_text_keeps_multiline_values_and_foreign_tables() -> None:
    before = ('[sender]\nname = "Old"\nsignature = """\nOld\nLines"""\ncompany = "Kept"\n\n'
              '[[clients]]\nmatch = "@a.example"\n')
    after = update_config_text(before, {"sender": {"signature": "New"},
                                        "locale": {"language": "de"}})
    assert after == ('[sender]\nname = "Old"\nsignature = "New"\ncompany = "Kept"\n\n'
                     '[locale]\n# Your language: "en", "fr", "ro", "de" or "es".\n'
                     'language = "de"\n\n[[clients]]\nmatch = "@a.example"\n')


def test_config_text_keeps_comments_inside_an_edited_table() -> None:
    before = ('[sender]  # who signs\n# my legal name, not my trading one\n'
              'name = "Old"  # since 2019\n# the signature is set below\n'
              'company = "Atelier"\n\n[payment]\n# my usual terms\ndefault_days = 30\n')
    after = update_config_text(before, {"sender": {"name": "New", "signature": "Claire"},
                                        "payment": {"default_days": 45}})
    assert after == ('[sender]  # who signs\n# my legal name, not my trading one\n'
                     'name = "New"  # since 2019\n# the signature is set below\n'
                     'company = "Atelier"\n# The closing lines under every follow-up.\n'
                     'signature = "Claire"\n\n[payment]\n# my usual terms\n'
                     'default_days = 45\n')
    assert tomllib.loads(after)["sender"] == {"name": "New", "signature": "Claire",
                                              "company": "Atelier"}


def test_the_written_config_promises_no_gmail_labels() -> None:
    text = update_config_text(None, {"account.gmail": {"labels": False}})
    assert "not read yet" in text and "Honour" not in text


@pytest.fixture
def mail_servers(tmp_path: Path) -> Iterator[tuple[Any, Any, Any]]:
    """A real Dovecot and an SMTP server for one IMAP account; skipped where Dovecot is not
    installed (CI installs it)."""
    from tests.servers.dovecot import DovecotServer, dovecot_binary
    from tests.servers.smtp import DeliveringSmtpServer

    if dovecot_binary() is None:
        if os.environ.get("CI"):
            pytest.fail("dovecot is not installed but CI must run the IMAP tests: "
                        "apt-get install -y dovecot-imapd dovecot-lmtpd")
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd dovecot-lmtpd)")
    with DovecotServer(tmp_path / "dovecot") as dovecot:
        user = dovecot.add_user(f"camille-{os.getpid()}")
        smtp = DeliveringSmtpServer(dovecot.host, dovecot.lmtp_port)
        smtp.start()
        smtp.add_account(user.address, user.password)
        yield dovecot, smtp, user
        smtp.stop()


def test_imap_setup_checks_both_logins_and_keeps_the_password_private(
        tmp_path: Path, mail_servers: tuple[Any, Any, Any]) -> None:
    dovecot, smtp, user = mail_servers
    env = SetupEnv(environ={"HOME": str(tmp_path)}, clock=lambda: NOW,
                   config_file=tmp_path / "config.toml")
    # Mistakes are asked again, each answer kept as the next default ("" takes it): a wrong
    # IMAP port, then a wrong password, then a wrong SMTP port; nothing is lost or exits.
    closed = str(_free_port())
    done = CliRunner().invoke(cli, ["setup"], obj=env, input=answers(
        "imap", user.address, dovecot.host, "none", closed, "", user.password,
        "", "", str(dovecot.imap_port), "", "not-it",
        "", "", "", "", user.password,
        smtp.host, "none", closed, "", "", str(smtp.port), *settings_answers()))
    assert done.exit_code == 0, done.output
    assert done.output.count("That did not work") == 3
    assert "app password" in done.output and "will retry" not in done.output
    assert "Traceback" not in done.output and "Error(" not in done.output
    assert "sent = Sent" in done.output and "nothing was sent" in done.output
    assert user.password not in done.output
    config = load_config(tmp_path / "config.toml", env.environ)
    imap = config.account.imap
    assert (config.account.provider, imap.host, imap.port, imap.tls) == (
        "imap", dovecot.host, dovecot.imap_port, "none")
    assert imap.password_file is not None
    assert imap.password_file.read_text() == user.password
    assert stat.S_IMODE(imap.password_file.stat().st_mode) == 0o600
    assert (config.account.smtp.host, config.account.smtp.port) == (smtp.host, smtp.port)
    assert smtp.received == []  # the SMTP check logged in and sent nothing


def _free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_imap_setup_gives_up_after_five_wrong_passwords_and_writes_nothing(
        tmp_path: Path, mail_servers: tuple[Any, Any, Any]) -> None:
    dovecot, _smtp, user = mail_servers
    env = SetupEnv(environ={"HOME": str(tmp_path)}, clock=lambda: NOW,
                   config_file=tmp_path / "config.toml")
    tries = [dovecot.host, "none", str(dovecot.imap_port), "", "not-it"] + [
        "", "", "", "", "still-not-it"] * 4
    wrong = CliRunner().invoke(cli, ["setup"], obj=env,
                               input=answers("imap", user.address, *tries))
    assert isinstance(wrong.exception, PermanentMailboxError)
    assert "app password" in str(wrong.exception) and not (tmp_path / "config.toml").exists()
    assert wrong.output.count("That did not work") == 4
