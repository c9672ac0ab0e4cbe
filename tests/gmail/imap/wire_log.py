"""Watching the IMAP conversation from the client side, to wait for an event instead of a guess.

imapclient hands every line imaplib sends and receives to the ``imapclient.imaplib`` logger at
DEBUG (``> b'ABCD5 IDLE'``, ``< b'+ idling'``; logins redacted). A test that must deliver mail
only once the mailbox is in IDLE waits here for the server's ``+`` continuation to an IDLE
(RFC 2177 §3: from then on the server reports new mail), rather than sleeping and hoping.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

LOGGER = "imapclient.imaplib"
_IDLE_SENT = re.compile(r"> b'\S+ IDLE'")
_CONTINUATION = re.compile(r"< b'\+")
_NOOP_SENT = re.compile(r"> b'\S+ NOOP'")


class WireLog(logging.Handler):
    """Counts, as the lines go by, the IDLEs the server has accepted and the NOOPs sent."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self._changed = threading.Condition()
        self._idle_pending = False
        self.idles_accepted = 0
        self.noops_sent = 0

    def emit(self, record: logging.LogRecord) -> None:
        line = record.getMessage()
        with self._changed:
            if _IDLE_SENT.search(line):
                self._idle_pending = True
            elif self._idle_pending and _CONTINUATION.search(line):
                self._idle_pending = False
                self.idles_accepted += 1
            elif _NOOP_SENT.search(line):
                self.noops_sent += 1
            self._changed.notify_all()

    def wait_for_idle(self, count: int = 1, timeout_s: float = 30.0) -> None:
        """Return once the server has accepted ``count`` IDLE commands in all; fail the test
        when that has not happened within ``timeout_s``."""
        self._wait(lambda: self.idles_accepted >= count, timeout_s,
                   f"the server accepted {count} IDLE")

    def wait_for_noop(self, timeout_s: float = 30.0) -> None:
        """Return once a NOOP was sent (the poll without IDLE has begun)."""
        self._wait(lambda: self.noops_sent >= 1, timeout_s, "a NOOP was sent")

    def _wait(self, done: Callable[[], bool], timeout_s: float, what: str) -> None:
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while not done():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"not seen within {timeout_s} s: {what}")
                self._changed.wait(left)


@contextmanager
def wire_log() -> Iterator[WireLog]:
    """Watch every imapclient connection of this process while the block runs."""
    logger = logging.getLogger(LOGGER)
    handler = WireLog()
    level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
