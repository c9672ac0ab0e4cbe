"""The user's configuration: one TOML file read once, at start, into frozen dataclasses.

``load_config(path)`` checks the whole file and raises one :class:`ConfigError` that lists every
problem with its line, key path, value and fix (unknown keys included, with "did you mean").
``default_config()`` is what relance uses with no file at all (the sample mailbox).
Every setting is documented in ``config.example.toml`` at the top of the repository; a test keeps
the two in step.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import time
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.numbers import list_currencies

from ..core.errors import ConfigError
from ..core.interest import Law
from ..core.model import CadenceSettings, LateFees, PaymentTerms, Sender, SendWindow
from .configaccount import (
    ADDRESS,
    IMAP_PORTS,
    PROVIDERS,
    SMTP_PORTS,
    TLS_MODES,
    AccountSettings,
    GmailSection,
    ImapSection,
    SmtpSection,
    read_account,
)
from .configcheck import Checker, Section, field_names
from .configfees import STATUTORY_KEYS, client_statutory, read_statutory
from .configlines import LineLocator, syntax_error_line

__all__ = [
    "IMAP_PORTS", "LANGUAGES", "NO_CLIENT_SETTINGS", "PROVIDERS", "SEND_MODES", "SMTP_PORTS",
    "TLS_MODES", "AccountSettings", "ClientSettings", "Config", "DetectionSettings",
    "FollowupSettings", "GmailSection", "ImapSection", "ModeSettings", "SmtpSection",
    "config_dir", "config_path_from_env", "data_dir", "default_config", "load_config",
]

LANGUAGES = ("en", "fr", "ro", "de", "es")
SEND_MODES = ("send", "draft_only")

_DOMAIN = re.compile(r"@[^@\s]+")


# ---------------------------------------------------------------------------------------------
# Where things live


def _env(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def _home(environ: Mapping[str, str]) -> Path:
    return Path(environ["HOME"]) if environ.get("HOME") else Path.home()


def _expand(path: str, environ: Mapping[str, str]) -> Path:
    """``path`` with a leading "~" meaning the home directory of ``environ``."""
    if path == "~" or path.startswith("~/"):
        return _home(environ) / path[2:]
    return Path(path)


def config_path_from_env(environ: Mapping[str, str] | None = None) -> Path:
    """The config file: ``$RELANCE_CONFIG``, else ``$XDG_CONFIG_HOME/relance/config.toml``,
    else ``~/.config/relance/config.toml`` (XDG Base Directory Specification)."""
    env = _env(environ)
    if env.get("RELANCE_CONFIG"):
        return _expand(env["RELANCE_CONFIG"], env)
    return config_dir(env) / "config.toml"


def config_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CONFIG_HOME/relance``, else ``~/.config/relance``."""
    env = _env(environ)
    base = env.get("XDG_CONFIG_HOME") or str(_home(env) / ".config")
    return _expand(base, env) / "relance"


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where the database and tokens live: ``$XDG_DATA_HOME/relance``, else
    ``~/.local/share/relance``."""
    env = _env(environ)
    base = env.get("XDG_DATA_HOME") or str(_home(env) / ".local" / "share")
    return _expand(base, env) / "relance"


# ---------------------------------------------------------------------------------------------
# The settings


@dataclass(frozen=True)
class ModeSettings:
    """``[mode]``: how far relance may act on its own."""

    dry_run: bool = False  # plan and print, touch nothing in the mailbox
    send_mode: str = "send"  # "send": drafts go out at their slot; "draft_only": the user sends
    max_per_hour: int = 10
    max_per_day: int = 40
    max_per_client_per_day: int = 1  # follow-ups to one client address in one of its days


@dataclass(frozen=True)
class FollowupSettings:
    attach_original: bool = True  # re-attach the invoice's file to each follow-up
    templates_dir: Path | None = None  # the user's own templates; None = the built-in ones


@dataclass(frozen=True)
class DetectionSettings:
    track_keyword: str = "[invoice]"  # a sent subject with it is an invoice, whatever else
    languages: tuple[str, ...] = LANGUAGES  # languages whose invoice words are looked for
    # Whose Authentication-Results vouch for a payment notice's sender (core/authres.py);
    # () = the topmost one. Domains besides the processors' that may send one (banks).
    authserv_id: tuple[str, ...] = ()
    payment_senders: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClientSettings:
    """Per-client overrides. ``match`` is an address or "@domain"; None means "use the
    general setting"."""

    match: str
    name: str = ""
    language: str | None = None
    timezone: str | None = None
    consolidate: bool | None = None
    business: bool = True  # statutory late-payment interest is owed between businesses only
    statutory: str | None = None  # this client's law ("" none); None: [late_fees] statutory
    currency: str | None = None  # of totals printed without one; None: [payment] currency


