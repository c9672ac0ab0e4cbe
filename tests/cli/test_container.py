"""The container image (issue 12): the Containerfile runs relance as a user without privileges,
keeps the configuration and the database in the /data volume, and its healthcheck — run here
exactly as written, against a real store — is healthy until the mailbox refuses relance.
(The image itself is built by .ci/run wherever a container engine runs.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from relance.daemon.cycle.runner import MAILBOX_PROBLEM_META
from relance.daemon.cycle.store import Store
from tests.cli.test_cli import _demo_config

ROOT = Path(__file__).resolve().parents[2]
CONTAINERFILE = ROOT / "Containerfile"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Containerfile, continuation lines joined."""
    text = CONTAINERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    found = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def test_the_image_runs_relance_unprivileged_with_its_state_in_a_volume():
    steps = _instructions()
    users = [args for word, args in steps if word == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert ("VOLUME", '["/data"]') in steps
    env = " ".join(args for word, args in steps if word == "ENV")
    for setting in ("RELANCE_CONFIG=/data/config.toml", "XDG_DATA_HOME=/data/"):
        assert setting in env
    assert ("ENTRYPOINT", '["relance"]') in steps and ("CMD", '["run"]') in steps


def _healthcheck(env: dict[str, str]) -> int:
    """Run the HEALTHCHECK's command as the image would (a shell, `relance` on the PATH)."""
    (check,) = [args for word, args in _instructions() if word == "HEALTHCHECK"]
    command = check.partition(" CMD ")[2]
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    done = subprocess.run(["sh", "-c", command], env={**env, "PATH": path}, timeout=120,
                          capture_output=True, text=True)
    return done.returncode


def test_the_healthcheck_is_healthy_until_the_mailbox_refuses_relance(tmp_path):
    config = _demo_config(tmp_path)
    env = {"HOME": str(tmp_path), "RELANCE_CONFIG": str(config)}
    assert _healthcheck(env) == 0
    store_path = tmp_path / "demo" / "relance.sqlite3"
    with Store.open(store_path) as store, store.transaction():
        store.set_meta(MAILBOX_PROBLEM_META, json.dumps(
            {"since": "2026-03-09T08:00:00+00:00", "error": "the token was revoked"}))
    assert _healthcheck(env) == 1
