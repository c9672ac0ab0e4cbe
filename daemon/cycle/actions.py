"""The user's everyday actions on invoices, behind the CLI: find one by number, record a
decision (paid, pause, resume, stop), declare a sent message an invoice (track); and the same
decisions taken in the mailbox, by a control label on a thread (``obey``). Every function here
raises from the error family; only the CLI prints."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime

from ..core.errors import UsageError
from ..core.mailbox import ControlAction, ControlLabel, FetchedMessage, MailRef
from ..core.model import Event, EventKind, Invoice
from .engine import TRACKED_META, Engine
from .observe import ObserveReport
from .store import Store


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


# JSON list of the Message-IDs tracked while no mailbox was open (`relance track` beside a
# running daemon) of messages relance had already seen: the next sync reads them again.
TRACK_PENDING_META = "track_pending"


def track(engine: Engine, message_id: str) -> ObserveReport | None:
    """Declare a sent message an invoice. When relance already saw it, it is read again now,
    or at the next sync when no mailbox is open; otherwise it is read as an invoice when the
    mailbox returns it."""
    mid = message_id.strip()
    if not mid.startswith("<"):
        mid = f"<{mid}>"
    store = engine.store
    with store.transaction():
        tracked = set(json.loads(store.meta(TRACKED_META) or "[]")) | {mid}
        store.set_meta(TRACKED_META, json.dumps(sorted(tracked)))
    row = store.message_row(mid)
    if row is None or row["kind"] == "invoice":
        return None
    if engine.mailbox is None:
        _pending(store, add=frozenset({mid}))
        return None
    raw = engine.box.fetch(MailRef.decode(row["mail_ref"]))
    with store.transaction():
        store.forget_message(mid)
    from .observe import Observer

    return Observer(store, engine.config, me=engine.me, now=engine.clock(),
                    tracked=engine.tracked()).observe(
        [FetchedMessage(MailRef.decode(row["mail_ref"]), raw, row["thread_id"])])


_DECISIONS = (EventKind.MARKED_PAID, EventKind.STOPPED, EventKind.PAUSED, EventKind.RESUMED)
_LABEL_KIND = {ControlAction.PAID: EventKind.MARKED_PAID, ControlAction.STOP: EventKind.STOPPED}


def obey(engine: Engine, controls: Iterable[ControlLabel]) -> None:
    """Take the decisions the user made with control labels in the mailbox: ``relance/paid``
    and ``relance/stop`` on an invoice's thread as ``relance paid`` / ``relance stop``, and
    ``relance/track`` on a sent message as ``relance track``. A decision already the
    invoice's latest is not recorded again (a resync reports the label anew)."""
    for control in controls:
        if control.action is ControlAction.TRACK:
            track(engine, control.message_id)
            continue
        kind = _LABEL_KIND[control.action]
        for invoice in engine.store.invoices():
            if invoice.thread_id != control.thread_id:
                continue
            decisions = [e for e in engine.store.events_of(invoice.key) if e.kind in _DECISIONS]
            if not decisions or decisions[-1].kind is not kind:
                record(engine.store, invoice, kind, engine.clock(),
                       detail=f"label relance/{control.action.value} in the mailbox")


def _pending(store: Store, *, add: frozenset[str] = frozenset(),
             drop: frozenset[str] = frozenset()) -> None:
    with store.transaction():
        pending = (set(json.loads(store.meta(TRACK_PENDING_META) or "[]")) | add) - drop
        store.set_meta(TRACK_PENDING_META, json.dumps(sorted(pending)) if pending else "")


def track_pending(engine: Engine) -> None:
    """Read again the messages tracked while no mailbox was open (``TRACK_PENDING_META``),
    each dropped from the list once read (a failure leaves it for the next sync)."""
    for mid in json.loads(engine.store.meta(TRACK_PENDING_META) or "[]"):
        track(engine, mid)
        _pending(engine.store, drop=frozenset({mid}))