NO_CLIENT_SETTINGS = ClientSettings(match="")


@dataclass(frozen=True)
class Config:
    """Everything relance was told; built by :func:`load_config` or :func:`default_config`."""

    account: AccountSettings
    store_path: Path
    sender: Sender = Sender()
    payment: PaymentTerms = PaymentTerms()
    language: str = "en"
    timezone: str = "UTC"
    cadence: CadenceSettings = CadenceSettings()
    window: SendWindow = SendWindow()
    late_fees: LateFees = LateFees()
    late_fee_currency: str | None = None  # currency of late_fees.fixed; None = the invoice's
    statutory: Law | None = None  # the late-payment law follow-ups state ([late_fees] statutory)
    mode: ModeSettings = ModeSettings()
    followups: FollowupSettings = FollowupSettings()
    detection: DetectionSettings = DetectionSettings()
    clients: tuple[ClientSettings, ...] = field(default_factory=tuple)

    @property
    def zone(self) -> ZoneInfo:
        """The user's own time zone."""
        return ZoneInfo(self.timezone)

    def currency_for(self, address: str) -> str | None:
        """The currency of totals an invoice to ``address`` prints without any."""
        return self.client_for(address).currency or self.payment.currency

    def client_for(self, address: str) -> ClientSettings:
        """The overrides for ``address``: an exact address entry beats an "@domain" entry;
        case-insensitive. ``NO_CLIENT_SETTINGS`` when no entry matches."""
        wanted = address.strip().lower()
        domain = "@" + wanted.rpartition("@")[2]
        for client in self.clients:
            if client.match.lower() == wanted:
                return client
        for client in self.clients:
            if client.match.lower() == domain:
                return client
        return NO_CLIENT_SETTINGS


def default_config(environ: Mapping[str, str] | None = None) -> Config:
    """What relance uses with no configuration file: the built-in sample mailbox, English,
    UTC, the default cadence and window, and the database in :func:`data_dir`."""
    return Config(account=_default_account(environ), store_path=_default_store(environ))


def _default_account(environ: Mapping[str, str] | None) -> AccountSettings:
    gmail = GmailSection(
        token_file=data_dir(environ) / "gmail-token.json",
        client_secrets_file=config_dir(environ) / "client_secret.json",
    )
    return AccountSettings(provider="sample", address="", gmail=gmail)


def _default_store(environ: Mapping[str, str] | None) -> Path:
    return data_dir(environ) / "relance.sqlite3"


# ---------------------------------------------------------------------------------------------
# Loading


_TOP = ("account", "sender", "payment", "locale", "cadence", "window", "late_fees", "mode",
        "followups", "detection", "clients", "store")


