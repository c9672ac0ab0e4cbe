"""Benchmark: the Gmail plugin's first sync and idle cycle against the fake Gmail server.

    python bench/bench_gmail.py                      # the issue's size: 100,000 messages,
                                                     # 10,000 sent, 2,000 invoices
    python bench/bench_gmail.py --messages 10000 --sent 1000 --invoices 200

The fake server runs in a child process (so the peak memory printed is the client's alone) with
its per-minute quota limit off; the units it counts are what Gmail would charge. Reported: quota
units and HTTP requests of the first sync against the minimum the API allows for the same
result, of an idle cycle, wall times, and the client's peak memory. Nothing is asserted.

The minimum for the same result (every invoice and every message of its threads, whole, plus a
cursor to go on from and the list of drafts):
- 5 units per message returned: ``messages.get`` is the only call that returns a message's raw
  bytes (``threads.get`` returns parsed parts, not the message as sent);
- 5 units per 500 candidates: ``messages.list`` returns at most 500 ids a page, and the
  candidates cannot be found with fewer pages;
- 1 unit for ``getProfile`` (the history id to sync from), 5 for ``drafts.list``.
HTTP requests: the same list and profile calls, plus one batch per 50 fetched messages.
Above the minimum, the plugin lists the ids of the messages since the oldest candidate to learn
which share its threads (5 units per window of about 400 messages; the windows go in batches,
so a few requests in all: ``relance.gmail.api.listing``), looks for delivery reports and
automatic replies threaded apart (one search), and lists the newest 100 messages without a
query (5 units), because Gmail's search lags writes.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import random
import resource
import time
from multiprocessing.connection import Connection

DAY_MS = 86_400_000
PDF = b"%PDF-1.4\n" + b"0" * 2000 + b"\n%%EOF\n"
USER = "me@example.test"


def _plain(n: int, sender: str, to: str, subject: str, extra: str = "") -> bytes:
    return (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
            f"Message-ID: <m{n}@bench.example.test>\r\n{extra}"
            f"Date: Tue, 03 Mar 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\nMessage number {n}.\r\n").encode()


def _invoice(n: int, client: str) -> bytes:
    b = f"b{n}"
    return (f"From: {USER}\r\nTo: {client}\r\nSubject: Invoice INV-{n:05d}\r\n"
            f"Message-ID: <inv{n}@bench.example.test>\r\nMIME-Version: 1.0\r\n"
            f"Date: Tue, 03 Mar 2026 09:00:00 +0000\r\n"
            f"Content-Type: multipart/mixed; boundary={b}\r\n\r\n--{b}\r\n"
            f"Content-Type: text/plain\r\n\r\nInvoice INV-{n:05d} attached.\r\n--{b}\r\n"
            f"Content-Type: application/pdf\r\nContent-Disposition: attachment; "
            f"filename=INV-{n:05d}.pdf\r\n\r\n").encode() + PDF + f"\r\n--{b}--\r\n".encode()


def seed(fake: object, args: argparse.Namespace) -> dict[str, int]:
    """Fill the user's mailbox; return the counts the minimum is computed from."""
    rng = random.Random(1)
    now = int(time.time() * 1000)
    span = (args.days - 1) * DAY_MS
    received = args.messages - args.sent
    replies = 0
    for n in range(args.sent):
        when = now - span + n * span // args.sent
        every = args.sent // args.invoices or 1  # one sent message in ``every`` is an invoice
        if n % every == 0 and n // every < args.invoices:
            client = f"client{n % 97}@example.test"
            inv = fake.seed(USER, _invoice(n, client), {"SENT"}, when)
            if rng.random() < args.reply_rate and replies < received:
                extra = f"In-Reply-To: <inv{n}@bench.example.test>\r\n"
                raw = _plain(10**7 + n, client, USER, f"Re: Invoice INV-{n:05d}", extra)
                msg = fake.accounts[USER].add(raw, {"INBOX"}, when + 3600_000, deliver=True)
                assert msg.thread_id == inv.thread_id
                replies += 1
        else:
            fake.seed(USER, _plain(n, USER, "friend@example.test", f"Note {n}"), {"SENT"}, when)
    for n in range(received - replies):
        when = now - span + n * span // max(1, received - replies)
        fake.seed(USER, _plain(2 * 10**7 + n, f"news{n % 50}@example.test", USER,
                               f"Newsletter {n}"), {"INBOX"}, when)
    return {"invoices": args.invoices, "replies": replies}


