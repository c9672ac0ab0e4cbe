"""The commands people type: ``relance`` and its subcommands, the setup wizard, status, report,
digest, demo and service. ``wiring`` is the one module that opens a mailbox plugin.

Commands import what they use when they run, so ``relance --help`` stays fast.
"""
