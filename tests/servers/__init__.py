"""Real servers for tests: a throw-away Dovecot (IMAP + LMTP) and an SMTP server that delivers
into it.

They are test infrastructure, not product code: each writes everything it needs into a temporary
directory, listens on 127.0.0.1 only, and is stopped by the fixture that started it.
"""

from __future__ import annotations

import socket


def free_ports(count: int) -> list[int]:
    """Return ``count`` distinct TCP ports on 127.0.0.1 that nothing listens on right now.

    The kernel picks them; all probes stay open until every port is chosen, otherwise it may
    hand out the same port twice. A tiny race remains between closing the probes and the
    server binding, which is acceptable on a test machine.
    """
    probes = []
    try:
        for _ in range(count):
            probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            probes.append(probe)
            probe.bind(("127.0.0.1", 0))
        return [int(p.getsockname()[1]) for p in probes]
    finally:
        for probe in probes:
            probe.close()


def free_port() -> int:
    """Return one TCP port on 127.0.0.1 that nothing listens on right now."""
    return free_ports(1)[0]
