"""Loop devices for brick backend tests: sparse image files attached with partition scanning,
detached again by the device path this helper attached (never by a broad name).

Mounts on them are the test's own; :meth:`LoopDevices.detach_all` unmounts, by mount point,
whatever is still mounted from one of its devices (or their partitions) before detaching.
"""

import os
import subprocess


def _run(*argv, check=True):
    return subprocess.run(list(argv), check=check, capture_output=True, text=True, stdin=subprocess.DEVNULL)


def _device_numbers(device):
    """major:minor of ``device`` and of its partitions (sysfs), as /proc/self/mountinfo writes them."""
    numbers = set()
    name = os.path.basename(device)
    base = f"/sys/class/block/{name}"
    for entry in [base] + [os.path.join(base, e) for e in os.listdir(base) if e.startswith(name)]:
        try:
            with open(os.path.join(entry, "dev"), encoding="ascii") as handle:
                numbers.add(handle.read().strip())
        except OSError:
            pass
    return numbers


def mounts_of(device):
    """Mount points (deepest first) of ``device`` and its partitions in this mount namespace."""
    numbers = _device_numbers(device)
    found = []
    with open("/proc/self/mountinfo", encoding="utf-8") as handle:
        for line in handle:
            fields = line.split()
            if fields[2] in numbers:
                found.append(fields[4].encode().decode("unicode_escape"))
    return sorted(found, key=len, reverse=True)


class LoopDevices:
    """``attach(name, size)`` makes ``<directory>/<name>.img`` (sparse) and attaches it."""

    def __init__(self, directory):
        self.directory = directory
        self.devices = []
        os.makedirs(directory, exist_ok=True)

    def attach(self, name, size="512M"):
        image = os.path.join(self.directory, f"{name}.img")
        _run("truncate", "--size", size, image)
        device = _run("losetup", "--find", "--show", "--partscan", image).stdout.strip()
        self.devices.append(device)
        return device

    def detach_all(self):
        for device in self.devices:
            for mountpoint in mounts_of(device):
                if _run("umount", mountpoint, check=False).returncode != 0:
                    _run("umount", "-l", mountpoint, check=False)
            _run("losetup", "--detach", device, check=False)
        self.devices = []
