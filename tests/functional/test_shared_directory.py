"""Why the brick-disk tests mount below a shared directory (``cluster.shared_directory``).

This machine's / is a private mount. A mount namespace made while a test has a filesystem
mounted (each test glusterd gets one, ``unshare --mount --propagation slave``, and another
xdist worker starts clusters at any time) keeps its copy of that mount after the test unmounts
it, so the filesystem stays mounted read-write there and mounting it read-only again fails
with the kernel's "Can't mount, would change RO state" (test_wipe_brick_data failed so in CI).
Below a shared mount the unmount reaches the copy. Both halves are shown for real here, on a
loop device, with the namespace held open by a ``sleep`` started the same way.
"""

import subprocess
import time

import pytest
from cluster import shared_directory
from loopdev import LoopDevices

pytestmark = pytest.mark.cluster


def _run(*argv, check=True):
    return subprocess.run(
        list(argv), check=check, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )


@pytest.fixture
def disk(tmp_path):
    devices = LoopDevices(str(tmp_path / "loops"))
    device = devices.attach("disk", size="64M")
    _run("mkfs.ext4", "-q", "-F", device)
    yield device
    devices.detach_all()


def _copied_then_remounted_read_only(device, where):
    """Mount ``device`` read-write under ``where``, let a new mount namespace copy it, unmount
    it here, then mount it read-only: the result of that last mount."""
    mountpoint, again = where / "rw", where / "ro"
    mountpoint.mkdir()
    again.mkdir()
    _run("mount", device, str(mountpoint))
    holder = subprocess.Popen(
        ["unshare", "--mount", "--propagation", "slave", "--", "sleep", "60"], stdin=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 10
        while (
            _run("readlink", f"/proc/{holder.pid}/ns/mnt", check=False).stdout
            == _run("readlink", "/proc/self/ns/mnt").stdout
        ):
            assert time.monotonic() < deadline, "unshare made no namespace"
            time.sleep(0.05)
        _run("umount", str(mountpoint))
        done = _run("mount", "-o", "ro", device, str(again), check=False)
        if done.returncode == 0:
            _run("umount", str(again))
        return done
    finally:
        holder.kill()
        holder.wait(timeout=10)


def test_a_copy_in_another_namespace_keeps_the_filesystem_read_write(disk, tmp_path):
    area = tmp_path / "private"
    area.mkdir()
    done = _copied_then_remounted_read_only(disk, area)
    assert done.returncode != 0, "this machine's / is shared now: the test below shows nothing more"


def test_below_a_shared_directory_the_unmount_reaches_the_copy(disk, tmp_path):
    area = tmp_path / "shared"
    area.mkdir()
    with shared_directory(area):
        done = _copied_then_remounted_read_only(disk, area)
    assert done.returncode == 0, done.stderr
