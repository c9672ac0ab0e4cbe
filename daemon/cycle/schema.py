"""The store's schema: its tables, the migrations that build them, and the checks made when a
database is opened.

The schema is versioned (``PRAGMA user_version``); each migration runs once, in a transaction.
A database made by a newer relance, or a file that is not a relance database, is refused with a
clear error and left as it is: relance never resets a store silently.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

from ..core.errors import StoreError
from ..core.threads import subject_keys

_MIGRATIONS: tuple[str, ...] = (
    # 1: the first schema
    """
    CREATE TABLE invoices (
        key TEXT PRIMARY KEY,
        number TEXT NOT NULL,
        amount TEXT,
        currency TEXT,
        issue_date TEXT NOT NULL,
        due_date TEXT NOT NULL,
        due_source TEXT NOT NULL,
        sender TEXT NOT NULL,
        sender_name TEXT NOT NULL DEFAULT '',
        recipients TEXT NOT NULL,
        cc TEXT NOT NULL,
        subject TEXT NOT NULL,
        language TEXT NOT NULL,
        attachment TEXT,
        thread_id TEXT,
        mail_ref TEXT NOT NULL DEFAULT '',
        sent_at TEXT NOT NULL,
        tracked INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE messages (
        message_id TEXT PRIMARY KEY,
        folder TEXT NOT NULL,
        mail_ref TEXT NOT NULL,
        thread_id TEXT,
        invoice_key TEXT REFERENCES invoices(key),
        kind TEXT NOT NULL,
        sender TEXT NOT NULL DEFAULT '',
        subject TEXT NOT NULL DEFAULT '',
        date TEXT,
        refs TEXT NOT NULL DEFAULT '[]',
        summary TEXT NOT NULL DEFAULT '{}',
        seen_at TEXT NOT NULL
    );
    CREATE INDEX messages_by_invoice ON messages(invoice_key, date);
    CREATE INDEX messages_by_sender ON messages(sender);
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        invoice_key TEXT NOT NULL REFERENCES invoices(key),
        kind TEXT NOT NULL,
        at TEXT NOT NULL,
        until TEXT,
        intent TEXT,
        stage TEXT NOT NULL DEFAULT '',
        message_id TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT '',
        UNIQUE (invoice_key, kind, stage, message_id, at)
    );
    CREATE INDEX events_by_invoice ON events(invoice_key, at);
    CREATE TABLE followups (
        invoice_key TEXT NOT NULL REFERENCES invoices(key),
        stage TEXT NOT NULL,
        kind TEXT NOT NULL,
        message_id TEXT NOT NULL,
        state TEXT NOT NULL,
        slot TEXT NOT NULL,
        draft_id TEXT NOT NULL DEFAULT '',
        primary_key TEXT NOT NULL,
        covers TEXT NOT NULL DEFAULT '[]',
        note TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL,
        PRIMARY KEY (invoice_key, stage)
    );
    CREATE INDEX followups_by_message ON followups(message_id);
    CREATE TABLE cursors (
        account TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 2: an index under every query the cycle runs (issue 14), so that reading one kind of
    # event, the drafted follow-ups or one sender's messages costs what it finds, not the
    # store's whole history; tests/cycle/test_query_plans.py checks the plans.
    """
    CREATE INDEX invoices_by_sent ON invoices(sent_at, key);
    CREATE INDEX invoices_by_number ON invoices(lower(number));
    CREATE INDEX events_by_time ON events(at, id);
    CREATE INDEX events_by_kind ON events(kind, at, id);
    CREATE INDEX followups_by_state ON followups(state, slot, invoice_key);
    CREATE INDEX followups_by_slot ON followups(slot, invoice_key);
    CREATE INDEX messages_by_kind ON messages(kind, date);
    CREATE INDEX messages_by_sender_folder ON messages(sender, folder, date);
    CREATE INDEX messages_by_sender_kind ON messages(sender, kind, date);
    CREATE INDEX messages_in_threads ON messages(invoice_key, message_id, thread_id)
        WHERE invoice_key IS NOT NULL;
    CREATE INDEX messages_by_thread ON messages(invoice_key, date, seen_at);
    DROP INDEX messages_by_sender;
    DROP INDEX messages_by_invoice;
    """,
    # 3: planning client by client (issue 14, ``plans.py``): each invoice's client (its first
    # To address) in a column of its own, to read one client's invoices by an index, and the
    # last plan of each client, so that a new cycle decides again only where something changed;
    # and a version of the follow-ups that every write to them moves on, whichever process
    # writes (triggers), so that a cycle can tell at once that nothing about them changed.
    """
    ALTER TABLE invoices ADD COLUMN client TEXT NOT NULL DEFAULT '';
    UPDATE invoices SET client = coalesce(json_extract(recipients, '$[0]'), '');
    CREATE INDEX invoices_by_client ON invoices(client, sent_at, key);
    CREATE TABLE plans (client TEXT PRIMARY KEY, body TEXT NOT NULL);
    CREATE TABLE versions (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    INSERT INTO versions VALUES ('followups', 0);
    CREATE TRIGGER followups_added AFTER INSERT ON followups BEGIN
        UPDATE versions SET value = value + 1 WHERE name = 'followups'; END;
    CREATE TRIGGER followups_changed AFTER UPDATE ON followups BEGIN
        UPDATE versions SET value = value + 1 WHERE name = 'followups'; END;
    CREATE TRIGGER followups_removed AFTER DELETE ON followups BEGIN
        UPDATE versions SET value = value + 1 WHERE name = 'followups'; END;
    """,
    # 4: what a received message is matched by, asked of indexes rather than of a copy of the
    # whole store kept in memory (issue 14: under 150 MB at 50,000 invoices): the invoices
    # under each normalised subject and recipient (``threads.subject_keys``, a normalisation
    # SQL cannot make: filled by ``_index_subjects``), those of a mailbox thread id, and those
    # of an amount (the stored text read as a number, so that 100 finds 100.00). And a count
    # of the events ever deleted (relance deletes none: a store edited by hand), which a plan
    # reads at once where counting the events would read them all. And each follow-up row
    # stamped with the version its last write moved the follow-ups to, so that a reader that
    # knew them at one version reads only the rows written since (``drafted.py``); a deleted
    # row cannot be read so, and is counted instead.
    """
    INSERT INTO versions VALUES ('events_removed', 0);
    CREATE TRIGGER events_removed AFTER DELETE ON events BEGIN
        UPDATE versions SET value = value + 1 WHERE name = 'events_removed'; END;
    ALTER TABLE followups ADD COLUMN changed INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX followups_by_change ON followups(changed);
    INSERT INTO versions VALUES ('followups_removed', 0);
    DROP TRIGGER followups_added;
    DROP TRIGGER followups_changed;
    DROP TRIGGER followups_removed;
    CREATE TRIGGER followups_added AFTER INSERT ON followups BEGIN
        UPDATE versions SET value = value + 1 WHERE name = 'followups';
        UPDATE followups SET changed = (SELECT value FROM versions WHERE name = 'followups')
            WHERE rowid = NEW.rowid; END;
    CREATE TRIGGER followups_changed AFTER UPDATE OF invoice_key, stage, kind, message_id,
            state, slot, draft_id, primary_key, covers, note, updated_at ON followups BEGIN
        UPDATE versions SET value = value + 1 WHERE name = 'followups';
        UPDATE followups SET changed = (SELECT value FROM versions WHERE name = 'followups')
            WHERE rowid = NEW.rowid; END;
    CREATE TRIGGER followups_removed AFTER DELETE ON followups BEGIN
        UPDATE versions SET value = value + 1 WHERE name IN ('followups', 'followups_removed');
        END;
    CREATE TABLE invoice_subjects (
        subject TEXT NOT NULL,
        address TEXT NOT NULL,
        invoice_key TEXT NOT NULL REFERENCES invoices(key),
        PRIMARY KEY (subject, address, invoice_key)
    ) WITHOUT ROWID;
    CREATE INDEX invoices_by_thread ON invoices(thread_id) WHERE thread_id IS NOT NULL;
    CREATE INDEX invoices_by_amount ON invoices(currency, CAST(amount AS REAL));
    """,
)

