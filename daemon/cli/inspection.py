"""`relance inspect`: what relance sees in one message, as one JSON-ready dictionary."""

from __future__ import annotations

import json
from typing import Any

from ..core import message as mail
from ..core.model import AutoReply, Bounce, Invoice, Other, PaymentNotice, Reply, Unreadable
from ..core.reading import read_received, read_sent

KINDS = ("invoice", "bounce", "auto_reply", "payment", "reply", "other", "unreadable")


def inspection(raw: bytes, *, me: str = "", default_terms_days: int = 30,
               track_keyword: str = "[invoice]") -> dict[str, Any]:
    """Return ``{"kind", "invoice", "bounce", "auto_reply", "payment", "reply"}`` for a message:
    read as a sent invoice when it is from ``me``, else classified as a received message. The
    keys that do not apply are None; ``reason`` says why a message is "other", or why it is
    "unreadable" (past a cap of reading, over its time budget, or an error while reading it:
    see ``core/reading.py``)."""
    msg = mail.parse(raw)
    out: dict[str, Any] = {"kind": "other", "invoice": None, "bounce": None,
                           "auto_reply": None, "payment": None, "reply": None}
    if me and mail.sender(msg) == me.strip().lower():
        found = read_sent(msg, default_terms_days=default_terms_days,
                          track_keyword=track_keyword)
        if isinstance(found, Unreadable):
            out["kind"] = "unreadable"
            out["reason"] = found.reason
        elif isinstance(found, Invoice):
            out["kind"] = "invoice"
            out["invoice"] = {
                "number": found.number,
                "amount": str(found.amount.amount) if found.amount else None,
                "currency": found.amount.currency if found.amount else None,
                "due_date": found.due_date.isoformat(),
                "recipients": list(found.all_recipients),
                # where each value was read: {"amount": "PDF: 'Total TTC'", ...}
                "evidence": dict(found.evidence),
            }
        else:
            out["reason"] = found.reason
        return out
    result = read_received(msg)
    if isinstance(result, Unreadable):
        out["kind"] = "unreadable"
        out["reason"] = result.reason
    elif isinstance(result, Bounce):
        out["kind"] = "bounce"
        out["bounce"] = {"permanent": result.permanent, "recipients": list(result.recipients),
                         "original_message_id": result.original_message_id}
    elif isinstance(result, AutoReply):
        out["kind"] = "auto_reply"
        out["auto_reply"] = {"until": result.until.isoformat() if result.until else None}
    elif isinstance(result, PaymentNotice):
        out["kind"] = "payment"
        out["payment"] = {"provider": result.provider, "references": list(result.references),
                          "amount": str(result.amount.amount) if result.amount else None,
                          "currency": result.amount.currency if result.amount else None}
    elif isinstance(result, Reply):
        out["kind"] = "reply"
        out["reply"] = {"intent": result.intent.value,
                        "promised_date": result.promised_date.isoformat()
                        if result.promised_date else None}
    elif isinstance(result, Other):
        out["reason"] = result.reason
    return out


def unreadable_notes(rows: list[Any]) -> list[str]:
    """What ``relance status`` says, under "needs you", of the messages relance could not read
    (recorded once as ``unreadable`` by the cycle, never read again): how many, and the
    newest few with their folder, sender, subject and reason, so that the user looks at them
    in their mail client: an invoice or a client's answer among them is not followed."""
    if not rows:
        return []
    shown = [f"{row['folder']}, {row['date'] or 'no date'}, from {row['sender'] or '?'}: "
             f"\"{(row['subject'] or '')[:60]}\" — {_reason(row)}" for row in rows[:3]]
    more = f" (and {len(rows) - 3} more)" if len(rows) > 3 else ""
    return [f"relance could not read {len(rows)} message{'s' if len(rows) > 1 else ''}{more}; "
            "it skipped them and went on, but an invoice or an answer among them is not "
            "followed — look at them in your mail client: " + "; ".join(shown) + "."]


def _reason(row: Any) -> str:
    try:
        return str(json.loads(row["summary"] or "{}").get("reason", "")) or "no reason recorded"
    except ValueError:
        return "no reason recorded"
