"""The store's file: opening the SQLite database at a path (created readable by the user alone,
migrated), or copying it into memory for a dry run that must leave it untouched.

Both return a connection ready for :class:`.store.Store`, or raise ``StoreError`` with the
file, the cause and what to do.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from ..core.errors import StoreError
from .schema import prepare


def _private(path: Path) -> None:
    """Create the database file readable by the user alone, like the secrets beside it, before
    SQLite opens it: SQLite gives its ``-wal`` and ``-shm`` files the database file's mode.
    An existing file open to others is narrowed to the user, with its WAL files."""
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for name in (path.name, path.name + "-wal", path.name + "-shm"):
        found = path.with_name(name)
        if found.exists() and found.stat().st_mode & 0o077:
            found.chmod(0o600)


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating it if needed) and migrate the database at ``path``.

    Raises ``StoreError`` for a file that is not a relance database, a damaged one, or one
    written by a newer relance; the file is never modified in those cases."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _private(path)
        db = sqlite3.connect(path, timeout=30, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(f"cannot open the database {path}: {exc}. Check that the folder "
                         "exists and is writable, or set [store] path.") from exc
    return _prepared(db, path)


def memory_copy(path: Path) -> sqlite3.Connection:
    """A throwaway copy in memory of the database at ``path`` (an empty store when there is no
    file yet), for a dry run: whatever is written goes to the copy, never to the file, so a
    dry run may run beside the daemon.

    The file is opened read-only; while another process has it open (its WAL beside it)
    SQLite's shared memory keeps the copy consistent, otherwise it is read as immutable, which
    creates no ``-wal`` or ``-shm`` file next to it."""
    wal = path.with_name(path.name + "-wal")
    mode = "mode=ro" if wal.exists() else "immutable=1"
    copy = sqlite3.connect(":memory:", isolation_level=None)
    try:
        if path.exists():
            source = sqlite3.connect(f"{path.resolve().as_uri()}?{mode}", uri=True, timeout=30)
            with source:
                source.backup(copy)
            source.close()
    except sqlite3.Error as exc:
        copy.close()
        raise StoreError(f"cannot read the database {path}: {exc}. Check that it is readable, "
                         "or set [store] path.") from exc
    return _prepared(copy, path)


def _prepared(db: sqlite3.Connection, path: Path) -> sqlite3.Connection:
    db.row_factory = sqlite3.Row
    try:
        prepare(db, path)
    except sqlite3.DatabaseError as exc:
        db.close()
        raise StoreError(f"{path} is not a relance database or is damaged ({exc}). relance "
                         "left it untouched: move it aside to start a new one, or restore it "
                         "from a backup.") from exc
    except StoreError:
        db.close()
        raise
    return db