SCHEMA_VERSION = len(_MIGRATIONS)


def _index_subjects(db: sqlite3.Connection) -> None:
    """Fill ``invoice_subjects`` for the invoices already stored (migration 4)."""
    for key, subject, recipients, cc in db.execute(
            "SELECT key, subject, recipients, cc FROM invoices"):
        to = json.loads(recipients)
        addresses = [*to, *(a for a in json.loads(cc) if a not in to)]  # Invoice.all_recipients
        db.executemany("INSERT OR IGNORE INTO invoice_subjects VALUES (?, ?, ?)",
                       [(s, a, key) for s, a in subject_keys(subject, addresses)])


# the steps a migration takes in Python, after its SQL, in the same transaction (by number,
# counted from 0)
_AFTER: dict[int, Callable[[sqlite3.Connection], None]] = {3: _index_subjects}


def prepare(db: sqlite3.Connection, path: Path) -> None:
    """Check that ``db`` (at ``path``) is a relance database this relance can read, set the
    connection's pragmas (WAL, foreign keys, full sync) and run the migrations it lacks.

    Raises ``StoreError`` for another program's database or a newer relance's, and
    ``sqlite3.DatabaseError`` for a damaged file; nothing is written in those cases."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(f"{path} was written by a newer relance (schema {version}, this "
                         f"one knows {SCHEMA_VERSION}). Upgrade relance; the file is untouched.")
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
    if version == 0 and tables:
        raise StoreError(f"{path} is an SQLite database, but not relance's. relance left "
                         "it untouched: point [store] path at another file.")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA busy_timeout=30000")
    db.execute("PRAGMA synchronous=FULL")
    for number in range(version, SCHEMA_VERSION):
        _migrate(db, number)
    check = db.execute("PRAGMA quick_check").fetchone()[0]
    if check != "ok":
        raise sqlite3.DatabaseError(check)


def _migrate(db: sqlite3.Connection, number: int) -> None:
    """Run migration ``number`` (counted from 0) and record the new version, all or nothing."""
    db.execute("BEGIN IMMEDIATE")
    try:
        for statement in _statements(_MIGRATIONS[number]):
            db.execute(statement)
        if number in _AFTER:
            _AFTER[number](db)
        db.execute(f"PRAGMA user_version={number + 1}")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _statements(script: str) -> list[str]:
    """The statements of ``script``, one each (a trigger's body keeps its own semicolons:
    pieces are joined until SQLite calls the statement complete)."""
    found, pending = [], ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                found.append(pending)
            pending = ""
    return found
