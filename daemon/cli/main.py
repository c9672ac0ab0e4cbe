"""The `relance` command. Each command calls the library and turns its errors into one message
and an exit status; ``main`` is the error edge, the commands are the work.

A command imports what it uses in its body: ``relance --help`` loads click and nothing of the
engine, and no command loads a mailbox plugin it does not open.
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .. import __version__
from ..core.errors import RelanceError
from .env import NOW_EXAMPLE, Environment
from .run import pause_all, report, resume_all, run, service
from .setup_command import setup

if TYPE_CHECKING:
    from rich.console import Console

    from ..cycle.config import Config
    from ..cycle.engine import Engine
    from ..cycle.store import Store


def _console() -> Console:
    from rich.console import Console

    return Console(soft_wrap=False, width=None if sys.stdout.isatty() else 160)


def _env(ctx: click.Context) -> Environment:
    return ctx.obj  # type: ignore[no-any-return]


@click.group(help="relance: gets your invoices paid with polite, well-timed, threaded "
                  "follow-ups from your own mailbox.")
@click.version_option(__version__, prog_name="relance")
@click.option("--config", "config_file", type=click.Path(path_type=Path), default=None,
              help="Configuration file (default: $RELANCE_CONFIG, then "
                   "~/.config/relance/config.toml).")
@click.option("--now", metavar="MOMENT", default=None,
              help=f"Run as if it were this moment, ISO 8601 with its offset (like "
                   f"{NOW_EXAMPLE}): the clock starts there and runs on. Default: "
                   "$RELANCE_NOW, else the real time.")
@click.pass_context
def cli(ctx: click.Context, config_file: Path | None, now: str | None) -> None:
    if ctx.obj is None:
        ctx.obj = Environment()
    if config_file is not None:
        ctx.obj.config_file = config_file
    ctx.obj.use_now(now)


@cli.command(help="Run relance on a built-in sample mailbox at a fixed date: no account needed.")
@click.option("--dir", "folder", type=click.Path(path_type=Path), default=None,
              help="Where to copy the sample mailbox (default: a new temporary folder).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def demo(folder: Path | None, as_json: bool) -> None:
    from .demo import run_demo
    from .status import render_table, rows_as_json

    result = run_demo(folder)
    if as_json:
        click.echo(json.dumps({
            "folder": str(result.folder), "now": result.now.isoformat(),
            "invoices": rows_as_json(result.rows),
            "drafts": [{"path": str(p), "invoice": r.number if r else None, "slot": slot}
                       for p, r, slot in result.drafts],
        }, indent=2))
        return
    console = _console()
    console.print(f"Sample mailbox copied to {result.folder}")
    console.print(render_table(result.rows, title="relance demo: the sample mailbox",
                               now=result.now))
    console.print(f"\n{len(result.drafts)} follow-up(s) drafted, each threaded under its invoice "
                  "and waiting for its slot:")
    for path, row, _slot in result.drafts:
        label = f"{row.number}, {row.next_stage.replace('_', ' ')}, {row.next_slot_local}" \
            if row else ""
        console.print(f"  {label}\n    {path}", highlight=False)


@cli.command(name="inspect", help="Show what relance sees in one message (.eml file).")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object.")
@click.option("--me", default=None, help="Your address: messages from it are read as sent "
              "invoices (default: the configured account address).")
@click.pass_context
def inspect_cmd(ctx: click.Context, file: Path, as_json: bool, me: str | None) -> None:
    from .inspection import inspection

    config = _env(ctx).config()
    result = inspection(file.read_bytes(), me=me if me is not None else config.account.address,
                        default_terms_days=config.payment.default_days,
                        track_keyword=config.detection.track_keyword)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    click.echo(f"{file}: {result['kind']}")
    for key in ("invoice", "bounce", "auto_reply", "payment", "reply"):
        if result.get(key):
            for name, value in result[key].items():
                click.echo(f"  {name}: {value}")
    if result.get("reason"):
        click.echo(f"  reason: {result['reason']}")


def _engine(env: Environment, config: Config, store: Store, *, mailbox: bool) -> Engine:
    from ..cycle.engine import Engine
    from .wiring import open_mailbox

    return Engine(config=config, store=store,
                  mailbox=open_mailbox(config, clock=env.clock) if mailbox else None,
                  clock=env.clock)


@cli.command(help="Show every invoice, its delivery, replies and next follow-up.")
@click.option("--json", "as_json", is_flag=True, help="Print the rows as JSON.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    from ..core.interest import coverage_notes
    from ..cycle.observe import UNREADABLE_KIND
    from ..cycle.store import Store
    from .inspection import unreadable_notes
    from .status import attention, health, invoice_rows, render_table, rows_as_json

    env = _env(ctx)
    config = env.config()
    with Store.open(config.store_path) as store:
        engine = _engine(env, config, store, mailbox=False)
        now = env.clock()
        followups = store.followups()
        rows = invoice_rows(store.invoices(), store.events(), engine.plan(), followups,
                            now.astimezone(config.zone).date())
        state = health(store.meta)
        unread = store.messages_of_kind(UNREADABLE_KIND)
    notes = attention(rows, state, followups) + unreadable_notes(unread) \
        + coverage_notes(config.statutory, now.astimezone(config.zone).date())
    if as_json:
        click.echo(json.dumps({**state, "attention": notes, "invoices": rows_as_json(rows)},
                              indent=2))
        return
    console = _console()
    console.print(render_table(rows, title=f"relance — {config.account.address or 'sample'}",
                               now=now))
    connected = state["push_connected"]
    push = "none" if connected is None else "connected" if connected else "not connected"
    console.print(f"Last sync: {state['last_sync'] or 'never'} · push: {push}"
                  + (" · ALL FOLLOW-UPS PAUSED" if state["paused_all"] else ""), highlight=False)
    if notes:
        console.print("\nNeeds you:", style="bold")
        for note in notes:
            console.print(f"  - {note}", highlight=False)


@cli.command(help="Run one cycle (sync, plan, drafts, sends that are due) and exit.")
@click.option("--dry-run", is_flag=True, help="Print what would be done; touch nothing (the "
              "mailbox, the database); may run while the daemon runs.")
@click.option("--full", is_flag=True, help="Decide again for every invoice, not only where "
              "something changed since the last plan (the result is the same).")
@click.pass_context
def once(ctx: click.Context, dry_run: bool, full: bool) -> None:
    from ..cycle.lock import DaemonLock
    from ..cycle.store import Store

    env = _env(ctx)
    config = env.config()
    dry_run = dry_run or config.mode.dry_run
    if dry_run:  # on a throwaway copy of the store, without the daemon's lock
        with Store.snapshot(config.store_path) as store:
            engine = _engine(env, config, store, mailbox=True)
            if full:
                engine.planner.full()
            report = engine.cycle(dry_run=True)
    else:
        with DaemonLock(config.store_path), Store.open(config.store_path) as store:
            engine = _engine(env, config, store, mailbox=True)
            if full:
                engine.planner.full()
            report = engine.cycle(dry_run=False)
    prefix = "would be " if dry_run else ""
    click.echo(f"{len(report.observed.invoices)} new invoice(s), "
               f"{len(report.observed.events)} new event(s)")
    for action in report.actions:
        slot = action.slot.isoformat(timespec="minutes") if action.slot else ""
        click.echo(f"{prefix}{action.verb}: {action.invoice_key} {action.stage} {slot} "
                   f"{action.detail}".rstrip())


@cli.command(help="Show the next follow-up of an invoice as it would go out.")
@click.argument("invoice")
@click.pass_context
def preview(ctx: click.Context, invoice: str) -> None:
    from ..core.errors import MailboxError
    from ..cycle.actions import find_invoice
    from ..cycle.apply import message_id_for
    from ..cycle.store import Store
    from .preview import preview_text

    env = _env(ctx)
    config = env.config()
    with Store.open(config.store_path) as store:
        # The mailbox is opened to fetch the files that go along, as the draft will have them.
        try:
            engine = _engine(env, config, store, mailbox=True)
        except MailboxError as error:
            click.echo(f"The mailbox cannot be reached ({error}): the preview is shown without "
                       "the invoice files and the greeting the invoice e-mail used.", err=True)
            engine = _engine(env, config, store, mailbox=False)
        found = find_invoice(store, invoice)
        current = engine.plan()
        planned = [f for f in current.followups if f.invoice_key == found.key]
        if not planned:
            hold = current.holds.get(found.key)
            reason = hold.reason.value if hold else "closed"
            click.echo(f"No follow-up is planned for {found.number}: {reason}.")
            return
        message = engine.compose(planned[0], message_id_for(planned[0], engine.domain))
    click.echo(preview_text(message, planned[0].slot.isoformat(timespec="minutes")), nl=False)


def _decide(ctx: click.Context, invoice: str, kind: str, until: date | None = None) -> None:
    """Record the user's decision about one invoice: ``kind`` is an ``EventKind`` value."""
    from ..core.model import EventKind
    from ..cycle.actions import find_invoice, record
    from ..cycle.store import Store

    event = EventKind(kind)
    env = _env(ctx)
    config = env.config()
    with Store.open(config.store_path) as store:
        found = find_invoice(store, invoice)
        record(store, found, event, env.clock(), until=until)
    click.echo(f"{found.number}: {event.value.replace('_', ' ')}"
               + (f" until {until.isoformat()}" if until else "") + ".")


