"""Faults through a real master and minions: a node killed in the middle of a highstate, a
peer that stays down, the leader minion down, and highstates started on every minion at once
together with an orchestrate run. The cluster and its data must come out whole.

Own bare cluster on 127.1.5.1-3 (minions fault-node1..3) and a client minion (fault-client)
that mounts ``fv0``; a set of files with checksums is written before the faults and read back
after each step. Every ``volume create`` gluster ran is counted in its command history
(``/var/log/glusterfs/cmd_history.log``, the brick paths name this cluster's directory).
"""

import contextlib
import os
import threading
import time

import pytest
import yaml
from cluster import temporary_cluster
from dataset import lost_or_changed
from dataset import write_files

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

SUBNET = "127.1.5"
NODES = ("fault-node1", "fault-node2", "fault-node3")
CLIENT = "fault-client"
EVERYONE = (*NODES, CLIENT)
PEER_TIMEOUT = 20
CMD_HISTORY = "/var/log/glusterfs/cmd_history.log"


@pytest.fixture(scope="module")
def bare_cluster():
    with temporary_cluster("sgf5-", subnet=SUBNET) as cluster:
        yield cluster


def pillar(cluster, leader=None, volumes=(), options=None):
    """fv0 (replica 3 on every node) and ``pair`` (replica 2 on nodes 1 and 2 only), plus the
    replica-3 ``volumes`` given."""
    base = cluster.base_dir

    def replica3(name):
        return {
            "type": "replicate",
            "replica": 3,
            "brick_path": f"{base}/bricks/{{node}}/{name}",
            "force": True,
        }

    spec = {
        "fv0": replica3("fv0"),
        "pair": {
            "type": "replicate",
            "replica": 2,
            "nodes": ["fault-node1", "fault-node2"],
            "brick_path": f"{base}/bricks/{{node}}/pair",
            "force": True,
            # no self-heal daemon for pair (the test never heals it): on one machine every
            # glusterd counts pair's 127.x bricks as its own, so node 3 attaches pair to its
            # self-heal daemon too; pair changed while node 3 was down is then imported twice
            # when node 3 starts again (once from each peer), attached twice, and glusterd 10.3
            # spins (a synctask thread at 100% CPU, nothing logged, no CLI answered): seen in
            # CI and reproduced here under load. A real node 3 holds no brick of pair.
            "options": {"cluster.self-heal-daemon": "off", **(options or {})},
        },
        **{name: replica3(name) for name in volumes},
    }
    data = {
        "nodes": {f"fault-node{n.index}": n.address for n in cluster.nodes},
        "peer_timeout": PEER_TIMEOUT,
        "server": {"manage_packages": False, "manage_service": False},
        "volumes": spec,
        "clients": {CLIENT: {"mounts": {f"{base}/mnt/fv0": {"volume": "fv0", "fstab": f"{base}/fstab"}}}},
    }
    if leader:
        data["leader"] = leader
    return {"gluster": data}


@pytest.fixture(scope="module")
def minions(salt_master, bare_cluster):
    factories = {}
    for node in bare_cluster.nodes:
        minion_id = f"fault-node{node.index}"
        factories[minion_id] = salt_master.salt_minion_daemon(
            minion_id, overrides={"gluster": node.minion_config()}
        )
    factories[CLIENT] = salt_master.salt_minion_daemon(CLIENT)
    with contextlib.ExitStack() as stack:
        for factory in factories.values():
            stack.enter_context(factory.started(start_timeout=120))
        yield factories


@pytest.fixture(scope="module")
def cli(salt_master):
    return salt_master.salt_cli(timeout=900)


@pytest.fixture(scope="module")
def set_pillar(pillar_dir, cli, minions, salt_master):
    """Write the pillar for the fault minions and the master (orchestrate renders with it)."""

    def write(data, targets=EVERYONE):
        (pillar_dir / "fault.sls").write_text(yaml.safe_dump(data))
        top = {"base": {"fault-*": ["fault"], salt_master.id: ["fault"]}}
        (pillar_dir / "top.sls").write_text(yaml.safe_dump(top))
        ret = cli.run("-L", "saltutil.refresh_pillar", "wait=True", minion_tgt=",".join(targets))
        assert ret.returncode == 0, ret

    synced = cli.run("-L", "saltutil.sync_all", minion_tgt=",".join(EVERYONE))
    assert synced.returncode == 0, synced
    yield write
    (pillar_dir / "top.sls").write_text("base:\n  '*':\n    - gluster\n")


def highstate(cli, targets=EVERYONE):
    ret = cli.run("-L", "state.highstate", minion_tgt=",".join(targets), _timeout=900)
    assert set(ret.data) == set(targets), ret
    states = {}
    for minion_id, minion_ret in ret.data.items():
        assert isinstance(minion_ret, dict), (minion_id, minion_ret)
        states[minion_id] = {k.split("_|-")[1]: v for k, v in minion_ret.items()}
    return states


