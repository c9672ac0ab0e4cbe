"""relance: the daemon that follows up unpaid invoices from your own mailbox.

Three layers, each importing only the ones below it: ``cli`` (the commands) -> ``cycle``
(store, observe, plan, apply, the runner) -> ``core`` (the words and the pure decisions).
"""

__version__ = "0.1.0"
