"""The Gmail API mailbox: ``GmailMailbox`` satisfies ``relance.daemon.mailbox.Mailbox`` through
google-api-python-client.

Sync (Gmail API guide, "Synchronizing clients"):

- First sync, cheaply: take the mailbox's ``historyId`` first (so nothing arriving meanwhile is
  lost), search Sent for invoice candidates (``in:sent newer_than:Nd`` and an attachment or an
  invoice word of the configured languages), then list the ids of everything since the oldest
  candidate to learn which messages share a candidate's thread (a list page holds 500 ids for 5
  units, where ``threads.get`` costs 10 per thread; the pages are asked for in time windows
  sent together in batches, ``listing.py``), and search all mail but Sent for delivery reports
  and automatic replies, which Gmail threads apart. Gmail's search lags writes, so the newest
  messages listed without a query and missing from a search are added (``_unindexed``). Only
  candidates, the messages of their threads, those reports and that newest mail are fetched
  whole (``format=raw``), in batches of at most 50.
- Incremental: ``history.list`` from the stored ``historyId``; every message added is fetched
  (history records carry only id and threadId, so a reply a filter kept out of the Inbox is
  fetched like any other; drafts, Spam and Trash are dropped by their labels, relance's own
  drafts not fetched at all). A deletion in history means a draft may be gone: only then are
  the drafts listed. An idle cycle is one ``history.list`` (2 units). Gmail keeps history for
  about a week: a 404 means the cursor expired, and a full sync (``Changes.full``) follows;
  the cycle de-duplicates by Message-ID, so nothing is lost or counted twice.
- Control labels (``relance/paid``, ``relance/stop``, ``relance/track``) the user put on a
  conversation are read from the same history records (``controls.py``).

Follow-ups live as drafts in the invoice's thread: Gmail files a draft in a thread only when
the ``threadId`` is given, ``References``/``In-Reply-To`` name a message of the thread and the
subject matches; the core's threading function provides the headers.
"""

from __future__ import annotations

import base64
import copy
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
from ...daemon.core.mailbox import Changes, DraftGone, FetchedMessage, Folder, MailRef
from ...daemon.core.message import html_to_text
from .controls import ControlLabels
from .listing import ids_since
from .marks import Marks, marks_beside
from .oauth import load_credentials
from .outbox import DraftMissingError, Outbox
from .quota import DEFAULT_BACKOFF, Backoff, QuotaMeter, scopes
from .settings import GOOGLE_ENDPOINT, GOOGLE_TOKEN_URI, GmailSettings, SearchSettings
from .transport import MISSING, Transport

