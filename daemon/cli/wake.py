"""Waking the machine for the next slot, where the operating system allows it.

A laptop asleep at 05:16 sends nothing (the missed-slot grace then catches up by 10:00). On
Linux, a systemd user timer with ``WakeSystem=true`` (systemd.timer(5)) resumes the machine from
suspend when it elapses; the running daemon re-arms it after each slot for the next one. systemd
grants a local user session the CAP_WAKE_ALARM capability this needs from version 254 on; before
that, or in a session without it, the timer still elapses but cannot wake the machine. On macOS
only root may schedule a wake (pmset(1)): relance prints the command for the user to approve.

The unit texts and the command are pure functions of the moment; ``arm`` writes and reloads.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

WAKE_TIMER = "relance-wake.timer"
WAKE_SERVICE = "relance-wake.service"
FIRST_WAKE_SYSTEMD = 254  # the first systemd giving user sessions CAP_WAKE_ALARM


def wake_timer(at: datetime | None) -> str:
    """The user timer that wakes the machine at ``at`` (None: armed for nothing yet)."""
    when = [f"OnCalendar={at.astimezone(timezone.utc):%Y-%m-%d %H:%M:%S} UTC"] if at else []
    return "\n".join([
        "[Unit]",
        "Description=relance: wake the machine for the next follow-up's slot",
        "",
        "[Timer]",
        *when,
        "WakeSystem=true",
        "AccuracySec=1s",
        "Persistent=false",
        f"Unit={WAKE_SERVICE}",
        "",
        "[Install]",
        "WantedBy=timers.target",
        "",
    ])


def wake_service() -> str:
    """What the timer starts: nothing but the wake itself; `relance run`, resumed with the
    machine, sends at the slot."""
    return "\n".join([
        "[Unit]",
        "Description=relance: the machine is awake for a follow-up's slot",
        "",
        "[Service]",
        "Type=oneshot",
        "ExecStart=/bin/true",
        "",
    ])


def pmset_command(at: datetime) -> str:
    """The macOS command that wakes the machine at ``at`` (its local clock), for the user to
    run: only root may schedule a wake."""
    return f'sudo pmset schedule wake "{at.astimezone():%m/%d/%y %H:%M:%S}"'


def systemd_version() -> int | None:
    """The version of the systemctl on the PATH, or None without one."""
    systemctl = shutil.which("systemctl")
    if systemctl is None:
        return None
    try:
        out = subprocess.run([systemctl, "--version"], capture_output=True, text=True,
                             timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.match(r"systemd (\d+)", out)
    return int(found.group(1)) if found else None


def what_it_can_do(version: int | None) -> str:
    """What the wake timer will do on this machine, said plainly."""
    if version is None:
        return ("no systemctl here: the wake timer is written but nothing will run it; "
                "keep the machine awake at the slots, or run relance on an always-on one")
    if version < FIRST_WAKE_SYSTEMD:
        return (f"systemd {version} gives user timers no right to wake the machine (254 and "
                "later do): the timer is set, but the machine must be awake at the slot; the "
                "missed-slot grace sends the follow-up when it wakes before [window] missed_until")
    return (f"systemd {version}: the timer wakes the machine from suspend at the next slot "
            "(not from power-off or hibernation on every machine), and relance re-arms it after "
            "each slot")


@dataclass(frozen=True)
class Armed:
    """What ``arm`` did: the timer file written, and whether systemd took it."""

    path: Path
    reloaded: bool
    detail: str = ""


def arm(folder: Path, at: datetime | None) -> Armed:
    """Write the wake timer for ``at`` into the systemd user folder and have systemd reload and
    restart it; never raises for a systemd that is absent or refuses (``reloaded`` False)."""
    path = folder / WAKE_TIMER
    path.write_text(wake_timer(at), encoding="utf-8")
    systemctl = shutil.which("systemctl")
    if systemctl is None:
        return Armed(path, False, "no systemctl on the PATH")
    for args in (["daemon-reload"], ["restart", WAKE_TIMER]):
        try:
            done = subprocess.run([systemctl, "--user", *args], capture_output=True, text=True,
                                  timeout=30)
        except (OSError, subprocess.SubprocessError) as exc:
            return Armed(path, False, str(exc))
        if done.returncode != 0:
            return Armed(path, False, done.stderr.strip() or f"status {done.returncode}")
    return Armed(path, True)
