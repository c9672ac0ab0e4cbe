"""Listing every message since a date in time windows sent in batches (``listing.py``):
nothing is missed however unevenly the mail is spread, and it takes fewer round trips than
paging through one query."""

from __future__ import annotations

import random

from relance.gmail.api.listing import ids_since
from tests.gmail.api.test_api import mailbox, now_ms
from tests.gmailfake.fixtures import USER
from tests.gmailfake.server import GmailFake

DAY_MS = 86_400_000


def seed_unevenly(fake: GmailFake, count: int) -> set[str]:
    """``count`` short messages over 60 days, half of them on a single busy day (a
    month-end): the windows, cut evenly in time, are not evenly filled."""
    rng = random.Random(5)
    start = now_ms() - 60 * DAY_MS
    ids = set()
    for n in range(count):
        when = start + 30 * DAY_MS + rng.randrange(DAY_MS) if n % 2 else \
            start + rng.randrange(60 * DAY_MS)
        raw = (f"From: a{n % 40}@example.test\r\nTo: {USER}\r\nSubject: Note {n}\r\n"
               f"Message-ID: <n{n}@example.test>\r\n\r\nNote {n}.\r\n").encode()
        ids.add(fake.seed(USER, raw, {"INBOX"}, when).id)
    return ids


def test_every_message_is_listed_in_fewer_round_trips_than_paging(
        gmail_fake: GmailFake) -> None:
    seeded = seed_unevenly(gmail_fake, 6000)
    box = mailbox(gmail_fake)
    gmail_fake.quota.reset()
    after = (now_ms() - 61 * DAY_MS) // 1000
    found = ids_since(box._users, box.transport, after, "-in:drafts")
    assert set(found) == seeded
    paging = -(-len(seeded) // 500)  # one request a page, one after the other
    assert gmail_fake.quota.http_requests <= paging // 2
    # quota: more than paging's 5 units a page, since windows of a quiet stretch are nearly
    # empty and each costs a call, but a small share of a first sync that fetches whole
    # messages at 5 units each (bench.bench_gmail prints the total against the minimum)
    assert gmail_fake.quota.units[USER] <= 5 * paging * 4


def test_a_small_mailbox_is_one_page(gmail_fake: GmailFake) -> None:
    seeded = seed_unevenly(gmail_fake, 30)
    box = mailbox(gmail_fake)
    gmail_fake.quota.reset()
    assert set(ids_since(box._users, box.transport, 0, "-in:drafts")) == seeded
    assert gmail_fake.quota.http_requests == 1