def failures(states):
    return {
        (m, sid): s["comment"]
        for m, by_id in states.items()
        for sid, s in by_id.items()
        if s["result"] is not True
    }


def changed(states):
    return {(m, sid): s["changes"] for m, by_id in states.items() for sid, s in by_id.items() if s["changes"]}


def creates(cluster, name, since):
    """Every ``volume create NAME`` gluster logged for this cluster since ``since``: (outcome, line)."""
    found = []
    with open(CMD_HISTORY, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if f" : volume create {name} " in line and cluster.base_dir in line and line[1:20] >= since:
                found.append(("SUCCESS" if line.rstrip().endswith(": SUCCESS") else "FAILED", line.strip()))
    return found


def volumes(cluster, node=0):
    return set(cluster[node].cli("volume", "list").stdout.split())


@pytest.fixture(scope="module")
def deployed(bare_cluster, set_pillar, cli):
    """fv0 and pair made by one highstate; 60 files with checksums written through the client."""
    open(f"{bare_cluster.base_dir}/fstab", "a", encoding="utf-8").close()
    set_pillar(pillar(bare_cluster))
    mountpoint = f"{bare_cluster.base_dir}/mnt/fv0"
    try:  # the client minion mounts fv0 even when another state fails: unmount it either way
        first = highstate(cli)
        assert not failures(first), failures(first)
        assert os.path.ismount(mountpoint)
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
        yield {
            "mountpoint": mountpoint,
            "manifest": write_files(mountpoint, 60, prefix="before"),
            "since": started,
        }
    finally:
        bare_cluster.unmount(mountpoint)


def _job_started(minion_factory):
    """Whether the minion has a job running (the proc file the minion writes for each job)."""
    proc = os.path.join(minion_factory.config["cachedir"], "proc")
    return os.path.isdir(proc) and bool(os.listdir(proc))


def test_node_killed_in_the_middle_of_a_highstate(bare_cluster, set_pillar, cli, deployed, minions):
    node3 = bare_cluster[2]
    set_pillar(pillar(bare_cluster, volumes=["fv1"]))
    results = {}
    run = threading.Thread(target=lambda: results.update(highstate(cli)))
    run.start()
    deadline = time.monotonic() + 60
    while not _job_started(minions["fault-node3"]):
        assert time.monotonic() < deadline and run.is_alive(), "the highstate never started on fault-node3"
        time.sleep(0.02)
    killed = node3.kill()  # glusterd, bricks and self-heal of node 3: SIGKILL
    run.join(900)
    assert killed and not node3.is_running()
    assert results, "the highstate returned"

    # node 3: its first gluster step fails and says its glusterd cannot be reached
    node3_failed = {sid: s["comment"] for sid, s in results["fault-node3"].items() if s["result"] is False}
    assert node3_failed, results["fault-node3"]
    assert any(
        node3.socket in comment and "is glusterd running" in comment for comment in node3_failed.values()
    ), node3_failed

    # the leader: waited for node 3 (bounded), names it, and creates nothing that needs it
    leader = results["fault-node1"]
    peer = leader["gluster-peer-fault-node3"]
    assert peer["result"] is False and node3.address in peer["comment"], peer
    assert f"after {PEER_TIMEOUT}" in peer["comment"], peer
    assert peer["duration"] / 1000 < PEER_TIMEOUT + 15, peer["duration"]
    for sid in ("gluster-volume-fv1", "gluster-volume-fv0"):
        assert leader[sid]["result"] is False, leader[sid]
        assert "gluster-peer-fault-node3" in leader[sid]["comment"], leader[sid]["comment"]
    assert "fv1" not in volumes(bare_cluster), "no volume half-created without a report"
    assert creates(bare_cluster, "fv1", deployed["since"]) == []
    # what does not need node 3 still converged
    assert leader["gluster-volume-pair"]["result"] is True, leader["gluster-volume-pair"]
    assert not failures({"fault-node2": results["fault-node2"]}), results["fault-node2"]

    assert lost_or_changed(deployed["mountpoint"], deployed["manifest"]) == []


def test_peer_that_stays_down_fails_only_what_needs_it(bare_cluster, set_pillar, cli, deployed):
    node3 = bare_cluster[2]
    assert not node3.is_running()
    set_pillar(pillar(bare_cluster, volumes=["fv1"], options={"network.ping-timeout": 13}))

    results = highstate(cli)

    leader = results["fault-node1"]
    peer = leader["gluster-peer-fault-node3"]
    assert (
        peer["result"] is False and node3.address in peer["comment"] and "disconnected" in peer["comment"]
    ), peer
    assert PEER_TIMEOUT * 0.9 <= peer["duration"] / 1000 < PEER_TIMEOUT + 15, peer["duration"]
    options = leader["gluster-volume-pair-options"]
    assert options["result"] is True and options["changes"], options
    assert "13" in bare_cluster[0].cli("volume", "get", "pair", "network.ping-timeout").stdout.split()
    assert leader["gluster-volume-fv1"]["result"] is False
    assert "fv1" not in volumes(bare_cluster)
    # the client keeps its mount; the data is there, and more is written while node 3 is down
    assert results[CLIENT][f"gluster-mount-{deployed['mountpoint']}"]["result"] is True
    assert lost_or_changed(deployed["mountpoint"], deployed["manifest"]) == []
    deployed["manifest"].update(write_files(deployed["mountpoint"], 20, prefix="while-down"))


def test_node_back_next_highstate_converges(bare_cluster, set_pillar, cli, deployed):
    node3 = bare_cluster[2]
    node3.start()
    bare_cluster.nodes[0].cli("volume", "list")
    deadline = time.monotonic() + 60
    while not bare_cluster.pool_connected():
        assert time.monotonic() < deadline, "node 3 did not reconnect"
        time.sleep(0.5)

    results = highstate(cli)

    assert not failures(results), failures(results)
    assert results["fault-node1"]["gluster-volume-fv1"]["changes"], "fv1 is created now"
    assert "fv1" in volumes(bare_cluster) and "fv1" in volumes(bare_cluster, node=2)
    assert [outcome for outcome, _line in creates(bare_cluster, "fv1", deployed["since"])] == ["SUCCESS"]
    again = highstate(cli)
    assert not failures(again) and not changed(again), changed(again)
    assert lost_or_changed(deployed["mountpoint"], deployed["manifest"]) == []


def test_leader_minion_down_the_next_leader_takes_over(bare_cluster, set_pillar, cli, deployed, minions):
    old_leader = minions["fault-node1"]
    old_leader.terminate()
    try:
        up = ("fault-node2", "fault-node3", CLIENT)
        set_pillar(pillar(bare_cluster, leader="fault-node2", volumes=["fv1", "fv2"]), targets=up)
        results = highstate(cli, targets=up)
        assert not failures(results), failures(results)
        new_leader = results["fault-node2"]
        assert new_leader["gluster-volume-fv2"]["changes"], new_leader["gluster-volume-fv2"]
        for name in ("fv0", "fv1", "pair"):
            assert not new_leader[f"gluster-volume-{name}"]["changes"], new_leader[f"gluster-volume-{name}"]
        assert "fv2" in volumes(bare_cluster)
    finally:
        old_leader.start()
    # the old leader is back as an ordinary node: nothing cluster-wide, nothing changed
    set_pillar(pillar(bare_cluster, leader="fault-node2", volumes=["fv1", "fv2"]))
    results = highstate(cli)
    assert not failures(results) and not changed(results), (failures(results), changed(results))
    assert not any(sid.startswith("gluster-volume-") for sid in results["fault-node1"])
    # created once each, by whichever node was the leader then; fv0 and pair before this module's faults
    made = {
        name: [o for o, _line in creates(bare_cluster, name, deployed["since"])]
        for name in ("fv0", "fv1", "fv2", "pair")
    }
    assert made == {"fv0": [], "pair": [], "fv1": ["SUCCESS"], "fv2": ["SUCCESS"]}, made
    assert lost_or_changed(deployed["mountpoint"], deployed["manifest"]) == []


def test_concurrent_highstates_and_an_orchestrate_create_each_volume_once(
    bare_cluster, set_pillar, cli, deployed, salt_master
):
    set_pillar(pillar(bare_cluster, leader="fault-node2", volumes=["fv1", "fv2", "fv3", "fv4"]))
    since = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
    results, orchestrated = {}, {}
    run = threading.Thread(target=lambda: results.update(highstate(cli)))
    orch = threading.Thread(
        target=lambda: orchestrated.update(
            ret=salt_master.salt_run_cli(timeout=900).run(
                "state.orchestrate", "gluster.orch.deploy", _timeout=900
            )
        )
    )
    run.start()
    orch.start()
    run.join(900)
    orch.join(900)

    assert not failures(results), failures(results)
    ret = orchestrated["ret"]
    assert ret.returncode == 0, ret
    (steps,) = ret.data["data"].values()
    assert all(step["result"] is True for step in steps.values()), steps
    steps = {key.split("_|-")[1]: step for key, step in steps.items()}
    # the orchestrate waited for the highstate on the nodes before its first step
    waited = steps["gluster-orch-server-wait"]["changes"]["ret"]
    assert set(waited) == set(NODES) and max(waited.values()) > 0, waited
    for name in ("fv3", "fv4"):
        made = [outcome for outcome, _line in creates(bare_cluster, name, since)]
        assert made == ["SUCCESS"], (name, made)
    assert {"fv3", "fv4"} <= volumes(bare_cluster)

    for _ in range(2):
        again = highstate(cli)
        assert not failures(again) and not changed(again), (failures(again), changed(again))
    assert lost_or_changed(deployed["mountpoint"], deployed["manifest"]) == []
