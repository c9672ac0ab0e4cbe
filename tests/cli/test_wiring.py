"""The wiring: the configuration turned into each plugin's own settings, and plugins loaded only
when a mailbox is opened."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from relance.daemon.cli import wiring
from relance.daemon.cycle.config import Config, load_config
from relance.gmail.imap.settings import Security

IMAP_CONFIG = """
[account]
provider = "imap"
address = "jonas@fastmail.test"

[account.imap]
host = "imap.fastmail.test"
port = 143
tls = "starttls"
sent = "Gesendet"
{scan}
password_file = "{password}"

[account.smtp]
host = "smtp.fastmail.test"
port = 587
tls = "starttls"
"""


def imap_config(tmp_path: Path, *, scan: str = "scan_since_days = 90") -> Config:
    password = tmp_path / "imap-password"
    password.write_text("app-pw-1\n")
    password.chmod(0o600)
    path = tmp_path / "config.toml"
    path.write_text(IMAP_CONFIG.format(scan=scan, password=password))
    return load_config(path, {"HOME": str(tmp_path)})


def test_imap_settings_come_from_the_config_sections(tmp_path: Path) -> None:
    config = imap_config(tmp_path)
    imap, smtp = wiring.imap_settings(config, "app-pw-1", "app-pw-2")
    assert (imap.host, imap.port, imap.security, imap.username) == (
        "imap.fastmail.test", 143, Security.STARTTLS, "jonas@fastmail.test")
    assert dict(imap.folders) == {"sent": "Gesendet"} and imap.scan_since_days == 90
    assert smtp is not None and (smtp.port, smtp.security, smtp.password) == (
        587, Security.STARTTLS, "app-pw-2")
    assert smtp.username == "jonas@fastmail.test"
    assert "app-pw" not in repr(imap) + repr(smtp)
    no_smtp = replace(config, account=replace(config.account,
                                              smtp=replace(config.account.smtp, host="")))
    assert wiring.imap_settings(no_smtp, "a", "b")[1] is None


def test_the_configs_default_first_scan_is_the_one_the_plugin_gets(tmp_path: Path) -> None:
    config = imap_config(tmp_path, scan="")
    imap, _ = wiring.imap_settings(config, "a", "a")
    assert imap.scan_since_days == config.account.imap.scan_since_days == 120


def test_the_passwords_are_read_through_the_plugin(tmp_path: Path) -> None:
    box = wiring.open_imap_mailbox(imap_config(tmp_path))  # not connected yet
    try:
        assert box.address == "jonas@fastmail.test"
    finally:
        box.close()


def test_an_imap_account_has_an_inbox_watcher_and_gmail_none(tmp_path: Path) -> None:
    watcher = wiring.open_inbox_watcher(imap_config(tmp_path))  # not connected yet
    assert watcher is not None
    watcher.close()
    gmail = tmp_path / "gmail.toml"
    gmail.write_text('[account]\nprovider = "gmail"\naddress = "claire@example.test"\n')
    config = load_config(gmail, {"HOME": str(tmp_path)})
    assert wiring.open_inbox_watcher(config) is None
    settings = wiring.gmail_settings(config)
    assert (settings.token_file, settings.labels, settings.address) == (
        config.account.gmail.token_file, config.account.gmail.labels, "claire@example.test")


def test_importing_the_wiring_loads_no_plugin_library() -> None:
    probe = ("import sys, relance.daemon.cli.wiring\n"
             "loaded = [m for m in sys.modules if m.split('.')[0] in "
             "('google', 'googleapiclient', 'google_auth_oauthlib', 'httplib2', 'imapclient')"
             " or m.startswith('relance.gmail')]\n"
             "print(loaded)\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