PAGE = 500  # the largest page messages.list and history.list allow
FRESH = 100  # newest messages compared with the searches' answers in a full sync
HISTORY_TYPES = ("messageAdded", "messageDeleted", "labelAdded", "labelRemoved")
_FOLDER_LABELS = {"SENT": Folder.SENT, "INBOX": Folder.INBOX}
_NOT_MAIL = {"DRAFT", "SPAM", "TRASH"}  # what the cycle never reads
_EPOCH = datetime.fromtimestamp(0, tz=timezone.utc)
DEFAULT_SEARCH = SearchSettings()
NO_DRAFT_INFO = None  # Changes.drafts_present when no draft changed: nothing to report


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
                 rng: random.Random | None = None, backoff: Backoff = DEFAULT_BACKOFF,
                 marks: Marks | None = None) -> None:
        self._service = build_service(credentials, endpoint, http)
        self._users = self._service.users()
        self.search = search
        self.transport = Transport(self._service, sleep=sleep, rng=rng or random.Random(),
                                   backoff=backoff)
        self.outbox = Outbox(self._users, self.transport, marks or Marks())
        self.controls = ControlLabels(self._users, self.transport)
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
        """Return every invoice candidate, the messages of their threads, the reports and
        automatic replies threaded apart, and what search cannot see yet (module docstring),
        with the history id to go on from and every draft's id."""
        history_id = str(self._call(self._users.getProfile(userId="me"))["historyId"])
        candidates = dict(self._list_ids(self.search.candidate_query()))
        fetched = self._fetch(list(candidates))
        drafts = {d["id"]: d["message"]["id"] for d in self.outbox.all_drafts()}
        if fetched:
            # A thread's replies come after its invoice: list from the oldest candidate on.
            since = min(m.received_at or _EPOCH for m in fetched)
            after = int(since.timestamp()) - 1
            threads = {m.thread_id for m in fetched}
            listed = ids_since(self._users, self.transport, after, "-in:drafts")
            members = [mid for mid, tid in listed.items()
                       if tid in threads and mid not in candidates]
            notices = [mid for mid, tid in self._list_ids(self.search.notices_query(after))
                       if tid not in threads]
            fetched += self._fetch(list(dict.fromkeys(members + notices)))
        seen = {m.ref.id for m in fetched}
        fresh = [mid for mid in self._unindexed(set(drafts.values())) if mid not in seen]
        fetched += self._fetch(fresh)
        return Changes(tuple(fetched), history_id, full=True,
                       drafts_present=frozenset(drafts), controls=self.controls.on_threads())

    def _unindexed(self, drafts: set[str]) -> list[str]:
        """The ids of the newest messages Gmail's search does not see yet: its index lags
        writes (GMAIL-FACTS.md), a plain listing does not, so of the newest messages listed
        without a query, those missing from the newest a search lists are too recent to be
        indexed (an invoice sent or a reply received minutes ago). ``drafts`` are left out."""
        plain = self._call(self._users.messages().list(userId="me", maxResults=FRESH))
        searched = self._call(self._users.messages().list(userId="me", q="-in:drafts",
                                                          maxResults=FRESH))
        indexed = {ref["id"] for ref in searched.get("messages", [])}
        return [ref["id"] for ref in plain.get("messages", [])
                if ref["id"] not in indexed and ref["id"] not in drafts]

    def _incremental(self, cursor: str) -> Changes | Any:
        """Return the changes since ``cursor``, or ``MISSING`` when history expired."""
        wanted: dict[str, None] = {}
        records: list[dict[str, Any]] = []
        drafts_changed = False
        token, latest = None, cursor
        while True:
            page = self._call(self._users.history().list(
                userId="me", startHistoryId=cursor, historyTypes=list(HISTORY_TYPES),
                maxResults=PAGE, pageToken=token), missing_ok=True)
            if page is MISSING:
                return MISSING
            latest = str(page.get("historyId", latest))
            records += page.get("history", [])
            for record in page.get("history", []):
                drafts_changed |= _touches_drafts(record)
                for mid in _arrivals(record):
                    wanted[mid] = None
                # gone again within the span (a draft Gmail autosaved, then saved anew):
                # nothing to fetch
                for item in record.get("messagesDeleted", []):
                    wanted.pop(item["message"]["id"], None)
            token = page.get("nextPageToken")
            if not token:
                break
        drafts = self.outbox.draft_ids() if drafts_changed else NO_DRAFT_INFO
        return Changes(tuple(self._fetch(list(wanted))), latest, drafts_present=drafts,
                       controls=self.controls.found_in(records))

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
        """Fetch whole messages in batches; skip those deleted meanwhile, drafts, spam and
        trash (the drafts relance made itself are not even fetched)."""
        ids = [mid for mid in ids if mid not in self.outbox.own_draft_messages]
        answers = self.transport.execute_many(
            {mid: self._users.messages().get(userId="me", id=mid, format="raw") for mid in ids})
        out = []
        for mid in ids:
            res = answers.get(mid, MISSING)
            if res is MISSING or set(res.get("labelIds", ())) & _NOT_MAIL:
                continue
            out.append(_fetched(res))
        return out

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
    # Exactly once without trusting search: see outbox.py.
    def create_draft(self, message: EmailMessage, thread_id: str | None) -> str:
        """Store ``message`` as a draft in thread ``thread_id``; return the draft id."""
        return self.outbox.create_draft(message, thread_id)

    def find_draft(self, message_id: str) -> str | None:
        """Return the id of the draft with this Message-ID, or None (no search)."""
        return self.outbox.find_draft(message_id)

    def get_draft(self, draft_id: str) -> bytes | DraftGone:
        """Return the draft's message as it is now, or ``DRAFT_GONE``."""
        return self.outbox.get_draft(draft_id)

    def delete_draft(self, draft_id: str) -> None:
        """Remove a draft; one already gone is fine."""
        self.outbox.delete_draft(draft_id)

    def send_draft(self, draft_id: str) -> None:
        """Send the draft as it is now, exactly once (``Outbox.send_draft``)."""
        self.outbox.send_draft(draft_id)

    def find_sent(self, message_id: str) -> bool:
        """Say whether Sent holds a message with this Message-ID (``Outbox.find_sent``)."""
        return self.outbox.find_sent(message_id)

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
                        sleep=sleep, marks=Marks(marks_beside(settings.token_file)))


