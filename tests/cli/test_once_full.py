"""`relance once --full` decides again for every invoice; the result is the plan a cycle makes
from the plans kept, only dearer (issue 14)."""

from __future__ import annotations

import sqlite3

from tests.cli.test_cli import _demo_config, run

LATER = "2026-03-10T06:30+01:00"


def test_once_full_plans_everything_again_and_does_the_same(capsys, tmp_path) -> None:
    config = _demo_config(tmp_path)
    status, first, _ = run(capsys, tmp_path, "--config", str(config), "--now", LATER, "once")
    assert status == 0
    db = tmp_path / "demo" / "relance.sqlite3"
    with sqlite3.connect(db) as shell:  # the plan was kept, client by client
        kept = dict(shell.execute("SELECT client, body FROM plans"))
    shell.close()
    assert kept
    status, again, _ = run(capsys, tmp_path, "--config", str(config), "--now", LATER, "once")
    status_full, full, _ = run(capsys, tmp_path, "--config", str(config), "--now", LATER,
                               "once", "--full")
    assert status == status_full == 0
    assert full == again  # nothing new since: no action either way
    with sqlite3.connect(db) as shell:
        assert dict(shell.execute("SELECT client, body FROM plans")).keys() == kept.keys()
    shell.close()
