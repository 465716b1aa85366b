"""Salt 3007's ``glusterfs`` modules, kept under their old names, on the real pool: an SLS as
Salt 3007's documentation writes it converges in one run on Salt 3008, ``test=True`` predicts it
exactly and a second run changes nothing; every old execution function answers in the old
shape, and a failure raises gluster's own words where the old module returned False."""

import copy
import json
import os
import socket
import textwrap

import pytest
from salt.exceptions import CommandExecutionError
from salt.exceptions import SaltInvocationError
from saltfactories.utils.functional import Loaders

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def sls_loaders(minion_opts, tmp_path_factory):
    """Node 1's loaders with a file root of their own, for ``state.sls`` of an SLS written by a
    test (``state.template_str`` ignores ``test=True``)."""
    opts = copy.deepcopy(minion_opts)
    root = str(tmp_path_factory.mktemp("dropin-sls"))
    opts["file_roots"] = {"base": [root]}
    loaders = Loaders(opts, loaded_base_name=f"{__name__}.sls")
    loaders.sls_root = root
    yield loaders
    loaders.reset_state()


def _apply(loaders, text, test=False):
    with open(os.path.join(loaders.sls_root, "dropin.sls"), "w", encoding="utf-8") as sls:
        sls.write(textwrap.dedent(text))
    loaders.reset_state()  # a fresh read cache per run, as a new salt-call has
    result = loaders.modules.state.sls("dropin", test=test)
    result = getattr(result, "raw", result)
    assert isinstance(result, dict), result  # a list holds render errors
    ids = [key.split("_|-")[1] for key in result]
    # by state ID; the states one ID expands to with ``names`` by their name
    return {(key.split("_|-")[1] if ids.count(key.split("_|-")[1]) == 1 else key.split("_|-")[2]): value
            for key, value in result.items()}  # fmt: skip


def _old_sls(cluster, spare_node, bricks):
    peers = json.dumps([cluster[1].address, cluster[2].address, spare_node.address])
    return f"""
        peer-clusters:
          glusterfs.peered:
            - names: {peers}

        Replicated Volume:
          glusterfs.volume_present:
            - name: legacy3
            - bricks: {json.dumps(bricks)}
            - replica: 3
            - start: True
            - force: True
            - require:
              - glusterfs: peer-clusters
    """


def test_a_salt_3007_sls_predicted_applied_and_idempotent(sls_loaders, loaders, clean_volumes, spare_node):
    cluster = clean_volumes
    bricks = [cluster[i].new_brick("legacy3") for i in range(3)]
    sls = _old_sls(cluster, spare_node, bricks)

    predicted = _apply(sls_loaders, sls, test=True)
    assert cluster[0].cli("volume", "list").stdout.split() == [], "test=True created nothing"
    assert spare_node.address not in cluster[0].cli("peer", "status").stdout, "test=True probed nothing"

    applied = _apply(sls_loaders, sls)
    assert {i: s["result"] for i, s in applied.items()} == dict.fromkeys(applied, True), applied
    changed = {i for i, s in applied.items() if s["changes"]}
    assert changed == {spare_node.address, "Replicated Volume"}, applied
    # test=True predicted exactly: what changed said so beforehand, and nothing else did
    assert {i for i, s in predicted.items() if s["result"] is None and s["changes"]} == changed, predicted
    assert all(s["result"] is True for i, s in predicted.items() if i not in changed), predicted
    assert "created and started" in applied["Replicated Volume"]["comment"]
    assert applied["Replicated Volume"]["changes"] == {"new": ["legacy3"], "old": []}

    info = cluster[0].cli("volume", "info", "legacy3").stdout
    assert "Status: Started" in info and "Number of Bricks: 1 x 3 = 3" in info, info
    assert spare_node.address in cluster[0].cli("peer", "status").stdout

    again = _apply(sls_loaders, sls)
    assert {i: (s["result"], s["changes"]) for i, s in again.items()} == dict.fromkeys(again, (True, {})), (
        again
    )
    assert "already exists and is started" in again["Replicated Volume"]["comment"]


def test_started_and_add_volume_bricks_predict_and_report_their_changes(loaders, clean_volumes):
    cluster = clean_volumes
    states = loaders.states.glusterfs
    cluster[0].cli("volume", "create", "legacy1", cluster[0].new_brick("legacy1a"), "force")

    predicted = states.started(name="legacy1", test=True)
    assert predicted.result is None and predicted.changes == {"new": "started", "old": "stopped"}
    assert "Status: Created" in cluster[0].cli("volume", "info", "legacy1").stdout
    applied = states.started(name="legacy1")
    assert applied.result is True and applied.changes == predicted.changes  # the old state's typo hid them
    assert states.started(name="legacy1").changes == {}
    missing = states.started(name="no-such-volume")
    assert missing.result is False and "does not exist" in missing.comment

    first = cluster[0].new_brick("legacy1a")
    new = cluster[1].new_brick("legacy1b")
    predicted = states.add_volume_bricks(name="legacy1", bricks=[first, new], force=True, test=True)
    assert predicted.result is None and predicted.changes == {"old": [first], "new": [first, new]}
    assert "Number of Bricks: 1" in cluster[0].cli("volume", "info", "legacy1").stdout, (
        "test=True added nothing"
    )
    applied = states.add_volume_bricks(name="legacy1", bricks=[first, new], force=True)
    assert applied.result is True and applied.changes == predicted.changes, applied.comment
    assert states.add_volume_bricks(name="legacy1", bricks=[first, new]).changes == {}


