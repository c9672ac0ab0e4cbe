"""``relance setup``: the wizard that connects a mailbox and writes ``config.toml``.

It asks which account (Gmail through its API, or IMAP + SMTP), connects and checks it, asks the
few settings only the user can give (name, signature, language, time zone, payment terms), and
writes them into the configuration file, keeping every other line of an existing file. Prompts
go through click (tests drive them with input); the environment, clock, browser and Gmail
endpoint come in a ``SetupEnv``. Every failure raises from the error family with what to do.
"""

from __future__ import annotations

import re
import sys
import tomllib
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
import httplib2

from ..core.errors import MailboxError, UsageError
from ..cycle.config import (
    IMAP_PORTS,
    LANGUAGES,
    SMTP_PORTS,
    TLS_MODES,
    config_dir,
    config_path_from_env,
    load_config,
)
from . import setup_gmail as gmail
from . import wiring
from .env import Environment
from .setup_config import Updates, update_config_text

PASTE_PORT = 8765  # the loopback port named in the redirect address of the paste-back flow
TESTING_LIFETIME = timedelta(days=7)  # refresh tokens of a "Testing" app (Google's policy)
FILE_TRIES = 3


@dataclass
class SetupEnv(Environment):
    """What the wizard touches outside: the ``Environment`` of every command, plus the browser
    (None: the system's), the Gmail endpoint and the HTTP client (tests use local servers)."""

    browser: gmail.Browser | None = None
    gmail_endpoint: str | None = None  # None: Google's
    http: httplib2.Http | None = None


@dataclass(frozen=True)
class SetupOptions:
    provider: str | None = None  # "gmail" or "imap"; None: ask
    no_browser: bool = False  # consent from another device (paste back, or SSH forward)
    port: int | None = None  # loopback port for Google's redirect; None: a free one


def run_setup(env: SetupEnv, options: SetupOptions) -> Path:
    """Run the wizard; return the configuration file it wrote."""
    path = env.config_file or config_path_from_env(env.environ)
    existing = _read_existing(path)
    current = _parse(path, existing)
    click.echo(f"relance setup: writing {path}\n")
    account = current.get("account", {})
    provider = options.provider or click.prompt(
        "Which account should relance watch? gmail (Gmail or Google Workspace, through "
        "Google's API) or imap (any other mailbox)",
        type=click.Choice(["gmail", "imap"]),
        default=account.get("provider") if account.get("provider") in ("gmail", "imap")
        else "gmail")
    offered: dict[str, str] = {}  # what Gmail already knows: name, signature, language
    if provider == "gmail":
        updates, address = _gmail(env, options, account, offered)
    else:
        updates, address = _imap(env, account)
    updates = {**updates, **_settings(env, current, address, offered)}
    gmail.save_private(path, update_config_text(existing, updates))
    load_config(path, env.environ)  # what relance will read: any problem shows now
    click.echo(f"\nSaved {path}. Next: `relance once --dry-run` shows what relance would do; "
               "`relance status` lists your invoices.")
    return path


def _read_existing(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot be read ({exc}). Fix its permissions, or point "
                         "--config at another file.") from None


def _parse(path: Path, text: str | None) -> dict[str, Any]:
    try:
        return tomllib.loads(text) if text is not None else {}
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML ({exc}). Fix that line, or move the file "
                         "away and run `relance setup` again to start afresh.") from None


def _headless(env: SetupEnv, options: SetupOptions) -> bool:
    """No browser here: asked for, or a Linux/BSD machine with no display (an SSH session)."""
    if options.no_browser:
        return True
    if env.browser is not None or not sys.platform.startswith(("linux", "freebsd", "openbsd")):
        return False
    return not (env.environ.get("DISPLAY") or env.environ.get("WAYLAND_DISPLAY"))


def _client_file(account: Mapping[str, Any], env: SetupEnv) -> tuple[Path, dict[str, Any]]:
    """Ask for the OAuth client file until a good one is given (three tries)."""
    kept = account.get("gmail", {}).get("client_secrets_file")
    default = kept or str(config_dir(env.environ) / "client_secret.json")
    for attempt in range(FILE_TRIES):
        answer = click.prompt("Path of the downloaded OAuth client JSON file", default=default)
        path = Path(answer).expanduser()
        try:
            return path, wiring.read_gmail_client_file(path)
        except UsageError as exc:
            if attempt + 1 == FILE_TRIES:
                raise
            click.echo(f"  {exc}")
    raise AssertionError("unreachable")


