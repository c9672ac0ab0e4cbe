"""The environment a command runs in: the process environment, the clock and the config file,
injected so that tests swap them without patching."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..core.errors import UsageError
from ..cycle.config import Config, config_path_from_env, default_config, load_config


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Environment:
    """What a command may touch from the outside world, injected so that tests swap it."""

    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    clock: Callable[[], datetime] = _utc_now
    config_file: Path | None = None  # --config; else $RELANCE_CONFIG or the XDG location

    def config(self) -> Config:
        """The configuration: the named file (which must exist), else the usual location when
        a file is there, else the built-in defaults."""
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
