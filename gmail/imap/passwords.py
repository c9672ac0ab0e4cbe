"""The app password of an IMAP/SMTP account: from a file only the user can read, or from the
operating system's keyring (service "relance", the account's user name) when no file is named
and the ``keyring`` package is installed (``pip install 'relance[keyring]'``). Never logged."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ...daemon.core.errors import SecretFileError

KEYRING_SERVICE = "relance"


def app_password(path: Path | None, key: str, username: str) -> str:
    """Return the password from the file ``path`` (the config's ``key``), or from the keyring
    when ``path`` is None; a SecretFileError (exit status 2 at start) says what to set otherwise."""
    if path is not None:
        return read_password(path, key)
    found = keyring_password(username)
    if found:
        return found
    raise SecretFileError(
        f"{key} is not set and the OS keyring holds no password for {username!r}: put the app "
        f"password in a file only you can read and name it there, or store it with `keyring "
        f"set {KEYRING_SERVICE} {username}`, or run `relance setup`.")


def keyring_password(username: str) -> str:
    """Return the keyring's password for ``username``, or "" when there is none, the keyring
    package is not installed, or no keyring backend works on this machine (a headless server)."""
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return ""
    try:
        return keyring.get_password(KEYRING_SERVICE, username) or ""
    except (KeyringError, RuntimeError, OSError):
        return ""


def read_password(path: Path | None, key: str) -> str:
    """Return the first line of the password file ``path`` (the config's ``key``).

    The file must be the user's alone: any permission for group or others is refused, as
    ssh does with a private key, because the password opens the whole mailbox."""
    if path is None:
        raise SecretFileError(f"{key} is not set: put the app password in a file only "
                                    f"you can read and name it there, or run `relance setup`.")
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            raise SecretFileError(f"{path} ({key}) is not a file: name the file that "
                                        f"holds the app password.")
        if stat.S_IMODE(mode) & 0o077:
            raise SecretFileError(
                f"{path} ({key}) can be read by others (mode {stat.S_IMODE(mode):04o}); "
                f"relance will not use a password others can read. Run `chmod 600 {path}`.")
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise SecretFileError(f"{path} ({key}) does not exist. Write the app password "
                                    f"into it and run `chmod 600 {path}`, or run "
                                    f"`relance setup`.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretFileError(f"{path} ({key}) cannot be read ({exc}). It should be a "
                                    f"text file you own holding only the app password.") from None
    if not lines or not lines[0]:
        raise SecretFileError(f"{path} ({key}) is empty: write the app password on its "
                                    f"first line.")
    return lines[0]
