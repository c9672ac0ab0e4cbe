"""`relance run`: the daemon as a user runs it — one instance per store, a clean stop on SIGTERM,
the alarm at a follow-up's slot, logs journald and scripts can read, mailbox trouble that never
kills it, the global pause — and `relance service install`."""

from __future__ import annotations

import json
import logging
import os
import plistlib
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from io import StringIO
from pathlib import Path

import pytest

from relance.daemon.cli.digest_hook import daily_digest
from relance.daemon.cli.env import Environment
from relance.daemon.cli.main import main
from relance.daemon.cli.service import launchd_plist, systemd_unit
from relance.daemon.core.errors import (
    PermanentMailboxError,
    StoreError,
    TransientMailboxError,
)
from relance.daemon.core.mailbox import Changes
from relance.daemon.cycle.config import load_config
from relance.daemon.cycle.engine import Engine
from relance.daemon.cycle.lock import DaemonLock
from relance.daemon.cycle.logs import configure, redact
from relance.daemon.cycle.runner import (
    LAST_CYCLE_META,
    MAILBOX_PROBLEM_META,
    PUSH_META,
    Runner,
    RunSettings,
)
from relance.daemon.cycle.store import FollowUpRow, FollowUpState, Store
from relance.gmail.folder.mailbox import FolderMailbox
from tests import mails
from tests.clock import wait_until

ROOT = Path(__file__).resolve().parents[2]  # where `python -m tests.crash.launch` runs
SENT = datetime(2026, 1, 10, 8, 30, tzinfo=timezone.utc)
OVERDUE = datetime(2026, 2, 16, 9, tzinfo=timezone.utc)  # a week after the due date


@pytest.fixture
def world(tmp_path: Path) -> Path:
    """A config file for a folder mailbox holding one invoice due on 9 February."""
    (tmp_path / "mailbox" / "outbox").mkdir(parents=True)
    mails.file_into(tmp_path / "mailbox" / "sent", "invoice",
                    mails.invoice("INV-2026-007", "EUR 980.00", "2026-02-09", SENT))
    config = tmp_path / "config.toml"
    config.write_text(
        f'[account]\nprovider = "sample"\naddress = "{mails.ME}"\n\n'
        '[locale]\nlanguage = "en"\ntimezone = "Europe/Paris"\nholiday_country = "FR"\n\n'
        f'[store]\npath = "{tmp_path / "relance.sqlite3"}"\n\n[mode]\nsend_mode = "send"\n',
        encoding="utf-8")
    return config


def relance(config: Path, now: datetime, *argv: str) -> int:
    env = Environment(environ={"HOME": str(config.parent)}, clock=lambda: now)
    return main(["--config", str(config), *argv], env)


