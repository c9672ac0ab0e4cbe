"""The reconcile cycle around the core: the store (SQLite), observe, plan, apply, the engine
that runs one cycle and the runner that repeats it; loading and checking the configuration;
logs and the daemon's lock. Mailboxes come in through ``core.mailbox.Mailbox``: nothing here
imports a plugin.
"""
