"""The crash harness builds its mailboxes with the cycle tests' message builders."""

from __future__ import annotations

import sys
from pathlib import Path

_MAILS = str(Path(__file__).resolve().parents[1] / "daemon")
if _MAILS not in sys.path:
    sys.path.insert(0, _MAILS)
