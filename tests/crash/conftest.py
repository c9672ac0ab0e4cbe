"""The crash harness builds its mailboxes with the cycle tests' message builders; its IMAP
backend runs the test servers of tests/servers, its Gmail backend the server of tests/gmailfake
(both imported from the checkout's root)."""

from __future__ import annotations

import sys
from pathlib import Path

for _path in (Path(__file__).resolve().parents[1] / "daemon",  # mails.py
              Path(__file__).resolve().parents[2]):  # tests.servers
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))
