"""Control from Gmail: the labels ``relance/paid``, ``relance/stop`` and ``relance/track``.

The user puts one on a conversation in Gmail; the next incremental sync sees it in history's
``labelsAdded`` records (which carry the label ids, GMAIL-FACTS.md) and reports it in
``Changes.controls``. Everything here is readable under gmail.readonly (``labels.list`` and
the ids in history), so the feature costs no scope: relance never removes the label (that would
need gmail.modify). The label ids are learnt from ``labels.list`` (1 unit), asked only when a
user label relance does not know yet is put on a message, so an idle cycle costs nothing more.
A full sync (no history to go on from) lists the messages that carry each control label.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...daemon.core.mailbox import ControlAction, ControlLabel
from .transport import Transport

CONTROL_NAMES = {"relance/paid": ControlAction.PAID, "relance/stop": ControlAction.STOP,
                 "relance/track": ControlAction.TRACK}


def _user_label(label_id: str) -> bool:
    # Gmail's system labels have upper-case ids (INBOX, SENT, CATEGORY_SOCIAL); a user's
    # labels have ids like Label_12.
    return not label_id.isupper()


class ControlLabels:
    """Turns history records into the control labels they put on threads."""

    def __init__(self, users: Any, transport: Transport) -> None:
        self._users = users
        self._transport = transport
        self._known: dict[str, ControlAction | None] = {}  # label id -> its action, or None

    def found_in(self, records: Iterable[dict[str, Any]]) -> tuple[ControlLabel, ...]:
        """The control labels put on threads in ``records``, once per thread and action (a
        label put on a conversation is put on each of its messages)."""
        added = [(item["message"], label) for record in records
                 for item in record.get("labelsAdded", [])
                 for label in item.get("labelIds", []) if _user_label(label)]
        if any(label not in self._known for _, label in added):
            self._learn()
        found: dict[tuple[ControlAction, str], ControlLabel] = {}
        for message, label in added:
            action = self._known.get(label)
            if action is None or (action, message["threadId"]) in found:
                continue
            if action is ControlAction.TRACK:
                message_id = self._sent_message_id(message["id"])
                if not message_id:
                    continue  # only a message the user sent can be an invoice
                found[(action, message["threadId"])] = ControlLabel(
                    action, message["threadId"], message_id)
            else:
                found[(action, message["threadId"])] = ControlLabel(action, message["threadId"])
        return tuple(found.values())

    def on_threads(self) -> tuple[ControlLabel, ...]:
        """Every control label on a message now, for a full sync (the first one, or after
        history expired): one ``labels.list``, and one ``messages.list`` per control label
        the user has created."""
        self._learn()
        records = []
        for label, action in self._known.items():
            if action is None:
                continue
            listed = self._transport.execute(self._users.messages().list(
                userId="me", labelIds=[label], maxResults=500))
            refs = listed.get("messages", []) if isinstance(listed, dict) else []
            records.append({"labelsAdded": [{"message": ref, "labelIds": [label]}
                                            for ref in refs]})
        return self.found_in(records)

    def _learn(self) -> None:
        listed = self._transport.execute(self._users.labels().list(userId="me"))
        labels = listed.get("labels", []) if isinstance(listed, dict) else []
        self._known = {label["id"]: CONTROL_NAMES.get(str(label.get("name", "")).lower())
                       for label in labels}

    def _sent_message_id(self, gmail_id: str) -> str:
        """The Message-ID of the labelled message when the user sent it, else ""."""
        got = self._transport.execute(self._users.messages().get(
            userId="me", id=gmail_id, format="metadata", metadataHeaders=["Message-ID"]),
            missing_ok=True)
        if not isinstance(got, dict) or "SENT" not in got.get("labelIds", []):
            return ""
        headers = got.get("payload", {}).get("headers", [])
        return next((str(h["value"]) for h in headers
                     if str(h.get("name", "")).lower() == "message-id"), "")
