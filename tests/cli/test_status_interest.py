"""``relance status`` says when statutory interest is on and the shipped rate table has no rate
for the current half-year (follow-ups then leave the interest out), and how to add it."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli import run


def _config(tmp_path: Path, fees: str) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\npath = "{tmp_path / "db.sqlite3"}"\n\n[late_fees]\n{fees}\n',
                      encoding="utf-8")
    return config


def test_status_warns_when_the_half_year_has_no_rate(capsys, tmp_path):
    config = _config(tmp_path, 'statutory = "ES"')
    status, out, _ = run(capsys, tmp_path, "--config", str(config),
                         "--now", "2026-12-02T09:00+01:00", "status", "--json")
    assert status == 0
    notes = json.loads(out)["attention"]
    assert any("statutory interest (ES)" in n and "2026-07-01" in n for n in notes), notes


def test_no_warning_when_covered_by_the_table_or_the_users_rate(capsys, tmp_path):
    covered = _config(tmp_path, 'statutory = "ES"')
    status, out, _ = run(capsys, tmp_path, "--config", str(covered),
                         "--now", "2026-03-09T09:00+01:00", "status", "--json")
    assert status == 0 and not any("statutory" in n for n in json.loads(out)["attention"])
    added = _config(tmp_path, 'statutory = "ES"\nreference_rates = { "2026-07-01" = "2.15" }')
    status, out, _ = run(capsys, tmp_path, "--config", str(added),
                         "--now", "2026-12-02T09:00+01:00", "status", "--json")
    assert status == 0 and not any("statutory" in n for n in json.loads(out)["attention"])
