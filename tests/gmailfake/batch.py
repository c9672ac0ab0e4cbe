"""Multipart wire formats of Google APIs: batch requests and multipart uploads.

Batch ("Batching requests", Gmail API guide): the client POSTs ``multipart/mixed``; each part
is ``Content-Type: application/http`` with a ``Content-ID`` and holds one HTTP request (request
line, headers, blank line, body). The answer is ``multipart/mixed`` too, one
``application/http`` part per request, in order, each with ``Content-ID: <response-ID>`` where
ID is the request part's id. At most 100 calls a batch; each call costs its own quota units.

Multipart upload (``uploadType=multipart``): ``multipart/related`` with a JSON metadata part
followed by the media part (here, the RFC 5322 message).
"""

from __future__ import annotations

import email
import email.policy
import json
import uuid
from dataclasses import dataclass
from http import HTTPStatus

MAX_PARTS = 100


@dataclass(frozen=True)
class Part:
    """One request inside a batch."""

    content_id: str
    verb: str
    path: str  # path and query string, as in the request line
    headers: dict[str, str]
    body: bytes


def _mime(content_type: str, body: bytes) -> email.message.Message:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    return email.message_from_bytes(head + body, policy=email.policy.HTTP)


def parse_batch(content_type: str, body: bytes) -> list[Part]:
    """Split a batch request body into its parts; raise ValueError when malformed."""
    outer = _mime(content_type, body)
    if not outer.is_multipart():
        raise ValueError("a batch request must be multipart/mixed")
    parts = []
    for sub in outer.get_payload():  # type: ignore[union-attr]
        payload = sub.get_payload(decode=True) or b""
        head, _, inner_body = payload.replace(b"\r\n", b"\n").partition(b"\n\n")
        lines = head.decode("utf-8").split("\n")
        verb, target, _ = (lines[0].split(" ") + ["", ""])[:3]
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        cid = str(sub.get("Content-ID", "")).strip("<> ")
        parts.append(Part(cid, verb, target, headers, inner_body))
    return parts


def batch_response(answers: list[tuple[str, int, object]]) -> tuple[str, bytes]:
    """Build the multipart/mixed answer from ``(content_id, status, json)``; return the
    Content-Type header and the body."""
    boundary = f"batch_{uuid.uuid4().hex}"
    chunks = []
    for cid, status, payload in answers:
        data = b"" if payload is None else json.dumps(payload).encode()
        reason = HTTPStatus(status).phrase
        inner = (f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json; charset=UTF-8"
                 f"\r\nContent-Length: {len(data)}\r\n\r\n").encode() + data
        chunks.append(
            f"--{boundary}\r\nContent-Type: application/http\r\n"
            f"Content-ID: <response-{cid}>\r\n\r\n".encode() + inner + b"\r\n"
        )
    body = b"".join(chunks) + f"--{boundary}--\r\n".encode()
    return f"multipart/mixed; boundary={boundary}", body


def parse_related(content_type: str, body: bytes) -> tuple[dict, bytes]:
    """Split a multipart/related upload into (JSON metadata, media bytes).

    Split by hand on the boundary: a ``message/rfc822`` media part would otherwise be parsed
    into a message object and lose its exact bytes."""
    boundary = _mime(content_type, b"").get_param("boundary")
    if not isinstance(boundary, str):
        raise ValueError("a multipart upload needs a boundary")
    delimiter = b"--" + boundary.encode()
    chunks = [c for c in body.split(delimiter)[1:] if not c.startswith(b"--")]
    if len(chunks) != 2:
        raise ValueError("a multipart upload has a metadata part and a media part")
    parsed = []
    for chunk in chunks:
        chunk = chunk[2:] if chunk.startswith(b"\r\n") else chunk.lstrip(b"\n")
        sep = b"\r\n\r\n" if b"\r\n\r\n" in chunk else b"\n\n"
        _, _, content = chunk.partition(sep)
        # The line break before a delimiter belongs to the delimiter (RFC 2046 §5.1.1).
        cut = 2 if content.endswith(b"\r\n") else 1 if content.endswith(b"\n") else 0
        parsed.append(content[:len(content) - cut])
    return json.loads(parsed[0] or b"{}"), parsed[1]
