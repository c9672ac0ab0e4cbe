"""Drafts and sending on Gmail, exactly once, without trusting search.

Gmail's search lags writes (GMAIL-FACTS.md, "search freshness"), so nothing here decides on a
``q=`` answer when Gmail can say it otherwise:

- ``send_draft`` notes the profile's ``historyId`` before ``drafts.send`` and the id and
  threadId Gmail answers with after it (``marks.py``). When the answer is lost (the connection
  dropped, the process was killed), ``find_sent`` reads ``history.list`` from that history id
  (labelId SENT, messageAdded) and the Message-ID header of what was added (``messages.get``,
  metadata): an exact answer. Search is the last resort, for a Message-ID the plugin never
  tried to send (sent from another install, or the marks lost).
- ``find_draft`` takes the draft id noted after ``drafts.create``, or else reads every draft's
  Message-ID (``drafts.list`` without ``q``, then the drafts' messages by id).

Every error is in relance's family: transient (retry later) or permanent; a message Gmail
refuses (400) is a ``RefusedMessageError``, which holds that follow-up alone.
"""

from __future__ import annotations

import base64
import email.policy
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from typing import Any

from ...daemon.core.errors import RefusedMessageError, SendingLimitError
from ...daemon.core.mailbox import DRAFT_GONE, DraftGone
from .marks import Marks
from .transport import MISSING, Transport

PAGE = 500
HEADER = ["Message-ID"]


class DraftMissingError(RefusedMessageError):
    """The draft to send no longer exists and no sent copy was found: the user deleted it (or
    sent it by hand). Only this follow-up is affected."""


