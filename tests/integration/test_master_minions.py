"""Through a real salt-master: the module reaches the minions by saltutil.sync_all and each
minion answers with its own node's view of the pool."""

import pytest

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def synced(salt_cli, gluster_minions):
    ret = salt_cli.run("saltutil.sync_all", minion_tgt="gfs*")
    assert ret.returncode == 0, ret
    return ret.data


def test_sync_all_delivers_modules(synced, gluster_minions):
    assert set(synced) == set(gluster_minions)
    for minion_id, result in synced.items():
        assert "modules.gluster" in result["modules"], (minion_id, result)
        assert "states.gluster" in result["states"], (minion_id, result)
        assert {"utils.gluster_cli", "utils.gluster_xml", "utils.gluster_validate"} <= set(
            result["utils"]
        ), (minion_id, result)


def test_peer_status_every_node_own_view(salt_cli, synced, gluster_minions, gluster_cluster):
    ret = salt_cli.run("gluster.peer_status", minion_tgt="gfs*")
    assert ret.returncode == 0, ret
    assert set(ret.data) == set(gluster_minions)
    all_uuids = {node.uuid for node in gluster_cluster.nodes}
    for minion_id, (_factory, node) in gluster_minions.items():
        peers = ret.data[minion_id]
        assert isinstance(peers, list) and len(peers) == 2, (minion_id, peers)
        seen = {peer["uuid"] for peer in peers}
        # every node sees the two others, never itself
        assert seen == all_uuids - {node.uuid}, minion_id
        assert all(peer["connected"] is True for peer in peers)
        assert node.address not in {peer["hostname"] for peer in peers}


def test_pool_list_self_is_the_minions_node(salt_cli, synced, gluster_minions):
    ret = salt_cli.run("gluster.pool_list", minion_tgt="gfs*")
    assert ret.returncode == 0, ret
    for minion_id, (_factory, node) in gluster_minions.items():
        own = [peer for peer in ret.data[minion_id] if peer["self"]]
        assert [peer["uuid"] for peer in own] == [node.uuid], minion_id


def test_bad_input_reaches_the_caller_as_a_clear_error(salt_cli, synced):
    ret = salt_cli.run("gluster.volume_info", "bad;name", minion_tgt="gfs1")
    text = str(ret.data)
    assert "volume name 'bad;name' is not allowed" in text, ret
