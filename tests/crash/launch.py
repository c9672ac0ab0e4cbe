"""`relance` with the test suite's faults, injected from here and never shipped:

    python -m tests.crash.launch [--crash-at SPEC] [--gmail-endpoint URL] [--speed N] -- ARGS

run from the repository's root. ``--crash-at before:send_draft`` (``after:create_draft:2``, ...)
makes the process kill itself with SIGKILL around the n-th call of that mailbox method;
``--gmail-endpoint`` opens a Gmail account at a local Gmail-compatible server instead of
Google's, reached directly (never through a proxy), its tokens refreshed at the endpoint's
``token``; ``--speed`` runs the clock that many times faster than real time (``--now`` or
``RELANCE_NOW`` among ARGS still say where it starts). Both go in through the product's own
seams: ``wiring.register_provider`` and the ``Environment``.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import partial
from typing import Any

from relance.daemon.cli import wiring
from relance.daemon.cli.env import Environment
from relance.daemon.cli.main import main as relance_main
from relance.daemon.core.mailbox import Mailbox
from relance.daemon.cycle.config import Config

PROVIDERS = ("sample", "imap", "gmail")
Clock = wiring.Clock


class CrashingMailbox:
    """A mailbox that SIGKILLs its own process around the n-th call of one method."""

    def __init__(self, inner: Mailbox, spec: str) -> None:
        when, method, *nth = spec.split(":")
        self._inner, self._when, self._method = inner, when, method
        self._left = int(nth[0]) if nth else 1
        self.address = inner.address

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._inner, name)
        if name != self._method:
            return target

        def call(*args: object, **kwargs: object) -> object:
            self._left -= 1
            if self._left == 0 and self._when == "before":
                os.kill(os.getpid(), signal.SIGKILL)
            result = target(*args, **kwargs)
            if self._left == 0 and self._when == "after":
                os.kill(os.getpid(), signal.SIGKILL)
            return result
        return call


def _open(crash_at: str | None, gmail_endpoint: str | None, config: Config,
          clock: Clock) -> Mailbox:
    """The configured mailbox, at the local Gmail when one is named, crashing when asked."""
    if gmail_endpoint and config.account.provider == "gmail":
        import httplib2

        mailbox: Mailbox = wiring.open_gmail_mailbox(
            config, endpoint=gmail_endpoint, token_uri=gmail_endpoint.rstrip("/") + "/token",
            http=httplib2.Http(proxy_info=None, timeout=30))
    else:
        mailbox = wiring.open_builtin_mailbox(config, clock=clock)
    return CrashingMailbox(mailbox, crash_at) if crash_at else mailbox  # type: ignore[return-value]


def _builtin(config: Config, clock: Clock) -> Mailbox:
    return wiring.open_builtin_mailbox(config, clock=clock)


def install(*, crash_at: str | None = None, gmail_endpoint: str | None = None) -> None:
    """Open every provider through the faults from now on (for this process)."""
    for name in PROVIDERS:
        wiring.register_provider(name, partial(_open, crash_at, gmail_endpoint))


@contextmanager
def faults(*, crash_at: str | None = None, gmail_endpoint: str | None = None) -> Iterator[None]:
    """The faults for commands run in this process, then the built-in providers again."""
    install(crash_at=crash_at, gmail_endpoint=gmail_endpoint)
    try:
        yield
    finally:
        for name in PROVIDERS:
            wiring.register_provider(name, _builtin)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.crash.launch")
    parser.add_argument("--crash-at", default=None)
    parser.add_argument("--gmail-endpoint", default=None)
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("args", nargs=argparse.REMAINDER)
    options = parser.parse_args(argv)
    args = options.args[1:] if options.args[:1] == ["--"] else options.args
    install(crash_at=options.crash_at, gmail_endpoint=options.gmail_endpoint)
    env = Environment(speed=options.speed)
    if options.speed != 1.0:
        env.start_clock(datetime.now(timezone.utc))  # ARGS' --now moves it on from there
    return relance_main(args, env)


if __name__ == "__main__":
    sys.exit(main())
