"""The daemon's commands: `relance run`, `relance service install`, `relance report`, and the
global pause (`relance pause-all`, `relance resume-all`).

Every one reads the time from the ``Environment``'s clock (``--now`` starts it elsewhere), and
imports the engine and the runner only when it runs.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .env import Environment

if TYPE_CHECKING:
    import logging
    from collections.abc import Callable

    from ..core.mailbox import Mailbox
    from ..cycle.engine import Engine
    from ..cycle.runner import Runner
    from ..cycle.store import Store
    from .wiring import InboxWatcher

PAUSE_ALL_DETAIL = "pause --all"


def _env(ctx: click.Context) -> Environment:
    return ctx.obj  # type: ignore[no-any-return]


def _watch_inbox(watcher: InboxWatcher, runner: Runner, log: logging.Logger) -> None:
    """Wake the runner as soon as mail lands in the Inbox (IMAP IDLE, RFC 2177), on the
    watcher's own connection in a daemon thread; the interval sync still covers any gap."""
    from ..core.errors import MailboxError
    from ..cycle.runner import WAKE_PUSH

    def watch() -> None:
        try:
            while not runner.stopping:
                try:
                    changed = watcher.wait(60)
                    runner.push_connected = True
                except MailboxError as exc:
                    if runner.push_connected is not False:
                        log.warning("new-mail notifications unavailable, relying on the "
                                    "interval sync: %s", exc,
                                    extra={"fields": {"event": "push_down"}})
                    runner.push_connected = False
                    time.sleep(60)
                    continue
                if changed:
                    runner.wake(WAKE_PUSH)
        finally:
            watcher.close()
    threading.Thread(target=watch, name="relance-idle", daemon=True).start()


@click.command(help="Run the daemon in the foreground (for systemd, launchd or a terminal): "
               "sync every few minutes, draft follow-ups, send each at its slot. Stops cleanly "
               "on SIGTERM or Ctrl-C.")
@click.option("--once", is_flag=True, help="Run one cycle with the daemon's lock and logging, "
              "then exit (for cron).")
@click.option("--log-json", is_flag=True, help="Log one JSON object per line.")
@click.option("--sync-every", type=click.IntRange(1, 1440), default=5, show_default=True,
              help="Minutes between two syncs.")
@click.option("--digest", "digest_at", type=click.DateTime(["%H:%M"]), default=None,
              help="Once a day from this hour (HH:MM, your zone), e-mail yourself what relance "
              "did and what needs you. Off by default.")
@click.pass_context
def run(ctx: click.Context, once: bool, log_json: bool, sync_every: int,
        digest_at: datetime | None) -> None:
    from ..cycle.engine import Engine
    from ..cycle.lock import DaemonLock
    from ..cycle.logs import configure
    from ..cycle.runner import Runner, RunSettings
    from ..cycle.store import Store
    from .digest_hook import daily_digest
    from .wiring import open_inbox_watcher, open_mailbox

    env = _env(ctx)
    config = env.config()
    log = configure(as_json=log_json, environ=env.environ)
    opener = partial(open_mailbox, config, clock=env.clock)
    wake = _wake_armer(env, log)
    with DaemonLock(config.store_path), Store.open(config.store_path) as store:
        engine = Engine(config=config, store=store, mailbox=_first_open(opener, store, env),
                        clock=env.clock)
        runner = Runner(engine, reopen=opener, log=log, digest=daily_digest, wake=wake,
                        settings=RunSettings(sync_every=timedelta(minutes=sync_every),
                                             speed=env.speed,
                                             digest_at=digest_at.time() if digest_at else None))
        previous = {sig: signal.signal(sig, runner.stop)
                    for sig in (signal.SIGTERM, signal.SIGINT)}
        watcher = None if once else open_inbox_watcher(config)
        if watcher is not None:
            _watch_inbox(watcher, runner, log)
        try:
            runner.run(once=once)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            if engine.mailbox is not None:
                engine.mailbox.close()


