"""The one place that knows the plugins: it turns the configuration into a plugin's own settings,
reads the secrets through the plugin's helpers, and opens the mailbox; and it hands the setup
wizard the plugins' checks and the Gmail consent. Plugins are imported only inside the function
that needs one, so importing this module (and any command that needs no mailbox) never loads
the Google libraries or imapclient.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from email.message import Message
from importlib.resources import as_file, files
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..core.errors import UsageError
from ..core.mailbox import Folder, Mailbox
from ..core.triage import worth_reading
from ..cycle.config import Config

if TYPE_CHECKING:
    import httplib2

    from ...gmail.api import oauth
    from ...gmail.api.mailbox import GmailMailbox
    from ...gmail.api.settings import GmailSettings
    from ...gmail.folder.mailbox import FolderMailbox
    from ...gmail.imap.mailbox import ImapMailbox
    from ...gmail.imap.settings import ImapSettings, SmtpSettings

    GmailGrant = oauth.Grant  # what a Gmail consent gives (OAuth credentials), opaque here


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


Clock = Callable[[], datetime]
Opener = Callable[[Config, Clock], Mailbox]
Interest = Callable[[Folder, Message], bool]  # from a message's headers: fetch its body?
Progress = Callable[[Folder, int, int], None]  # (folder, messages read, messages to read)


class InboxWatcher(Protocol):
    """Waits for new mail in the Inbox, on a connection of its own (the daemon's push thread)."""

    def wait(self, timeout_s: float) -> bool:
        """Block until a message arrives in the Inbox (True) or ``timeout_s`` passes (False).
        Raises MailboxError when the server cannot be reached or refuses; the next ``wait``
        connects again."""
        ...

    def close(self) -> None:
        """Let the connection go."""
        ...


# Openers registered in place of a built-in provider's ("sample", "imap", "gmail"): the test
# suite registers its fault-injecting plugins here (they wrap ``open_builtin_mailbox``).
_REGISTERED: dict[str, Opener] = {}


def register_provider(name: str, opener: Opener) -> None:
    """Open ``[account] provider = name`` with ``opener(config, clock)`` from now on."""
    _REGISTERED[name] = opener


def open_mailbox(config: Config, *, clock: Clock = _utc_now) -> Mailbox:
    """Connect to the configured mailbox; ``clock`` dates what it drafts and sends."""
    opener = _REGISTERED.get(config.account.provider)
    if opener is not None:
        return opener(config, clock)
    return open_builtin_mailbox(config, clock=clock)


def open_builtin_mailbox(config: Config, *, clock: Clock = _utc_now) -> Mailbox:
    """The mailbox of the configured built-in provider, whatever was registered."""
    provider = config.account.provider
    if provider == "sample":
        return open_folder_mailbox(config.store_path.parent / "mailbox",
                                   config.account.address or "me@sample.invalid")
    if provider == "imap":
        return open_imap_mailbox(config, clock=clock, interest=worth_reading)
    if provider == "gmail":
        return open_gmail_mailbox(config)
    raise UsageError(f"unknown provider {provider!r}")


def open_inbox_watcher(config: Config) -> InboxWatcher | None:
    """A watcher of the configured account's Inbox, not yet connected; None when the provider
    has no push (Gmail's needs a Pub/Sub topic, the sample mailbox is a folder). Raises
    PermanentMailboxError naming the key when the IMAP password cannot be read."""
    if config.account.provider != "imap":
        return None
    from ...gmail.imap.watch import open_inbox_watcher as open_imap_watcher

    imap_password, _ = _imap_passwords(config, smtp=False)
    imap, _ = imap_settings(config, imap_password, imap_password)
    return open_imap_watcher(imap)


def open_folder_mailbox(root: Path, address: str) -> FolderMailbox:
    """A folder of .eml files as the mailbox of ``address`` (the demo, the sample provider)."""
    from ...gmail.folder.mailbox import FolderMailbox

    return FolderMailbox(root, address)


@contextmanager
def sample_mailbox() -> Iterator[Path]:
    """The built-in sample mailbox as a folder on disk: ``sent/``, ``inbox/``, ``config.toml``."""
    from ...gmail import folder

    with as_file(files(folder) / "sample") as sample:
        yield sample


# -- IMAP --------------------------------------------------------------------------------------

def open_imap_mailbox(config: Config, *, clock: Clock = _utc_now,
                      progress: Progress | None = None,
                      interest: Interest | None = None) -> ImapMailbox:
    """The configured IMAP account's mailbox (not yet connected), its app password read from
    ``account.imap.password_file`` (or, unset, the OS keyring) and the SMTP one from
    ``account.smtp.password_file`` (the IMAP one unless set). Raises PermanentMailboxError
    naming the key when a file is missing, unreadable, empty or readable by others.
    ``interest`` says from the headers which messages' bodies to fetch (None: every one; the
    daemon passes ``relance.daemon.core.triage.worth_reading``)."""
    from ...gmail.imap.fetch import every_message
    from ...gmail.imap.mailbox import open_imap_mailbox as open_imap

    imap_password, smtp_password = _imap_passwords(config, smtp=True)
    imap, smtp = imap_settings(config, imap_password, smtp_password)
    return open_imap(imap, smtp, address=config.account.address, clock=clock, progress=progress,
                     interest=interest or every_message)


def imap_settings(config: Config, imap_password: str,
                  smtp_password: str) -> tuple[ImapSettings, SmtpSettings | None]:
    """The IMAP plugin's settings from the config's ``account.imap`` / ``account.smtp`` and the
    passwords read from their files. The SMTP settings are None when no SMTP host is
    configured (reading and drafting only)."""
    from types import MappingProxyType

    from ...gmail.imap.settings import ImapSettings, Security, SmtpSettings

    account = config.account
    section = account.imap
    folders = {role: name for role, name in (("sent", section.sent), ("drafts", section.drafts),
                                             ("inbox", section.inbox)) if name}
    imap = ImapSettings(
        host=section.host, port=section.port, security=Security(section.tls),
        username=section.username or account.address, password=imap_password,
        folders=MappingProxyType(folders), scan_since_days=section.scan_since_days)
    if not account.smtp.host:
        return imap, None
    return imap, SmtpSettings(
        host=account.smtp.host, port=account.smtp.port, security=Security(account.smtp.tls),
        username=account.smtp.username or imap.username, password=smtp_password)


def _imap_passwords(config: Config, *, smtp: bool) -> tuple[str, str]:
    """Return the IMAP and SMTP app passwords (the same one unless the SMTP server has a file
    of its own; with ``smtp`` False only the IMAP one is read)."""
    from ...gmail.imap.passwords import app_password

    account = config.account
    user = account.imap.username or account.address
    imap_password = app_password(account.imap.password_file, "account.imap.password_file", user)
    if not (smtp and account.smtp.host) or account.smtp.password_file in (
            None, account.imap.password_file):
        return imap_password, imap_password
    return imap_password, app_password(account.smtp.password_file, "account.smtp.password_file",
                                       account.smtp.username or user)


def check_imap_login(*, host: str, port: int, tls: str, username: str,
                     password: str) -> Mapping[str, str]:
    """Log in to the IMAP server and return the folder found for each role ("inbox", "sent",
    "drafts", ...). Raises Permanent/TransientMailboxError with what to fix."""
    from ...gmail.imap.check import check_imap
    from ...gmail.imap.settings import ImapSettings, Security

    folders = check_imap(ImapSettings(host=host, port=port, security=Security(tls),
                                      username=username, password=password,
                                      scan_since_days=None))  # nothing is scanned
    return {role.value: name for role, name in folders.items()}


def check_smtp_login(*, host: str, port: int, tls: str, username: str, password: str) -> None:
    """Log in to the SMTP server and leave without sending anything. Raises
    Permanent/TransientMailboxError with what to fix."""
    from ...gmail.imap.check import check_smtp
    from ...gmail.imap.settings import Security, SmtpSettings

    check_smtp(SmtpSettings(host=host, port=port, security=Security(tls), username=username,
                            password=password))


# -- Gmail -------------------------------------------------------------------------------------

def open_gmail_mailbox(config: Config, *, endpoint: str | None = None,
                       token_uri: str | None = None, http: httplib2.Http | None = None,
                       sleep: Callable[[float], None] | None = None) -> GmailMailbox:
    """The configured Gmail account's mailbox, its token loaded from ``[account.gmail]
    token_file`` and refreshed (PermanentMailboxError naming ``relance setup`` when it cannot
    serve). ``endpoint``, ``token_uri`` and ``http`` let tests use a local Gmail-compatible
    server (None: Google's); ``sleep`` waits between retries (None: time.sleep)."""
    from ...gmail.api import mailbox
    from ...gmail.api.settings import GOOGLE_ENDPOINT, GOOGLE_TOKEN_URI

    return mailbox.open_gmail_mailbox(
        gmail_settings(config), endpoint=endpoint or GOOGLE_ENDPOINT,
        token_uri=token_uri or GOOGLE_TOKEN_URI, http=http, sleep=sleep or time.sleep)


def gmail_settings(config: Config) -> GmailSettings:
    """The Gmail plugin's settings from the config's ``account`` and ``account.gmail``."""
    from ...gmail.api.settings import GmailSettings

    gmail = config.account.gmail
    return GmailSettings(token_file=gmail.token_file, labels=gmail.labels,
                         address=config.account.address)


def gmail_scopes(labels: bool) -> tuple[str, ...]:
    """The OAuth scopes relance asks Google for (gmail.modify only with ``labels``)."""
    from ...gmail.api.quota import scopes

    return scopes(labels)


def gmail_scope_reasons() -> Mapping[str, str]:
    """Why relance needs each scope it may ask for, in a sentence, by scope URL."""
    from ...gmail.api.quota import SCOPE_REASONS

    return SCOPE_REASONS


def read_gmail_client_file(path: Path) -> dict[str, Any]:
    """The Desktop OAuth client in ``path``; UsageError saying what to download otherwise."""
    from ...gmail.api.oauth import read_client_file

    return read_client_file(path)


def gmail_consent_with_browser(client: dict[str, Any], scopes: tuple[str, ...], *,
                               browser: Callable[[str], None] | None, port: int,
                               open_browser: bool) -> GmailGrant:
    """Google's consent through a loopback redirect (RFC 8252 §7.3): in a browser opened here
    (``browser``: None, the system's), or, ``open_browser`` False, through an SSH forward of
    ``port`` (0: any free one). Raises UsageError or PermanentMailboxError with what to do."""
    from ...gmail.api.oauth import consent_with_browser

    return consent_with_browser(client, scopes, browser=browser, port=port,
                                open_browser=open_browser)


def gmail_consent_by_paste(client: dict[str, Any], scopes: tuple[str, ...], *, port: int,
                           show: Callable[[str], None],
                           ask: Callable[[str], str]) -> GmailGrant:
    """Google's consent on another device: ``show`` the address to open, ``ask`` for the
    address the browser landed on (its ``localhost:port`` redirect), and exchange its code."""
    from ...gmail.api.oauth import consent_by_paste

    return consent_by_paste(client, scopes, port=port, show=show, ask=ask)


def gmail_account_address(grant: GmailGrant, *, endpoint: str | None = None,
                          http: httplib2.Http | None = None) -> str:
    """Whose Gmail account ``grant`` opens (the address, lower-cased); raises from the
    MailboxError family when Gmail refuses it."""
    from ...gmail.api.mailbox import account_address
    from ...gmail.api.settings import GOOGLE_ENDPOINT

    return account_address(grant, endpoint=endpoint or GOOGLE_ENDPOINT, http=http)


def gmail_offered_settings(grant: GmailGrant, *, endpoint: str | None = None,
                           http: httplib2.Http | None = None) -> dict[str, str]:
    """The name, signature and language the user set in Gmail, for the wizard to offer."""
    from ...gmail.api.mailbox import offered_settings
    from ...gmail.api.settings import GOOGLE_ENDPOINT

    return offered_settings(grant, endpoint=endpoint or GOOGLE_ENDPOINT, http=http)


def gmail_token_json(grant: GmailGrant) -> str:
    """The grant as a token file holds it (JSON); PermanentMailboxError when Google gave no
    refresh token."""
    from ...gmail.api.oauth import token_json

    return token_json(grant)