def start_daemon(config: Path, now: datetime, *argv: str, speed: float = 1,
                 **environ: str) -> subprocess.Popen:
    """`relance run` in a child process at ``now`` (``RELANCE_NOW``), its clock ``speed`` times
    faster than real time (through the test launcher), returned once it has logged its start."""
    entry = ["relance.daemon.cli"] if speed == 1 else [
        "tests.crash.launch", "--speed", str(speed), "--"]
    child = subprocess.Popen(
        [sys.executable, "-m", *entry, "--config", str(config), "run", *argv], cwd=ROOT,
        env={"HOME": str(config.parent), "PATH": os.environ.get("PATH", ""),
             "RELANCE_NOW": now.isoformat(), **environ},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stderr is not None
    first = child.stderr.readline()
    assert "relance started" in first, first + child.stderr.read()
    child.first_line = first  # type: ignore[attr-defined]
    return child


def _drafted(config: Path):
    with Store.open(config.parent / "relance.sqlite3") as store:
        return store.followups("drafted")


def _meta(config: Path, key: str) -> str | None:
    """What the daemon has recorded under ``key`` in the store beside ``config`` (read from
    outside, as `relance status` reads it while the daemon runs)."""
    with Store.open(config.parent / "relance.sqlite3") as store:
        return store.meta(key)


# -- one instance, clean stop, journald lines ---------------------------------------------------

def test_a_second_daemon_on_the_same_store_refuses_and_sigterm_stops_the_first_cleanly(
        world, capsys):
    daemon = start_daemon(world, OVERDUE, JOURNAL_STREAM="8:12345")
    try:
        assert relance(world, OVERDUE, "run", "--once") == 3
        err = capsys.readouterr().err
        assert f"another relance (pid {daemon.pid}) is already running" in err
        assert "Stop it first" in err
        # let its first cycle finish, then ask it to stop
        wait_until(lambda: _meta(world, LAST_CYCLE_META), 20, interval=0.05,
                   what="the daemon's first cycle")
    finally:
        daemon.send_signal(signal.SIGTERM)
        _, log = daemon.communicate(timeout=30)
    assert daemon.returncode == 0
    lines = (daemon.first_line + log).splitlines()  # type: ignore[attr-defined]
    # journald adds its own timestamps; each line carries only its syslog priority
    assert lines and all(line.startswith(("<6>", "<4>")) for line in lines), lines
    assert lines[-1] == "<6>relance stopped"
    assert relance(world, OVERDUE, "run", "--once") == 0  # the lock went with the process


def test_the_lock_is_released_by_a_killed_process(world):
    holder = start_daemon(world, OVERDUE)
    holder.kill()
    holder.wait()
    with DaemonLock(world.parent / "relance.sqlite3"):
        with pytest.raises(StoreError, match="already running"):
            DaemonLock(world.parent / "relance.sqlite3").acquire()


# -- the alarm at the slot ----------------------------------------------------------------------

def test_the_daemon_wakes_at_the_slot_and_sends_once(world):
    assert relance(world, OVERDUE, "run", "--once") == 0
    (draft,) = _drafted(world)
    # Start five minutes before the slot, with time running 300 times faster and a sync only
    # once a day: only the slot's alarm can make it send within the test's patience.
    daemon = start_daemon(world, draft.slot - timedelta(minutes=5), "--log-json",
                          "--sync-every", "1440", speed=300)
    outbox = world.parent / "mailbox" / "outbox"

    def sent_in_store() -> list[FollowUpRow]:
        with Store.open(world.parent / "relance.sqlite3") as store:
            return store.followups(FollowUpState.SENT)

    try:
        # the store says "sent" once the message is out; SIGTERM then lets that cycle finish
        wait_until(sent_in_store, 20, interval=0.05, what="the follow-up sent at its slot")
    finally:
        daemon.send_signal(signal.SIGTERM)
    _, err = daemon.communicate(timeout=30)
    assert daemon.returncode == 0
    (sent,) = outbox.glob("*.eml")
    assert draft.message_id in sent.read_text()
    entries = [json.loads(line) for line in (daemon.first_line + err).splitlines()]  # type: ignore[attr-defined]
    cycles = [e for e in entries if e.get("event") == "cycle"]
    assert [c["reason"] for c in cycles][:2] == ["start", "slot"]
    assert [e["message_id"] for e in entries if e.get("event") == "sent"] == [draft.message_id]
    # neither the invoice's nor the follow-up's text is ever logged
    body_line = next(line for line in sent.read_text().splitlines()
                     if len(line) > 30 and ":" not in line)
    assert body_line not in err and "IBAN" not in err


# -- mailbox trouble ----------------------------------------------------------------------------

class UnreliableFolder(FolderMailbox):
    """A folder mailbox whose server can be taken away, as a network or a revoked token does."""

    failure: Exception | None = None

    def sync(self, cursor: str | None) -> Changes:
        if self.failure is not None:
            raise self.failure
        return super().sync(cursor)


def _runner(config_path: Path, clock, mailbox: FolderMailbox, reopen) -> tuple[Runner, Store]:
    config = load_config(config_path, {"HOME": str(config_path.parent)})
    store = Store.open(config.store_path)
    engine = Engine(config=config, store=store, mailbox=mailbox, clock=clock)
    log = logging.getLogger("relance.test")
    return Runner(engine, reopen=reopen, settings=RunSettings(), log=log), store


def test_a_transient_failure_is_retried_later_and_the_daemon_goes_on(world):
    box = UnreliableFolder(world.parent / "mailbox", mails.ME)
    box.failure = TransientMailboxError("connection reset by the IMAP server")
    runner, store = _runner(world, lambda: OVERDUE, box, lambda: box)
    try:
        outcome = runner.step("sync")
        assert not outcome.ran
        assert [job.id for job in runner._scheduler.get_jobs()] == ["retry"]
        assert not store.meta(MAILBOX_PROBLEM_META)  # nothing for the user to do
        box.failure = None
        assert runner.step("retry").ran
        assert len(store.followups("drafted")) == 1
    finally:
        store.close()


def test_a_revoked_token_stops_sending_tells_status_and_recovers_when_fixed(world):
    box = UnreliableFolder(world.parent / "mailbox", mails.ME)
    assert relance(world, OVERDUE, "run", "--once") == 0
    (draft,) = _drafted(world)
    at_slot = draft.slot + timedelta(minutes=1)
    box.failure = PermanentMailboxError("the Gmail token was revoked; run `relance setup`")
    fixed = UnreliableFolder(world.parent / "mailbox", mails.ME)
    fixed.failure = PermanentMailboxError("still revoked")
    runner, store = _runner(world, lambda: at_slot, box, lambda: fixed)
    try:
        assert not runner.step("slot").ran
        problem = json.loads(store.meta(MAILBOX_PROBLEM_META) or "{}")
        assert "token was revoked" in problem["error"]
        assert runner.reschedule() == []  # no alarms while held
        assert not runner.step("sync").ran  # still refused: still held, still alive
        assert not list((world.parent / "mailbox" / "outbox").glob("*.eml"))
        fixed.failure = None
        assert runner.step("sync").ran
        assert not store.meta(MAILBOX_PROBLEM_META)
        assert len(list((world.parent / "mailbox" / "outbox").glob("*.eml"))) == 1
    finally:
        store.close()


def _started(world: Path) -> tuple[FolderMailbox, list[datetime], Runner, Store]:
    """A daemon on the world's folder mailbox, its first cycle run (the draft made)."""
    box = FolderMailbox(world.parent / "mailbox", mails.ME)
    clock = [OVERDUE]
    runner, store = _runner(world, lambda: clock[0], box, lambda: box)
    assert runner.step("start").ran
    return box, clock, runner, store


def test_a_sync_with_nothing_new_skips_planning_but_a_decision_or_a_deleted_draft_does_not(
        world):
    box, clock, runner, store = _started(world)
    try:
        (draft,) = store.followups("drafted")
        clock[0] += timedelta(minutes=5)
        assert runner.step("sync").detail == "nothing new"
        # the user deletes the draft: the next sync notices and cancels that stage
        box.delete_draft(draft.draft_id)
        clock[0] += timedelta(minutes=5)
        outcome = runner.step("sync")
        assert outcome.ran and [a.verb for a in outcome.report.actions] == ["cancelled"]
        # a decision taken from the command line while the daemon runs is planned at once
        clock[0] += timedelta(minutes=5)
        assert runner.step("sync").detail == "nothing new"
        assert relance(world, clock[0], "pause", "INV-2026-007") == 0
        clock[0] += timedelta(minutes=5)
        assert runner.step("sync").ran
        # and without anything new, the plan is made again every hour all the same
        clock[0] += timedelta(minutes=5)
        assert runner.step("sync").detail == "nothing new"
        clock[0] += timedelta(hours=1)
        assert runner.step("sync").ran
    finally:
        store.close()


# -- IMAP IDLE wakes the daemon -----------------------------------------------------------------

def _a_session_in_idle(workdir: Path) -> bool:
    """Whether an IMAP session of the Dovecot run from ``workdir`` is in IDLE.

    With ``verbose_proctitle`` Dovecot names each session's current command in its process
    title (``dovecot/imap [user 127.0.0.1 IDLE]``); the sessions are children of the master
    whose command line names ``workdir``'s configuration. Linux only (/proc), as Dovecot here."""
    conf = str(workdir / "dovecot.conf")
    titles: dict[int, tuple[int, str]] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue  # self, sys, meminfo, ...
        try:
            title = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            parent = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue  # not a process, or gone meanwhile
        titles[int(proc.name)] = (parent, title)
    masters = {pid for pid, (_, title) in titles.items() if conf in title}
    return any(parent in masters and title.startswith("dovecot/imap ") and " IDLE]" in title
               for parent, title in titles.values())


def test_mail_landing_in_an_imap_inbox_wakes_the_daemon_at_once(tmp_path):
    from imapclient import IMAPClient

    from tests.servers.dovecot import DovecotServer, dovecot_binary
    from tests.servers.smtp import DeliveringSmtpServer

    if dovecot_binary() is None:
        if os.environ.get("CI"):
            pytest.fail("dovecot is not installed but CI must run the IMAP tests")
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd dovecot-lmtpd)")
    with DovecotServer(tmp_path / "dovecot", extra_config="verbose_proctitle = yes\n") as dovecot:
        smtp = DeliveringSmtpServer(dovecot.host, dovecot.lmtp_port)
        smtp.start()
        user = dovecot.add_user("freelancer-idle")
        smtp.add_account(user.address, user.password)
        secret = tmp_path / "imap-password"
        secret.write_text(user.password + "\n")
        secret.chmod(0o600)
        config = tmp_path / "config.toml"
        config.write_text(
            f'[account]\nprovider = "imap"\naddress = "{user.address}"\n\n'
            f'[account.imap]\nhost = "{dovecot.host}"\nport = {dovecot.imap_port}\n'
            f'tls = "none"\npassword_file = "{secret}"\n\n'
            f'[account.smtp]\nhost = "{smtp.host}"\nport = {smtp.port}\ntls = "none"\n\n'
            f'[store]\npath = "{tmp_path / "relance.sqlite3"}"\n', encoding="utf-8")
        daemon = start_daemon(config, OVERDUE, "--log-json", "--sync-every", "1440")
        try:
            # its first cycle done, and the watcher's connection in IDLE (mail landing before
            # that would be the first cycle's, or missed by the watcher, and prove nothing)
            wait_until(lambda: _meta(config, LAST_CYCLE_META), 20, interval=0.05,
                       what="the daemon's first cycle")
            wait_until(lambda: _a_session_in_idle(tmp_path / "dovecot"), 20, interval=0.05,
                       what="the daemon's watcher in IDLE")
            reply = mails.reply(mails.invoice("INV-2026-070", "EUR 300.00", "2026-02-09", SENT),
                                "Paid this morning, thank you.", OVERDUE)
            with IMAPClient(dovecot.host, dovecot.imap_port, ssl=False, timeout=10) as imap:
                imap.login(user.address, user.password)
                imap.append("INBOX", reply.as_bytes())
            # Dovecot tells IDLE within about half a second; the push cycle then records that
            # notifications work (only a cycle after the watcher's first answer can)
            wait_until(lambda: _meta(config, PUSH_META) == "yes", 20, interval=0.05,
                       what="the cycle woken by IDLE")
        finally:
            daemon.send_signal(signal.SIGTERM)
            _, err = daemon.communicate(timeout=30)
            smtp.stop()
    assert daemon.returncode == 0
    cycles = [json.loads(line) for line in err.splitlines()]
    assert [c["reason"] for c in cycles if c.get("event") == "cycle"] == ["start", "push"]
    with Store.open(tmp_path / "relance.sqlite3") as store:
        assert store.meta("push_connected") == "yes"


