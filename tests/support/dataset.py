"""A known set of files written through a FUSE mount, checked byte for byte afterwards.

Before every day-2 operation the tests write files of varied sizes (some in sub-directories)
and keep their SHA-256; afterwards :func:`lost_or_changed` reads every one back through the
mount and names each file that is missing or differs. Any entry fails the test.
"""

import hashlib
import os


def write_files(mountpoint, count=60, prefix="data"):
    """Write ``count`` files under ``mountpoint``; returns ``{relative path: sha256}``."""
    manifest = {}
    for index in range(count):
        folder = f"{prefix}-dir{index % 4}" if index % 3 == 0 else ""
        relative = os.path.join(folder, f"{prefix}-{index:03d}.bin")
        path = os.path.join(mountpoint, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        # sizes from a few bytes to ~200 KiB, content depending on the index
        size = 7 + (index * 7919) % 200_000
        block = hashlib.sha256(f"{prefix}{index}".encode()).digest()
        content = (block * (size // len(block) + 1))[:size]
        with open(path, "wb") as handle:
            handle.write(content)
        manifest[relative] = hashlib.sha256(content).hexdigest()
    return manifest


def lost_or_changed(mountpoint, manifest):
    """The files of ``manifest`` that are missing or differ when read through ``mountpoint``."""
    problems = []
    for relative, digest in sorted(manifest.items()):
        path = os.path.join(mountpoint, relative)
        try:
            with open(path, "rb") as handle:
                actual = hashlib.sha256(handle.read()).hexdigest()
        except OSError as exc:
            problems.append(f"{relative}: {exc}")
            continue
        if actual != digest:
            problems.append(f"{relative}: content changed")
    return problems


def files_on_brick(brick_dir):
    """Regular files stored on a brick directory (gluster's own .glusterfs excluded);
    DHT link files (empty, sticky bit only) are not counted."""
    found = []
    for dirpath, dirnames, filenames in os.walk(brick_dir):
        dirnames[:] = [d for d in dirnames if d != ".glusterfs"]
        for name in filenames:
            path = os.path.join(dirpath, name)
            stat = os.stat(path)
            if stat.st_size == 0 and stat.st_mode & 0o1000:
                continue
            found.append(os.path.relpath(path, brick_dir))
    return sorted(found)
