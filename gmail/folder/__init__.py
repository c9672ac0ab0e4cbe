"""The folder plugin: a folder of .eml files as a mailbox, for the demo and the sample mailbox."""
