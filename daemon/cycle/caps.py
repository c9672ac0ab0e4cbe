"""The caps on sending: at most so many follow-ups an hour and a day, and one a day to a client.

They are counted from the ``followup_sent`` events of the last two days (a client's day in
another zone may reach back further than the user's), read once per cycle and kept up to date
by the sends of that cycle. A statement counts once, though it is recorded for each invoice it
covers.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..core.model import Event, EventKind
from .store import FollowUpRow, Store


class SendCaps:
    """What the caps allow at ``now``, for one cycle."""

    def __init__(self, store: Store, now: datetime) -> None:
        self.store = store
        self.now = now
        self._sent: list[tuple[str, Event]] | None = None  # the last two days' sends

    def recent(self) -> list[tuple[str, Event]]:
        """The follow-ups sent in the two days before now (the caps look back one day, or
        two for a client's day in another zone): read once per cycle, then kept up to date."""
        if self._sent is None:
            self._sent = self.store.events_since(EventKind.FOLLOWUP_SENT,
                                                 self.now - timedelta(days=2))
        return self._sent

    def room(self, max_per_hour: int, max_per_day: int) -> int:
        """How many follow-ups may still go now under the hourly and daily caps (a statement
        counts once, though it is recorded for each invoice it covers)."""
        first_sent: dict[str | None, datetime] = {}
        day_ago = self.now - timedelta(days=1)
        for _key, event in self.recent():
            if event.at >= day_ago:
                first_sent.setdefault(event.message_id, event.at)
        recent = [at for at in first_sent.values() if at > day_ago]
        last_hour = sum(1 for at in recent if at > self.now - timedelta(hours=1))
        return max(0, min(max_per_hour - last_hour, max_per_day - len(recent)))

    def sent_to_client_today(self, row: FollowUpRow, client: str) -> int:
        """How many follow-ups (a statement once) went to ``client`` on the client's today,
        the client's zone being the one of the row's slot."""
        zone = row.slot.tzinfo
        today = self.now.astimezone(zone).date()
        recent = self.recent()
        theirs = {key for key in {key for key, _ in recent}
                  if (invoice := self.store.invoice(key)) and invoice.client == client}
        messages = {event.message_id for key, event in recent
                    if key in theirs and event.at.astimezone(zone).date() == today}
        return len(messages)
