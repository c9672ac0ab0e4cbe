"""The configuration: the example file loads, defaults work without a file, and a broken file
reports every problem at once with its line, key, value and fix."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from datetime import time
from decimal import Decimal
from pathlib import Path

import pytest

from relance.daemon.core.errors import ConfigError
from relance.daemon.core.model import CadenceSettings, LateFees, PaymentTerms, Sender, SendWindow
from relance.daemon.cycle.config import (
    NO_CLIENT_SETTINGS,
    AccountSettings,
    ClientSettings,
    Config,
    DetectionSettings,
    FollowupSettings,
    GmailSection,
    ImapSection,
    ModeSettings,
    SmtpSection,
    config_path_from_env,
    data_dir,
    default_config,
    load_config,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"
ENV = {"HOME": "/home/camille"}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(path, ENV)
    assert caught.value.exit_status == 2
    assert caught.value.path == str(path)
    return caught.value.problems


# ---------------------------------------------------------------------------------------------
# The example file and the defaults


def test_example_file_loads_with_its_values() -> None:
    config = load_config(EXAMPLE, ENV)
    assert config.account.provider == "imap"
    assert config.account.imap.host == "imap.atelier-roux.fr"
    assert config.account.imap.password_file == Path("/home/camille/.config/relance/imap-password")
    assert config.language == "fr"
    assert config.timezone == "Europe/Paris"
    assert config.window.holiday_country == "FR"
    assert config.window.weekdays == (1, 2, 3)
    assert (config.window.start, config.window.end) == (time(5, 0), time(6, 0))
    assert config.late_fees.fixed == Decimal("40")
    assert config.late_fee_currency == "EUR"
    assert config.mode.send_mode == "draft_only"
    assert config.payment.methods[0].startswith("Bank transfer")
    assert config.sender.signature.splitlines()[0] == "Camille Roux"
    assert config.store_path == Path("/home/camille/.local/share/relance/relance.sqlite3")
    romanian = config.client_for("plati@tipografia-lumina.ro")
    assert (romanian.language, romanian.timezone) == ("ro", "Europe/Bucharest")


def test_every_key_in_the_example_is_known_to_the_loader(tmp_path: Path) -> None:
    # The loader reports unknown keys, so a clean load proves the first half; the second half
    # checks that the loader really would have complained, with one unknown key per table.
    load_config(EXAMPLE, ENV)
    text = EXAMPLE.read_text(encoding="utf-8")
    headers = list(dict.fromkeys(re.findall(r"^\[\[?([a-z_.]+)\]\]?$", text, re.MULTILINE)))
    for header in headers:
        text = re.sub(rf"^(\[\[?{re.escape(header)}\]\]?)$", r"\1\nnot_a_setting = 1", text,
                      count=1, flags=re.MULTILINE)
    problems = problems_of(write(tmp_path, text))
    found = [p.split(": ")[1] for p in problems]
    assert found == [f"{h.replace('clients', 'clients[1]')}.not_a_setting" for h in headers]
    assert len(headers) == 15  # every table of the example was exercised


# Settings read from another place than "<section>.<field name>".
RENAMED = {
    "language": "locale.language",
    "timezone": "locale.timezone",
    "window.holiday_country": "locale.holiday_country",
    "window.holiday_subdivision": "locale.holiday_subdivision",
    "late_fee_currency": "late_fees.currency",
    "statutory": "late_fees.statutory",
    "store_path": "store.path",
}
SECTIONS: dict[str, type] = {
    "account": AccountSettings, "account.gmail": GmailSection, "account.imap": ImapSection,
    "account.smtp": SmtpSection, "sender": Sender, "payment": PaymentTerms,
    "cadence": CadenceSettings, "window": SendWindow, "late_fees": LateFees,
    "mode": ModeSettings, "followups": FollowupSettings, "detection": DetectionSettings,
    "clients": ClientSettings,
}


def documented_keys() -> set[str]:
    def walk(value: object, prefix: str) -> set[str]:
        if isinstance(value, dict):
            return {k for key, v in value.items() for k in walk(v, f"{prefix}{key}.")} | {
                prefix.rstrip(".")}
        if isinstance(value, list) and value and isinstance(value[0], dict):
            return {k for element in value for k in walk(element, prefix)}
        return {prefix.rstrip(".")}

    return walk(tomllib.loads(EXAMPLE.read_text(encoding="utf-8")), "")


def test_every_setting_is_documented_in_the_example() -> None:
    documented = documented_keys()
    wanted = {RENAMED.get(f.name, f.name) for f in dataclasses.fields(Config)
              if f.name not in SECTIONS}
    for section, cls in SECTIONS.items():
        wanted |= {RENAMED.get(f"{section}.{f.name}", f"{section}.{f.name}")
                   for f in dataclasses.fields(cls) if f"{section}.{f.name}" not in SECTIONS}
    assert wanted - documented == set()


def test_default_config_needs_no_file() -> None:
    config = default_config({"HOME": "/home/ana", "XDG_DATA_HOME": "/srv/data"})
    assert config.account.provider == "sample"
    assert config.language == "en" and config.timezone == "UTC"
    assert config.cadence == CadenceSettings()
    assert config.store_path == Path("/srv/data/relance/relance.sqlite3")
    assert config.client_for("anyone@example.org") is NO_CLIENT_SETTINGS


def test_a_nearly_empty_file_gets_the_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "[locale]\nlanguage = \"ro\"\n"), ENV)
    assert config.language == "ro"
    assert config.account.provider == "sample"
    assert config.mode == ModeSettings(max_per_hour=10, max_per_day=40)
    assert config.followups.attach_original is True
    assert config.detection.track_keyword == "[invoice]"


def test_paths_follow_the_environment() -> None:
    assert config_path_from_env({"RELANCE_CONFIG": "/etc/r.toml", "HOME": "/h"}) == Path(
        "/etc/r.toml")
    assert config_path_from_env({"XDG_CONFIG_HOME": "/x", "HOME": "/h"}) == Path(
        "/x/relance/config.toml")
    assert config_path_from_env({"HOME": "/h"}) == Path("/h/.config/relance/config.toml")
    assert data_dir({"HOME": "/h"}) == Path("/h/.local/share/relance")


# ---------------------------------------------------------------------------------------------
# Problems, all at once


BROKEN = """\
[account]
provider = "imap"
address = "camille@atelier-roux.fr"

