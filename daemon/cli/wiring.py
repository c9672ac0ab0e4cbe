"""The one place that knows the plugins: it turns the configuration into a plugin's own settings
and opens the mailbox. Plugins are imported only when a command opens one, so a command that
needs no mailbox never loads the Google or IMAP libraries."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from importlib.resources import as_file, files
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import UsageError
from ..core.mailbox import Mailbox
from ..core.triage import worth_reading
from ..cycle.config import Config

if TYPE_CHECKING:
    from ...gmail.folder.mailbox import FolderMailbox


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


Clock = Callable[[], datetime]
Opener = Callable[[Config, Clock], Mailbox]

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
        from ...gmail.imap.mailbox import open_imap_mailbox

        return open_imap_mailbox(config, clock=clock, interest=worth_reading)
    if provider == "gmail":
        from ...gmail.api.mailbox import open_gmail_mailbox

        return open_gmail_mailbox(config)
    raise UsageError(f"unknown provider {provider!r}")


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
