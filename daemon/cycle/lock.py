"""One daemon per store: an advisory ``fcntl`` lock on a file beside the database.

The lock is held for the life of the process and released by the kernel when the process ends,
however it ends (SIGKILL included), so a crash never leaves a stale lock behind. The file keeps
the holder's pid only to name it in the refusal message.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from ..core.errors import StoreError


def lock_path_for(store_path: Path) -> Path:
    """The lock file of a store: ``relance.sqlite3`` → ``relance.sqlite3.lock``."""
    return store_path.with_name(store_path.name + ".lock")


class DaemonLock:
    """An exclusive lock on a store, taken without waiting. Use as a context manager."""

    def __init__(self, store_path: Path) -> None:
        self.path = lock_path_for(Path(store_path))
        self._fd = -1

    def acquire(self) -> None:
        """Take the lock, or raise ``StoreError`` naming the process that holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise StoreError(
                f"another relance (pid {holder}) is already running on the store "
                f"{self.path.with_suffix('')}; only one may. Stop it first (systemctl --user "
                "stop relance), or give this one another [store] path.") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = -1

    def __enter__(self) -> DaemonLock:
        self.acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.release()
