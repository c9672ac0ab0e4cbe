"""Benchmark of the IMAP plugin against a real Dovecot: prints figures, asserts nothing.

For each mailbox size it seeds a fresh account (MULTIAPPEND, RFC 3502): a tenth of the
messages in Sent (invoices), the rest in the Inbox. Then it reports:
- the first full sync's time (invoices in Sent carry a PDF of a realistic size), and its
  ratio to a bare imapclient SEARCH + FETCH of the same
  header fields of the same messages — once with the narrow interest rule the cycle will use
  (bodies of Sent only) and once with the default (every body);
- the first whole cycle (``Engine.cycle()`` on a fresh store: sync, observe, plan, apply), wall
  clock and CPU, and its ratio to the sync alone, next to the load average (no ratio is printed
  when the machine is busier than its cores);
- the cost of an idle cycle (a sync with nothing new): IMAP commands, bytes both ways (counted
  by a relaying proxy) and milliseconds (median of several, direct connection);
- peak memory of the first sync (tracemalloc's peak of Python allocations, and the maximum
  resident size of a fresh process that does nothing but that sync);
and, once, the delay from a message landing over LMTP to ``wait_for_inbox`` (IDLE) answering
and a sync returning it (median of several); and the delay from a client's reply landing
(through the SMTP server, delivered over LMTP) to its pending follow-up being withdrawn by the
real ``Engine``: the daemon's Inbox watcher waits in IDLE, then ``engine.cycle()`` runs (median
of several, one invoice and one client per trial).

Run from the checkout:  python bench/bench_imap.py --sizes 5000,50000 [--mail-format mdbox]
A quick look:            python bench/bench_imap.py --sizes 500,2000 --idle-samples 3
"""

from __future__ import annotations

import argparse
import logging
import resource
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import warnings
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.message import Message
from pathlib import Path

from imapclient import IMAPClient

from bench.imap_first_cycle import first_cycle, load_note, with_pdf
from relance.daemon.cli.wiring import open_imap_mailbox, open_inbox_watcher
from relance.daemon.core.mailbox import Folder
from relance.daemon.core.triage import worth_reading
from relance.daemon.cycle.config import load_config
from relance.daemon.cycle.engine import Engine
from relance.daemon.cycle.store import FollowUpState, Store
from relance.gmail.imap.fetch import BATCH, HEADER_ITEM
from relance.gmail.imap.mailbox import ImapMailbox, InboxWait
from relance.gmail.imap.settings import ImapSettings, Security
from tests.clock import Clock
from tests.gmail.imap.wire_log import wire_log
from tests.servers.dovecot import PASSWORD, DovecotServer, MailUser
from tests.servers.smtp import DeliveringSmtpServer

SEED_BATCH = 1000
NOW = datetime.now(timezone.utc)
LANGS = [
    ("Invoice {n} — website copy", "Hello Sam,\r\n\r\nPlease find invoice {n} attached: "
     "EUR 1,180.00, due in 30 days.\r\n\r\nBest,\r\nJonas\r\n"),
    ("Facture {n} — traduction", "Bonjour Claire,\r\n\r\nVoici la facture {n} de 940,00 EUR, "
     "payable à 30 jours.\r\n\r\nCordialement,\r\nJonas\r\n"),
    ("Rechnung {n} — Lektorat", "Hallo Herr Brandt,\r\n\r\nanbei Rechnung {n} über 620,00 EUR, "
     "zahlbar innerhalb von 14 Tagen.\r\n\r\nViele Grüße\r\nJonas\r\n"),
]


ORDINARY = [
    ("Lunch next week? ({n})", "Hi Claire,\r\n\r\nare you free on Thursday?\r\n\r\nLea\r\n"),
    ("Our spring collection is here ({n})", "New colours, new shapes. Have a look!\r\n"),
    ("Photos du week-end ({n})", "Coucou,\r\n\r\nvoici les photos.\r\n\r\nMarc\r\n"),
    ("Your parcel is on its way ({n})", "Your order will arrive tomorrow.\r\n"),
]


