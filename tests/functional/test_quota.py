"""Quotas on a real volume: limits set through the execution module are enforced on writes made
through a FUSE mount (``EDQUOT``), and ``quota_list`` reports them with their usage.

``volume quota ... list`` needs a harness step on this machine (several glusterd on one host):
``GlusterNode.quota_cli`` gives the module a gluster binary that runs in node 1's mount
namespace, where the CLI's hard-coded paths lead to node 1's files. Everything else is the
plain CLI. ``hard-timeout 0`` makes the bricks enforce a limit at once (with gluster's default
of 5 s a burst of writes can overshoot it)."""

import errno
import os
import time

import pytest

pytestmark = pytest.mark.cluster

RUN = "/var/run/gluster"


def _write(path, megabytes):
    """Write ``megabytes`` MiB to ``path``, one at a time (fsync, then a pause for the bricks'
    usage accounting, which is asynchronous); the OSError of a refused write, or None."""
    try:
        with open(path, "wb") as handle:
            for _ in range(megabytes):
                handle.write(os.urandom(1 << 20))
                handle.flush()
                os.fsync(handle.fileno())
                time.sleep(0.3)
    except OSError as exc:
        return exc
    return None


@pytest.fixture
def quota_volume(clean_volumes, gluster_with, tmp_path):
    cluster = clean_volumes
    node = cluster[0]
    before = set(os.listdir(RUN)) if os.path.isdir(RUN) else set()
    script, undo = node.quota_cli(str(tmp_path / "bin"))
    bricks = [n.new_brick("quota") for n in cluster.nodes]
    node.cli("volume", "create", "qv", "replica", "3", *bricks, "force")
    node.cli("volume", "start", "qv")
    mountpoint = str(tmp_path / "mnt")
    try:
        yield gluster_with(binary=script), node, cluster.mount("qv", mountpoint)
    finally:
        cluster.unmount(mountpoint)
        node.cli("volume", "quota", "qv", "disable", check=False)
        node.cli("volume", "stop", "qv", "force", check=False)
        undo()
        # what glusterd and quotad left in the shared run directory for this test: by name
        for name in set(os.listdir(RUN)) - before:
            if name in ("qv_quota_limit.pid", "qv_quota_list.pid", "quotad.socket"):
                os.remove(os.path.join(RUN, name))
            elif name == "qv_quota_list" and not os.path.ismount(os.path.join(RUN, name)):
                os.rmdir(os.path.join(RUN, name))


def test_limits_are_enforced_and_listed(quota_volume):
    gluster, node, mnt = quota_volume
    assert gluster.quota_enabled("qv") is False
    assert gluster.quota_enable("qv") == {"name": "qv", "quota": True}
    assert gluster.quota_enabled("qv") is True
    assert gluster.quota_list("qv") == []  # enabled, no limit yet
    for timeout in ("hard-timeout", "soft-timeout"):
        node.cli("volume", "quota", "qv", timeout, "0")
    os.makedirs(f"{mnt}/data")
    os.makedirs(f"{mnt}/objs")
    gluster.quota_limit("qv", "/data", "4MB", soft=50)
    gluster.quota_limit("qv", "/objs", 5, objects=True)

    assert _write(f"{mnt}/data/first", 3) is None
    refused = _write(f"{mnt}/data/second", 8)
    assert isinstance(refused, OSError) and refused.errno == errno.EDQUOT, refused
    created = 0
    with pytest.raises(OSError) as caught:
        for created in range(10):
            open(f"{mnt}/objs/f{created}", "w", encoding="utf-8").close()
    assert caught.value.errno == errno.EDQUOT and created < 5

    usage = {limit["path"]: limit for limit in gluster.quota_list("qv")}
    assert set(usage) == {"/data"}
    data = usage["/data"]
    assert data["hard_limit"] == 4 << 20 and data["soft_limit_percent"] == 50
    assert data["used"] >= 3 << 20 and data["soft_exceeded"] is True
    objects = gluster.quota_list("qv", objects=True)
    assert [(o["path"], o["hard_limit"], o["files"] + o["dirs"]) for o in objects] == [("/objs", 5, created + 1)]
    assert gluster.quota_list("qv", paths=["/data"]) == [data]

    gluster.quota_remove("qv", "/data")
    assert gluster.quota_list("qv") == []
    assert _write(f"{mnt}/data/third", 4) is None  # no limit any more
    gluster.quota_enable("qv", enabled=False)
    assert gluster.quota_enabled("qv") is False
