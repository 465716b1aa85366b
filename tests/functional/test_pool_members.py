"""A node added to the pool and removed again through the states: ``peered`` adds it,
``pool_members`` detaches it once it hosts no brick, and refuses (naming the volume) while it
still does."""

import pytest

pytestmark = pytest.mark.cluster


@pytest.fixture
def gluster(fresh_gluster):
    return fresh_gluster


def _members(cluster):
    return [node.address for node in cluster.nodes]


def test_node_added_then_removed_from_the_pool(states, gluster, gluster_cluster, spare_node):
    added = states.peered(name=spare_node.address, probe=True, timeout=60)
    assert added.result is True, added.comment
    assert gluster.peer_find(spare_node.address)["uuid"] == spare_node.uuid

    kept = states.pool_members(name="pool", members=_members(gluster_cluster))
    assert kept.result is True and kept.changes == {}
    assert spare_node.address in kept.comment and "left alone" in kept.comment
    assert gluster.peer_find(spare_node.address) is not None

    predicted = states.pool_members(
        name="pool", members=_members(gluster_cluster), detach_others=True, test=True
    )
    assert predicted.result is None
    assert predicted.changes == {"detached": [spare_node.address]}
    assert gluster.peer_find(spare_node.address) is not None, "test=True detached nothing"

    applied = states.pool_members(name="pool", members=_members(gluster_cluster), detach_others=True)
    assert applied.result is True, applied.comment
    assert applied.changes == predicted.changes
    assert gluster.peer_find(spare_node.address) is None
    assert len(gluster.pool_list()) == 3

    again = states.pool_members(name="pool", members=_members(gluster_cluster), detach_others=True)
    assert again.result is True and again.changes == {}


def test_node_with_bricks_is_not_detached(states, gluster, gluster_cluster, spare_node, clean_volumes):
    assert states.peered(name=spare_node.address, probe=True, timeout=60).result is True
    gluster_cluster.join(spare_node)  # already probed: waits until every node sees it connected
    n1, n2, _n3 = gluster_cluster.nodes
    bricks = [n1.new_brick("kept"), n2.new_brick("kept"), spare_node.new_brick("kept")]
    gluster.volume_create("kept", bricks, replica=3, force=True)

    predicted = states.pool_members(
        name="pool", members=_members(gluster_cluster), detach_others=True, test=True
    )
    assert predicted.result is False and predicted.changes == {}
    refused = states.pool_members(name="pool", members=_members(gluster_cluster), detach_others=True)
    assert refused.result is False
    assert refused.changes == {}
    assert f"{spare_node.address} still hosts bricks of kept" in refused.comment
    assert gluster.peer_find(spare_node.address)["uuid"] == spare_node.uuid
    assert [b["name"] for b in gluster.volume_info("kept")["bricks"]] == bricks
