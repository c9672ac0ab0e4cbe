"""The Gmail API mailbox: ``GmailMailbox`` satisfies ``relance.daemon.mailbox.Mailbox`` through
google-api-python-client.

Sync (Gmail API guide, "Synchronizing clients"):

- First sync, cheaply: take the mailbox's ``historyId`` first (so nothing arriving meanwhile is
  lost), search Sent for invoice candidates (``in:sent newer_than:Nd`` and an attachment or an
  invoice word of the configured languages), then list the ids of everything since the oldest
  candidate to learn which messages share a candidate's thread (a list page holds 500 ids for 5
  units, where ``threads.get`` costs 10 per thread), and search the Inbox for delivery reports
  and automatic replies, which Gmail threads apart. Only candidates, the messages of their
  threads and those reports are fetched whole (``format=raw``), in batches of at most 50.
- Incremental: ``history.list`` from the stored ``historyId``; new messages in Sent or Inbox are
  fetched. An idle cycle is one ``history.list`` (2 units). Gmail keeps history for about a
  week: a 404 means the cursor expired, and a full sync (``Changes.full``) follows; the cycle
  de-duplicates by Message-ID, so nothing is lost or counted twice.

Follow-ups live as drafts in the invoice's thread: Gmail files a draft in a thread only when
the ``threadId`` is given, ``References``/``In-Reply-To`` name a message of the thread and the
subject matches; the core's threading function provides the headers.
"""

from __future__ import annotations

import base64
import copy
import email.policy
import json
import random
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from email.message import EmailMessage
from importlib import resources
from typing import Any

import google_auth_httplib2  # type: ignore[import-untyped]  # ships no type information
import httplib2
from google.auth.credentials import Credentials
from googleapiclient import discovery

from ...daemon.core.errors import MailboxError, PermanentMailboxError
from ...daemon.core.mailbox import DRAFT_GONE, Changes, DraftGone, FetchedMessage, Folder, MailRef
from .oauth import load_credentials
from .quota import DEFAULT_BACKOFF, Backoff, QuotaMeter, scopes
from .settings import GOOGLE_ENDPOINT, GOOGLE_TOKEN_URI, GmailSettings, SearchSettings
from .transport import MISSING, Transport

PAGE = 500  # the largest page messages.list and history.list allow
HISTORY_TYPES = ("messageAdded", "messageDeleted", "labelAdded", "labelRemoved")
_FOLDER_LABELS = {"SENT": Folder.SENT, "INBOX": Folder.INBOX}
_EPOCH = datetime.fromtimestamp(0, tz=timezone.utc)
DEFAULT_SEARCH = SearchSettings()
NO_DRAFT_INFO = None  # Changes.drafts_present when no draft changed: nothing to report


class DraftMissingError(MailboxError):
    """The draft to send no longer exists and no sent copy was found: the user deleted it."""


def build_service(credentials: Credentials, endpoint: str = GOOGLE_ENDPOINT,
                  http: httplib2.Http | None = None) -> Any:
    """Return a Gmail v1 service built offline from the discovery document shipped with
    google-api-python-client, with JSON, upload and batch calls all sent to ``endpoint``."""
    doc_file = resources.files("googleapiclient") / "discovery_cache/documents/gmail.v1.json"
    doc = copy.deepcopy(json.loads(doc_file.read_text(encoding="utf-8")))
    doc["rootUrl"] = doc["baseUrl"] = endpoint
    authed = google_auth_httplib2.AuthorizedHttp(credentials, http=http or httplib2.Http())
    return discovery.build_from_document(doc, http=authed)