# -- the daily digest ---------------------------------------------------------------------------

def test_the_digest_goes_to_the_user_once_a_day_and_is_never_read_as_an_invoice(world):
    from datetime import time as hour

    box = FolderMailbox(world.parent / "mailbox", mails.ME)
    mails.file_into(world.parent / "mailbox" / "inbox", "dispute", mails.reply(
        mails.invoice("INV-2026-007", "EUR 980.00", "2026-02-09", SENT),
        "We never received the goods for this invoice; we will not pay it as it stands.",
        OVERDUE - timedelta(hours=3)))
    clock = [OVERDUE - timedelta(hours=4)]  # 06:00 in Paris
    config = load_config(world, {"HOME": str(world.parent)})
    with Store.open(config.store_path) as store:
        engine = Engine(config=config, store=store, mailbox=box, clock=lambda: clock[0])
        runner = Runner(engine, reopen=lambda: box, log=logging.getLogger("relance.test"),
                        settings=RunSettings(digest_at=hour(8, 0)), digest=daily_digest)
        outbox = world.parent / "mailbox" / "outbox"
        assert runner.step("start").ran
        assert not list(outbox.glob("*.eml"))  # before eight: no digest yet
        clock[0] = OVERDUE  # 10:00 in Paris
        runner.step("sync")
        (digest,) = outbox.glob("*.eml")
        text = digest.read_text()
        assert f"To: {mails.ME}" in text and "Subject: relance: your day of 2026-02-16" in text
        assert "INV-2026-007 (billing@northwind.test): the client disputes it" in text
        clock[0] += timedelta(hours=2)
        runner.step("start")
        assert len(list(outbox.glob("*.eml"))) == 1  # once a day
        assert [inv.number for inv in store.invoices()] == ["INV-2026-007"]


