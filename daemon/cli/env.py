"""The environment a command runs in: the process environment, the clock and the config file,
injected so that tests swap them without patching.

The clock is the one place every command reads the time from. ``--now`` (or ``RELANCE_NOW``)
starts it at a chosen moment, from which it runs on: "what would happen on Tuesday?".
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import UsageError

if TYPE_CHECKING:
    from ..cycle.config import Config

NOW_VARIABLE = "RELANCE_NOW"
NOW_EXAMPLE = "2026-03-10T05:16:00+01:00"


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def parse_moment(text: str, source: str) -> datetime:
    """Return the moment ``text`` names: ISO 8601 with its UTC offset (``Z`` for UTC).
    Raises ``UsageError`` naming ``source`` (``--now``, ``RELANCE_NOW``) and the format."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        moment = None
    if moment is None or moment.utcoffset() is None:
        raise UsageError(f"{source}: {text!r} is not a moment with its UTC offset. Write it in "
                         f"ISO 8601 with the offset, like {NOW_EXAMPLE} (or 2026-03-10T04:16Z "
                         "for UTC).")
    return moment


@dataclass
class Environment:
    """What a command may touch from the outside world, injected so that tests swap it."""

    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    clock: Callable[[], datetime] = _utc_now
    config_file: Path | None = None  # --config; else $RELANCE_CONFIG or the XDG location
    speed: float = 1.0  # clock seconds per real second: 1, unless a test runs time faster

    def start_clock(self, moment: datetime) -> None:
        """From now on the clock reads ``moment``, then runs on at ``speed``."""
        from ..cycle.runner import ScaledClock

        self.clock = ScaledClock(moment, self.speed)

    def use_now(self, option: str | None) -> None:
        """Start the clock at ``--now`` when given, else at ``$RELANCE_NOW`` when set; else
        leave it be (the real time, or a test's clock)."""
        text, source = option, "--now"
        if text is None:
            text, source = self.environ.get(NOW_VARIABLE) or None, NOW_VARIABLE
        if text is not None:
            self.start_clock(parse_moment(text, source))

    def config(self) -> Config:
        """The configuration: the named file (which must exist), else the usual location when
        a file is there, else the built-in defaults."""
        from ..cycle.config import config_path_from_env, default_config, load_config

        if self.config_file is not None:
            if not self.config_file.exists():
                raise UsageError(f"{self.config_file}: no such configuration file. Run "
                                 "`relance setup` to write one, or check the path.")
            return load_config(self.config_file, self.environ)
        path = config_path_from_env(self.environ)
        if path.exists():
            return load_config(path, self.environ)
        if self.environ.get("RELANCE_CONFIG"):
            raise UsageError(f"RELANCE_CONFIG names {path}, which does not exist.")
        return default_config(self.environ)
