"""The IMAP plugin: any IMAP account (imapclient) for reading and drafting, SMTP for sending,
app passwords from a file or the OS keyring."""
