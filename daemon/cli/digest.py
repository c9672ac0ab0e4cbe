"""The daily digest (off unless ``relance run --digest HH:MM``): one short e-mail to the user
about the last day — what relance sent, what clients answered, what waits for its slot, and what
needs the user. Built here as a message; the runner sends it to the user's own address once a
day, and only when there is something to say.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from ..core.model import Event, EventKind, Invoice
from ..cycle.store import FollowUpRow
from .status import InvoiceRow

DIGEST_META = "digest_last_day"  # the ISO date of the last digest sent

_HAPPENED = {
    EventKind.FOLLOWUP_SENT: "follow-up sent ({stage})",
    EventKind.REPLY: "the client replied ({intent})",
    EventKind.PAYMENT: "payment notice received",
    EventKind.PAYMENT_CLAIMED: "a payment notice your mail server did not vouch for "
                               "(taken as a claim: the invoice stays owed)",
    EventKind.ADDRESS_PROPOSED: "the client asks that it go to another address",
    EventKind.BOUNCED_HARD: "the invoice bounced: the address does not exist",
    EventKind.AUTO_REPLY: "out-of-office reply",
    EventKind.WROTE: "you wrote to the client in its thread",
}


@dataclass(frozen=True)
class Digest:
    day: str
    happened: tuple[str, ...]
    waiting: tuple[str, ...]
    needs_you: tuple[str, ...]


class _NothingToSay:
    """The named answer for a day with nothing worth an e-mail."""


NOTHING_TO_SAY = _NothingToSay()


def build_digest(invoices: list[Invoice], events: dict[str, list[Event]],
                 drafted: list[FollowUpRow], rows: list[InvoiceRow], *, since: datetime,
                 now: datetime, zone: tzinfo, problem: str = "", missed: str = ""
                 ) -> Digest | _NothingToSay:
    """What the digest of the day ending at ``now`` says, or ``NOTHING_TO_SAY``. ``missed``
    is the sentence about slots missed while relance was not running (``status.missed_note``).
    """
    names = {inv.key: f"{inv.number} ({inv.client})" for inv in invoices}
    happened = []
    for key, evts in events.items():
        for event in evts:
            text = _HAPPENED.get(event.kind)
            if text and since < event.at <= now:
                happened.append((event.at, f"{names.get(key, key)}: " + text.format(
                    stage=(event.stage or "").replace("_", " "),
                    intent=event.intent.value if event.intent else "")))
    waiting = [f"{names.get(r.invoice_key, r.invoice_key)}: {r.stage.replace('_', ' ')} on "
               f"{r.slot.astimezone(zone).strftime('%a %d %b %H:%M')}"
               for r in drafted if r.invoice_key == r.primary_key and r.slot > now]
    needs = [f"{r.number} ({r.client}): {r.note.removeprefix('needs you: ')}"
             for r in rows if r.note.startswith("needs you")]
    needs += [f"{r.number} ({r.client}): asks that it go to {r.proposed} (not added)"
              for r in rows if r.proposed]
    if missed:
        needs.insert(0, missed)
    if problem:
        needs.insert(0, f"the mailbox refuses relance, nothing is sent: {problem}")
    if not (happened or needs):
        return NOTHING_TO_SAY
    return Digest(now.astimezone(zone).date().isoformat(),
                  tuple(text for _, text in sorted(happened)), tuple(waiting), tuple(needs))


def digest_message(digest: Digest, *, me: str, now: datetime) -> EmailMessage:
    """The digest as a plain-text e-mail from and to the user."""
    message = EmailMessage()
    message["From"] = message["To"] = me
    message["Subject"] = f"relance: your day of {digest.day}"
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid("digest", domain=me.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834 §5: no auto-reply to this
    parts = []
    for title, lines in (("Needs you", digest.needs_you), ("What happened", digest.happened),
                         ("Waiting for their slot", digest.waiting)):
        if lines:
            parts.append(title + "\n" + "\n".join(f"  - {line}" for line in lines))
    message.set_content("\n\n".join(parts) + "\n\n-- \nrelance status shows the details.\n")
    return message