def _wake_armer(env: Environment, log: logging.Logger) -> Callable[[datetime | None], None] | None:
    """Where `relance service install` set a wake timer, re-arm it for each next slot."""
    from .service import systemd_folder
    from .wake import WAKE_TIMER, arm

    xdg = env.environ.get("XDG_CONFIG_HOME")
    home = Path(env.environ.get("HOME") or Path.home())
    folder = systemd_folder(home, Path(xdg) if xdg else None)
    if not (folder / WAKE_TIMER).exists():
        return None

    def rearm(at: datetime | None) -> None:
        armed = arm(folder, at)
        when = at.isoformat(timespec="minutes") if at else "no slot"
        if armed.reloaded:
            log.info("wake timer set for %s", when, extra={"fields": {"event": "wake_set"}})
        else:
            log.warning("wake timer written for %s but not loaded: %s", when, armed.detail,
                        extra={"fields": {"event": "wake_not_set"}})
    return rearm


def _first_open(opener: Callable[[], Mailbox], store: Store, env: Environment) -> Mailbox:
    """Open the mailbox at start. A missing or unreadable password or token file is a
    configuration problem (exit status 2, not restarted by the service units); that, or any
    refusal (a revoked token), is also recorded as the account's problem, so `relance status`
    shows it."""
    from ..core.errors import PermanentMailboxError
    from ..cycle.runner import MAILBOX_PROBLEM_META

    try:
        return opener()
    except PermanentMailboxError as exc:
        with store.transaction():
            store.set_meta(MAILBOX_PROBLEM_META, json.dumps(
                {"since": env.clock().isoformat(timespec="seconds"), "error": str(exc)}))
        raise


@click.group(help="Install relance as a service that starts at login and restarts on failure.")
def service() -> None:
    pass


@service.command(name="install", help="Write a systemd user unit (or, with --launchd, a launchd "
                 "agent) that runs `relance run`, and print how to start it.")
@click.option("--launchd", is_flag=True, help="Write a launchd agent (macOS).")
@click.pass_context
def service_install(ctx: click.Context, launchd: bool) -> None:
    from .service import install_launchd, install_systemd, relance_command

    env = _env(ctx)
    home = Path(env.environ.get("HOME") or Path.home())
    command = relance_command(env.config_file)
    if launchd:
        done = install_launchd(home, command)
    else:
        xdg = env.environ.get("XDG_CONFIG_HOME")
        done = install_systemd(home, command, Path(xdg) if xdg else None)
    click.echo(f"Wrote {done.path}. To start it now and at every login:")
    for step in done.next_steps:
        click.echo(f"  {step}")
    _say_wake(env, launchd=launchd, home=home)


def _next_slot(env: Environment) -> datetime | None:
    """The next drafted follow-up's slot from the store, or None (no store, nothing drafted)."""
    from ..core.errors import RelanceError
    from ..cycle.engine import Engine
    from ..cycle.store import Store

    try:
        config = env.config()
        if not config.store_path.exists():
            return None
        with Store.snapshot(config.store_path) as store:
            return Engine(config=config, store=store, mailbox=None,
                          clock=env.clock).next_wakeup()
    except RelanceError:
        return None


def _say_wake(env: Environment, *, launchd: bool, home: Path) -> None:
    """Set the wake for the next slot where relance may, and say plainly what it set and what
    it could not."""
    from .service import systemd_folder
    from .wake import arm, pmset_command, systemd_version, what_it_can_do

    at = _next_slot(env)
    when = at.isoformat(timespec="minutes") if at else "none yet"
    if launchd:
        click.echo("Waking the Mac for a slot needs root, so relance did not set it. "
                   f"Next slot: {when}.")
        if at is not None:
            click.echo(f"  {pmset_command(at)}   # approve it yourself, for that slot")
        click.echo("  Without it the Mac must be awake at the slot; the missed-slot grace "
                   "sends the follow-up when it wakes before [window] missed_until.")
        return
    xdg = env.environ.get("XDG_CONFIG_HOME")
    armed = arm(systemd_folder(home, Path(xdg) if xdg else None), at)
    click.echo(f"Wrote {armed.path} for the next slot ({when}); "
               + ("systemd took it." if armed.reloaded else
                  f"systemd could not load it yet ({armed.detail}): run the steps above."))
    click.echo(f"  {what_it_can_do(systemd_version())}")


