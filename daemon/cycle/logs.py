"""Logging for the daemon: one line per event on stderr, in a form journald reads well.

Under systemd (``JOURNAL_STREAM`` is set) each line starts with its syslog priority in angle
brackets (``<6>`` info, ``<4>`` warning, ``<3>`` error, sd-daemon(3)) and carries no timestamp:
the journal adds its own. Elsewhere a line starts with the UTC time and the level's name.
``--log-json`` writes one JSON object per line instead, for log shippers.

Secrets and message bodies are never logged: the daemon logs verbs, invoice keys, stages and
slots, and a last filter masks anything shaped like a credential that an error text may carry.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Mapping
from typing import TextIO

LOGGER_NAME = "relance"

# syslog priorities, RFC 5424 §6.2.1
_PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3,
             logging.CRITICAL: 2}

# What an error text from a library may carry: an OAuth bearer token, a password or token
# given as key=value or "key": "value", a URL with a user:password part.
_SECRETS = (
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"(?i)((?:password|passwd|secret|token|refresh_token|access_token|client_secret)"
               r"[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]+"),
    re.compile(r"(//[^/:@\s]+:)[^@\s/]+(@)"),
)


def redact(text: str) -> str:
    """``text`` with every credential-shaped part replaced by ``***``."""
    for pattern in _SECRETS:
        text = pattern.sub(lambda m: m.group(1) + "***" + (m.group(2) if m.re.groups > 1
                                                             else ""), text)
    return text


class _Redacting(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        return True


class JournalFormatter(logging.Formatter):
    """``<6>sent: <inv@x> first_notice`` under journald, else ``2026-03-10T04:16:00Z INFO ...``."""

    def __init__(self, journald: bool) -> None:
        super().__init__()
        self.journald = journald

    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        if record.exc_info and record.levelno >= logging.ERROR:
            text += " | " + redact(self.formatException(record.exc_info)).replace("\n", " | ")
        if self.journald:
            return f"<{_PRIORITY.get(record.levelno, 6)}>{text}"
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created))
        return f"{stamp} {record.levelname} {text}"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``ts``, ``level``, ``msg`` and the record's ``fields``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created)),
            "level": record.levelname.lower(), "msg": record.getMessage()}
        entry.update(getattr(record, "fields", {}))
        if record.exc_info and record.levelno >= logging.ERROR:
            entry["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(*, as_json: bool, environ: Mapping[str, str], stream: TextIO | None = None,
              level: int = logging.INFO) -> logging.Logger:
    """Return the ``relance`` logger writing to ``stream`` (stderr by default), replacing any
    handler an earlier call installed."""
    logger = logging.getLogger(LOGGER_NAME)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if as_json
                         else JournalFormatter(bool(environ.get("JOURNAL_STREAM"))))
    handler.addFilter(_Redacting())
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    return logger