class GmailMailbox:
    """A Gmail account through the Gmail API (see the module docstring for the sync)."""

    def __init__(self, credentials: Credentials, *, endpoint: str = GOOGLE_ENDPOINT,
                 http: httplib2.Http | None = None, address: str = "",
                 search: SearchSettings = DEFAULT_SEARCH,
                 sleep: Callable[[float], None] = time.sleep,
                 rng: random.Random | None = None, backoff: Backoff = DEFAULT_BACKOFF) -> None:
        self._service = build_service(credentials, endpoint, http)
        self._users = self._service.users()
        self.search = search
        self.transport = Transport(self._service, sleep=sleep, rng=rng or random.Random(),
                                   backoff=backoff)
        self.address = address or str(self._call(self._users.getProfile(userId="me"))
                                      ["emailAddress"])

    @property
    def quota(self) -> QuotaMeter:
        """Units and HTTP requests spent by this mailbox so far."""
        return self.transport.meter

    # ------------------------------------------------------------------ sync
    def sync(self, cursor: str | None) -> Changes:
        """Return what arrived in Sent and Inbox since ``cursor`` (see the module docstring)."""
        if cursor is None:
            return self._full_sync()
        changes = self._incremental(cursor)
        return self._full_sync() if changes is MISSING else changes

    def _full_sync(self) -> Changes:
        history_id = str(self._call(self._users.getProfile(userId="me"))["historyId"])
        candidates = dict(self._list_ids(self.search.candidate_query()))
        fetched = self._fetch(list(candidates))
        if fetched:
            # A thread's replies come after its invoice: list from the oldest candidate on.
            since = min(m.received_at or _EPOCH for m in fetched)
            after = int(since.timestamp()) - 1
            threads = {m.thread_id for m in fetched}
            members = [mid for mid, tid in self._list_ids(f"after:{after} -in:drafts")
                       if tid in threads and mid not in candidates]
            notices = [mid for mid, tid in self._list_ids(self.search.notices_query(after))
                       if tid not in threads]
            fetched += self._fetch(list(dict.fromkeys(members + notices)))
        return Changes(tuple(fetched), history_id, full=True,
                       drafts_present=self._draft_ids())

    def _incremental(self, cursor: str) -> Changes | Any:
        """Return the changes since ``cursor``, or ``MISSING`` when history expired."""
        wanted: dict[str, None] = {}
        drafts_changed = False
        token, latest = None, cursor
        while True:
            page = self._call(self._users.history().list(
                userId="me", startHistoryId=cursor, historyTypes=list(HISTORY_TYPES),
                maxResults=PAGE, pageToken=token), missing_ok=True)
            if page is MISSING:
                return MISSING
            latest = str(page.get("historyId", latest))
            for record in page.get("history", []):
                drafts_changed |= _touches_drafts(record)
                for mid in _arrivals(record):
                    wanted[mid] = None
            token = page.get("nextPageToken")
            if not token:
                break
        drafts = self._draft_ids() if drafts_changed else NO_DRAFT_INFO
        return Changes(tuple(self._fetch(list(wanted))), latest, drafts_present=drafts)

    def _list_ids(self, query: str) -> Iterator[tuple[str, str]]:
        """Yield ``(message id, thread id)`` of every message matching ``query``."""
        token = None
        while True:
            page = self._call(self._users.messages().list(
                userId="me", q=query, maxResults=PAGE, pageToken=token))
            for ref in page.get("messages", []):
                yield ref["id"], ref["threadId"]
            token = page.get("nextPageToken")
            if not token:
                return

    def _fetch(self, ids: list[str]) -> list[FetchedMessage]:
        """Fetch whole messages in batches; skip those deleted meanwhile (and drafts)."""
        answers = self.transport.execute_many(
            {mid: self._users.messages().get(userId="me", id=mid, format="raw") for mid in ids})
        out = []
        for mid in ids:
            res = answers.get(mid, MISSING)
            if res is MISSING or "DRAFT" in res.get("labelIds", ()):
                continue
            out.append(_fetched(res))
        return out

    def _draft_ids(self) -> frozenset[str]:
        ids: set[str] = set()
        token = None
        while True:
            page = self._call(self._users.drafts().list(userId="me", maxResults=PAGE,
                                                        pageToken=token))
            ids.update(d["id"] for d in page.get("drafts", []))
            token = page.get("nextPageToken")
            if not token:
                return frozenset(ids)

    def fetch(self, ref: MailRef) -> bytes:
        """Return one whole message again; raise PermanentMailboxError when it is gone."""
        res = self._call(self._users.messages().get(userId="me", id=ref.id, format="raw"),
                         missing_ok=True)
        if res is MISSING:
            raise PermanentMailboxError(
                f"Gmail message {ref.id} is no longer in the mailbox (deleted or moved to "
                "Trash and emptied); restore it from Trash or stop tracking its invoice.")
        return _fetched(res).raw

    # ------------------------------------------------------------------ drafts and sending
    def create_draft(self, message: EmailMessage, thread_id: str | None) -> str:
        """Store ``message`` as a draft in thread ``thread_id``; return the draft id."""
        body: dict[str, Any] = {"raw": _encode(message)}
        if thread_id:
            body["threadId"] = thread_id
        made = self._call(self._users.drafts().create(userId="me", body={"message": body}))
        return str(made["id"])

    def find_draft(self, message_id: str) -> str | None:
        """Return the id of the draft with this Message-ID (``drafts.list`` with
        ``rfc822msgid:``), or None."""
        page = self._call(self._users.drafts().list(
            userId="me", q=f"rfc822msgid:{message_id.strip('<>')}", maxResults=1))
        drafts = page.get("drafts") or []
        return drafts[0]["id"] if drafts else None

    def get_draft(self, draft_id: str) -> bytes | DraftGone:
        """Return the draft's message as it is now, or ``DRAFT_GONE``."""
        res = self._call(self._users.drafts().get(userId="me", id=draft_id, format="raw"),
                         missing_ok=True)
        if res is MISSING:
            return DRAFT_GONE
        return base64.urlsafe_b64decode(res["message"]["raw"] + "==")

    def delete_draft(self, draft_id: str) -> None:
        """Remove a draft; one already gone is fine."""
        self._call(self._users.drafts().delete(userId="me", id=draft_id), missing_ok=True)

    def send_draft(self, draft_id: str) -> None:
        """Send the draft as it is now (``drafts.send``: Gmail files it in Sent, in its thread,
        and removes the draft).

        Exactly once: the draft's Message-ID is read first; if the send is answered 404 (the
        connection dropped after Gmail sent it and the retry found no draft) the sent copy is
        looked up by that Message-ID. Raises ``DraftMissingError`` when the draft is gone and
        nothing was sent."""
        current = self._call(self._users.drafts().get(userId="me", id=draft_id,
                                                      format="metadata"), missing_ok=True)
        if current is MISSING:
            raise DraftMissingError(f"draft {draft_id} is gone: it was deleted in Gmail, so "
                                    "this follow-up is cancelled")
        message_id = _header(current["message"], "Message-ID")
        sent = self._call(self._users.drafts().send(userId="me", body={"id": draft_id}),
                          missing_ok=True)
        if sent is MISSING and not (message_id and self.find_sent(message_id)):
            raise DraftMissingError(f"draft {draft_id} disappeared before it could be sent "
                                    "and is not in Sent: nothing was sent")

    def find_sent(self, message_id: str) -> bool:
        """Say whether Sent holds a message with this Message-ID (``rfc822msgid:``)."""
        page = self._call(self._users.messages().list(
            userId="me", q=f"in:sent rfc822msgid:{message_id.strip('<>')}", maxResults=1))
        return bool(page.get("messages"))

    def close(self) -> None:
        self._service.close()

    def _call(self, request: Any, missing_ok: bool = False) -> Any:
        return self.transport.execute(request, missing_ok=missing_ok)


