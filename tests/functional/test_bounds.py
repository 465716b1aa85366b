"""Calls that used to wait for ever now have a bound, shown on real hung peers: a glusterd
stopped with SIGSTOP (its socket accepts, nothing answers) and a FUSE client stopped the same way
(every read of its mount blocks in the kernel). The beacon's look (``gluster.health`` with a
short ``timeout``) reports glusterd down in seconds; ``gluster.mount_connections`` gives up on
the mount's ``.meta`` files after ``META_TIMEOUT``. Both processes are ours (the spare node's
glusterd by its pid file, the client by its mount point) and are continued afterwards."""

import os
import signal
import time

import pytest

pytestmark = pytest.mark.cluster

VOLUME = "bounds"


def test_the_beacons_look_at_a_hung_glusterd_is_bounded(spare_node, gluster_with):
    gluster = gluster_with(socket=spare_node.socket)
    assert gluster.health(timeout=5)["conditions"]["glusterd"]["problem"] is False
    previous = gluster.health(timeout=5)["conditions"]
    pid = spare_node.pid
    os.kill(pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        looked = gluster.health(timeout=2, previous=previous)
        waited = time.monotonic() - started
    finally:
        os.kill(pid, signal.SIGCONT)
    glusterd = looked["conditions"]["glusterd"]
    assert glusterd["problem"] is True and "did not answer within 2" in glusterd["error"], glusterd
    assert [e["tag"] for e in looked["events"]] == ["glusterd/down"], looked["events"]
    assert waited < 30, f"the look took {waited:.1f}s with a 2 s bound (a state's default is 120 s)"
    assert gluster.health(timeout=5)["conditions"]["glusterd"]["problem"] is False, (
        "answers again once continued"
    )


def _client_pid(mountpoint):
    """The glusterfs client process serving ``mountpoint`` (its last argument)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                argv = handle.read().split(b"\0")
        except OSError:
            continue
        argv = [arg.decode(errors="replace") for arg in argv if arg]
        if argv and os.path.basename(argv[0]) == "glusterfs" and argv[-1] == mountpoint:
            return int(entry)
    raise AssertionError(f"no glusterfs client found for {mountpoint}")


def test_reading_a_hung_mount_is_bounded(gluster_cluster, gluster, tmp_path, monkeypatch):
    bricks = [node.new_brick(VOLUME) for node in gluster_cluster.nodes]
    gluster_cluster[0].cli("volume", "create", VOLUME, *bricks, "force")
    gluster_cluster[0].cli("volume", "start", VOLUME)
    mountpoint = str(tmp_path / "mnt")
    gluster_cluster.mount(VOLUME, mountpoint)
    try:
        assert len(gluster.mount_connections(mountpoint)) == 3
        pid = _client_pid(mountpoint)
        os.kill(pid, signal.SIGSTOP)
        try:
            started = time.monotonic()
            with pytest.raises(Exception, match=r"reading .*/\.meta/graphs/active did not answer within 10s"):
                gluster.mount_connections(mountpoint)
            waited = time.monotonic() - started
        finally:
            os.kill(pid, signal.SIGCONT)
        assert waited < 30, waited
        assert len(gluster.mount_connections(mountpoint)) == 3, "the mount answers again"
    finally:
        gluster_cluster.unmount(mountpoint)
        gluster_cluster[0].cli("volume", "stop", VOLUME, "force", check=False)
        gluster_cluster[0].cli("volume", "delete", VOLUME, check=False)
