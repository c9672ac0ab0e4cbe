"""Writing the keys ``relance setup`` owns into ``config.toml`` without clobbering the rest.

Text in, text out, through tomlkit, which keeps a TOML document's layout: a new file gets a
commented layout modelled on ``config.example.toml``; an existing file keeps every line the wizard
does not own (the user's comments, cadence, clients ...), and only the owned keys are replaced in
place, or added under their table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import tomlkit
from tomlkit.container import Container
from tomlkit.items import AoT, Item, Table
from tomlkit.toml_document import TOMLDocument

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
        "labels": "The relance/paid and relance/stop labels: not read yet, so relance asks "
                  "Google for no label scope (gmail.modify is never requested).",
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


def toml_item(value: Value) -> Item:
    """Return ``value`` as a TOML item (a string holding a line break as a multi-line one)."""
    if isinstance(value, str) and "\n" in value:
        return tomlkit.string(value, multiline=True)
    return tomlkit.item(value if isinstance(value, str | int | bool) else list(value))


def _with_comment(item: Item, comment: str | None) -> Item:
    """``item`` with ``comment`` on the line above it (tomlkit renders an item's indent before
    its key, so the comment travels with the key wherever tomlkit places it)."""
    if comment:
        item.trivia.indent = f"# {comment}\n{item.trivia.indent}"
    return item


def _insert_before_arrays(doc: TOMLDocument, name: str, table: Table) -> TOMLDocument:
    """Return ``doc`` with a new top-level table before its first ``[[...]]``, so that it does
    not follow an array of tables' last element; at the end when there is none."""
    if not any(isinstance(item, AoT) for _, item in doc.body):
        doc.add(name, table)
        return doc
    table.add(tomlkit.nl())  # a blank line before the array that follows
    rebuilt = tomlkit.document()
    rebuilt.parsing(True)  # as parsed: every item already there keeps its bytes
    for key, item in doc.body:
        if isinstance(item, AoT) and name not in rebuilt:
            rebuilt.append(name, table)
        rebuilt.append(key, item)
    rebuilt.parsing(False)
    return rebuilt


def _set(root: Container | Table, names: list[str], key: str, value: Value,
         comment: str | None) -> None:
    """Set ``key = value`` in the table ``names`` under ``root``, making the tables on the way;
    a key added (not replaced) gets ``comment`` on the line above."""
    parent: Any = root
    for name in names:
        if name not in parent:
            parent.add(name, tomlkit.table())
        parent = parent[name]
    if key in parent:
        parent[key] = toml_item(value)  # in place: its line's own comment stays
    else:
        parent.add(key, _with_comment(toml_item(value), comment))


def update_config_text(existing: str | None, updates: Updates) -> str:
    """Return the configuration text with ``updates`` written in; ``existing`` None starts a
    new, commented file. Lines the updates do not name are kept byte for byte."""
    doc = tomlkit.parse(existing if existing is not None else HEADER)
    fresh: dict[str, Table] = {}  # top-level tables the file lacks, filled before placing them
    for table, values in updates.items():
        top, *names = table.split(".")
        root: Container | Table = doc
        if top not in doc:
            root = fresh.setdefault(top, tomlkit.table())  # a header only if it holds keys
        else:
            names = [top, *names]
        for key, value in values.items():
            _set(root, names, key, value, COMMENTS.get(table, {}).get(key))
    for top, new_table in fresh.items():
        doc = _insert_before_arrays(doc, top, new_table)
    text = doc.as_string()
    return text if text.endswith("\n") else text + "\n"