[account.imap]
tls = "ssl"

[locale]
language = "it"
timezone = "Europe/Bucarest"
holiday_country = "XX"

[cadence]
urgent_after = -3
urgnet_after = 7
thank_you = "yes"

[window]
weekdays = ["tue", "funday"]
start = "06:00"
end = "05:30"

[late_fees]
fixed = "forty"

[[clients]]
match = "@tipografia-lumina.ro"

[[clients]]
match = "billing@harborline.example.com"
timezone = "America/NewYork"
"""


def test_every_problem_is_reported_with_its_line(tmp_path: Path) -> None:
    problems = problems_of(write(tmp_path, BROKEN))
    expected = [
        # smtp has no table in the file: the problem points at the enclosing [account].
        ("line 1: account.smtp.host", 'Add host = "smtp.example.com" under [account.smtp]'),
        ("line 5: account.imap.host", "is missing"),  # no password_file: the keyring may have it
        ("line 6: account.imap.tls", 'tls = "ssl" is not allowed'),
        ("line 9: locale.language", 'language = "it"'),
        ("line 10: locale.timezone", 'Did you mean "Europe/Bucharest"?'),
        ("line 11: locale.holiday_country", 'holiday_country = "XX"'),
        ("line 14: cadence.urgent_after", "urgent_after = -3 is out of range"),
        ("line 15: cadence.urgnet_after", 'Did you mean "urgent_after"?'),
        ("line 16: cadence.thank_you", "Write true or false"),
        ("line 19: window.weekdays", '"funday"'),
        ("line 21: window.end", 'is not after start = "06:00"'),
        ("line 24: late_fees.fixed", 'fixed = "forty" is not a number'),
        ("line 31: clients[2].timezone", 'Did you mean "America/New_York"?'),
    ]
    assert len(problems) == len(expected), "\n".join(problems)
    for problem, (start, detail) in zip(problems, expected, strict=True):
        assert problem.startswith(start), problem
        assert detail in problem, problem


def test_smtp_is_required_only_when_sending(tmp_path: Path) -> None:
    account = ('[account]\nprovider = "imap"\naddress = "c@a.fr"\n'
               '[account.imap]\nhost = "imap.a.fr"\npassword_file = "pw"\n')
    problems = problems_of(write(tmp_path, account))
    assert len(problems) == 1 and problems[0].startswith("line 1: account.smtp.host: is missing")
    config = load_config(write(tmp_path, account + '[mode]\nsend_mode = "draft_only"\n'), ENV)
    assert config.account.imap.username == "c@a.fr"
    assert config.account.smtp.host == ""


def test_unknown_table_gets_a_suggestion(tmp_path: Path) -> None:
    problems = problems_of(write(tmp_path, "[locale]\ntimezone = \"UTC\"\n\n[cadense]\nx = 1\n"))
    assert problems == [
        'line 4: cadense: unknown setting "cadense". Check it for typos. Did you mean "cadence"?'
    ]


def test_a_setting_relance_no_longer_reads_is_reported_as_unknown(tmp_path: Path) -> None:
    # [detection] track_label was parsed but never acted on; it went rather than mislead.
    path = write(tmp_path, '[detection]\ntrack_keyword = "[invoice]"\n'
                           'track_label = "relance/track"\n')
    assert problems_of(path) == [
        'line 3: detection.track_label: unknown setting "track_label". Check it for typos. '
        "Known keys here: track_keyword, languages, authserv_id, payment_senders."
    ]


def test_syntax_error_names_its_line(tmp_path: Path) -> None:
    problems = problems_of(write(tmp_path, '[sender]\nname = "Camille"\nphone = +33 4\n'))
    assert len(problems) == 1
    assert problems[0].startswith("line 3: ")
    assert "not valid TOML" in problems[0]


def test_missing_file_says_what_to_do(tmp_path: Path) -> None:
    problems = problems_of(tmp_path / "absent.toml")
    assert "config.example.toml" in problems[0]


def test_lines_inside_multiline_values_are_not_taken_for_keys(tmp_path: Path) -> None:
    text = ('[sender]\nsignature = """\nname = not a key\n"""\n'
            '[payment]\nmethods = [\n  "IBAN = FR76",\n]\ndefault_days = 400\n')
    problems = problems_of(write(tmp_path, text))
    assert len(problems) == 1 and problems[0].startswith("line 9: payment.default_days"), problems


def test_dotted_keys_are_located(tmp_path: Path) -> None:
    problems = problems_of(write(tmp_path, '[account]\nimap.port = 0\ngmail.labels = 1\n'))
    assert [p.split(" =")[0] for p in problems] == [
        "line 2: account.imap.port: port", "line 3: account.gmail.labels: labels"]


# ---------------------------------------------------------------------------------------------
# Clients


def test_exact_address_beats_domain_and_case_does_not_matter(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, """\
[[clients]]
match = "@Lumina.example"
language = "ro"

