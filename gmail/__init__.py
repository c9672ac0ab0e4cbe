"""Mailbox plugins behind the one ``Mailbox`` protocol of ``relance.daemon.mailbox``."""
