"""The Gmail half of ``relance setup``'s dialogue: what to do in the Google Cloud console, why
each scope is asked for, and what a "Testing" app means; and writing a file only the user can
read (the configuration, the token, the IMAP password). The consent itself and the token's
format are the Gmail plugin's (``relance.gmail.api.oauth``), reached through ``wiring``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

from . import wiring

Browser = Callable[[str], None]  # opens a URL for the user

GUIDE = """\
relance reaches Gmail through Google's API, with an OAuth client of your own. Once:
  1. Open https://console.cloud.google.com/ and create a project (any name, e.g. "relance").
  2. APIs & Services > Library: search "Gmail API" and press Enable.
  3. Google Auth Platform (or "OAuth consent screen"): user type "External"; add your own
     address as a test user.
  4. Clients (or Credentials) > Create client > Application type "Desktop app".
  5. Download its JSON file (the button with the arrow); you will give its path below.
"""

TESTING_WARNING = """\
Important: while the consent screen's publishing status is "Testing", Google revokes the
access after 7 days and relance stops until you run `relance setup` again. For your own use,
open the consent screen (Audience), press "Publish app" and confirm "In production". Google
does not need to verify an app that only you use; at consent it shows "Google hasn't verified
this app": choose Advanced, then "Go to ... (unsafe)" — the app is yours.
"""


LABELS_NOTE = """\
You can also steer relance from Gmail with three labels. Create them once in Gmail: in the
left column, under the labels, "Create new label", named relance/paid, relance/stop and
relance/track. Then, on a conversation:
  - relance/paid  the invoice is paid (as `relance paid`);
  - relance/stop  no more follow-ups for it (as `relance stop`);
  - relance/track this sent message is an invoice relance missed (as `relance track`).
relance sees the label at its next sync with the read permission it already has, and leaves
the label where it is. It never asks to change your labels:
Google's gmail.modify scope is restricted, and relance never requests it.
"""


def labels_offer(show: Callable[[str], None]) -> bool:
    """Tell the user how to steer relance with Gmail labels, and return whether relance should
    ask for a scope for them: never, since reading them needs only gmail.readonly."""
    show(LABELS_NOTE)
    return False


def scope_lines(scopes: tuple[str, ...]) -> list[str]:
    """One line per requested scope, saying why relance needs it."""
    reasons = wiring.gmail_scope_reasons()
    return [f"  - {s.rsplit('/', 1)[-1]}: {reasons[s]}" for s in scopes]


def save_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable and writable by the user alone (mode 0600), through
    a temporary file renamed over the old one, so a crash never leaves half a secret."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
