"""A Gmail-compatible HTTP server for tests (see ``server.py`` for the tour).

Modules: ``server`` (HTTP, tokens, batch, uploads, accounts), ``store`` (messages, threads,
drafts, labels, history and their documented rules), ``routes`` (one function per Gmail
method, and the quota units each costs), ``query`` (the ``q`` search subset), ``resources``
(JSON shapes), ``batch`` (multipart wire formats), ``faults`` (quota window, injected errors),
``fixtures`` (pytest fixtures).
"""

from tests.gmailfake.server import GmailFake

__all__ = ["GmailFake"]