_DATE = click.DateTime(["%Y-%m-%d"])


@cli.command(help="Mark an invoice paid: no more follow-ups.")
@click.argument("invoice")
@click.option("--date", "paid_on", type=_DATE, default=None, help="When it was paid (YYYY-MM-DD).")
@click.pass_context
def paid(ctx: click.Context, invoice: str, paid_on: datetime | None) -> None:
    _decide(ctx, invoice, "marked_paid", paid_on.date() if paid_on else None)


@cli.command(help="Confirm an invoice's figures as read, or correct them "
                  "(number=… amount=… currency=… due=YYYY-MM-DD).")
@click.argument("invoice")
@click.argument("changes", nargs=-1)
@click.pass_context
def fix(ctx: click.Context, invoice: str, changes: tuple[str, ...]) -> None:
    from ..cycle.actions import find_invoice
    from ..cycle.corrections import fix as fix_invoice
    from ..cycle.store import Store

    env = _env(ctx)
    with Store.open(env.config().store_path) as store:
        fixed = fix_invoice(store, find_invoice(store, invoice), changes, env.clock())
    money = fixed.amount
    click.echo(f"{fixed.number}: confirmed — {money.amount:,.2f} {money.currency} "
               f"due {fixed.due_date.isoformat()}; its follow-ups may go out."
               if money else f"{fixed.number}: confirmed.")


