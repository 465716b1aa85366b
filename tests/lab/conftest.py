"""Tests on the lab of real hosts (tests/support/real_hosts.py): bare Debian machines under systemd,
addressed by hostname, with the formula's package and service half switched on.

They need root, ``systemd-container``, ``debootstrap`` and ``dpkg-dev`` (``scripts/setup.sh``),
and the first run on a machine builds the cached base root (about 2 minutes). All of them run
in one pytest-xdist group (tests/support/groups.py): one lab at a time.
"""

import shutil

import pytest

pytestmark = pytest.mark.lab


def pytest_collection_modifyitems(items):
    for item in items:
        if "/tests/lab/" in str(item.fspath):
            item.add_marker(pytest.mark.lab)
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session", autouse=True)
def lab_tools():
    missing = [
        tool
        for tool in ("systemd-nspawn", "debootstrap", "dpkg-scanpackages", "losetup")
        if not shutil.which(tool)
    ]
    if missing:
        pytest.fail(
            f"the lab needs {', '.join(missing)}: "
            "run scripts/setup.sh (systemd-container, debootstrap, dpkg-dev)"
        )


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


@pytest.fixture(scope="session", autouse=True)
def lab_teardown_on_sigterm():
    """A SIGTERM (a CI timeout, a kill) runs the fixtures' teardown like Ctrl-C does, so that
    the lab's containers, loop devices and namespaces go too; the next ``up`` of a lab of the
    same name also removes whatever a SIGKILL left (by the pids and paths it recorded)."""
    import signal  # pylint: disable=import-outside-toplevel

    previous = signal.signal(signal.SIGTERM, _interrupt)
    yield
    signal.signal(signal.SIGTERM, previous)
