"""The drafts waiting, as the store has them, read again only where the follow-ups changed.

The planner needs the slot of every waiting draft (a slot that has come is kept,
``cadence.plan``), and the engine the mailbox id of every draft of relance's (one the user
deleted cancels its stage). Thousands may wait at once at an agency; reading them all after
every write to the follow-ups (any draft made, moved or sent) would make each cycle's cost
follow them. Every follow-up row carries the version of its last write (``changed``, kept by
triggers, schema migration 4), so ``Drafted`` reads only the rows written since the version it
knew, and everything again only where a row was deleted (never by relance: by hand).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType

from .store import FollowUpState, Store

Pair = tuple[str, str]  # (invoice key, stage)


class Drafted:
    """The waiting drafts' slots by client, and their mailbox ids, at a version of the
    follow-ups. ``slots`` is a new mapping after each change, the same one while none came."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.version = -1
        self._removed = -1
        self._rows: dict[Pair, tuple[str, str]] = {}  # each drafted row: its client, draft id
        self._by_client: dict[str, dict[Pair, datetime]] = {}
        self.slots: Mapping[str, Mapping[Pair, datetime]] = MappingProxyType({})
        self._ids: frozenset[str] | None = frozenset()

    def refresh(self) -> None:
        """Take up what was written to the follow-ups since the version known."""
        version, removed = self.store.followups_versions()
        if version == self.version:
            return
        since = self.version
        if removed != self._removed or since < 0:  # the first look, or rows deleted by hand
            self._rows, self._by_client, self._removed, since = {}, {}, removed, -1
        fresh: set[str] = set()  # the clients whose slots were copied for this change

        def slots_of(client: str) -> dict[Pair, datetime]:
            if client not in fresh:
                fresh.add(client)
                self._by_client[client] = dict(self._by_client.get(client, {}))
            return self._by_client[client]

        for invoice_key, stage, state, slot, draft_id, client in \
                self.store.followups_changed_since(since):
            pair = (invoice_key, stage)
            before = self._rows.pop(pair, None)
            if before is not None:
                slots_of(before[0]).pop(pair, None)
            if state == FollowUpState.DRAFTED:
                self._rows[pair] = (client, draft_id)
                slots_of(client)[pair] = datetime.fromisoformat(slot)
        for client in fresh:
            if not self._by_client[client]:
                del self._by_client[client]
        self.slots = MappingProxyType(dict(self._by_client))
        self._ids = None
        self.version = version

    @property
    def ids(self) -> frozenset[str]:
        """The mailbox ids of the drafts relance made and has not sent or withdrawn."""
        if self._ids is None:
            self._ids = frozenset(draft for _client, draft in self._rows.values())
        return self._ids