@cli.command(help="Pause an invoice's follow-ups, until a date or until resumed.")
@click.argument("invoice")
@click.option("--until", type=_DATE, default=None, help="Last day of the pause (YYYY-MM-DD).")
@click.pass_context
def pause(ctx: click.Context, invoice: str, until: datetime | None) -> None:
    _decide(ctx, invoice, "paused", until.date() if until else None)


@cli.command(help="Resume an invoice's follow-ups after a pause, a reply or a stop.")
@click.argument("invoice")
@click.pass_context
def resume(ctx: click.Context, invoice: str) -> None:
    _decide(ctx, invoice, "resumed")


@cli.command(help="Stop an invoice's follow-ups (until resumed).")
@click.argument("invoice")
@click.pass_context
def stop(ctx: click.Context, invoice: str) -> None:
    _decide(ctx, invoice, "stopped")


@cli.command(name="track", help="Declare a sent message an invoice, by its Message-ID.")
@click.argument("message_id")
@click.pass_context
def track_cmd(ctx: click.Context, message_id: str) -> None:
    from ..cycle.actions import track
    from ..cycle.store import Store

    env = _env(ctx)
    config = env.config()
    with Store.open(config.store_path) as store:
        engine = _engine(env, config, store, mailbox=config.account.provider == "sample")
        report = track(engine, message_id)
    if report and report.invoices:
        click.echo(f"Tracked: {', '.join(report.invoices)} is now an invoice.")
    else:
        click.echo("Tracked: the message is read as an invoice at the next cycle.")


@cli.group(help="The follow-up templates.")
def templates() -> None:
    pass


@templates.command(name="export", help="Copy the built-in templates to DIR to edit them; then "
                   "set [followups] templates_dir = DIR.")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.option("--overwrite", is_flag=True, help="Replace files already there.")
def templates_export(dest: Path, overwrite: bool) -> None:
    from ..cycle.templates import export_templates

    written = export_templates(dest, overwrite=overwrite)
    click.echo(f"{len(written)} template(s) written to {dest}.")


for _command in (run, service, report, pause_all, resume_all, setup):
    cli.add_command(_command)


def main(argv: list[str] | None = None, env: Environment | None = None) -> int:
    """Run the CLI; return the exit status (0 ok, 1 error, 2 usage or configuration, 3 store,
    4 mailbox)."""
    try:
        cli.main(args=argv, prog_name="relance", standalone_mode=False, obj=env)
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort:
        click.echo("relance: interrupted", err=True)
        return 130
    except RelanceError as exc:
        click.echo(f"relance: {exc}", err=True)
        return exc.exit_status
    return 0