def message(n: int, sent: bool, user: str) -> bytes:
    subject, body = LANGS[n % len(LANGS)]
    number = f"2025-{n:05d}"
    threading = ""
    if not sent and n % 10 == 0:
        # One received message in ten is a client's answer in an invoice thread ...
        subject, body = f"Re: {subject}", "Thanks, noted — we will schedule it.\r\n\r\n> " + body
        threading = f"In-Reply-To: <bench-s{n}@example.test>\r\n"
    elif not sent:
        # ... the rest is the everyday mail of an inbox: conversations, newsletters, notices.
        subject, body = ORDINARY[n % len(ORDINARY)]
    head = (threading + f"From: {user if sent else f'client{n % 97}@client.example.test'}\r\n"
            f"To: {f'client{n % 97}@client.example.test' if sent else user}\r\n"
            f"Subject: {subject.format(n=number)}\r\n"
            f"Date: {(NOW - timedelta(minutes=n)).strftime('%a, %d %b %Y %H:%M:%S +0000')}\r\n"
            f"Message-ID: <bench-{'s' if sent else 'i'}{n}@example.test>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n")
    raw = (head + body.format(n=number)).encode()
    if sent:  # invoices go out with their PDF, as invoicing software sends them
        return with_pdf(raw, number, f"client{n % 97}@client.example.test", "EUR 1,180.00")
    return raw


def seed(server: DovecotServer, user: MailUser, size: int) -> None:
    client = IMAPClient(server.host, server.imap_port, ssl=False)
    client.login(user.address, user.password)
    sent_count = size // 10
    for folder, count, sent in (("Sent", sent_count, True), ("INBOX", size - sent_count, False)):
        for start in range(0, count, SEED_BATCH):
            batch = [{"msg": message(n, sent, user.address), "flags": [b"\\Seen"],
                      "date": NOW - timedelta(minutes=n)}
                     for n in range(start, min(count, start + SEED_BATCH))]
            client.multiappend(folder, batch)
    client.logout()


Bodies = dict[str, set[int]]  # by IMAP folder name: the UIDs whose whole message is fetched


def bare_fetch(server: DovecotServer, user: MailUser, bodies: Bodies | None = None) -> float:
    """Seconds for plain imapclient to SEARCH ALL and FETCH the same header fields, then, with
    ``bodies``, the whole messages of those UIDs (BODY.PEEK[]): the same data the sync reads."""
    started = time.perf_counter()
    client = IMAPClient(server.host, server.imap_port, ssl=False)
    client.login(user.address, user.password)
    for folder in ("Sent", "INBOX"):
        client.select_folder(folder, readonly=True)
        uids = client.search(["ALL"])
        wanted = sorted((bodies or {}).get(folder, set()))
        for i in range(0, len(uids), BATCH):  # the same batches the plugin uses
            batch = uids[i:i + BATCH]
            client.fetch(batch, [b"INTERNALDATE", HEADER_ITEM])
            chosen = set(batch) & set(wanted)
            if chosen:
                client.fetch(sorted(chosen), [b"BODY.PEEK[]"])
    client.logout()
    return time.perf_counter() - started


def read_bodies(changes_refs: list[tuple[Folder, str]]) -> Bodies:
    """The UIDs, by folder, of the messages a sync returned (refs are "uidvalidity:uid")."""
    found: Bodies = {}
    for folder, ref in changes_refs:
        found.setdefault("Sent" if folder is Folder.SENT else "INBOX", set()).add(
            int(ref.split(":")[1]))
    return found


def settings(host: str, port: int, user: MailUser) -> ImapSettings:
    return ImapSettings(host=host, port=port, security=Security.NONE, username=user.address,
                        password=user.password, scan_since_days=None)


def sent_only(folder: Folder, headers: Message) -> bool:
    return folder is Folder.SENT


def first_sync(server: DovecotServer, user: MailUser,
               interest: Callable[[Folder, Message], bool], *,
               trace: bool = False) -> tuple[float, int, str, Bodies]:
    """Return (seconds, tracemalloc peak bytes or 0, cursor, the bodies read) of a first sync.

    Memory is traced only when asked: tracemalloc slows allocation-heavy code several-fold, so
    a traced run's time is not comparable.
    """
    box = ImapMailbox(settings(server.host, server.imap_port, user), None,
                      address=user.address, interest=interest)
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    changes = box.sync(None)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    if trace:
        tracemalloc.stop()
    box.close()
    return elapsed, peak, changes.cursor, read_bodies([(m.ref.folder, m.ref.id)
                                                       for m in changes.messages])


