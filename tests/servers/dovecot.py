"""A throw-away Dovecot for tests: IMAP and LMTP on 127.0.0.1, any user of example.test.

``DovecotServer(workdir)`` writes a self-contained configuration under ``workdir`` (nothing in
the system's ``/etc/dovecot`` is read), starts ``dovecot -F -c <conf>`` as a child process,
waits for the IMAP greeting and stops the child on ``stop()``. Mail is kept in maildirs owned by
uid 65534 ("nobody"): Dovecot refuses to deliver as root ("userdb returned 0 as uid").

Every address ``*@example.test`` exists with the password ``secret`` (static passdb and userdb),
so one server per test session serves fresh, empty users to every test: ``add_user`` just names
one.

Run as a non-root user, the server drops the system's login users and chroots (which need root)
and runs every process as the calling user instead.

``mail_format="mdbox"`` stores mail in Dovecot's multi-message files instead of maildir:
faster to seed, and closer to what large installations run.

With ``tls=True`` and ``openssl`` on the PATH, a self-signed certificate for IP 127.0.0.1 is
made and an implicit-TLS listener opened as well (``imaps_port``); STARTTLS is then offered on
the plain port too.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.clock import wait_until
from tests.servers import free_ports

MAIL_UID = 65534  # any non-root uid; "nobody" exists on every Debian system
DOMAIN = "example.test"
PASSWORD = "secret"  # the one password of every test account
START_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class MailUser:
    """One account on the test server: its login (the e-mail address) and password."""

    address: str
    password: str


def dovecot_binary() -> str | None:
    """Return the path of the ``dovecot`` binary, or None when it is not installed."""
    return shutil.which("dovecot") or (
        "/usr/sbin/dovecot" if os.access("/usr/sbin/dovecot", os.X_OK) else None
    )


class DovecotServer:
    """A Dovecot child process with its own configuration, ports and mail directory.

    Attributes once constructed: ``imap_port``, ``lmtp_port``, ``imaps_port`` (0 without TLS),
    ``cert_path`` (None without TLS), ``host`` ("127.0.0.1").
    """

    host = "127.0.0.1"

    def __init__(self, workdir: Path, *, tls: bool = False, mail_format: str = "maildir",
                 extra_config: str = "") -> None:
        self.workdir = Path(workdir)
        self.extra_config = extra_config  # appended to the configuration, e.g. imap_capability
        self.mail_format = mail_format  # "maildir" (one file per message) or "mdbox"
        self.imap_port, self.lmtp_port, imaps_port = free_ports(3)
        self.imaps_port = imaps_port if tls else 0
        self.cert_path: Path | None = None
        self.key_path: Path | None = None
        self._root = os.geteuid() == 0
        # Run as root, Dovecot reads mail as uid 65534, which must be able to walk down to the
        # mail: pytest's temp dirs are private (0700), so the mail then lives in a directory of
        # its own under the system's temp dir, removed by ``remove()``.
        self._mail_root = (Path(tempfile.mkdtemp(prefix="relance-dovecot-mail-")) if self._root
                           else self.workdir / "mail")
        self._process: subprocess.Popen[bytes] | None = None
        self._uid = MAIL_UID if self._root else os.geteuid()
        self._gid = MAIL_UID if self._root else os.getegid()
        self._prepare(tls)

    # -- configuration ---------------------------------------------------------------------

    def _prepare(self, tls: bool) -> None:
        for sub in ("run", "state"):
            (self.workdir / sub).mkdir(parents=True, exist_ok=True)
        self._mail_root.mkdir(exist_ok=True)
        if self._root:
            os.chown(self._mail_root, self._uid, self._gid)
        if tls:
            self._make_certificate()
        (self.workdir / "dovecot.conf").write_text(self._config())

    def _make_certificate(self) -> None:
        if shutil.which("openssl") is None:
            raise RuntimeError("tls=True needs the openssl command to make a test certificate")
        cert, key = self.workdir / "cert.pem", self.workdir / "key.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
             "-keyout", str(key), "-out", str(cert)],
            check=True, capture_output=True,
        )
        self.cert_path, self.key_path = cert, key

    def _config(self) -> str:
        w = self.workdir
        if self.cert_path is not None:
            ssl = f"ssl = yes\nssl_cert = <{self.cert_path}\nssl_key = <{w / 'key.pem'}\n"
        else:
            ssl = "ssl = no\n"
        unprivileged = ""
        if not self._root:
            user = _user_name()
            unprivileged = (
                f"default_login_user = {user}\ndefault_internal_user = {user}\n"
                f"default_internal_group = {_group_name()}\n"
                "service anvil {\n  chroot =\n}\n"
                "service imap-login {\n  chroot =\n}\n"
            )
        return f"""# written by tests/servers/dovecot.py; self-contained
