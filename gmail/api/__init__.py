"""The Gmail API plugin: ``GmailMailbox`` over google-api-python-client, its quota meter and
its HTTP transport."""