# -- the global pause ---------------------------------------------------------------------------

def test_pause_all_withdraws_every_draft_until_resume_all(world, capsys):
    assert relance(world, OVERDUE, "run", "--once") == 0
    assert len(_drafted(world)) == 1
    assert relance(world, OVERDUE, "pause-all") == 0
    assert "Paused: 1 open invoice(s)" in capsys.readouterr().out
    later = OVERDUE + timedelta(days=10)
    assert relance(world, later, "run", "--once") == 0
    assert _drafted(world) == []
    assert not list((world.parent / "mailbox" / "drafts").glob("*.eml"))
    assert relance(world, later, "status", "--json") == 0
    (row,) = json.loads(capsys.readouterr().out)["invoices"]
    assert row["state"] == "paused"
    assert relance(world, later, "resume-all") == 0
    assert "Resumed: 1 invoice(s)" in capsys.readouterr().out
    assert relance(world, later, "run", "--once") == 0
    assert len(_drafted(world)) == 1


# -- logs ---------------------------------------------------------------------------------------

def test_error_texts_lose_their_secrets_before_they_are_logged():
    stream = StringIO()
    log = configure(as_json=True, environ={}, stream=stream)
    log.warning("login failed: %s", "AUTHENTICATE failed password=hunter2 for imaps://claire:"
                "s3cret@mail.example/ with Bearer ya29.A0ARrdaM")
    entry = json.loads(stream.getvalue())
    assert entry["level"] == "warning"
    for secret in ("hunter2", "s3cret", "ya29.A0ARrdaM"):
        assert secret not in entry["msg"]
    assert redact('{"refresh_token": "1//0gabc"}') == '{"refresh_token": "***"}'