def _gmail(env: SetupEnv, options: SetupOptions, account: Mapping[str, Any],
           offered: dict[str, str]) -> tuple[Updates, str]:
    click.echo(gmail.GUIDE)
    source, client = _client_file(account, env)
    keep_dir = config_dir(env.environ)
    secrets_file = keep_dir / "client_secret.json"
    if source.resolve() != secrets_file.resolve():
        gmail.save_private(secrets_file, source.read_text(encoding="utf-8"))
    labels = gmail.labels_offer(click.echo)
    wanted = wiring.gmail_scopes(labels)
    click.echo("\nrelance asks Google for:\n" + "\n".join(gmail.scope_lines(wanted)) + "\n")
    click.echo(gmail.TESTING_WARNING)
    if not _headless(env, options):
        creds = wiring.gmail_consent_with_browser(client, wanted, browser=env.browser,
                                                  port=options.port or 0, open_browser=True)
    elif options.port:
        click.echo(f"Waiting on localhost:{options.port}. From your own machine, forward it "
                   f"first: ssh -L {options.port}:localhost:{options.port} <this host>")
        creds = wiring.gmail_consent_with_browser(client, wanted, browser=None,
                                                  port=options.port, open_browser=False)
    else:
        show, ask = _paste_back()
        creds = wiring.gmail_consent_by_paste(client, wanted, port=PASTE_PORT, show=show,
                                              ask=ask)
    address = _verify(env, creds)
    offered.update(wiring.gmail_offered_settings(creds, endpoint=env.gmail_endpoint,
                                                 http=env.http))
    token_file = Path(account.get("gmail", {}).get("token_file") or
                      keep_dir / "gmail-token.json").expanduser()
    gmail.save_private(token_file, wiring.gmail_token_json(creds))
    until = (env.clock() + TESTING_LIFETIME).date().isoformat()
    click.echo(f"Connected to {address}. The token is in {token_file}, readable by you alone.\n"
               f"If the OAuth app is still in \"Testing\", this access ends around {until}.")
    return {"account": {"provider": "gmail", "address": address},
            "account.gmail": {"token_file": str(token_file),
                              "client_secrets_file": str(secrets_file), "labels": labels}}, address


def _paste_back() -> tuple[Callable[[str], None], Callable[[str], str]]:
    """``show`` and ``ask`` for the paste-back consent: an address that is not the redirect
    of this attempt (another page, an older attempt, no code in it) is asked again, with what
    to copy, instead of ending the wizard."""
    shown: dict[str, str] = {}

    def show(text: str) -> None:
        found = re.search(r"[?&]state=([^&\s]+)", text)
        if found:
            shown["state"] = urllib.parse.unquote(found.group(1))
        click.echo(text)

    def ask(text: str) -> str:
        for attempt in range(LOGIN_TRIES):
            pasted = str(click.prompt(text)).strip()
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(pasted).query)
            if "error" in query:
                return pasted  # consent refused: said by the exchange, with what to do
            if "state" in shown and query.get("state", [""])[0] != shown["state"]:
                problem = ("that address is not the one this attempt's page landed on (its "
                           "state differs): open the address printed above, then paste where "
                           "it lands")
            elif not query.get("code", [""])[0]:
                problem = ("that address holds no code: copy the whole address from the "
                           "browser's address bar, starting with http://localhost")
            else:
                return pasted
            if attempt + 1 == LOGIN_TRIES:
                raise UsageError(problem[0].upper() + problem[1:] + ".")
            click.echo(f"  {problem[0].upper() + problem[1:]}.")
        raise AssertionError("unreachable")

    return show, ask


def _verify(env: SetupEnv, creds: wiring.GmailGrant) -> str:
    """Ask Gmail who this is (``getProfile``); return the address."""
    try:
        return wiring.gmail_account_address(creds, endpoint=env.gmail_endpoint, http=env.http)
    except MailboxError as exc:
        raise type(exc)(f"The token was granted but Gmail refused it: {exc}") from None


def _imap(env: SetupEnv, account: Mapping[str, Any]) -> tuple[Updates, str]:
    imap, smtp = account.get("imap", {}), account.get("smtp", {})
    address = click.prompt("Your e-mail address", default=account.get("address")).strip().lower()
    login = _imap_login(imap, address)
    default_smtp = smtp.get("host") or (f"smtp.{login.host[5:]}" if login.host.startswith(
        "imap.") else login.host)
    s_host, s_tls, s_port = _smtp_login(smtp, default_smtp, login)
    password_file = config_dir(env.environ) / "imap-password"
    gmail.save_private(password_file, login.password)
    click.echo(f"The password is in {password_file}, readable by you alone.")
    return {"account": {"provider": "imap", "address": address},
            "account.imap": {"host": login.host, "tls": login.tls, "port": login.port,
                             "username": login.user, "password_file": str(password_file)},
            "account.smtp": {"host": s_host, "tls": s_tls, "port": s_port}}, address


@dataclass(frozen=True)
class _Login:
    host: str
    tls: str
    port: int
    user: str
    password: str


LOGIN_TRIES = 5  # a wrong port, password or server name is asked again, this many times


