"""The core as it was at an earlier commit, for benchmarks that measure a reader against the
code before a change in the same run: daemon/core at ``revision`` is read with ``git show`` into
a temporary package ``baseline_core`` (its modules import one another relatively)."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def core_module(revision: str, module: str, tmp: Path) -> ModuleType:
    """Return ``module`` (e.g. "classify") of daemon/core at ``revision``, built in ``tmp``."""
    package = tmp / "baseline_core"
    package.mkdir()
    names = subprocess.run(["git", "ls-tree", "--name-only", f"{revision}:daemon/core"],
                           cwd=ROOT, check=True, capture_output=True, text=True).stdout.split()
    for name in names:
        if name.endswith(".py"):
            source = subprocess.run(["git", "show", f"{revision}:daemon/core/{name}"], cwd=ROOT,
                                    check=True, capture_output=True).stdout
            (package / name).write_bytes(source)
    sys.path.insert(0, str(tmp))
    return importlib.import_module(f"baseline_core.{module}")
