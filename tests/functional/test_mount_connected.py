"""A FUSE mount's own view of its brick connections (``gluster.mount_connections``, read from
the client's ``.meta/graphs/active``) and the state that waits for all of them
(``gluster.mount_connected``, which the formula's client sls runs after each mount): on a
distribute volume a file that hashes to a brick the mount is not connected to fails with EIO."""

import pytest

pytestmark = pytest.mark.cluster

VOLUME = "mc"


@pytest.fixture
def mounted(gluster_cluster, tmp_path):
    bricks = [node.new_brick("mc") for node in gluster_cluster.nodes]
    gluster_cluster[0].cli("volume", "create", VOLUME, *bricks, "force")
    gluster_cluster[0].cli("volume", "start", VOLUME)
    mountpoint = str(tmp_path / "mnt")
    gluster_cluster.mount(VOLUME, mountpoint)
    try:
        yield mountpoint, bricks
    finally:
        gluster_cluster.unmount(mountpoint)
        gluster_cluster[0].cli("volume", "stop", VOLUME, "force", check=False)
        gluster_cluster[0].cli("volume", "delete", VOLUME, check=False)


def test_the_mount_reports_its_bricks_and_the_state_waits_for_them(mounted, gluster, states, gluster_cluster):
    mountpoint, bricks = mounted
    ret = states.mount_connected(name=mountpoint, timeout=30)
    assert ret.result is True and ret.changes == {}, ret.comment
    connections = gluster.mount_connections(mountpoint)
    assert sorted(c["brick"] for c in connections.values()) == sorted(bricks)
    assert all(c["connected"] for c in connections.values())

    # one brick process killed: the mount says so, and the state fails naming that brick
    gluster_cluster[0].kill_brick(VOLUME, bricks[2])
    ret = states.mount_connected(name=mountpoint, timeout=15)
    assert ret.result is False and ret.comment.endswith(f"not connected to {bricks[2]} after 15s"), (
        ret.comment
    )
    assert [c["brick"] for c in gluster.mount_connections(mountpoint).values() if not c["connected"]] == [
        bricks[2]
    ]
    gluster_cluster[0].start_bricks(VOLUME, bricks[2])
    ret = states.mount_connected(name=mountpoint, timeout=30)
    assert ret.result is True, ret.comment


def test_not_a_gluster_mount_is_an_error(gluster, states, tmp_path):
    ret = states.mount_connected(name=str(tmp_path), timeout=1)
    assert ret.result is False and "is not a GlusterFS mount" in ret.comment
    with pytest.raises(Exception, match="mount point 'relative' must be an absolute path"):
        gluster.mount_connections("relative")