def test_op_version_states(loaders, clean_volumes):
    cluster = clean_volumes
    states = loaders.states.glusterfs
    cluster[0].cli("volume", "create", "legacyop", cluster[0].new_brick("legacyop"), "force")
    current = int(loaders.modules.glusterfs.get_op_version("legacyop"))
    highest = int(loaders.modules.glusterfs.get_max_op_version())
    same = states.op_version(name="legacyop", version=current)
    assert same.result is True and same.changes == {} and str(current) in same.comment
    lower = states.op_version(name="legacyop", version=current - 1)
    assert lower.result is False and "cannot lower" in lower.comment
    at_max = states.max_op_version(name="legacyop", test=True)
    if current == highest:
        assert at_max.result is True and at_max.changes == {}
    else:
        assert at_max.result is None and at_max.changes == {"old": current, "new": highest}


def test_every_old_function_answers_in_the_old_shape(loaders, clean_volumes):
    cluster = clean_volumes
    old = loaders.modules.glusterfs
    peers = old.peer_status()
    assert {tuple(p["hostnames"])[0] for p in peers.values()} == {cluster[1].address, cluster[2].address}
    assert all(
        p["connected"] == "1" and p["state"] == "3" and p["stateStr"] == "Peer in Cluster"
        for p in peers.values()
    )
    assert old.peer(cluster[1].address) is True  # already a member: nothing to do, as before

    bricks = [cluster[i].new_brick("legacyfn") for i in range(3)]
    assert old.create_volume("legacyfn", bricks, replica=3, force=True) is True
    assert "legacyfn" in old.list_volumes()
    volume = old.info("legacyfn")["legacyfn"]
    assert volume["status"] == "0" and volume["replicaCount"] == "3"
    assert [b["path"] for b in volume["bricks"].values()] == bricks
    assert old.info()["legacyfn"]["id"] == volume["id"]

    assert old.start_volume("legacyfn") is True
    assert old.start_volume("legacyfn") is True  # already started
    status = old.status("legacyfn")
    assert sorted(status) == ["bricks", "healers", "nfs"]
    assert sorted(status["bricks"]) == sorted(bricks)
    assert all(b["online"] is True and b["pid"].isdigit() for b in status["bricks"].values()), status
    assert sorted(status["healers"]) == sorted(n.address for n in cluster.nodes)

    # the quota functions: tests/functional/test_quota.py (quota list needs a harness step here)
    current = old.get_op_version("legacyfn")
    assert current.isdigit() and old.get_max_op_version().isdigit()
    assert current in old.set_op_version(int(current))  # the version in force: nothing to do
    assert old.get_version() == cluster[0].cli("--version").stdout.split()[1]

    assert old.stop_volume("legacyfn") is True
    assert old.stop_volume("legacyfn") is True  # already stopped
    assert old.delete_volume("legacyfn") is True
    assert "legacyfn" not in old.list_volumes()


def test_failures_raise_gluster_words_where_the_old_module_returned_false(loaders, clean_volumes):
    old = loaders.modules.glusterfs
    cluster = clean_volumes
    with pytest.raises(CommandExecutionError, match="no-such-volume"):
        old.start_volume("no-such-volume")
    with pytest.raises(CommandExecutionError) as raised:
        old.info("no-such-volume")
    assert "does not exist" in str(raised.value), raised.value
    with pytest.raises(SaltInvocationError, match="GlusterFS removed in version 6"):
        old.create_volume(
            "legacyst", [cluster[0].new_brick("st1"), cluster[1].new_brick("st2")], stripe=2, force=True
        )
    with pytest.raises(SaltInvocationError):
        old.peer("bad;name")
    assert cluster[0].cli("volume", "list").stdout.split() == []


def test_a_hand_written_gluster_sls_converges_on_one_node(sls_loaders, loaders, clean_volumes, spare_node):
    """``gluster.*`` states written by hand, not by the formula: ``peered`` with ``names`` (this
    node's own name among them) probes by default, and the whole SLS converges in one run."""
    cluster = clean_volumes
    names = [socket.gethostname(), cluster[1].address, cluster[2].address, spare_node.address]
    bricks = [cluster[i].new_brick("handvol") for i in range(3)]
    sls = f"""
        pool:
          gluster.peered:
            - names: {json.dumps(names)}

        handvol-volume:
          gluster.volume_present:
            - name: handvol
            - bricks: {json.dumps(bricks)}
            - replica: 3
            - force: true
            - require:
              - gluster: pool

        handvol-options:
          gluster.volume_options:
            - name: handvol
            - options: {{performance.cache-size: 64MB}}
            - require:
              - gluster: handvol-volume

        handvol-started:
          gluster.volume_started:
            - name: handvol
            - require:
              - gluster: handvol-options
    """
    predicted = _apply(sls_loaders, sls, test=True)
    assert cluster[0].cli("volume", "list").stdout.split() == [], "test=True created nothing"
    applied = _apply(sls_loaders, sls)
    assert {i: s["result"] for i, s in applied.items()} == dict.fromkeys(applied, True), applied
    changed = {i for i, s in applied.items() if s["changes"]}
    assert changed == {spare_node.address, "handvol-volume", "handvol-options", "handvol-started"}, applied
    would = {i for i, s in predicted.items() if s["result"] is None or s["changes"]}
    announced = {i for i, s in predicted.items() if s["changes"]}
    assert would == changed and announced == changed, predicted
    assert "this node" in applied[socket.gethostname()]["comment"]
    info = cluster[0].cli("volume", "info", "handvol").stdout
    assert "Status: Started" in info and "performance.cache-size: 64MB" in info, info

    again = _apply(sls_loaders, sls)
    assert {i: (s["result"], s["changes"]) for i, s in again.items()} == dict.fromkeys(again, (True, {})), (
        again
    )