def child_rss(server: DovecotServer, user: MailUser, interest: str) -> float:
    """Max resident size (MB) of a fresh Python process whose only work is a first sync: the
    daemon's situation, without this benchmark's own seeding and bookkeeping."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_imap", "--child-sync", f"{server.imap_port}",
         user.address, interest],
        check=True, capture_output=True, text=True)
    return float(out.stdout.strip())


def child_sync(port: str, address: str, interest: str) -> None:
    user = MailUser(address, PASSWORD)
    chosen = {"sent": sent_only, "triage": worth_reading}.get(interest, every_body)
    box = ImapMailbox(settings("127.0.0.1", int(port), user), None, address=address,
                      interest=chosen)
    changes = box.sync(None)
    assert changes.messages  # keep them alive until the measurement, like the cycle would
    print(peak_rss_mb())


def peak_rss_mb() -> float:
    """This process's peak resident size in MB. Linux's VmHWM belongs to the process image;
    ru_maxrss survives exec and would report the forking parent's peak instead."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def every_body(folder: Folder, headers: Message) -> bool:
    return True


class CountingProxy:
    """Relays one TCP connection at a time to (host, port), counting bytes and command lines."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up = self.down = self.commands = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def reset(self) -> None:
        self.up = self.down = self.commands = 0

    def _serve(self) -> None:
        while True:
            conn, _ = self.listener.accept()
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            upstream = socket.create_connection(self.target)
            upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._pump, args=(conn, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, conn, False), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, client_side: bool) -> None:
        try:
            while data := src.recv(65536):
                if client_side:
                    self.up += len(data)
                    self.commands += data.count(b"\r\n")  # literals aside, one line each
                else:
                    self.down += len(data)
                dst.sendall(data)
        except OSError:  # the other direction closed both sockets
            pass
        dst.close()


def idle_cycle(server: DovecotServer, user: MailUser, cursor: str,
               samples: int) -> tuple[int, int, int, float]:
    """Return (commands, bytes up, bytes down, median ms) of a sync with nothing new."""
    proxy = CountingProxy(server.host, server.imap_port)
    counted = ImapMailbox(settings("127.0.0.1", proxy.port, user), None, address=user.address,
                          interest=sent_only)
    counted.sync(cursor)  # connect and list folders outside the measured cycle
    proxy.reset()
    counted.sync(cursor)
    figures = (proxy.commands, proxy.up, proxy.down)
    counted.close()
    direct = ImapMailbox(settings(server.host, server.imap_port, user), None,
                         address=user.address, interest=sent_only)
    direct.sync(cursor)
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        direct.sync(cursor)
        times.append((time.perf_counter() - started) * 1000)
    direct.close()
    return (*figures, statistics.median(times))


def idle_wake(server: DovecotServer, user: MailUser, samples: int) -> float:
    """Median seconds from an LMTP delivery to IDLE answering and a sync returning it."""
    box = ImapMailbox(settings(server.host, server.imap_port, user), None, address=user.address)
    cursor = box.sync(None).cursor
    delays = []
    with wire_log() as log:
        for n in range(samples):
            landed: list[float] = []

            def land(n: int = n, landed: list[float] = landed) -> None:
                log.wait_for_idle(count=n + 1)  # the server has accepted this round's IDLE
                with smtplib.LMTP(server.host, server.lmtp_port) as lmtp:
                    lmtp.sendmail("client@client.example.test", [user.address],
                                  message(900000 + n, False, user.address))
                landed.append(time.perf_counter())

            sender = threading.Thread(target=land)
            sender.start()
            woke = box.wait_for_inbox(timeout_s=30)
            changes = box.sync(cursor)
            done = time.perf_counter()
            sender.join()
            cursor = changes.cursor
            if woke is InboxWait.CHANGED and changes.messages and landed:
                delays.append(done - landed[0])
    box.close()
    return statistics.median(delays) if delays else float("nan")


def _cycle_config(root: Path, server: DovecotServer, smtp: DeliveringSmtpServer,
                  me: MailUser) -> Path:
    password = root / "imap-password"
    password.write_text(me.password + "\n")
    password.chmod(0o600)
    path = root / "config.toml"
    path.write_text(
        f'[account]\nprovider = "imap"\naddress = "{me.address}"\n\n'
        f'[account.imap]\nhost = "{server.host}"\nport = {server.imap_port}\ntls = "none"\n'
        f'password_file = "{password}"\n\n[account.smtp]\nhost = "{smtp.host}"\n'
        f'port = {smtp.port}\ntls = "none"\n\n[locale]\ntimezone = "Europe/Paris"\n'
        f'holiday_country = "FR"\n\n[store]\npath = "{root / "relance.sqlite3"}"\n')
    return path


def _invoice_mail(me: MailUser, client: MailUser, n: int, when: datetime) -> bytes:
    return (f"From: {me.address}\r\nTo: {client.address}\r\n"
            f"Subject: Invoice 2026-{n:03d} for the spring catalogue\r\n"
            f"Date: {when.strftime('%a, %d %b %Y %H:%M:%S +0000')}\r\n"
            f"Message-ID: <bench-cycle-{n}@example.test>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            f"Hello,\r\n\r\nInvoice number: 2026-{n:03d}\r\nInvoice date: "
            f"{when:%d/%m/%Y}\r\nDue date: 12/03/2026\r\nTotal due: EUR 860.00\r\n\r\n"
            "Thank you,\r\nJonas\r\n").encode()


def _reply_mail(client: MailUser, me: MailUser, n: int, when: datetime) -> bytes:
    return (f"From: {client.address}\r\nTo: {me.address}\r\n"
            f"Subject: Re: Invoice 2026-{n:03d} for the spring catalogue\r\n"
            f"Date: {when.strftime('%a, %d %b %Y %H:%M:%S +0000')}\r\n"
            f"Message-ID: <bench-reply-{n}@client.example.test>\r\n"
            f"In-Reply-To: <bench-cycle-{n}@example.test>\r\n"
            f"References: <bench-cycle-{n}@example.test>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            "Could you send it again with our purchase order number on it?\r\n").encode()


def reply_withdraws(server: DovecotServer, tmp: Path, trials: int) -> tuple[float, float]:
    """Median seconds (IDLE answering, follow-up withdrawn) after a client's reply landed.

    One freelancer with ``trials`` invoices to as many clients, walked (injected clock) to the
    day their reminders are drafts. Each trial: a second mailbox waits in IDLE, a client's
    reply goes through the SMTP server into the freelancer's Inbox, and the moment it is
    delivered is taken; when IDLE answers, ``engine.cycle()`` runs, and the time is taken once
    it returns with that invoice's follow-up withdrawn.
    """
    # The test SMTP server takes AUTH without TLS on loopback and warns about it each time.
    warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    smtp = DeliveringSmtpServer(server.host, server.lmtp_port)
    smtp.start()
    me = server.add_user("bench-cycle-freelancer")
    clients = [server.add_user(f"bench-cycle-client{n}") for n in range(trials)]
    for user in (me, *clients):
        smtp.add_account(user.address, user.password)
    root = tmp / "cycle"
    root.mkdir()
    config = load_config(_cycle_config(root, server, smtp, me), {"HOME": str(root)})
    # the walk looks at noon, past the morning's slots and their grace (``slots.kept_until``):
    # a reminder waits as a draft for the next slot instead of going out at this look
    clock = Clock(datetime(2026, 2, 10, 12, 0, tzinfo=timezone.utc))
    with IMAPClient(server.host, server.imap_port, ssl=False) as own:
        own.login(me.address, me.password)
        for n, client in enumerate(clients):
            own.append("Sent", _invoice_mail(me, client, n, clock.now), flags=[b"\\Seen"],
                       msg_time=clock.now)
    store = Store.open(config.store_path)
    engine = Engine(config=config, store=store, mailbox=open_imap_mailbox(config, clock=clock),
                    clock=clock)
    while clock.now < datetime(2026, 3, 9, 12, tzinfo=timezone.utc):
        clock.now += timedelta(days=1)
        engine.cycle()
    waiter = open_inbox_watcher(config)
    assert waiter is not None
    woke_after, withdrawn_after = [], []
    with wire_log() as log:
        for n, client in enumerate(clients):
            clock.now += timedelta(minutes=1)
            landed: list[float] = []

            def reply(n: int = n, client: MailUser = client,
                      landed: list[float] = landed) -> None:
                log.wait_for_idle(count=n + 1)  # the watcher is in IDLE
                with smtplib.SMTP(smtp.host, smtp.port) as conn:
                    conn.login(client.address, client.password)
                    conn.sendmail(client.address, [me.address],
                                  _reply_mail(client, me, n, clock.now))
                landed.append(time.perf_counter())

            sender = threading.Thread(target=reply)
            sender.start()
            woke = waiter.wait(30)
            woke_at = time.perf_counter()
            engine.cycle()
            done = time.perf_counter()
            sender.join()
            state = store.followup(f"<bench-cycle-{n}@example.test>", "reminder").state
            if woke and state == FollowUpState.WITHDRAWN and landed:
                woke_after.append(woke_at - landed[0])
                withdrawn_after.append(done - landed[0])
    waiter.close()
    engine.box.close()  # type: ignore[attr-defined]
    store.close()
    smtp.stop()
    if not withdrawn_after:
        return float("nan"), float("nan")
    return statistics.median(woke_after), statistics.median(withdrawn_after)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="5000,50000",
                        help="comma-separated mailbox sizes (default: 5000,50000)")
    parser.add_argument("--idle-samples", type=int, default=10)
    parser.add_argument("--mail-format", default="maildir", choices=["maildir", "mdbox"],
                        help="Dovecot's storage (default: maildir)")
    parser.add_argument("--child-sync", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_sync:
        child_sync(*args.child_sync)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="relance-bench-") as tmp:
        with DovecotServer(Path(tmp), mail_format=args.mail_format) as server:
            print(f"Dovecot ({args.mail_format}) on 127.0.0.1:{server.imap_port}; sizes {sizes}")
            for size in sizes:
                report_size(server, size, args.idle_samples, Path(tmp))
            wake = idle_wake(server, server.add_user("bench-idle"), args.idle_samples)
            print(f"IDLE: delivery → wait_for_inbox → sync returns it: median {wake * 1000:.0f} ms")
            woke, withdrawn = reply_withdraws(server, Path(tmp), args.idle_samples)
            print(f"Reply → follow-up withdrawn (SMTP delivery, IDLE, engine.cycle()): median "
                  f"{withdrawn * 1000:.0f} ms (IDLE answered after {woke * 1000:.0f} ms), "
                  f"{args.idle_samples} trials")


def report_size(server: DovecotServer, size: int, samples: int, tmp: Path) -> None:
    user = server.add_user(f"bench-{size}")
    started = time.perf_counter()
    seed(server, user, size)
    seeded = time.perf_counter() - started
    print(f"\n{size} messages ({size // 10} in Sent), seeded in {seeded:.1f} s")
    bare_fetch(server, user)  # warm Dovecot's indexes and caches, so no one run pays for them
    bare = min(bare_fetch(server, user) for _ in range(2))
    narrow_runs = [first_sync(server, user, sent_only) for _ in range(2)]
    triaged_runs = [first_sync(server, user, worth_reading) for _ in range(2)]
    narrow, triaged = min(r[0] for r in narrow_runs), min(r[0] for r in triaged_runs)
    wide = min(first_sync(server, user, every_body)[0] for _ in range(2))
    bare_narrow = min(bare_fetch(server, user, narrow_runs[0][3]) for _ in range(2))
    bare_triaged = min(bare_fetch(server, user, triaged_runs[0][3]) for _ in range(2))
    _, narrow_peak, cursor, _ = first_sync(server, user, sent_only, trace=True)
    _, wide_peak, _, _ = first_sync(server, user, every_body, trace=True)
    note, busy = load_note()

    def ratio(mine: float, theirs: float) -> str:
        return "ratio withheld: the machine is busy" if busy else f"ratio {mine / theirs:.2f}"

    print(f"  bare SEARCH + FETCH of the header fields: {bare:.2f} s (best of 2); {note}")
    print(f"  first sync, bodies of Sent only:  {narrow:.2f} s  {ratio(narrow, bare)}  "
          f"peak Python memory {narrow_peak / 2**20:.1f} MB")
    print(f"  first sync, every body:           {wide:.2f} s  {ratio(wide, bare)}  "
          f"peak Python memory {wide_peak / 2**20:.1f} MB")
    print(f"  first sync, as the daemon does it (Sent + what triage reads): {triaged:.2f} s  "
          f"{ratio(triaged, bare)}")
    print(f"  against a bare FETCH of the same data (the header fields, then the same whole "
          f"messages): Sent bodies {bare_narrow:.2f} s, sync {ratio(narrow, bare_narrow)}; "
          f"as the daemon does {bare_triaged:.2f} s, sync {ratio(triaged, bare_triaged)} "
          "(target 1.3)")
    print(f"  max RSS of a process doing only the first sync: Sent bodies "
          f"{child_rss(server, user, 'sent'):.0f} MB, as the daemon does "
          f"{child_rss(server, user, 'triage'):.0f} MB, every body "
          f"{child_rss(server, user, 'all'):.0f} MB")
    wall, cpu, found = first_cycle(server, user, tmp / f"first-cycle-{size}", NOW)
    note, busy = load_note()
    ratio = "ratio withheld: the machine is busy" if busy else f"{wall / triaged:.2f}x the sync"
    print(f"  first whole cycle (Engine.cycle(): sync, observe, plan, apply): {wall:.2f} s, "
          f"{cpu:.2f} s CPU, {found} invoices; {ratio}; {note}")
    commands, up, down, ms = idle_cycle(server, user, cursor, samples)
    print(f"  idle cycle: {commands} commands, {up} B sent, {down} B received, {ms:.1f} ms median")


if __name__ == "__main__":
    main()