def serve(args: argparse.Namespace, conn: Connection) -> None:
    """The child process: seed the fake, serve it, answer the parent's commands."""
    from tests.gmailfake.server import GmailFake

    fake = GmailFake(quota_limit=None).start()
    fake.add_account(USER)
    counts = seed(fake, args)
    conn.send((fake.url, fake.credentials(USER), counts))
    while True:
        command = conn.recv()
        if command == "stats":
            conn.send((fake.quota.units[USER], fake.quota.http_requests))
        elif command == "reset":
            fake.quota.reset()
            conn.send(None)
        else:
            fake.stop()
            return


def minimum(candidates: int, returned: int) -> tuple[int, int]:
    """Return (units, HTTP requests) the API needs at least (see the module docstring)."""
    pages = math.ceil(candidates / 500) or 1
    units = 1 + 5 + 5 * pages + 5 * returned
    requests = 1 + 1 + pages + math.ceil(returned / 50)
    return units, requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--sent", type=int, default=10_000)
    parser.add_argument("--invoices", type=int, default=2_000)
    parser.add_argument("--reply-rate", type=float, default=0.5,
                        help="share of invoices the client answered")
    parser.add_argument("--days", type=int, default=100, help="age of the oldest message")
    args = parser.parse_args()

    import google.oauth2.credentials
    import httplib2

    from relance.gmail.api.mailbox import GmailMailbox, SearchSettings

    parent, child = multiprocessing.Pipe()
    proc = multiprocessing.Process(target=serve, args=(args, child), daemon=True)
    started = time.perf_counter()
    proc.start()
    url, creds, counts = parent.recv()
    print(f"seeded {args.messages:,} messages ({args.sent:,} sent, {args.invoices:,} invoices, "
          f"{counts['replies']:,} replies) in {time.perf_counter() - started:.1f} s")

    box = GmailMailbox(google.oauth2.credentials.Credentials(**creds), endpoint=url,
                       http=httplib2.Http(proxy_info=None), address=USER,
                       search=SearchSettings(days=args.days + 10))
    parent.send("reset")
    parent.recv()
    t0 = time.perf_counter()
    changes = box.sync(None)
    first_wall = time.perf_counter() - t0
    parent.send("stats")
    units, requests = parent.recv()
    returned = len(changes.messages)
    min_units, min_requests = minimum(args.invoices, returned)
    print(f"first sync: {returned:,} messages returned in {first_wall:.2f} s")
    print(f"  quota units   {units:>9,}   minimum {min_units:>9,}   ratio {units / min_units:.3f}")
    print(f"  HTTP requests {requests:>9,}   minimum {min_requests:>9,}   "
          f"ratio {requests / min_requests:.3f}")
    print(f"  at Gmail's 15,000 units per user per minute: at least "
          f"{units / 15_000:.1f} min of quota")

    parent.send("reset")
    parent.recv()
    t0 = time.perf_counter()
    idle = box.sync(changes.cursor)
    idle_wall = time.perf_counter() - t0
    parent.send("stats")
    units, requests = parent.recv()
    print(f"idle cycle: {len(idle.messages)} messages, {units} quota units, {requests} HTTP "
          f"request(s), {idle_wall * 1000:.1f} ms")
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"client peak memory (max RSS): {peak_kib / 1024:.0f} MiB")
    box.close()
    parent.send("stop")
    proc.join(timeout=10)


if __name__ == "__main__":
    main()
