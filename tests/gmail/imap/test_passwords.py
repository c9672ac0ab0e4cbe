"""Where an IMAP app password comes from: a file only the user can read, or the OS keyring."""

from __future__ import annotations

import keyring
import pytest
from keyring.backend import KeyringBackend

from relance.daemon.core.errors import PermanentMailboxError
from relance.gmail.imap.passwords import app_password


class MemoryKeyring(KeyringBackend):
    """A keyring backend that keeps passwords in memory: keyring's documented way to plug in
    a store, standing for the desktop's (GNOME Keyring, macOS Keychain) in a test."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_no_file_named_reads_the_keyring(memory_keyring):
    keyring.set_password("relance", "claire@atelier.test", "app-pass-123")
    assert app_password(None, "account.imap.password_file", "claire@atelier.test") == "app-pass-123"


def test_no_file_and_nothing_in_the_keyring_says_both_ways_out(memory_keyring):
    with pytest.raises(PermanentMailboxError) as error:
        app_password(None, "account.imap.password_file", "claire@atelier.test")
    message = str(error.value)
    assert "account.imap.password_file" in message and "keyring set relance" in message


def test_a_named_file_wins_and_must_be_private(tmp_path, memory_keyring):
    keyring.set_password("relance", "claire@atelier.test", "from-keyring")
    secret = tmp_path / "imap-password"
    secret.write_text("from-file\n")
    secret.chmod(0o644)
    with pytest.raises(PermanentMailboxError, match="chmod 600"):
        app_password(secret, "account.imap.password_file", "claire@atelier.test")
    secret.chmod(0o600)
    assert app_password(secret, "account.imap.password_file", "claire@atelier.test") == "from-file"