def account_address(credentials: Credentials, *, endpoint: str = GOOGLE_ENDPOINT,
                    http: httplib2.Http | None = None) -> str:
    """Ask Gmail whose account ``credentials`` open (``getProfile``); return the address,
    lower-cased. Raises from the MailboxError family when Gmail refuses them."""
    box = GmailMailbox(credentials, endpoint=endpoint, http=http)
    box.close()
    return box.address.lower()


def offered_settings(credentials: Credentials, *, endpoint: str = GOOGLE_ENDPOINT,
                     http: httplib2.Http | None = None) -> dict[str, str]:
    """What the user already told Gmail, for the wizard to offer: the name and signature of
    the primary send-as address (``settings.sendAs.list``, its HTML signature as text) and
    the primary subtag of Gmail's display language (``settings.getLanguage``: "en-GB" ->
    "en"); both readable under gmail.readonly, 1 unit each. A setting Gmail does not give is
    left out: these are only offers."""
    box = GmailMailbox(credentials, endpoint=endpoint, http=http)
    offered: dict[str, str] = {}
    try:
        listed = box._call(box._users.settings().sendAs().list(userId="me"))
        primary: dict[str, Any] = next(
            (s for s in listed.get("sendAs", []) if s.get("isPrimary")), {})
        if primary.get("displayName"):
            offered["name"] = str(primary["displayName"]).strip()
        signature = html_to_text(str(primary.get("signature") or ""))
        if signature:
            offered["signature"] = signature
        language = box._call(box._users.settings().getLanguage(userId="me"))
        tag = str(language.get("displayLanguage") or "")
        if tag:
            offered["language"] = tag.replace("_", "-").split("-")[0].lower()
    except MailboxError:
        pass  # the wizard asks without an offer
    finally:
        box.close()
    return offered


def _arrivals(record: dict[str, Any]) -> Iterator[str]:
    """Ids of messages a history record brings: every message added (Gmail's records carry
    only id and threadId, so whether it is a draft, in Spam, or a reply a filter kept out of
    the Inbox is read from the message itself), and those labelled into Sent or the Inbox."""
    for item in record.get("messagesAdded", []):
        yield item["message"]["id"]
    for item in record.get("labelsAdded", []):
        if set(item.get("labelIds", ())) & _FOLDER_LABELS.keys():
            yield item["message"]["id"]


def _touches_drafts(record: dict[str, Any]) -> bool:
    """Whether a record may mean a draft went away: a message deleted (a draft deleted,
    updated or sent), or the DRAFT label taken off or put on. History records do not say
    which messages were drafts, so any deletion counts; new drafts need no listing."""
    if record.get("messagesDeleted"):
        return True
    changes = record.get("labelsAdded", []) + record.get("labelsRemoved", [])
    return any("DRAFT" in item.get("labelIds", ()) for item in changes)


def _fetched(res: dict[str, Any]) -> FetchedMessage:
    labels = set(res.get("labelIds", ()))
    folder = Folder.SENT if "SENT" in labels else Folder.INBOX
    when = datetime.fromtimestamp(int(res["internalDate"]) / 1000, tz=timezone.utc)
    raw = base64.urlsafe_b64decode(res["raw"] + "=" * (-len(res["raw"]) % 4))
    return FetchedMessage(MailRef(folder, res["id"]), raw, res["threadId"], when)


__all__ = ["GmailMailbox", "SearchSettings", "DraftMissingError", "PermanentMailboxError",
           "build_service", "GOOGLE_ENDPOINT", "account_address", "open_gmail_mailbox"]
