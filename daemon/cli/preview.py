"""``relance preview``: the next follow-up of an invoice shown as it would go out — every
header, the plain-text and the HTML body, and each attached file with its type and size — so
that what the user reads here is what the client will receive (only the Date header may
differ: it is set again when the message is sent)."""

from __future__ import annotations

from email.message import EmailMessage

HEADERS = ("From", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
           "Content-Language", "X-Relance-Stage")


def _size(count: int) -> str:
    """A size as people read it: "812 bytes", "41.3 kB", "2.4 MB" (decimal units)."""
    if count < 1000:
        return f"{count} bytes"
    if count < 1_000_000:
        return f"{count / 1000:.1f} kB"
    return f"{count / 1_000_000:.1f} MB"


def attachments(message: EmailMessage) -> list[tuple[str, str, int]]:
    """Return the name, content type and size in bytes of every file attached."""
    found = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        size = len(payload) if isinstance(payload, bytes) else 0
        found.append((part.get_filename() or "(no name)", part.get_content_type(), size))
    return found


def _body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    return part.get_content() if part is not None else ""


def preview_text(message: EmailMessage, slot: str) -> str:
    """Return what ``relance preview`` prints for ``message``, going out at ``slot``."""
    # Folding is the wire's business: a header reads the same however it was folded.
    lines = [f"{name}: {' '.join(str(message[name]).split())}" for name in HEADERS
             if message[name]]
    lines.append(f"Slot: {slot}")
    files = attachments(message)
    lines.append("Attachments: " + ("none" if not files else ", ".join(
        f"{name} ({kind}, {_size(size)})" for name, kind, size in files)))
    lines += ["", "--- text/plain ---", _body(message, "plain").rstrip(), "",
              "--- text/html ---", _body(message, "html").rstrip()]
    return "\n".join(lines) + "\n"
