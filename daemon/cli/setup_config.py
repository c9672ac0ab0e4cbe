"""Writing the keys ``relance setup`` owns into ``config.toml`` without clobbering the rest.

Pure text in, text out: a new file gets a commented layout modelled on ``config.example.toml``;
an existing file keeps every line the wizard does not own (the user's comments, cadence, clients
...), and only the owned keys are replaced in place, or added under their table (TOML v1.0.0
§ "Table": a table runs from its header to the next header).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

Value = str | int | bool | Sequence[str]
Updates = Mapping[str, Mapping[str, Value]]  # table name -> key -> value

HEADER = """\
# relance configuration, written by `relance setup`.
#
# Running `relance setup` again changes only the keys it asks about; everything else here
# (your comments, [cadence], [window], [[clients]] ...) is kept as you left it. Every other
# setting is described, with its default, in config.example.toml.
"""

# The comment written above each key the first time it is added, by table.
COMMENTS: dict[str, dict[str, str]] = {
    "account": {
        "provider": 'Which mailbox relance watches: "gmail" (Gmail API) or "imap" (IMAP + SMTP).',
        "address": "Your own address, the one your invoices go out from.",
    },
    "account.gmail": {
        "token_file": "The OAuth token `relance setup` stored; readable by you alone (mode 600).",
        "client_secrets_file": "The OAuth client file downloaded from the Google Cloud console.",
        "labels": "Honour the Gmail labels relance/paid and relance/stop on a thread.",
    },
    "account.imap": {
        "host": "The IMAP server's name.",
        "tls": '"implicit" (TLS from the start), "starttls" or "none" (local server only).',
        "port": "The IMAP port.",
        "username": "The login name.",
        "password_file": "A file holding only the app password; readable by you alone.",
    },
    "account.smtp": {
        "host": "The SMTP server that sends the follow-ups.",
        "tls": '"implicit", "starttls" or "none".',
        "port": "The submission port.",
        "username": "The login name.",
        "password_file": "The file holding the SMTP password.",
    },
    "sender": {
        "name": "How follow-ups are signed.",
        "signature": "The closing lines under every follow-up.",
    },
    "payment": {
        "default_days": "Days from the invoice date to the due date when the invoice states none.",
    },
    "locale": {
        "language": 'Your language: "en", "fr", "ro", "de" or "es".',
        "timezone": "Your IANA time zone, for clients whose zone is not known.",
    },
}

_TABLE = re.compile(r"^\s*\[\[?\s*([^\[\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=\s*(.*)$")


def toml_value(value: Value) -> str:
    """Return ``value`` written as TOML (strings as basic strings, multi-line when they hold a
    line break; TOML's escapes are JSON's for the characters we meet)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        if "\n" in value:
            body = value.replace("\\", "\\\\").replace('"""', '""\\"')
            return f'"""\n{body}"""'
        return json.dumps(value, ensure_ascii=False)
    return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in value) + "]"


def _value_end(lines: list[str], start: int) -> int:
    """Return the index after the last line of the value that begins on line ``start``
    (a multi-line string or array spans several)."""
    rest = _KEY.match(lines[start]).group(2).strip()  # type: ignore[union-attr]
    for quote in ('"""', "'''"):
        if rest.startswith(quote) and rest.count(quote) < 2:
            for i in range(start + 1, len(lines)):
                if quote in lines[i]:
                    return i + 1
    if rest.startswith("[") and "]" not in rest.split("#")[0]:
        for i in range(start + 1, len(lines)):
            if "]" in lines[i].split("#")[0]:
                return i + 1
    return start + 1


def _tables(lines: list[str]) -> dict[str, tuple[int, int]]:
    """Return each plain table's ``(header line, end line)``; the first ``[[...]]`` of a name
    is skipped (the wizard owns no array tables)."""
    found: dict[str, tuple[int, int]] = {}
    current, begin = "", 0
    for i, line in enumerate(lines):
        match = _TABLE.match(line)
        if match and not line.lstrip().startswith("[["):
            if current:
                found.setdefault(current, (begin, i))
            current, begin = match.group(1), i
        elif match:
            if current:
                found.setdefault(current, (begin, i))
            current = ""
    if current:
        found.setdefault(current, (begin, len(lines)))
    return found


def _set_in_table(lines: list[str], table: str, key: str, value: Value) -> list[str]:
    new = [f"{key} = {line}" for line in toml_value(value).split("\n")[:1]]
    new += toml_value(value).split("\n")[1:]
    comment = COMMENTS.get(table, {}).get(key)
    span = _tables(lines).get(table)
    if span is None:
        block = [f"[{table}]"] + ([f"# {comment}"] if comment else []) + new
        at = _insertion_point(lines)
        if at < len(lines):
            return lines[:at] + block + [""] + lines[at:]
        return lines + [""] + block
    begin, end = span
    for i in range(begin + 1, end):
        match = _KEY.match(lines[i])
        if match and match.group(1) == key:
            return lines[:i] + new + lines[_value_end(lines, i):]
    at = end
    while at - 1 > begin and not lines[at - 1].strip():
        at -= 1  # keep the blank line before the next table
    return lines[:at] + ([f"# {comment}"] if comment else []) + new + lines[at:]


def _insertion_point(lines: list[str]) -> int:
    """A new table goes before the first ``[[...]]`` (so it does not end up inside an array
    of tables' last element), else at the end."""
    for i, line in enumerate(lines):
        if line.lstrip().startswith("[["):
            return i
    return len(lines)


def update_config_text(existing: str | None, updates: Updates) -> str:
    """Return the configuration text with ``updates`` written in; ``existing`` None starts a
    new, commented file. Lines the updates do not name are kept byte for byte."""
    lines = (existing if existing is not None else HEADER).split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for table, values in updates.items():
        for key, value in values.items():
            lines = _set_in_table(lines, table, key, value)
    return "\n".join(lines) + "\n"
