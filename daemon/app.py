"""The library behind the CLI: the environment a command runs in, opening the configuration,
store and mailbox, and the user's everyday actions on invoices (paid, pause, resume, stop,
track). Every function here raises from the error family; only ``cli`` prints."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from .config import Config, config_path_from_env, default_config, load_config
from .engine import TRACKED_META, Engine
from .errors import UsageError
from .mailbox import FetchedMessage, Mailbox, MailRef
from .model import Event, EventKind, Invoice
from .observe import ObserveReport
from .store import Store
from .triage import worth_reading


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Environment:
    """What a command may touch from the outside world, injected so that tests swap it."""

    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    clock: Callable[[], datetime] = _utc_now
    config_file: Path | None = None  # --config; else $RELANCE_CONFIG or the XDG location

    def config(self) -> Config:
        """The configuration: the named file (which must exist), else the usual location when
        a file is there, else the built-in defaults."""
        if self.config_file is not None:
            if not self.config_file.exists():
                raise UsageError(f"{self.config_file}: no such configuration file. Run "
                                 "`relance setup` to write one, or check the path.")
            return load_config(self.config_file, self.environ)
        path = config_path_from_env(self.environ)
        if path.exists():
            return load_config(path, self.environ)
        if self.environ.get("RELANCE_CONFIG"):
            raise UsageError(f"RELANCE_CONFIG names {path}, which does not exist.")
        return default_config(self.environ)


def open_mailbox(config: Config, *, clock: Callable[[], datetime] = _utc_now) -> Mailbox:
    """Connect to the configured mailbox; ``clock`` dates what it drafts and sends."""
    provider = config.account.provider
    if provider == "sample":
        from relance.gmail.folder import FolderMailbox

        return FolderMailbox(config.store_path.parent / "mailbox",
                             config.account.address or "me@sample.invalid")
    if provider == "imap":
        from relance.gmail.imap import open_imap_mailbox

        return open_imap_mailbox(config, clock=clock, interest=worth_reading)
    if provider == "gmail":
        from relance.gmail.api import open_gmail_mailbox

        return open_gmail_mailbox(config)
    raise UsageError(f"unknown provider {provider!r}")


def find_invoice(store: Store, text: str) -> Invoice:
    """The one invoice a user named by number or Message-ID; a clear error otherwise."""
    found = store.find_invoices(text)
    if not found:
        raise UsageError(f"no invoice {text!r}. `relance status` lists the invoices relance "
                         "knows, by number.")
    if len(found) > 1:
        keys = ", ".join(inv.key for inv in found)
        raise UsageError(f"{len(found)} invoices are numbered {text!r} ({keys}); name one by "
                         "its Message-ID.")
    return found[0]


def record(store: Store, invoice: Invoice, kind: EventKind, now: datetime, *,
           until: date | None = None, detail: str = "") -> None:
    """Record the user's decision about an invoice (safe while the daemon runs: one short
    transaction, which SQLite serialises with the daemon's)."""
    with store.transaction():
        store.add_event(invoice.key, Event(kind, now, until=until, detail=detail))


def track(engine: Engine, message_id: str) -> ObserveReport | None:
    """Declare a sent message an invoice. When relance already saw it, it is read again now;
    otherwise it is read as an invoice when the mailbox returns it."""
    mid = message_id.strip()
    if not mid.startswith("<"):
        mid = f"<{mid}>"
    store = engine.store
    with store.transaction():
        tracked = set(json.loads(store.meta(TRACKED_META) or "[]")) | {mid}
        store.set_meta(TRACKED_META, json.dumps(sorted(tracked)))
    row = store.message_row(mid)
    if row is None or row["kind"] == "invoice" or engine.mailbox is None:
        return None
    raw = engine.box.fetch(MailRef.decode(row["mail_ref"]))
    with store.transaction():
        store.forget_message(mid)
    from .observe import Observer

    return Observer(store, engine.config, me=engine.me, now=engine.clock(),
                    tracked=engine.tracked()).observe(
        [FetchedMessage(MailRef.decode(row["mail_ref"]), raw, row["thread_id"])])
