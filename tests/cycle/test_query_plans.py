"""Every query the daemon runs stands on an index: a store that holds years of invoices reads
what a cycle needs, not its whole history.

The statements are not listed by hand (a new query would slip by): they are collected with
SQLite's trace hook while the real daemon loop (``Runner.step``) runs over a folder mailbox
through a month — invoices to two clients, a human reply, an out-of-office, a hard bounce,
follow-ups drafted, sent at their slot and withdrawn — plus the look-up behind ``relance paid``.
Each is then put to ``EXPLAIN QUERY PLAN``; a full scan of invoices, messages, events or
follow-ups that no index orders (``SCAN t`` without ``USING INDEX``), or a temporary B-tree
built to sort or group their rows, fails the test with the statement and its plan.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path

from relance.daemon.core.model import SendWindow
from relance.daemon.cycle.config import default_config
from relance.daemon.cycle.engine import Engine
from relance.daemon.cycle.runner import Runner, RunSettings
from relance.daemon.cycle.store import Store
from relance.gmail.folder.mailbox import FolderMailbox
from tests import mails
from tests.clock import Clock

TABLES = ("invoices", "messages", "events", "followups")
_FULL_SCAN = re.compile(rf"^SCAN ({'|'.join(TABLES)})\b(?!.*USING (COVERING )?INDEX)")
_LITERALS = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b")
SENT = datetime(2026, 2, 2, 8, 30, tzinfo=timezone.utc)


def _shape(statement: str) -> str:
    """The statement with its values taken out, so one query run a thousand times counts once."""
    return _LITERALS.sub("?", " ".join(statement.split()))


def _seed(root: Path) -> list[tuple[datetime, str, EmailMessage]]:
    """Three invoices to one client, one to another, in Sent; return the answers to come, each
    with the moment it lands in the Inbox: a human reply, an out-of-office, a hard bounce."""
    sent = []
    for n, to in enumerate((mails.CLIENT, mails.CLIENT, mails.CLIENT, "ap@fabrikam.test")):
        msg = mails.invoice(f"INV-2026-{n + 40:03d}", f"EUR {300 + n * 10},00", "2026-03-04",
                            SENT + timedelta(hours=n), to=to)
        mails.file_into(root / "sent", f"inv-{n}", msg)
        sent.append(msg)
    reply_at, away_at, bounce_at = (SENT + timedelta(days=d) for d in (36, 37, 21))
    return [
        (bounce_at, "bounce", mails.hard_bounce(sent[3], bounce_at)),
        (reply_at, "reply", mails.reply(sent[0], "Could you send it with our PO number?",
                                        reply_at)),
        (away_at, "ooo", mails.out_of_office(sent[1], "Out of the office until 16 March.",
                                             away_at)),
    ]


def _run_daemon(tmp_path: Path) -> tuple[Store, list[str]]:
    """The daemon's loop over a month, every statement it ran collected."""
    root = tmp_path / "mailbox"
    (root / "outbox").mkdir(parents=True)
    answers = _seed(root)
    config = default_config({"HOME": str(tmp_path)})
    config = replace(config, store_path=tmp_path / "relance.sqlite3", timezone="Europe/Paris",
                     account=replace(config.account, address=mails.ME),
                     window=SendWindow(holiday_country="FR"))
    store = Store.open(config.store_path)
    statements: list[str] = []
    store.trace(statements.append)
    clock = Clock(SENT + timedelta(days=20))
    engine = Engine(config=config, store=store, mailbox=FolderMailbox(root, mails.ME),
                    clock=clock)
    runner = Runner(engine, reopen=lambda: FolderMailbox(root, mails.ME),
                    settings=RunSettings(), log=logging.getLogger("tests.query_plans"))
    runner.step("start")
    while clock.now < SENT + timedelta(days=45):
        wakeup = engine.next_wakeup()
        clock.now = min([clock.now + timedelta(hours=2), *([wakeup] if wakeup else [])])
        while answers and answers[0][0] <= clock.now:
            _, name, msg = answers.pop(0)
            mails.file_into(root / "inbox", name, msg)
        runner.step("slot" if wakeup and wakeup <= clock.now else "sync")
    store.find_invoices("inv-2026-041")
    store.trace(None)
    return store, statements


def test_the_daemon_sends_withdraws_and_holds_while_it_is_traced(tmp_path: Path) -> None:
    """The traced month is a real one: something was sent, something withdrawn, a reply, an
    absence and a bounce were read (else the plans checked below would miss those paths)."""
    store, statements = _run_daemon(tmp_path)
    states = {row.state for row in store.followups()}
    kinds = {row["kind"] for row in store.messages_of_kind("reply")} | {
        e.kind.value for events in store.events().values() for e in events}
    store.close()
    assert {"sent", "withdrawn"} <= states
    assert {"reply", "auto_reply", "bounced_hard", "followup_sent"} <= kinds
    assert len({_shape(s) for s in statements}) > 20


def test_no_query_of_the_daemon_scans_a_table_or_sorts_it_aside(tmp_path: Path) -> None:
    store, statements = _run_daemon(tmp_path)
    shapes = {_shape(s): s for s in statements
              if s.lstrip().split(" ", 1)[0].upper() in ("SELECT", "UPDATE", "DELETE")}
    faults = []
    for statement in shapes.values():
        if not any(re.search(rf"\b{table}\b", statement) for table in TABLES):
            continue
        plan = store.explain(statement)
        bad = [step for step in plan if _FULL_SCAN.match(step) or "TEMP B-TREE" in step]
        if bad:
            faults.append(f"{' '.join(statement.split())}\n    " + "\n    ".join(plan))
    store.close()
    assert not faults, "queries without an index:\n" + "\n".join(faults)