[[clients]]
match = "Director@lumina.example"
language = "en"
"""), ENV)
    assert config.client_for("DIRECTOR@lumina.example").language == "en"
    assert config.client_for("contabilitate@LUMINA.example").language == "ro"
    assert config.client_for("someone@sub.lumina.example") is NO_CLIENT_SETTINGS
    assert config.client_for("contabilitate@lumina.example").consolidate is None


def test_client_mistakes(tmp_path: Path) -> None:
    problems = problems_of(write(tmp_path, """\
[[clients]]
name = "No match"

[[clients]]
match = "lumina.example"

[[clients]]
match = "@a.example"

[[clients]]
match = "@A.example"
language = "pt"
"""))
    assert [p.split(": ")[:2] for p in problems] == [
        ["line 1", "clients[1].match"], ["line 5", "clients[2].match"],
        ["line 11", "clients[4].match"], ["line 12", "clients[4].language"]]
    assert "listed twice" in problems[2]


# ---------------------------------------------------------------------------------------------
# One mistake at a time: the message names the value and the way out


@pytest.mark.parametrize(("text", "start", "detail"), [
    ("cadence = 3\n", "line 1: cadence", "is not a table"),
    ("[locale]\nholiday_country = \"FR\"\nholiday_subdivision = \"Lyon\"\n",
     "line 3: locale.holiday_subdivision", "is not a subdivision of FR"),
    ("[locale]\nholiday_country = \"XX\"\nholiday_subdivision = \"B\"\n",
     "line 2: locale.holiday_country", "ISO 3166"),
    ("[locale]\nholiday_subdivision = \"BY\"\n",
     "line 2: locale.holiday_subdivision", "Set holiday_country too"),
    ("[late_fees]\ncurrency = \"EURO\"\n", "line 2: late_fees.currency", "ISO 4217"),
    ("[late_fees]\nannual_interest_percent = 140\n",
     "line 2: late_fees.annual_interest_percent", "= 140 is out of range"),
    ("[window]\nstart = \"5h\"\n", "line 2: window.start", '"HH:MM"'),
    ("[window]\nweekdays = [\"tue\", \"Tuesday\"]\n", "line 2: window.weekdays", "twice"),
    ("[mode]\nmax_per_hour = 50\n", "line 2: mode.max_per_hour", "more than max_per_day = 40"),
    ("[mode]\nsend_mode = \"drafts\"\n", "line 2: mode.send_mode", 'Did you mean "draft_only"?'),
    ("[detection]\nlanguages = [\"fr\", \"it\"]\n", "line 2: detection.languages", "en, fr"),
    ("[cadence]\nfirst_notice_after = 5\nurgent_after = 4\n", "line 3: cadence.urgent_after",
     "is not after first_notice_after = 5"),
    ("[cadence]\nfurther_max = 2.5\n", "line 2: cadence.further_max", "not a whole number"),
    ("[account]\nprovider = \"gmail\"\n", "line 1: account.address", "is missing"),
    ("[account]\nimap = { port = 99999 }\n", "line 2: account.imap.port", "out of range"),
    ("[[clients]]\nmatch = \"@a.example\"\n[[clients]]\nmatch = \"@b.example\"\n"
     "consolidate = \"no\"\n", "line 5: clients[2].consolidate", "Write true or false"),
])
def test_one_mistake_one_message(tmp_path: Path, text: str, start: str, detail: str) -> None:
    problems = problems_of(write(tmp_path, text))
    assert len(problems) == 1, problems
    assert problems[0].startswith(start + ":"), problems[0]
    assert detail in problems[0], problems[0]


def test_values_in_their_accepted_forms(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, """\
[locale]
holiday_country = "ro"
holiday_subdivision = ""

