"""`relance service install`: a systemd user unit or a launchd agent that keeps `relance run`
running, restarted on failure, with its log in the journal (or a file on macOS).

The texts are built by pure functions, so a test reads exactly what a user's machine gets.
"""

from __future__ import annotations

import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

UNIT_NAME = "relance.service"
LAUNCHD_LABEL = "org.relance.run"

# Exit statuses after which a restart cannot help: 2 (the configuration is wrong) and 3 (the
# store is unusable or another relance holds it). systemd.service(5), RestartPreventExitStatus.
_NO_RESTART = (2, 3)


def relance_command(config_file: Path | None = None) -> list[str]:
    """The command a service runs: the installed `relance` script when there is one, else this
    Python with ``-m relance.daemon.cli``; ``--config`` when one was named."""
    script = shutil.which("relance")
    command = [str(Path(script).resolve())] if script else [sys.executable, "-m",
                                                             "relance.daemon.cli"]
    if config_file is not None:
        command += ["--config", str(Path(config_file).resolve())]
    return command + ["run"]


def systemd_unit(command: list[str]) -> str:
    """A systemd user unit (systemd.service(5)) for ``command``; logs go to the journal."""
    return "\n".join([
        "[Unit]",
        "Description=relance: polite follow-ups of unpaid invoices from your mailbox",
        "After=network-online.target",
        "Wants=network-online.target",
        "",
        "[Service]",
        "Type=simple",
        f"ExecStart={shlex.join(command)}",
        "Restart=on-failure",
        "RestartSec=30",
        f"RestartPreventExitStatus={' '.join(str(s) for s in _NO_RESTART)}",
        # SIGTERM lets the cycle in flight finish; a send is seconds, a first sync can be more.
        "KillSignal=SIGTERM",
        "TimeoutStopSec=120",
        "Environment=PYTHONUNBUFFERED=1",
        "",
        "[Install]",
        "WantedBy=default.target",
        "",
    ])


# launchd has no RestartPreventExitStatus: KeepAlive/SuccessfulExit=false restarts after any
# failure, every ThrottleInterval seconds, for ever. So the agent runs relance under this small
# sh(1) guard, which turns the statuses a restart cannot help into a clean exit (after saying
# so in the log) and hands launchd's SIGTERM on to relance, whose cycle in flight finishes.
LAUNCHD_GUARD = """"$@" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null' TERM INT
wait "$pid"; status=$?
while kill -0 "$pid" 2>/dev/null; do wait "$pid"; status=$?; done
case "$status" in
  {codes}) echo "relance stopped with exit status $status (its configuration or its database needs \
you; see above): launchd will not start it again until you fix that and run launchctl \
kickstart -k gui/$(id -u)/{label}" >&2; exit 0;;
esac
exit "$status"
""".format(codes="|".join(str(s) for s in _NO_RESTART), label=LAUNCHD_LABEL)


def launchd_arguments(command: list[str]) -> list[str]:
    """The agent's ProgramArguments: ``command`` under :data:`LAUNCHD_GUARD`."""
    return ["/bin/sh", "-c", LAUNCHD_GUARD, "relance", *command]


def launchd_plist(command: list[str], log_file: Path) -> str:
    """A launchd agent (launchd.plist(5)) for ``command``: started at login, started again
    when it exits with a failure, but not after a configuration or store error (2, 3), its
    stderr in ``log_file``."""
    args = "\n".join(f"    <string>{escape(part)}</string>" for part in launchd_arguments(
        command))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>{LAUNCHD_LABEL}</string>
  <key>ProgramArguments</key>
  <array>
{args}
  </array>
  <key>RunAtLoad</key>
  <true/>
  <key>KeepAlive</key>
  <dict>
    <key>SuccessfulExit</key>
    <false/>
  </dict>
  <key>ThrottleInterval</key>
  <integer>30</integer>
  <key>ExitTimeOut</key>
  <integer>120</integer>
  <key>StandardErrorPath</key>
  <string>{escape(str(log_file))}</string>
  <key>EnvironmentVariables</key>
  <dict>
    <key>PYTHONUNBUFFERED</key>
    <string>1</string>
  </dict>
</dict>
</plist>
"""


@dataclass(frozen=True)
class Installed:
    """The file written and the commands that start it."""

    path: Path
    next_steps: tuple[str, ...]


def systemd_folder(home: Path, config_home: Path | None = None) -> Path:
    """The systemd user unit folder: ``~/.config/systemd/user`` (or under ``$XDG_CONFIG_HOME``)."""
    return (config_home or home / ".config") / "systemd" / "user"


def install_systemd(home: Path, command: list[str], config_home: Path | None = None) -> Installed:
    """Write ``relance.service`` in the systemd user folder, and the wake timer beside it
    (``relance-wake.timer``, armed by the daemon for each next slot, ``.wake``)."""
    from .wake import WAKE_SERVICE, WAKE_TIMER, wake_service, wake_timer

    folder = systemd_folder(home, config_home)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / UNIT_NAME
    path.write_text(systemd_unit(command), encoding="utf-8")
    (folder / WAKE_SERVICE).write_text(wake_service(), encoding="utf-8")
    if not (folder / WAKE_TIMER).exists():
        (folder / WAKE_TIMER).write_text(wake_timer(None), encoding="utf-8")
    return Installed(path, (
        "systemctl --user daemon-reload",
        f"systemctl --user enable --now {UNIT_NAME}",
        f"systemctl --user enable --now {WAKE_TIMER}   # wake the machine for each slot",
        "loginctl enable-linger \"$USER\"   # keep it running when you are logged out",
        f"journalctl --user -u {UNIT_NAME} -f   # follow its log",
    ))


def install_launchd(home: Path, command: list[str]) -> Installed:
    """Write ``~/Library/LaunchAgents/org.relance.run.plist``; its log goes to
    ``~/Library/Logs/relance.log``."""
    folder = home / "Library" / "LaunchAgents"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{LAUNCHD_LABEL}.plist"
    log_file = home / "Library" / "Logs" / "relance.log"
    path.write_text(launchd_plist(command, log_file), encoding="utf-8")
    return Installed(path, (
        f"launchctl bootstrap gui/$(id -u) {shlex.quote(str(path))}",
        f"launchctl kickstart -k gui/$(id -u)/{LAUNCHD_LABEL}   # restart it after a change",
        f"tail -f {shlex.quote(str(log_file))}   # follow its log",
    ))