def load_config(path: Path, environ: Mapping[str, str] | None = None) -> Config:
    """Read and check ``path``; the :class:`Config` it describes, or :class:`ConfigError`
    listing every problem found (exit status 2)."""
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), [
            "the file does not exist. Copy config.example.toml there and edit it, or point "
            "RELANCE_CONFIG at your file."]) from None
    except (OSError, UnicodeDecodeError) as error:
        problem = f"cannot be read ({error}). Check its permissions and save it as UTF-8 text."
        raise ConfigError(str(path), [problem]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = getattr(error, "lineno", None) or syntax_error_line(str(error))
        where = f"line {line}: " if line else ""
        problem = (f"{where}not valid TOML ({error}). Fix that line: text values need "
                   'double quotes, like name = "Camille", and each key needs an "=".')
        raise ConfigError(str(path), [problem]) from None
    checker = Checker(LineLocator(text), _home(_env(environ)), path.parent)
    config = _build(Section(checker, "", data, _TOP), environ)
    if checker.problems:
        raise ConfigError(str(path), checker.sorted_problems())
    return config


def _build(top: Section, environ: Mapping[str, str] | None) -> Config:
    mode = _mode(top.sub("mode", field_names(ModeSettings)))
    locale = top.sub("locale", ("language", "timezone", "holiday_country", "holiday_subdivision"))
    language = locale.choice("language", "en", LANGUAGES)
    country = locale.holiday_country("holiday_country")
    subdivision = locale.holiday_subdivision("holiday_subdivision", country)
    fees = top.sub("late_fees", ("fixed", "annual_interest_percent", "currency",
                                 *STATUTORY_KEYS))
    store = top.sub("store", ("path",))
    return Config(
        account=read_account(top.sub("account", field_names(AccountSettings)),
                             default_gmail=_default_account(environ).gmail,
                             sends=mode.send_mode == "send"),
        store_path=store.path_value("path", _default_store(environ)),
        sender=_sender(top.sub("sender", field_names(Sender))),
        payment=_payment(top.sub("payment", field_names(PaymentTerms))),
        language=language,
        timezone=locale.zone("timezone", "UTC"),
        cadence=_cadence(top.sub("cadence", field_names(CadenceSettings))),
        window=_window(top.sub("window", ("weekdays", "start", "end", "any_business_day_after",
                                          "missed_until")),
                       country, subdivision),
        late_fees=LateFees(fixed=fees.decimal("fixed", Decimal(0), Decimal(10_000)),
                           annual_interest_percent=fees.decimal(
                               "annual_interest_percent", Decimal(0), Decimal(100))),
        late_fee_currency=_currency(fees, "currency"),
        statutory=read_statutory(fees),
        mode=mode,
        followups=_followups(top.sub("followups", field_names(FollowupSettings))),
        detection=_detection(top.sub("detection", field_names(DetectionSettings))),
        clients=_clients(top.tables("clients", field_names(ClientSettings))),
    )


def _sender(section: Section) -> Sender:
    return Sender(**{name: section.string(name, "") for name in field_names(Sender)})


def _payment(section: Section) -> PaymentTerms:
    return PaymentTerms(default_days=section.integer("default_days", 30, 0, 365, " days"),
                        methods=section.strings("methods", ()),
                        currency=_currency(section, "currency"))


def _cadence(section: Section) -> CadenceSettings:
    defaults = CadenceSettings()
    values: dict[str, object] = {}
    for f in fields(CadenceSettings):
        default = getattr(defaults, f.name)
        if isinstance(default, bool):
            values[f.name] = section.boolean(f.name, default)
        else:
            low = 1 if f.name == "further_every" else 0
            values[f.name] = section.integer(f.name, int(default), low, 250, " business days")
    cadence = CadenceSettings(**values)  # type: ignore[arg-type]
    if section.has("urgent_after") and cadence.urgent_after <= cadence.first_notice_after:
        section.bad("urgent_after", f"is not after first_notice_after = "
                    f"{cadence.first_notice_after}",
                    "The urgent notice comes later than the first notice; raise it.")
    return cadence


def _window(section: Section, country: str | None, subdivision: str | None) -> SendWindow:
    default = SendWindow()
    start = section.clock("start", default.start)
    end = section.clock("end", default.end)
    if start >= end:
        section.bad("end", f"is not after start = \"{start:%H:%M}\"",
                    "The window must end later the same day; e.g. start \"05:00\", end \"06:00\".")
        start, end = default.start, default.end
    return SendWindow(
        weekdays=section.weekdays("weekdays", default.weekdays),
        start=start, end=end,
        holiday_country=country, holiday_subdivision=subdivision,
        any_business_day_after=section.integer("any_business_day_after",
                                               default.any_business_day_after, 0, 60, " days"),
        missed_until=_missed_until(section, default.missed_until),
    )


def _missed_until(section: Section, default: time | None) -> time | None:
    """``missed_until``: "HH:MM", or "off" (also false or "") for no grace after a missed slot."""
    value = section.data.get("missed_until", default)
    if value is False or (isinstance(value, str) and value.strip().lower() in ("", "off")):
        return None
    return section.clock("missed_until", default or time(10, 0))


def _currency(section: Section, name: str) -> str | None:
    value = section.optional_string(name)
    if value is not None and value.upper() not in list_currencies():
        section.bad(name, "is not an ISO 4217 currency code", 'Use a code such as "EUR".')
        return None
    return value.upper() if value else None


def _mode(section: Section) -> ModeSettings:
    mode = ModeSettings(
        dry_run=section.boolean("dry_run", False),
        send_mode=section.choice("send_mode", "send", SEND_MODES),
        max_per_hour=section.integer("max_per_hour", 10, 1, 1000),
        max_per_day=section.integer("max_per_day", 40, 1, 10_000),
        max_per_client_per_day=section.integer("max_per_client_per_day", 1, 1, 100),
    )
    if mode.max_per_hour > mode.max_per_day:
        section.bad("max_per_hour", f"is more than max_per_day = {mode.max_per_day}",
                    "Lower max_per_hour or raise max_per_day.")
    return mode


def _followups(section: Section) -> FollowupSettings:
    return FollowupSettings(attach_original=section.boolean("attach_original", True),
                            templates_dir=section.path_value("templates_dir", None))


def _detection(section: Section) -> DetectionSettings:
    languages = section.strings("languages", LANGUAGES)
    unknown = [lang for lang in languages if lang not in LANGUAGES]
    if unknown or not languages:
        section.bad("languages", "names a language relance cannot read" if unknown else
                    "is empty", f"Choose among {', '.join(LANGUAGES)}.")
        languages = LANGUAGES
    return DetectionSettings(track_keyword=section.string("track_keyword", "[invoice]"),
                             languages=languages,
                             authserv_id=section.strings("authserv_id", ()),
                             payment_senders=section.strings("payment_senders", ()))


def _clients(sections: list[Section]) -> tuple[ClientSettings, ...]:
    clients: list[ClientSettings] = []
    seen: set[str] = set()
    for section in sections:
        match = section.string("match", "").strip().lower()
        if not match:
            section.missing("match", "each client needs the address or @domain it is for",
                            'match = "accounts@client.example"')
        elif not (ADDRESS.fullmatch(match) or _DOMAIN.fullmatch(match)):
            section.bad("match", "is neither an address nor an @domain",
                        'Write "name@client.example" or "@client.example".')
        elif match in seen:
            section.bad("match", "is listed twice", "Keep one [[clients]] entry per match.")
        seen.add(match)
        # An override that is wrong is reported and then ignored, hence ``or None``.
        language = section.choice("language", "", LANGUAGES) or None if section.has(
            "language") else None
        zone = section.zone("timezone", "") or None if section.has("timezone") else None
        consolidate = section.boolean("consolidate", True) if section.has("consolidate") else None
        clients.append(ClientSettings(match=match, name=section.string("name", ""),
                                      language=language, timezone=zone, consolidate=consolidate,
                                      business=section.boolean("business", True),
                                      statutory=client_statutory(section),
                                      currency=_currency(section, "currency")))
    return tuple(clients)
