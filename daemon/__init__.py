"""relance: the daemon that follows up unpaid invoices from your own mailbox.

The pure decisions (``extract``, ``classify``, ``cadence``, ``slots``, ``threads``,
``compose``) import no IO library; the store, the cycle and the CLI sit at the edge.
"""

__version__ = "0.1.0"
