"""The words and the pure decisions: the model, the Mailbox protocol and the error family,
reading messages, extracting invoices, classifying what came back, threads, the cadence, the
slots and composing follow-ups.

Nothing here does IO: no files, no sockets, no database, no clock. Every function is a function
of messages, dataclasses and a ``now`` passed in.
"""
