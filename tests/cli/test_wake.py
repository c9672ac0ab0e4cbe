"""Waking the machine for the next slot (issue 12): `relance service install` writes a systemd
user timer with WakeSystem= for the store's next slot and says plainly what it could set; the
daemon re-arms it whenever the next slot changes; on macOS it prints the pmset command for the
user to approve (only root may schedule a wake)."""

from __future__ import annotations

import configparser
import os
import stat
from datetime import datetime, timezone
from pathlib import Path

from relance.daemon.cli.env import Environment
from relance.daemon.cli.main import main
from relance.daemon.cli.wake import arm, pmset_command, wake_timer, what_it_can_do
from tests.cli.test_cli import _demo_config

SLOT = datetime(2026, 3, 10, 5, 58, tzinfo=timezone.utc)


def _timer(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)
    return parser


def test_the_timer_wakes_the_system_at_the_slot_in_utc():
    timer = _timer(wake_timer(SLOT))
    assert timer["Timer"]["OnCalendar"] == "2026-03-10 05:58:00 UTC"
    assert timer["Timer"]["WakeSystem"] == "true"
    assert timer["Timer"]["Unit"] == "relance-wake.service"
    assert "OnCalendar" not in _timer(wake_timer(None))["Timer"]


def test_what_it_can_do_is_said_plainly_for_each_systemd():
    assert "no right to wake" in what_it_can_do(252)
    assert "wakes the machine from suspend" in what_it_can_do(254)
    assert "no systemctl" in what_it_can_do(None)


def _fake_systemctl(folder: Path, status: int) -> Path:
    """A stand-in systemctl on the PATH that logs its arguments and exits with ``status``."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "systemctl"
    script.write_text(f'#!/bin/sh\necho "$@" >> "{folder}/calls"\n'
                      f'[ "$1" = "--version" ] && echo "systemd 255 (255.4-1)"\nexit {status}\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return folder


def test_arming_rewrites_the_timer_and_reloads_it(tmp_path, monkeypatch):
    bin_dir = _fake_systemctl(tmp_path / "bin", 0)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    armed = arm(tmp_path, SLOT)
    assert armed.reloaded
    assert _timer(armed.path.read_text())["Timer"]["OnCalendar"] == "2026-03-10 05:58:00 UTC"
    assert (bin_dir / "calls").read_text().splitlines() == [
        "--user daemon-reload", "--user restart relance-wake.timer"]


def test_arming_without_a_working_systemd_says_so_and_does_not_raise(tmp_path, monkeypatch):
    bin_dir = _fake_systemctl(tmp_path / "bin", 1)
    monkeypatch.setenv("PATH", str(bin_dir))
    armed = arm(tmp_path, SLOT)
    assert not armed.reloaded and armed.path.exists()


def test_service_install_sets_the_wake_for_the_demo_stores_next_slot(tmp_path, capsys,
                                                                     monkeypatch):
    config = _demo_config(tmp_path)
    bin_dir = _fake_systemctl(tmp_path / "bin", 0)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    env = Environment(environ={"HOME": str(tmp_path)},
                      clock=lambda: datetime(2026, 3, 9, 8, tzinfo=timezone.utc))
    assert main(["--config", str(config), "service", "install"], env) == 0
    out = capsys.readouterr().out
    timer = tmp_path / ".config" / "systemd" / "user" / "relance-wake.timer"
    calendar = _timer(timer.read_text())["Timer"]["OnCalendar"]
    assert calendar.startswith("2026-03-10 ")  # the demo's first drafted slot, Tuesday
    assert f"Wrote {timer} for the next slot (2026-03-10T" in out
    assert "systemd took it" in out and "systemd 255: the timer wakes the machine" in out
    assert "systemctl --user enable --now relance-wake.timer" in out


def test_on_macos_it_prints_the_pmset_command_for_the_user_to_approve(tmp_path, capsys):
    config = _demo_config(tmp_path)
    env = Environment(environ={"HOME": str(tmp_path)},
                      clock=lambda: datetime(2026, 3, 9, 8, tzinfo=timezone.utc))
    assert main(["--config", str(config), "service", "install", "--launchd"], env) == 0
    out = capsys.readouterr().out
    assert "needs root, so relance did not set it" in out
    assert 'sudo pmset schedule wake "03/10/26 ' in out
    assert pmset_command(SLOT).startswith('sudo pmset schedule wake "03/10/26 ')