base_dir = {w / 'run'}
state_dir = {w / 'state'}
log_path = {w / 'dovecot.log'}
listen = {self.host}
protocols = imap lmtp
{ssl}disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = {self.mail_format}:~/Mail
mail_fsync = never
mail_privileged_group =
{unprivileged}
auth_failure_delay = 0
passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={self._uid} gid={self._gid} home={self._mail_root}/%u allow_all_users=yes
}}

namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
  mailbox Drafts {{
    special_use = \\Drafts
    auto = subscribe
  }}
  mailbox Trash {{
    special_use = \\Trash
    auto = subscribe
  }}
  mailbox Junk {{
    special_use = \\Junk
    auto = subscribe
  }}
}}

service imap-login {{
  inet_listener imap {{
    address = {self.host}
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    address = {self.host}
    port = {self.imaps_port}
  }}
}}

service lmtp {{
  inet_listener lmtp {{
    address = {self.host}
    port = {self.lmtp_port}
  }}
}}
{self.extra_config}
"""

    # -- users -----------------------------------------------------------------------------

    def add_user(self, local_part: str) -> MailUser:
        """Return the account ``local_part@example.test`` (password ``PASSWORD``).

        Every address in the domain exists (a static passdb and userdb): Dovecot creates the
        maildir on first use, so a test makes fresh users just by picking unused names. That is
        far cheaper than a passwd-file, which Dovecot re-reads only seconds after it changes.
        """
        return MailUser(f"{local_part}@{DOMAIN}", PASSWORD)

    # -- process ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start Dovecot in the foreground as a child; return once IMAP greets.

        Raises RuntimeError with the tail of Dovecot's log when it does not come up.
        """
        binary = dovecot_binary()
        if binary is None:
            raise RuntimeError(
                "dovecot is not installed (apt-get install dovecot-imapd dovecot-lmtpd)")
        self._process = subprocess.Popen(
            [binary, "-F", "-c", str(self.workdir / "dovecot.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, so stop() ends the sessions too
        )
        process = self._process

        def greets() -> bool:
            if process.poll() is not None:
                raise RuntimeError(f"dovecot exited at start: {self._failure_text()}")
            return _greets(self.host, self.imap_port)

        try:
            wait_until(greets, START_TIMEOUT_S, interval=0.02, what="Dovecot's IMAP greeting")
        except TimeoutError:
            self.stop()
            raise RuntimeError(
                f"dovecot did not greet within {START_TIMEOUT_S} s: {self._failure_text()}"
            ) from None

    def stop(self) -> None:
        """Stop Dovecot and every session it runs (SIGTERM to its process group, SIGKILL
        after 10 s), like a server that goes away; stopping twice is harmless.

        Dovecot's imap processes outlive the master for a while, and a test of "the server is
        gone" needs the open connections to break too.
        """
        process, self._process = self._process, None
        if process is None:
            return
        _signal_group(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _signal_group(process.pid, signal.SIGKILL)
            process.wait()

    def remove(self) -> None:
        """Stop, and delete the mail directory when it lives outside ``workdir``."""
        self.stop()
        if self._mail_root.parent != self.workdir:
            shutil.rmtree(self._mail_root, ignore_errors=True)

    def log_tail(self, lines: int = 30) -> str:
        """Return the last ``lines`` of Dovecot's log (for assertion messages)."""
        log = self.workdir / "dovecot.log"
        if not log.exists():
            return ""
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])

    def _failure_text(self) -> str:
        stderr = b""
        process = self._process
        if process is not None and process.stderr is not None and process.poll() is not None:
            stderr = process.stderr.read()
        return (stderr.decode(errors="replace") + "\n" + self.log_tail()).strip()

    def __enter__(self) -> DovecotServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass


def _greets(host: str, port: int) -> bool:
    """True when an IMAP server on (host, port) sends its ``* OK`` greeting (RFC 3501 §7.1.1)."""
    try:
        with socket.create_connection((host, port), timeout=1) as conn:
            return conn.recv(64).startswith(b"* OK")
    except OSError:
        return False


def _user_name() -> str:
    import pwd

    return pwd.getpwuid(os.geteuid()).pw_name


def _group_name() -> str:
    import grp

    return grp.getgrgid(os.getegid()).gr_name
