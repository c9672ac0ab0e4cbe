"""Real servers for tests: a throw-away Dovecot (IMAP + LMTP) and an SMTP server that delivers
into it.

They are test infrastructure, not product code: each writes everything it needs into a temporary
directory, listens on 127.0.0.1 only, and is stopped by the fixture that started it.
"""

from __future__ import annotations

import socket


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now.

    The kernel picks it; a tiny race remains between closing this probe and the server binding,
    which is acceptable on a test machine.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