@click.command(help="Write an HTML page of what is owed: receivables by age and a timeline per "
               "invoice. Self-contained: open it in any browser, offline.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("relance-report.html"), show_default=True, help="The file to write.")
@click.pass_context
def report(ctx: click.Context, output: Path) -> None:
    from ..cycle.engine import Engine
    from ..cycle.store import Store
    from .report import gather, render_html

    env = _env(ctx)
    config = env.config()
    with Store.open(config.store_path) as store:
        engine = Engine(config=config, store=store, mailbox=None, clock=env.clock)
        data = gather(store, engine.plan(), now=env.clock(), zone=config.zone,
                      name_of=lambda address: config.client_for(address).name)
    output.write_text(render_html(data, title=config.account.address or "relance"),
                      encoding="utf-8")
    click.echo(f"Wrote {output}: {len(data.invoices)} open invoice(s).")


_DATE = click.DateTime(["%Y-%m-%d"])


@click.command(name="pause-all", help="Pause every follow-up (`relance pause --all`): the "
               "drafts of open invoices are withdrawn and nothing is sent until `relance "
               "resume-all` or the --until date.")
@click.option("--until", type=_DATE, default=None, help="Last day of the pause (YYYY-MM-DD).")
@click.pass_context
def pause_all(ctx: click.Context, until: datetime | None) -> None:
    from ..core.model import EventKind
    from ..cycle.actions import record
    from ..cycle.engine import Engine
    from ..cycle.runner import PAUSED_ALL_META
    from ..cycle.store import Store

    env = _env(ctx)
    config = env.config()
    last = until.date() if until else None
    with Store.open(config.store_path) as store:
        engine = Engine(config=config, store=store, mailbox=None, clock=env.clock)
        open_keys = _open_invoices(engine)
        now = env.clock()
        with store.transaction():
            store.set_meta(PAUSED_ALL_META, json.dumps(
                {"since": now.isoformat(), "until": last.isoformat() if last else None}))
            for key in open_keys:
                found = store.invoice(key)
                if found is not None:
                    record(store, found, EventKind.PAUSED, now, until=last,
                           detail=PAUSE_ALL_DETAIL)
    when = f" until {last.isoformat()}" if last else " until `relance resume-all`"
    click.echo(f"Paused: {len(open_keys)} open invoice(s) and any new one{when}.")


@click.command(name="resume-all", help="End a global pause: the invoices it paused resume.")
@click.pass_context
def resume_all(ctx: click.Context) -> None:
    from ..core.model import EventKind
    from ..cycle.actions import record
    from ..cycle.runner import PAUSED_ALL_META
    from ..cycle.store import Store

    env = _env(ctx)
    config = env.config()
    now = env.clock()
    resumed = 0
    with Store.open(config.store_path) as store, store.transaction():
        store.set_meta(PAUSED_ALL_META, "")
        for key, events in store.events().items():
            decisions = [e for e in events if e.kind in (
                EventKind.PAUSED, EventKind.RESUMED, EventKind.STOPPED)]
            found = store.invoice(key)
            if decisions and decisions[-1].detail == PAUSE_ALL_DETAIL and found is not None:
                record(store, found, EventKind.RESUMED, now, detail="resume --all")
                resumed += 1
    click.echo(f"Resumed: {resumed} invoice(s) paused by pause-all.")


def _open_invoices(engine: Engine) -> list[str]:
    """Keys of the invoices that may still get a follow-up (not paid, not finished)."""
    from ..core.model import HoldReason

    current = engine.plan()
    closed = {HoldReason.PAID, HoldReason.DONE}
    keys = [f.invoice_key for f in current.followups]
    keys += [key for key, hold in current.holds.items() if hold.reason not in closed]
    return sorted(set(keys))
