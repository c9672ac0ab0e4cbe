"""JSON shapes of Gmail API resources (Message, Thread, Draft, Label, errors), as the v1
reference documents them."""

from __future__ import annotations

import base64
from email.message import Message as EmailPart

from tests.gmailfake.store import Account, Draft, Message

FORMATS = ("minimal", "metadata", "full", "raw")
_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
           404: "NOT_FOUND", 409: "ALREADY_EXISTS", 429: "RESOURCE_EXHAUSTED",
           500: "INTERNAL", 503: "UNAVAILABLE"}


def b64url(data: bytes) -> str:
    """Base64url without padding stripped, as Gmail sends ``raw`` and body data."""
    return base64.urlsafe_b64encode(data).decode("ascii")


def unb64url(text: str) -> bytes:
    """Decode base64url, tolerating missing padding (clients differ)."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def error(code: int, message: str, reason: str) -> dict[str, object]:
    """The error body Google APIs send: ``error.errors[0].reason`` is what clients branch on."""
    return {"error": {"code": code, "message": message, "status": _STATUS.get(code, "UNKNOWN"),
                      "errors": [{"message": message, "domain": "global", "reason": reason}]}}


def message(msg: Message, fmt: str = "full", headers: list[str] | None = None) -> dict:
    """A Message resource in ``fmt``; ``headers`` limits the metadata format's headers."""
    out: dict[str, object] = {
        "id": msg.id,
        "threadId": msg.thread_id,
        "labelIds": sorted(msg.labels),
        "snippet": " ".join(sorted(msg.words))[:100] if fmt != "minimal" else "",
        "historyId": str(msg.history_id),
        "internalDate": str(msg.internal_date_ms),
        "sizeEstimate": len(msg.raw),
    }
    if fmt == "raw":
        out["raw"] = b64url(msg.raw)
    elif fmt == "metadata":
        wanted = {h.lower() for h in headers or ()}
        pairs = [(k, str(v)) for k, v in msg.parsed.items()]
        out["payload"] = {
            "mimeType": msg.parsed.get_content_type(),
            "headers": [{"name": k, "value": v} for k, v in pairs
                        if not wanted or k.lower() in wanted],
        }
    elif fmt == "full":
        out["payload"] = _part(msg, msg.parsed, "")
    return out


def _part(msg: Message, part: EmailPart, part_id: str) -> dict[str, object]:
    body: dict[str, object]
    if part.is_multipart():
        children = [_part(msg, p, f"{part_id}.{i}" if part_id else str(i))
                    for i, p in enumerate(part.get_payload())]  # type: ignore[union-attr]
        body = {"size": 0}
    else:
        children = []
        data = part.get_payload(decode=True) or b""
        if part.get_filename():
            body = {"size": len(data), "attachmentId": f"{msg.id}.{part_id or '0'}"}
        else:
            body = {"size": len(data), "data": b64url(data)}
    out: dict[str, object] = {
        "partId": part_id,
        "mimeType": part.get_content_type(),
        "filename": part.get_filename() or "",
        "headers": [{"name": k, "value": str(v)} for k, v in part.items()],
        "body": body,
    }
    if children:
        out["parts"] = children
    return out


def thread(account: Account, thread_id: str, fmt: str, headers: list[str] | None) -> dict:
    msgs = [account.messages[m] for m in account.threads[thread_id]]
    return {"id": thread_id, "historyId": str(max(m.history_id for m in msgs)),
            "messages": [message(m, fmt, headers) for m in msgs]}


def draft(account: Account, d: Draft, fmt: str = "minimal") -> dict:
    return {"id": d.id, "message": message(account.get(d.message_id), fmt)}


def label(account: Account, label_id: str) -> dict:
    system = label_id == account.labels[label_id] and label_id.isupper()
    return {"id": label_id, "name": account.labels[label_id],
            "type": "system" if system else "user"}
