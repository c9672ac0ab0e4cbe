"""The Gmail v1 methods the fake serves: one small function per method, all behind ``ROUTES``.

Each handler takes a ``Call`` (the account, the path ids, the query string, the body) and
returns ``(status, json_body)``. Paths are those of the discovery document
(``gmail/v1/users/{userId}/...``); upload paths (``upload/gmail/v1/...``) reach the same
handlers with the message bytes already extracted by ``uploads.py``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tests.gmailfake import query as gq
from tests.gmailfake import resources as res
from tests.gmailfake import rules
from tests.gmailfake.store import Account, HistoryExpired, NotFound

if TYPE_CHECKING:
    from tests.gmailfake.server import GmailFake

Result = tuple[int, object]

# Quota units per method, from the Gmail API "Usage limits" page (per-method quota usage).
UNITS = {
    "getProfile": 1, "labels.list": 1, "labels.get": 1, "labels.create": 5,
    "messages.list": 5, "messages.get": 5, "messages.send": 100, "messages.insert": 25,
    "messages.import": 25, "messages.delete": 10, "messages.modify": 5,
    "threads.get": 10, "threads.list": 10, "history.list": 2,
    "drafts.create": 10, "drafts.get": 5, "drafts.list": 5, "drafts.update": 15,
    "drafts.send": 100, "drafts.delete": 10,
    "settings.sendAs.list": 1, "settings.getLanguage": 1,
}


@dataclass
class Call:
    fake: GmailFake
    account: Account
    ids: dict[str, str]
    query: dict[str, list[str]]
    body: bytes = b""
    raw: bytes | None = None  # message bytes from an upload path
    upload_meta: dict = field(default_factory=dict)

    def arg(self, name: str, default: str = "") -> str:
        return self.query.get(name, [default])[0]

    def json(self) -> dict:
        return json.loads(self.body or b"{}")


def _page(items: list, call: Call, default: int, key: str) -> dict:
    """Slice ``items`` by ``maxResults``/``pageToken`` (an offset, opaque to clients)."""
    size = min(int(call.arg("maxResults", str(default))), 500)
    start = int(call.arg("pageToken", "0") or 0)
    out: dict[str, object] = {key: items[start:start + size]}
    if start + size < len(items):
        out["nextPageToken"] = str(start + size)
    return out


def _search(call: Call) -> list:
    """Messages matching ``q`` and ``labelIds``, newest first, as Gmail lists them."""
    acc = call.account
    now = call.fake.now_ms()
    # Paging re-asks the same question: keep the answer while the mailbox (history id) and
    # the minute (for newer_than) are unchanged.
    key = (call.arg("q"), tuple(sorted(call.query.get("labelIds", []))),
           call.arg("includeSpamTrash"), acc.history_id, now // 60_000)
    if acc.search_cache.get("key") == key:
        return acc.search_cache["found"]  # type: ignore[return-value]
    parsed = gq.parse(call.arg("q"), now, acc.label_ids_by_name())
    hide = set() if parsed.names_spam_or_trash or call.arg("includeSpamTrash") == "true" \
        else {"SPAM", "TRASH"}
    wanted = set(call.query.get("labelIds", []))
    # The search index lags writes (rules.py); a query without q is a label listing.
    fresh = now if call.arg("q") else None
    found = [m for m in acc.messages.values()
             if not m.labels & hide and wanted <= m.labels and parsed.matches(m)
             and (fresh is None or m.searchable_from_ms <= fresh)]
    found.sort(key=lambda m: (m.internal_date_ms, m.id), reverse=True)
    acc.search_cache = {"key": key, "found": found}
    return found


def send_as_list(call: Call) -> Result:
    """The primary address's send-as entry (SendAs resource: sendAsEmail, displayName, the
    signature as HTML, isPrimary, isDefault)."""
    acc = call.account
    return 200, {"sendAs": [{"sendAsEmail": acc.address, "displayName": acc.display_name,
                             "signature": acc.signature_html, "isPrimary": True,
                             "isDefault": True, "treatAsAlias": False}]}


def get_language(call: Call) -> Result:
    return 200, {"displayLanguage": call.account.language}


def get_profile(call: Call) -> Result:
    acc = call.account
    return 200, {"emailAddress": acc.address, "messagesTotal": len(acc.messages),
                 "threadsTotal": len(acc.threads), "historyId": str(acc.history_id)}


def messages_list(call: Call) -> Result:
    found = [{"id": m.id, "threadId": m.thread_id} for m in _search(call)]
    out = _page(found, call, 100, "messages")
    out["resultSizeEstimate"] = len(found)
    if not out["messages"]:
        del out["messages"]  # Gmail leaves the key out of an empty answer
    return 200, out


def messages_get(call: Call) -> Result:
    fmt = call.arg("format", "full")
    msg = call.account.get(call.ids["id"])
    return 200, res.message(msg, fmt, call.query.get("metadataHeaders"))


def _message_bytes(call: Call) -> tuple[bytes, str | None, dict]:
    if call.raw is not None:
        meta = call.upload_meta
        return call.raw, meta.get("threadId") or meta.get("message", {}).get("threadId"), meta
    body = call.json()
    msg = body.get("message", body)
    return res.unb64url(msg["raw"]), msg.get("threadId"), body


def _may_send(call: Call) -> None:
    """Refuse a send past the daily mail-sending limit (rules.SendingLimit)."""
    retry = call.fake.sending.retry_at(call.account.address, call.fake.now_ms())
    if retry is not None:
        raise rules.Limited(rules.sending_limit_message(retry))
    call.fake.sending.record(call.account.address, call.fake.now_ms())


def messages_send(call: Call) -> Result:
    raw, thread_id, _ = _message_bytes(call)
    rules.check_thread(call.account, thread_id)
    rules.check_recipients(rules.probe(raw))
    _may_send(call)
    msg = call.account.add(raw, {"SENT"}, call.fake.now_ms(), thread_id)
    call.fake.deliver(call.account, msg)
    return 200, res.message(msg, "minimal")


def messages_insert(call: Call) -> Result:
    raw, thread_id, meta = _message_bytes(call)
    rules.check_thread(call.account, thread_id)
    labels = set(meta.get("labelIds") or ["INBOX"])
    msg = call.account.add(raw, labels, call.fake.now_ms(), thread_id)
    return 200, res.message(msg, "minimal")


def messages_delete(call: Call) -> Result:
    call.account.delete(call.ids["id"])
    return 204, None


def messages_modify(call: Call) -> Result:
    body = call.json()
    msg = call.account.modify(call.ids["id"], body.get("addLabelIds", []),
                              body.get("removeLabelIds", []))
    return 200, res.message(msg, "minimal")


def threads_get(call: Call) -> Result:
    tid = call.ids["id"]
    if tid not in call.account.threads:
        raise NotFound(tid)
    return 200, res.thread(call.account, tid, call.arg("format", "full"),
                           call.query.get("metadataHeaders"))


def threads_list(call: Call) -> Result:
    seen: dict[str, None] = {}
    for m in _search(call):
        seen.setdefault(m.thread_id)
    found = [{"id": t, "snippet": "", "historyId": str(call.account.history_id)} for t in seen]
    return 200, _page(found, call, 100, "threads")


_RECORD_FIELD = {"messageAdded": "messagesAdded", "messageDeleted": "messagesDeleted",
                 "labelAdded": "labelsAdded", "labelRemoved": "labelsRemoved"}


def history_list(call: Call) -> Result:
    start = call.arg("startHistoryId")
    if not start:
        return 400, res.error(400, "startHistoryId is required", "invalidArgument")
    # The parameter says "messageAdded"; the record's field is "messagesAdded".
    types = {_RECORD_FIELD.get(t, t) for t in call.query.get("historyTypes", [])} or None
    try:
        records = call.account.history_since(int(start), types, call.arg("labelId") or None)
    except HistoryExpired:
        return 404, res.error(404, "Requested entity was not found.", "notFound")
    out = _page(records, call, 100, "history")
    if not out["history"]:
        del out["history"]
    out["historyId"] = str(call.account.history_id)
    return 200, out


def labels_list(call: Call) -> Result:
    return 200, {"labels": [res.label(call.account, lid) for lid in call.account.labels]}


def labels_create(call: Call) -> Result:
    try:
        lid = call.account.create_label(call.json()["name"])
    except FileExistsError:
        return 409, res.error(409, "Label name exists or conflicts", "failedPrecondition")
    return 200, res.label(call.account, lid)


def drafts_create(call: Call) -> Result:
    raw, thread_id, _ = _message_bytes(call)
    rules.check_thread(call.account, thread_id)
    draft = call.account.create_draft(raw, thread_id, call.fake.now_ms())
    return 200, res.draft(call.account, draft)


def drafts_get(call: Call) -> Result:
    draft = call.account.get_draft(call.ids["id"])
    return 200, res.draft(call.account, draft, call.arg("format", "full"))


def drafts_list(call: Call) -> Result:
    acc = call.account
    drafts = list(acc.drafts.values())
    if call.arg("q"):  # drafts.list takes the search box's query language, like messages.list
        now = call.fake.now_ms()
        parsed = gq.parse(call.arg("q"), now, acc.label_ids_by_name())
        drafts = [d for d in drafts if parsed.matches(acc.get(d.message_id))
                  and acc.get(d.message_id).searchable_from_ms <= now]  # lags (rules.py)
    found = [res.draft(acc, d) for d in drafts]
    for d in found:
        d["message"] = {"id": d["message"]["id"], "threadId": d["message"]["threadId"]}
    out = _page(found, call, 100, "drafts")
    out["resultSizeEstimate"] = len(found)
    return 200, out


def drafts_update(call: Call) -> Result:
    raw, thread_id, _ = _message_bytes(call)
    rules.check_thread(call.account, thread_id)
    draft = call.account.update_draft(call.ids["id"], raw, thread_id, call.fake.now_ms())
    return 200, res.draft(call.account, draft)


def drafts_send(call: Call) -> Result:
    acc = call.account
    if call.raw is not None or "raw" in call.json().get("message", {}):
        raw, thread_id, body = _message_bytes(call)
        rules.check_thread(acc, thread_id)
        draft_id = body.get("id")
        if draft_id:  # send with an update: the documented "update then send" form
            acc.update_draft(draft_id, raw, thread_id, call.fake.now_ms())
        else:
            draft_id = acc.create_draft(raw, thread_id, call.fake.now_ms()).id
    else:
        draft_id = call.json().get("id", "")
    rules.check_recipients(acc.get(acc.get_draft(draft_id).message_id))
    _may_send(call)
    msg = acc.send_draft(draft_id, call.fake.now_ms())
    call.fake.deliver(acc, msg)
    return 200, res.message(msg, "minimal")


def drafts_delete(call: Call) -> Result:
    call.account.delete_draft(call.ids["id"])
    return 204, None


_U = r"/gmail/v1/users/(?P<user>[^/]+)"
ROUTES: list[tuple[str, re.Pattern[str], str, Callable[[Call], Result]]] = [
    (verb, re.compile(_U + path + "$"), name, fn)
    for verb, path, name, fn in [
        ("GET", "/profile", "getProfile", get_profile),
        ("GET", "/settings/sendAs", "settings.sendAs.list", send_as_list),
        ("GET", "/settings/language", "settings.getLanguage", get_language),
        ("GET", "/messages", "messages.list", messages_list),
        ("POST", "/messages", "messages.insert", messages_insert),
        ("POST", "/messages/import", "messages.import", messages_insert),
        ("POST", "/messages/send", "messages.send", messages_send),
        ("GET", "/messages/(?P<id>[^/]+)", "messages.get", messages_get),
        ("DELETE", "/messages/(?P<id>[^/]+)", "messages.delete", messages_delete),
        ("POST", "/messages/(?P<id>[^/]+)/modify", "messages.modify", messages_modify),
        ("GET", "/threads", "threads.list", threads_list),
        ("GET", "/threads/(?P<id>[^/]+)", "threads.get", threads_get),
        ("GET", "/history", "history.list", history_list),
        ("GET", "/labels", "labels.list", labels_list),
        ("POST", "/labels", "labels.create", labels_create),
        ("GET", "/drafts", "drafts.list", drafts_list),
        ("POST", "/drafts", "drafts.create", drafts_create),
        ("POST", "/drafts/send", "drafts.send", drafts_send),
        ("GET", "/drafts/(?P<id>[^/]+)", "drafts.get", drafts_get),
        ("PUT", "/drafts/(?P<id>[^/]+)", "drafts.update", drafts_update),
        ("DELETE", "/drafts/(?P<id>[^/]+)", "drafts.delete", drafts_delete),
    ]
]


def route(verb: str, path: str) -> tuple[str, Callable[[Call], Result], dict[str, str]] | None:
    """Return the method name, its handler and the path ids, or None for an unknown path."""
    path = path.replace("/upload/gmail/", "/gmail/", 1)
    for v, pattern, name, fn in ROUTES:
        match = pattern.match(path)
        if v == verb and match:
            return name, fn, match.groupdict()
    return None


def run(fn: Callable[[Call], Result], call: Call) -> Result:
    """Run a handler, turning store errors into Gmail's error answers."""
    try:
        return fn(call)
    except NotFound as exc:
        return 404, res.error(404, f"Requested entity was not found: {exc}", "notFound")
    except rules.Refused as exc:
        return 400, res.error(400, str(exc), "invalidArgument")
    except rules.Limited as exc:
        return 429, res.error(429, str(exc), "rateLimitExceeded")
    except gq.QueryError as exc:
        return 400, res.error(400, str(exc), "invalidArgument")
    except (KeyError, ValueError) as exc:
        return 400, res.error(400, f"Invalid request: {exc}", "invalidArgument")
