"""The one exception family of relance.

Only the CLI edge turns these into a message and an exit status; everything below raises.
Each message says what is wrong and what to do next.
"""

from __future__ import annotations


class RelanceError(Exception):
    """Base of every error relance raises on purpose."""

    exit_status = 1


class ConfigError(RelanceError):
    """The configuration cannot be used; ``problems`` lists every one found."""

    exit_status = 2

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{path}: {len(self.problems)} problem(s) in the configuration:\n{lines}")


class UsageError(RelanceError):
    """The command line asked for something that cannot be done as asked."""

    exit_status = 2


class StoreError(RelanceError):
    """The database cannot be opened or used; it is left untouched."""

    exit_status = 3


class TemplateError(RelanceError):
    """A follow-up template is missing or does not render."""

    exit_status = 2


class MailboxError(RelanceError):
    """A mailbox operation failed."""

    exit_status = 4


class TransientMailboxError(MailboxError):
    """The mailbox failed in a way that a later retry may fix (network, 5xx, rate limit)."""


class SendingLimitError(TransientMailboxError):
    """The mail service refuses to send more for now (Gmail's daily mail-sending limit): a
    retry within minutes only spends quota, so sending waits until ``retry_at`` (epoch seconds;
    None when the service named no time) while syncing goes on. ``service`` names who refused,
    for ``relance status``."""

    def __init__(self, message: str, retry_at: float | None, service: str = "the mail server"
                 ) -> None:
        super().__init__(message)
        self.retry_at = retry_at
        self.service = service


class PermanentMailboxError(MailboxError):
    """The mailbox refused in a way only the user can fix (credentials, missing folder)."""


class RefusedMessageError(PermanentMailboxError):
    """The mailbox refused one message (a draft with no recipient or an invalid address, a
    thread it does not know): only the user can fix that message, and only the follow-up it
    carries waits for them; the cycle goes on with the others."""


class SecretFileError(PermanentMailboxError):
    """A password or token file is missing, unreadable, empty or open to others: a permanent
    mailbox error for the running daemon (it holds its sends and says so in `relance status`),
    and a configuration problem at start (exit status 2, which the systemd and launchd units
    do not restart in a loop)."""

    exit_status = 2