[window]
weekdays = ["Wednesday", "mon"]
start = 04:40:00
end = "05:20"

[late_fees]
fixed = 40
annual_interest_percent = 10.5

[followups]
templates_dir = "my-templates"

[store]
path = "~/relance/db.sqlite3"
"""), ENV)
    assert config.window.holiday_country == "RO"
    assert config.window.holiday_subdivision is None
    assert config.window.weekdays == (2, 0)
    assert (config.window.start, config.window.end) == (time(4, 40), time(5, 20))
    assert config.late_fees == LateFees(fixed=Decimal("40"),
                                        annual_interest_percent=Decimal("10.5"))
    assert config.followups.templates_dir == tmp_path / "my-templates"
    assert config.store_path == Path("/home/camille/relance/db.sqlite3")


def test_imap_ports_follow_the_tls_mode(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, """\
[account]
provider = "imap"
address = "Camille@Atelier-Roux.fr"
[account.imap]
host = "127.0.0.1"
tls = "starttls"
password_file = "/run/secrets/imap"
[account.smtp]
host = "127.0.0.1"
tls = "starttls"
"""), ENV)
    account = config.account
    assert account.address == "camille@atelier-roux.fr"
    assert (account.imap.port, account.smtp.port) == (143, 587)
    assert account.smtp.username == "camille@atelier-roux.fr"
    assert account.smtp.password_file == Path("/run/secrets/imap")


@pytest.mark.parametrize("written, grace", [
    ('"09:30"', time(9, 30)), ('"off"', None), ("false", None), ('""', None)])
def test_the_missed_slot_grace_is_a_time_of_day_or_off(tmp_path: Path, written, grace) -> None:
    config = load_config(write(tmp_path, f"[window]\nmissed_until = {written}\n"), ENV)
    assert config.window.missed_until == grace
    assert load_config(write(tmp_path, ""), ENV).window.missed_until == time(10, 0)


def test_a_wrong_missed_slot_grace_is_reported_with_the_fix(tmp_path: Path) -> None:
    (problem,) = problems_of(write(tmp_path, '[window]\nmissed_until = "ten"\n'))
    assert "missed_until" in problem and '"HH:MM"' in problem
    (problem,) = problems_of(write(tmp_path, "[mode]\nmax_per_client_per_day = 0\n"))
    assert "max_per_client_per_day" in problem