def open_gmail_mailbox(settings: GmailSettings, *, endpoint: str = GOOGLE_ENDPOINT,
                       token_uri: str = GOOGLE_TOKEN_URI, http: httplib2.Http | None = None,
                       sleep: Callable[[float], None] = time.sleep) -> GmailMailbox:
    """Return the mailbox of the Gmail account ``settings``, its token loaded from
    ``settings.token_file`` and refreshed (see ``oauth.load_credentials`` for the errors).
    ``endpoint``, ``token_uri`` and ``http`` let tests use a local Gmail-compatible server."""
    creds = load_credentials(settings.token_file, scopes(settings.labels), http, token_uri)
    return GmailMailbox(creds, endpoint=endpoint, http=http, address=settings.address,
                        sleep=sleep)


def account_address(credentials: Credentials, *, endpoint: str = GOOGLE_ENDPOINT,
                    http: httplib2.Http | None = None) -> str:
    """Ask Gmail whose account ``credentials`` open (``getProfile``); return the address,
    lower-cased. Raises from the MailboxError family when Gmail refuses them."""
    box = GmailMailbox(credentials, endpoint=endpoint, http=http)
    box.close()
    return box.address.lower()


def _arrivals(record: dict[str, Any]) -> Iterator[str]:
    """Ids of messages a history record brings into Sent or Inbox (added, or labelled so)."""
    for item in record.get("messagesAdded", []):
        labels = set(item["message"].get("labelIds", ()))
        if labels & _FOLDER_LABELS.keys() and "DRAFT" not in labels:
            yield item["message"]["id"]
    for item in record.get("labelsAdded", []):
        if set(item.get("labelIds", ())) & _FOLDER_LABELS.keys():
            yield item["message"]["id"]


def _touches_drafts(record: dict[str, Any]) -> bool:
    return any("DRAFT" in m.get("labelIds", ()) for m in record.get("messages", []))


def _fetched(res: dict[str, Any]) -> FetchedMessage:
    labels = set(res.get("labelIds", ()))
    folder = Folder.SENT if "SENT" in labels else Folder.INBOX
    when = datetime.fromtimestamp(int(res["internalDate"]) / 1000, tz=timezone.utc)
    raw = base64.urlsafe_b64decode(res["raw"] + "=" * (-len(res["raw"]) % 4))
    return FetchedMessage(MailRef(folder, res["id"]), raw, res["threadId"], when)


def _encode(message: EmailMessage) -> str:
    return base64.urlsafe_b64encode(message.as_bytes(policy=email.policy.SMTP)).decode("ascii")


def _header(resource: dict[str, Any], name: str) -> str:
    for h in resource.get("payload", {}).get("headers", []):
        if h["name"].lower() == name.lower():
            return str(h["value"])
    return ""


__all__ = ["GmailMailbox", "SearchSettings", "DraftMissingError", "PermanentMailboxError",
           "build_service", "GOOGLE_ENDPOINT", "account_address", "open_gmail_mailbox"]