def test_outside_systemd_lines_carry_a_timestamp_and_a_level():
    stream = StringIO()
    configure(as_json=False, environ={}, stream=stream).info("cycle (sync): 0 action(s)")
    stamp, level, text = stream.getvalue().split(" ", 2)
    assert datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")
    assert (level, text) == ("INFO", "cycle (sync): 0 action(s)\n")


# -- service files ------------------------------------------------------------------------------

COMMAND = ["/home/claire/.local/bin/relance", "--config", "/home/claire/relance.toml", "run"]


def test_the_systemd_unit_restarts_on_failure_but_not_on_a_configuration_error():
    unit = systemd_unit(COMMAND)
    lines = unit.splitlines()
    assert "ExecStart=/home/claire/.local/bin/relance --config /home/claire/relance.toml run" \
        in lines
    assert "Restart=on-failure" in lines
    assert "RestartPreventExitStatus=2 3" in lines
    assert "WantedBy=default.target" in lines
    assert lines.index("[Unit]") < lines.index("[Service]") < lines.index("[Install]")


def test_the_launchd_agent_is_a_valid_plist_kept_alive_on_failure(tmp_path):
    plist = plistlib.loads(launchd_plist(COMMAND, tmp_path / "relance.log").encode())
    assert plist["ProgramArguments"][:2] == ["/bin/sh", "-c"]
    assert plist["ProgramArguments"][3:] == ["relance", *COMMAND]
    assert plist["KeepAlive"] == {"SuccessfulExit": False}
    assert plist["RunAtLoad"] is True
    assert plist["StandardErrorPath"] == str(tmp_path / "relance.log")


