"""Stop a daemon we started, by the pid file it wrote (demo and benchmark)."""

import os
import signal
import time


def stop_pidfile(path, timeout=15):
    """SIGTERM the process recorded in ``path``, then SIGKILL if it is still there after
    ``timeout`` seconds (a salt-minion whose master is gone can sit on SIGTERM). Returns its pid,
    or None when there was no readable pid or no such process."""
    try:
        with open(path, encoding="utf-8") as handle:
            pid = int(handle.read().strip())
        os.kill(pid, signal.SIGTERM)
    except (OSError, ValueError):
        return None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        time.sleep(0.2)
    os.kill(pid, signal.SIGKILL)
    return pid