class Outbox:
    """The draft and send calls of one Gmail account (``users`` is the service's users())."""

    def __init__(self, users: Any, transport: Transport, marks: Marks,
                 clock: Callable[[], float] = time.time) -> None:
        self.users = users
        self.transport = transport
        self.marks = marks
        self.clock = clock  # epoch seconds, to compare with the time Gmail says to retry at
        self.own_draft_messages: set[str] = set()  # message ids inside drafts made here
        self.sending_refused: SendingLimitError | None = None  # until its retry_at
        self._draft_headers: dict[str, dict[str, str]] = {}  # message id -> its headers

    def _call(self, request: Any, missing_ok: bool = False) -> Any:
        return self.transport.execute(request, missing_ok=missing_ok)

    # ------------------------------------------------------------------ drafts
    def create_draft(self, message: EmailMessage, thread_id: str | None) -> str:
        """Store ``message`` as a draft in thread ``thread_id``; return the draft id."""
        body: dict[str, Any] = {"raw": _encode(message)}
        if thread_id:
            body["threadId"] = thread_id
        made = self._call(self.users.drafts().create(userId="me", body={"message": body}))
        self.own_draft_messages.add(str(made["message"]["id"]))
        if message["Message-ID"]:
            self.marks.note(str(message["Message-ID"]), draft=str(made["id"]))
        return str(made["id"])

    def find_draft(self, message_id: str) -> str | None:
        """Return the id of the draft with this Message-ID, or None: the noted draft if it is
        still there, else a look at every draft's Message-ID (no search)."""
        noted = self.marks.get(message_id).get("draft")
        if noted and self._call(self.users.drafts().get(userId="me", id=noted,
                                                         format="minimal"), missing_ok=True) \
                is not MISSING:
            return noted
        drafts = {d["message"]["id"]: d["id"] for d in self.all_drafts()}
        # A message never changes under its id (a draft updated gets a new message id), so
        # the headers read once are kept: the next look reads only the drafts new since.
        unread = [mid for mid in drafts if mid not in self._draft_headers]
        self._draft_headers.update(self._headers(unread))
        for mid, draft_id in drafts.items():
            if self._draft_headers.get(mid, {}).get("message-id") == message_id:
                return str(draft_id)
        return None

    def all_drafts(self) -> Iterator[dict[str, Any]]:
        """Every draft of the account (``drafts.list``, no query: id and message id)."""
        token = None
        while True:
            page = self._call(self.users.drafts().list(userId="me", maxResults=PAGE,
                                                       pageToken=token))
            yield from page.get("drafts", [])
            token = page.get("nextPageToken")
            if not token:
                return

    def draft_ids(self) -> frozenset[str]:
        """The ids of every draft in the account now."""
        return frozenset(d["id"] for d in self.all_drafts())

    def get_draft(self, draft_id: str) -> bytes | DraftGone:
        """Return the draft's message as it is now, or ``DRAFT_GONE``."""
        res = self._call(self.users.drafts().get(userId="me", id=draft_id, format="raw"),
                         missing_ok=True)
        if res is MISSING:
            return DRAFT_GONE
        return base64.urlsafe_b64decode(res["message"]["raw"] + "==")

    def delete_draft(self, draft_id: str) -> None:
        """Remove a draft; one already gone is fine."""
        self._call(self.users.drafts().delete(userId="me", id=draft_id), missing_ok=True)

    # ------------------------------------------------------------------ sending
    def send_draft(self, draft_id: str) -> None:
        """Send the draft as it is now (``drafts.send``: Gmail files it in Sent, in its thread,
        and removes the draft), noting the history id before and Gmail's answer after.

        A send whose answer was lost and whose retry found no draft (404) is confirmed through
        history. Raises ``DraftMissingError`` when the draft is gone and nothing was sent,
        ``RefusedMessageError`` when Gmail refuses the message (400), ``SendingLimitError``
        while the account's sending limit lasts: once Gmail has said until when, no call is
        made (and no quota spent) before then."""
        self._still_limited()
        current = self._call(self.users.drafts().get(userId="me", id=draft_id,
                                                     format="metadata"), missing_ok=True)
        if current is MISSING:
            raise DraftMissingError(f"draft {draft_id} is gone: it was deleted in Gmail, so "
                                    "this follow-up is cancelled")
        message_id = _header(current["message"], "Message-ID")
        if message_id:
            profile = self._call(self.users.getProfile(userId="me"))
            self.marks.note(message_id, history=str(profile["historyId"]))
        try:
            sent = self._call(self.users.drafts().send(userId="me", body={"id": draft_id}),
                              missing_ok=True)
        except SendingLimitError as exc:
            self.sending_refused = exc
            raise
        if sent is not MISSING:
            if message_id:
                self.marks.note(message_id, sent=str(sent["id"]),
                                thread=str(sent.get("threadId", "")))
            return
        if not (message_id and self.find_sent(message_id)):
            raise DraftMissingError(f"draft {draft_id} disappeared before it could be sent "
                                    "and is not in Sent: nothing was sent")

    def _still_limited(self) -> None:
        refused = self.sending_refused
        if refused is None or refused.retry_at is None or self.clock() >= refused.retry_at:
            self.sending_refused = None
            return
        raise SendingLimitError(f"{refused} (not asked again before then)", refused.retry_at,
                                refused.service)

    def find_sent(self, message_id: str) -> bool:
        """Say whether Sent holds a message with this Message-ID: from Gmail's noted answer,
        else from history since the noted history id, else (never tried here) by search."""
        mark = self.marks.get(message_id)
        if mark.get("sent"):
            return True
        if mark.get("history"):
            found = self._sent_since(mark["history"], message_id)
            if found is not None:
                if found:
                    self.marks.note(message_id, sent=found)
                return bool(found)
        page = self._call(self.users.messages().list(
            userId="me", q=f"in:sent rfc822msgid:{message_id.strip('<>')}", maxResults=1))
        return bool(page.get("messages"))

    def _sent_since(self, history_id: str, message_id: str) -> str | None:
        """Return the id of the message with ``message_id`` added to SENT since
        ``history_id`` ("" if none), or None when that history has expired."""
        added: list[str] = []
        token = None
        while True:
            page = self._call(self.users.history().list(
                userId="me", startHistoryId=history_id, labelId="SENT",
                historyTypes=["messageAdded"], maxResults=PAGE, pageToken=token),
                missing_ok=True)
            if page is MISSING:
                return None
            for record in page.get("history", []):
                added += [m["message"]["id"] for m in record.get("messagesAdded", [])]
            token = page.get("nextPageToken")
            if not token:
                break
        for mid, headers in self._headers(added).items():
            if headers.get("message-id") == message_id and "SENT" in headers["labels"]:
                return mid
        return ""

    def _headers(self, ids: list[str]) -> dict[str, dict[str, str]]:
        """The Message-ID header (lower-cased key) and labels of each message, by id."""
        answers = self.transport.execute_many({
            mid: self.users.messages().get(userId="me", id=mid, format="metadata",
                                           metadataHeaders=HEADER) for mid in ids})
        out = {}
        for mid, res in answers.items():
            if res is MISSING:
                continue
            out[mid] = {"message-id": _header(res, "Message-ID"),
                        "labels": " ".join(res.get("labelIds", []))}
        return out


def _encode(message: EmailMessage) -> str:
    return base64.urlsafe_b64encode(message.as_bytes(policy=email.policy.SMTP)).decode("ascii")


def _header(resource: dict[str, Any], name: str) -> str:
    for h in resource.get("payload", {}).get("headers", []):
        if h["name"].lower() == name.lower():
            return str(h["value"])
    return ""