@pytest.mark.parametrize("argv, where, first_step", [
    ((), ".config/systemd/user/relance.service", "systemctl --user daemon-reload"),
    (("--launchd",), "Library/LaunchAgents/org.relance.run.plist", "launchctl bootstrap"),
])
def test_service_install_writes_the_file_and_says_how_to_start_it(tmp_path, capsys, argv,
                                                                   where, first_step):
    env = Environment(environ={"HOME": str(tmp_path)})
    assert main(["service", "install", *argv], env) == 0
    out = capsys.readouterr().out
    written = tmp_path / where
    assert written.exists()
    assert f"Wrote {written}" in out
    assert first_step in out
    assert "run" in written.read_text()


def _guarded(tmp_path, code: str) -> list[str]:
    """The launchd agent's ProgramArguments around a stand-in for relance (a Python script)."""
    plist = plistlib.loads(launchd_plist([sys.executable, "-c", code],
                                         tmp_path / "relance.log").encode())
    return plist["ProgramArguments"]


@pytest.mark.parametrize("status, launchd_sees", [(0, 0), (1, 1), (4, 4), (2, 0), (3, 0)])
def test_the_launchd_agent_does_not_restart_relance_after_a_configuration_error(
        tmp_path, status, launchd_sees):
    # launchd restarts a KeepAlive/SuccessfulExit=false job after any non-zero exit; the guard
    # makes a configuration (2) or store (3) error a clean exit, and says why in the log.
    done = subprocess.run(_guarded(tmp_path, f"import sys; sys.exit({status})"),
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == launchd_sees
    assert ("launchd will not start it again" in done.stderr) == (status in (2, 3))


def test_the_launchd_guard_hands_sigterm_to_relance_and_waits_for_it(tmp_path):
    marker = tmp_path / "stopped"
    code = ("import signal, sys, time, pathlib\n"
            "def stop(*_):\n"
            f"    time.sleep(0.3); pathlib.Path({str(marker)!r}).write_text('clean'); sys.exit(0)\n"
            "signal.signal(signal.SIGTERM, stop)\n"
            f"pathlib.Path({str(marker)!r} + '.up').write_text('up')\n"
            "time.sleep(30)\n")
    guard = subprocess.Popen(_guarded(tmp_path, code))
    wait_until(lambda: (tmp_path / "stopped.up").exists(), 10, what="the stand-in started")
    guard.send_signal(signal.SIGTERM)  # what launchd sends to the job's process
    assert guard.wait(timeout=10) == 0
    assert marker.read_text() == "clean"  # relance itself got SIGTERM and finished its step


def test_the_daemon_rearms_the_wake_for_the_next_slot_when_it_changes(world):
    box = FolderMailbox(world.parent / "mailbox", mails.ME)
    runner, store = _runner(world, lambda: OVERDUE, box, lambda: box)
    armed: list[datetime | None] = []
    runner.arm_wake = armed.append
    try:
        assert runner.step("sync").ran
        (drafted,) = store.followups("drafted")
        assert armed == [drafted.slot]  # the wake is set for the slot of the draft
        runner.step("sync")
        runner.reschedule()
        assert armed == [drafted.slot]  # unchanged slot: not set again
    finally:
        store.close()


def test_an_hourly_cycle_with_nothing_changed_reads_no_waiting_follow_up(world):
    """The hourly re-plan of a daemon that waits: the plan is taken up from the last one and
    the apply skipped (same follow-ups, same drafts, no write to the follow-ups since), so its
    cost does not follow the number of drafts waiting; a draft the user deletes still counts."""
    box, clock, runner, store = _started(world)
    try:
        (draft,) = store.followups("drafted")
        clock[0] += timedelta(minutes=5)
        assert runner.step("slot").ran  # the apply that checks the one that made the draft
        statements: list[str] = []
        store.trace(statements.append)
        clock[0] += timedelta(minutes=5)
        outcome = runner.step("slot")  # a full cycle, as the hourly re-plan runs
        store.trace(None)
        assert outcome.ran and outcome.report is not None and not outcome.report.actions
        assert not [s for s in statements if "FROM followups WHERE state IN" in s
                    or "FROM followups WHERE state = 'planned'" in s
                    or "FROM followups WHERE invoice_key IN" in s], statements
        box.delete_draft(draft.draft_id)
        clock[0] += timedelta(minutes=5)
        outcome = runner.step("slot")
        assert outcome.report is not None
        assert [a.verb for a in outcome.report.actions] == ["cancelled"]
    finally:
        store.close()
