"""Listing the ids of every message since a date in few round trips.

``messages.list`` gives at most 500 ids a page, and the pages of one query come one after the
other (each needs the previous page's token): a first sync of 100,000 messages would spend 200
sequential requests just to learn which messages share an invoice's thread. Gmail's batch
endpoint answers up to 100 calls in one request, each charged as if sent alone (batch guide),
so the span is cut into time windows (``after:``/``before:`` take epoch seconds, "Search
operators" help), one query each, sent together in batches; a window that holds more than a
page goes on with its page token in the next round. The window count follows the first page's
``resultSizeEstimate`` (an estimate: a wrong one costs a few more rounds or a few nearly empty
windows, never a missed message), so the quota stays about that of paging through.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .transport import MISSING, Transport

PAGE = 500
FILL = 400  # messages a window is sized for: below a page, so most windows take one call


def ids_since(users: Any, transport: Transport, after: int, query: str
              ) -> dict[str, str]:
    """Return ``{message id: thread id}`` of every message matching ``query`` received at or
    after ``after`` (epoch seconds)."""
    first = _answer(transport, users.messages().list(
        userId="me", q=f"after:{after} {query}", maxResults=PAGE))
    found = {ref["id"]: ref["threadId"] for ref in first.get("messages", [])}
    if not first.get("nextPageToken"):
        return found
    newest = _answer(transport, users.messages().get(
        userId="me", id=first["messages"][0]["id"], format="minimal"))
    until = int(newest["internalDate"]) // 1000 + 1
    # the newest message's date bounds the span to cut; the last window stays open-ended
    pending = _split(after, until, int(first.get("resultSizeEstimate", 0)), last=True)
    while pending:
        answers = transport.execute_many({
            str(n): users.messages().list(userId="me", q=w.query(query), maxResults=PAGE,
                                          pageToken=w.token or None)
            for n, w in enumerate(pending)})
        following: list[Window] = []
        for n, window in enumerate(pending):
            page = answers.get(str(n), MISSING)
            if page is MISSING:
                continue
            found.update((ref["id"], ref["threadId"]) for ref in page.get("messages", []))
            if page.get("nextPageToken"):
                following += _more(window, page, until)
        pending = following
    return found


@dataclass(frozen=True)
class Window:
    """Messages received in ``[start, end)`` (epoch seconds; no end: up to now), from the
    page ``token`` on."""

    start: int
    end: int | None
    token: str = ""

    def query(self, rest: str) -> str:
        before = f" before:{self.end}" if self.end is not None else ""
        return f"after:{self.start}{before} {rest}"


def _split(start: int, until: int, estimate: int, last: bool) -> list[Window]:
    """Cut ``[start, until)`` into windows sized for ``FILL`` messages each at an even
    spread; with ``last`` the final window stays open-ended, so nothing later is left out."""
    count = max(2, math.ceil(estimate / FILL))
    cuts = [start + (until - start) * n // count for n in range(count)] + [until]
    cuts = sorted(set(cuts))
    windows = [Window(lo, hi) for lo, hi in zip(cuts, cuts[1:], strict=False)]
    if last:
        windows[-1] = Window(windows[-1].start, None)
    return windows


def _more(window: Window, page: dict[str, Any], until: int) -> list[Window]:
    """What to ask next of a window that held more than a page: the window cut finer when
    its first page said how full it is (mail is seldom spread evenly: a month-end, a
    newsletter burst), else, when it cannot be cut (one second), its next page."""
    end = window.end if window.end is not None else max(until, window.start + 1)
    if not window.token and end - window.start > 1:
        return _split(window.start, end, int(page.get("resultSizeEstimate", 0)),
                      last=window.end is None)
    return [Window(window.start, window.end, str(page["nextPageToken"]))]


def _answer(transport: Transport, request: Any) -> dict[str, Any]:
    """Run one call; a 404 is not expected here (``execute`` raises it as an error)."""
    answer = transport.execute(request)
    return answer if isinstance(answer, dict) else {}