def _imap_login(imap: Mapping[str, Any], address: str) -> _Login:
    """Ask for the IMAP server and log in; on a mistake say what went wrong and ask again,
    the answers given so far as the defaults (the password is asked again, never shown)."""
    answers = dict(imap)
    for attempt in range(LOGIN_TRIES):
        host = click.prompt("IMAP server", default=answers.get("host")).strip()
        tls = click.prompt("IMAP encryption", type=click.Choice(TLS_MODES),
                           default=answers.get("tls", "implicit"))
        port = click.prompt("IMAP port", type=click.IntRange(1, 65535),
                            default=answers.get("port", IMAP_PORTS[tls]))
        user = click.prompt("IMAP user name", default=answers.get("username") or address)
        password = click.prompt("App password (not shown; most providers want an app "
                                "password)", hide_input=True)
        try:
            folders = wiring.check_imap_login(host=host, port=port, tls=tls, username=user,
                                              password=password)
        except MailboxError as exc:
            _missed(exc, attempt, "the IMAP server, encryption, port, user name or password")
            answers = {"host": host, "tls": tls, "port": port, "username": user}
            continue
        click.echo("IMAP login works. Folders: " +
                   ", ".join(f"{role} = {name}" for role, name in folders.items()))
        return _Login(host, tls, port, user, password)
    raise AssertionError("unreachable")


def _smtp_login(smtp: Mapping[str, Any], default_host: str, login: _Login) -> tuple[str, str, int]:
    """Ask for the SMTP server and log in (nothing is sent); on a mistake, ask again."""
    answers = {"host": default_host, **{k: v for k, v in smtp.items() if k != "host"}}
    for attempt in range(LOGIN_TRIES):
        host = click.prompt("SMTP server (sends the follow-ups)",
                            default=answers.get("host")).strip()
        tls = click.prompt("SMTP encryption", type=click.Choice(TLS_MODES),
                           default=answers.get("tls", "implicit"))
        port = click.prompt("SMTP port", type=click.IntRange(1, 65535),
                            default=answers.get("port", SMTP_PORTS[tls]))
        try:
            wiring.check_smtp_login(host=host, port=port, tls=tls, username=login.user,
                                    password=login.password)
        except MailboxError as exc:
            _missed(exc, attempt, "the SMTP server, encryption or port")
            answers = {"host": host, "tls": tls, "port": port}
            continue
        click.echo("SMTP login works (nothing was sent).")
        return host, tls, port
    raise AssertionError("unreachable")


_RETRY_WORDS = re.compile(r"[;,]?\s*will retry\b\.?", re.IGNORECASE)


def _missed(exc: MailboxError, attempt: int, what: str) -> None:
    """Say what went wrong, as the wizard sees it (nothing retries here by itself), and
    re-raise after the last try."""
    text = _RETRY_WORDS.sub(".", str(exc)).replace("..", ".").strip()
    if attempt + 1 == LOGIN_TRIES:
        raise type(exc)(text) from None
    click.echo(f"  That did not work: {text}\n  Check {what}, and try again "
               f"({LOGIN_TRIES - attempt - 1} more tries).")


def _zone(text: str) -> str:
    try:
        ZoneInfo(text.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"{text!r} is not an IANA time zone; write it like "
                                 "Europe/Paris or America/New_York.") from None
    return text.strip()


def _settings(env: SetupEnv, current: Mapping[str, Any], address: str,
              offered: Mapping[str, str]) -> Updates:
    """The few settings only the user can give; ``offered`` (from Gmail's settings) are the
    defaults where the configuration has none."""
    sender, locale = current.get("sender", {}), current.get("locale", {})
    click.echo("\nA few settings for the follow-ups:")
    name = click.prompt("Your name, as it signs follow-ups",
                        default=sender.get("name") or offered.get("name")
                        or address.split("@")[0]).strip()
    signature = click.prompt("Signature (one line; write \\n for a line break; edit "
                             "config.toml for more)",
                             default=(sender.get("signature") or offered.get("signature")
                                      or name).replace("\n", "\\n"))
    language = click.prompt("Your language", type=click.Choice(LANGUAGES),
                            default=locale.get("language") or (
                                offered.get("language") if offered.get("language") in LANGUAGES
                                else "en"))
    zone = click.prompt("Your time zone", value_proc=_zone,
                        default=locale.get("timezone") or _zone_guess(env))
    days = click.prompt("Payment terms: days from invoice to due date, when an invoice says "
                        "none", type=click.IntRange(0, 365),
                        default=current.get("payment", {}).get("default_days", 30))
    return {"sender": {"name": name, "signature": signature.replace("\\n", "\n").strip()},
            "locale": {"language": language, "timezone": zone},
            "payment": {"default_days": days}}


def _zone_guess(env: SetupEnv) -> str:
    guess = env.environ.get("TZ", "").lstrip(":")
    try:
        return _zone(guess) if guess else "UTC"
    except click.BadParameter:
        return "UTC"
