"""A Gmail-compatible HTTP server for tests: start at ``server.GmailFake``.

Modules: ``server`` (HTTP, tokens, batch, uploads, accounts, delivery), ``store`` (messages,
threads, drafts, labels, history and their documented rules), ``routes`` (one function per
Gmail method, and the quota units each costs), ``rules`` (what real Gmail does on top:
search that lags writes, 400s for bad messages, filters, bounces, the sending limit),
``query`` (the ``q`` search subset),
``resources`` (JSON shapes), ``batch`` (multipart wire formats), ``faults`` (quota window,
injected errors), ``fixtures`` (pytest fixtures and message builders).
"""
