"""The Gmail plugin's own marks of what it drafted and sent, so that exactly-once never has to
trust Gmail's search.

Gmail's search (``q=rfc822msgid:...``) makes no freshness promise: mail sent a moment ago may
be missing from it for seconds to hours while ``messages.get`` by id and ``history.list``
already see it (GMAIL-FACTS.md, "search freshness"). So before ``drafts.send`` the plugin
notes the account's ``historyId`` against the follow-up's Message-ID, and after it the id and
threadId Gmail answered with; after ``drafts.create``, the draft's id. A process killed in
between finds on restart either the answer itself or a history id from which
``history.list`` (labelId SENT, messageAdded) shows whether the send was carried out.

The marks live in a small JSON file beside the OAuth token (written whole to a temporary file,
flushed and renamed over the old one, so a crash leaves the old marks or the new, never half),
or only in memory when no file is given (tests that build the mailbox from credentials).
Pure of Google libraries.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

KEEP = 500  # marks kept, newest last: far more than the follow-ups of any week


class Marks:
    """Message-ID -> what the plugin knows of that message: ``history`` (the account's history
    id just before a send was asked), ``sent``/``thread`` (Gmail's answer), ``draft``."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._marks: dict[str, dict[str, str]] = {}
        if path is not None and path.exists():
            try:
                loaded: Any = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                loaded = {}  # unreadable marks: the plugin falls back to asking Gmail
            if isinstance(loaded, dict):
                self._marks = {str(k): dict(v) for k, v in loaded.items() if isinstance(v, dict)}

    def get(self, message_id: str) -> dict[str, str]:
        """Return what is noted for ``message_id`` (empty when nothing is)."""
        return dict(self._marks.get(message_id, {}))

    def note(self, message_id: str, **fields: str) -> None:
        """Add ``fields`` to the mark of ``message_id`` and write the marks down."""
        mark = self._marks.pop(message_id, {})
        mark.update(fields)
        self._marks[message_id] = mark  # re-inserted: newest last
        while len(self._marks) > KEEP:
            del self._marks[next(iter(self._marks))]
        self._write()

    def _write(self) -> None:
        if self.path is None:
            return
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(self._marks, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)


def marks_beside(token_file: Path) -> Path:
    """Where the marks of the account whose token is ``token_file`` are kept."""
    return token_file.with_name(f"{token_file.stem}.marks.json")
