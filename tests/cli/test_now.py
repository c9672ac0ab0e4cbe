"""`relance --now MOMENT` and ``RELANCE_NOW``: every command that reads the clock runs at that
moment ("what would happen on Tuesday?"), the clock running on from there; a value that is not
a moment with its offset is a usage error that shows the format."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from relance.daemon.cli.demo import DEMO_NOW, run_demo
from relance.daemon.cli.env import Environment
from relance.daemon.cli.main import main
from relance.daemon.cycle.store import Store
from tests.clock import wait_until

LATER = "2026-04-14T05:00:00+02:00"  # five weeks after the demo's moment


@pytest.fixture
def sample(tmp_path: Path, sample_mailbox: Path) -> Path:
    """A config file whose store holds the demo's sample mailbox, as seen on 9 March."""
    folder = tmp_path / "demo"
    run_demo(folder)
    config = tmp_path / "config.toml"
    config.write_text((sample_mailbox / "config.toml").read_text().replace(
        "~/relance-demo.sqlite3", str(folder / "relance.sqlite3")))
    return config


def relance(capsys: pytest.CaptureFixture[str], config: Path, *argv: str,
            **environ: str) -> tuple[int, str, str]:
    """The command with a test clock stopped at the demo's moment, which --now overrides."""
    env = Environment(environ={"HOME": str(config.parent), **environ}, clock=lambda: DEMO_NOW)
    status = main(["--config", str(config), *argv], env)
    out, err = capsys.readouterr()
    return status, out, err


def _overdue(capsys: pytest.CaptureFixture[str], config: Path, *argv: str,
             **environ: str) -> dict[str, int]:
    status, out, err = relance(capsys, config, *argv, "status", "--json", **environ)
    assert status == 0, err
    return {row["number"]: row["days_overdue"] for row in json.loads(out)["invoices"]
            if row["days_overdue"] > 0}


def _report_overdue(capsys: pytest.CaptureFixture[str], config: Path, *argv: str,
                    **environ: str) -> tuple[str, dict[str, int]]:
    page = config.parent / "report.html"
    status, _, err = relance(capsys, config, *argv, "report", "--output", str(page), **environ)
    assert status == 0, err
    html = page.read_text()
    title = re.search(r"<title>.* on (\S+)</title>", html)
    assert title is not None
    blocks = re.findall(r"<header>\s*<b>([^<]+)</b>[^\n]*\n(?:(?!</header>).)*?(\d+) days late",
                        html, re.S)
    return title.group(1), {number: int(days) for number, days in blocks}


def test_status_and_report_agree_at_the_moment_given(capsys, sample):
    by_status = _overdue(capsys, sample, "--now", LATER)
    day, by_report = _report_overdue(capsys, sample, "--now", LATER)
    assert day == "2026-04-14"
    assert by_status and by_report
    assert {n: d for n, d in by_status.items() if n in by_report} == by_report
    assert by_status != _overdue(capsys, sample)  # the test's own clock says 9 March


def test_relance_now_in_the_environment_is_the_same_as_the_option(capsys, sample):
    assert _overdue(capsys, sample, RELANCE_NOW=LATER) == _overdue(capsys, sample, "--now", LATER)
    assert _report_overdue(capsys, sample, RELANCE_NOW=LATER)[0] == "2026-04-14"
    # the option wins over the variable
    assert _overdue(capsys, sample, "--now", LATER, RELANCE_NOW="2026-03-09T09:00:00+01:00") \
        == _overdue(capsys, sample, "--now", LATER)


def test_a_decision_is_recorded_at_the_moment_given(capsys, sample):
    status, out, err = relance(capsys, sample, "status", "--json")
    number = json.loads(out)["invoices"][0]["number"]
    status, _, err = relance(capsys, sample, "--now", LATER, "pause", number)
    assert status == 0, err
    moment = datetime.fromisoformat(LATER)
    with Store.open(sample.parent / "demo" / "relance.sqlite3") as store:
        (paused,) = [e for events in store.events().values() for e in events
                     if e.kind.value == "paused"]
    assert moment <= paused.at < moment + timedelta(minutes=1)


@pytest.mark.parametrize("value", [
    "2026-04-14", "2026-04-14T05:00:00", "tuesday", "14/04/2026 05:00 +02:00", "",
])
def test_a_value_that_is_not_a_moment_with_its_offset_is_a_usage_error(capsys, sample, value):
    status, _, err = relance(capsys, sample, "--now", value, "status")
    assert status == 2
    assert "--now" in err and "ISO 8601" in err and "2026-03-10T05:16:00+01:00" in err


def test_a_bad_relance_now_names_the_variable(capsys, sample):
    status, _, err = relance(capsys, sample, "status", RELANCE_NOW="next tuesday")
    assert status == 2 and "RELANCE_NOW" in err and "ISO 8601" in err


def test_the_clock_starts_at_the_moment_and_runs_on():
    env = Environment(environ={})
    env.use_now("2026-04-14T03:00:00Z")
    first = env.clock()
    wait_until(lambda: env.clock() > first, 5, what="the clock to run on from --now")
    second = env.clock()
    start = datetime(2026, 4, 14, 3, tzinfo=timezone.utc)
    assert start <= first < second < start + timedelta(seconds=5)
