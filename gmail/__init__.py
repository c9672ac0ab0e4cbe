"""Mailbox plugins behind the one ``Mailbox`` protocol of ``relance.daemon.core.mailbox``:
``api`` (Gmail API), ``imap`` (IMAP and SMTP), ``folder`` (a folder of .eml files). Each imports
only ``relance.daemon.core``."""
