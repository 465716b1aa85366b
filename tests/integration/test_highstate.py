"""The whole product: pillar -> one concurrent highstate -> a converged cluster, mounted on a
client, through a real salt-master and real minions (node1..3 on their own bare glusterd at
127.1.2.1-3, client1 a client), and the same through ``gluster.orch.deploy``."""

import contextlib
import hashlib
import json
import os
import shutil
import time

import pytest
import yaml
from cluster import temporary_cluster

pytestmark = pytest.mark.cluster

NODES = ("node1", "node2", "node3")
CLIENT = "client1"
TARGET = ",".join((*NODES, CLIENT))
# volume -> (type keys, brick count): every volume type, end to end
VOLUMES = {
    "gv0": ({"type": "replicate", "replica": 3}, 3),
    "dist": ({"type": "distribute"}, 3),
    "arb": ({"type": "arbiter"}, 3),
    "disp": ({"type": "disperse", "disperse": 3, "redundancy": 1}, 3),
    "distrep": ({"type": "distributed-replicate", "replica": 3, "bricks_per_node": 2}, 6),
}
GV0_OPTIONS = {"performance.cache-size": "64MB", "network.ping-timeout": 10, "performance.quick-read": False}


@pytest.fixture(scope="module")
def bare_cluster():
    """Three glusterd that know nothing of each other yet (no pool, no volumes)."""
    with temporary_cluster("sgh-", subnet="127.1.2") as cluster:
        yield cluster


def good_pillar(cluster):
    base = cluster.base_dir
    volumes = {}
    for name, (keys, _count) in VOLUMES.items():
        volume = dict(keys, force=True)
        if keys.get("bricks_per_node", 1) > 1:
            volume["brick_path"] = f"{base}/bricks/{{node}}/{name}/b{{n}}"
        else:
            volume["brick_path"] = f"{base}/bricks/{{node}}/{name}"
        volumes[name] = volume
    volumes["gv0"]["options"] = dict(GV0_OPTIONS)
    return {
        "gluster": {
            "nodes": {f"node{n.index}": n.address for n in cluster.nodes},
            "peer_timeout": 90,
            "server": {"manage_packages": False, "manage_service": False},
            "volumes": volumes,
            "clients": {
                CLIENT: {
                    "mounts": {
                        f"{base}/mnt/{name}": {"volume": name, "fstab": f"{base}/fstab"} for name in VOLUMES
                    }
                }
            },
        }
    }


@pytest.fixture(scope="module")
def minions(salt_master, bare_cluster):
    factories = {}
    for node in bare_cluster.nodes:
        factories[f"node{node.index}"] = salt_master.salt_minion_daemon(
            f"node{node.index}", overrides={"gluster": node.minion_config()}
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
def set_pillar(pillar_dir, cli, minions):
    def write(data):
        (pillar_dir / "gluster.sls").write_text(yaml.safe_dump(data))
        ret = cli.run("-L", "saltutil.refresh_pillar", "wait=True", minion_tgt=TARGET)
        assert ret.returncode == 0, ret

    synced = cli.run("-L", "saltutil.sync_all", minion_tgt=TARGET)
    assert synced.returncode == 0, synced
    return write


@pytest.fixture(scope="module")
def unmount_client(bare_cluster):
    yield
    for name in VOLUMES:
        bare_cluster.unmount(f"{bare_cluster.base_dir}/mnt/{name}")


def highstate(cli, test=False):
    args = ["-L", "state.highstate"] + (["test=True"] if test else [])
    ret = cli.run(*args, minion_tgt=TARGET, _timeout=900)
    assert set(ret.data) == set(TARGET.split(",")), ret
    return ret.data


def by_id(minion_ret):
    """``{state id: (result, changes, comment)}`` of one minion's highstate."""
    assert isinstance(minion_ret, dict), minion_ret
    return {key.split("_|-")[1]: (v["result"], v["changes"], v["comment"]) for key, v in minion_ret.items()}


def gluster_reads(cluster):
    node = cluster[0]
    pool = node.cli("pool", "list").stdout
    volumes = node.cli("volume", "list").stdout.split()
    return pool, volumes


# (the unit tests hold 66 bad pillars; these show the error reaching every minion through highstate)
BAD_PILLARS = [
    (
        {"volumes": {"gv0": {"type": "replicate", "replica": 1, "brick_path": "/data/gv0"}}},
        "gluster:volumes:gv0:replica: 1 is not allowed for type replicate (needs >= 2)",
    ),
    (
        {"volumes": {"gv0": {"replcia": 3, "brick_path": "/data/gv0"}}},
        "gluster:volumes:gv0:replcia: unknown key",
    ),
    ({"leader": "node9"}, "gluster:leader: 'node9' is not a minion id in gluster:nodes"),
]


@pytest.mark.parametrize(
    "change,expected",
    BAD_PILLARS,
    ids=[b[1].split(":")[1] + "-" + b[1].split(":")[-2][-12:] for b in BAD_PILLARS],
)
def test_bad_pillar_stops_every_minion_before_any_change(bare_cluster, set_pillar, cli, change, expected):
    pillar = good_pillar(bare_cluster)
    for key, value in change.items():
        if key == "volumes":
            pillar["gluster"]["volumes"] = value
            pillar["gluster"]["clients"] = {}
        else:
            pillar["gluster"][key] = value
    set_pillar(pillar)
    before = gluster_reads(bare_cluster)
    for minion_id, result in highstate(cli).items():
        text = json.dumps(result)
        assert expected in text, (minion_id, text[:2000])
        assert "nothing was changed" in text, minion_id
    assert gluster_reads(bare_cluster) == before
    assert before[1] == [], "no volume was created"


@pytest.fixture(scope="module")
def predicted(bare_cluster, set_pillar, cli):
    set_pillar(good_pillar(bare_cluster))
    before = gluster_reads(bare_cluster)
    data = highstate(cli, test=True)
    assert gluster_reads(bare_cluster) == before, "test=True changed nothing in gluster"
    assert not os.path.exists(f"{bare_cluster.base_dir}/bricks"), "nor on disk"
    return {minion_id: by_id(ret) for minion_id, ret in data.items()}


APPLIED_AT = {}  # when the applying highstate started (its events come after)


@pytest.fixture(scope="module")
def applied(predicted, bare_cluster, cli, unmount_client):
    (open(f"{bare_cluster.base_dir}/fstab", "a", encoding="utf-8")).close()
    APPLIED_AT["time"] = time.time()
    data = highstate(cli)
    return {minion_id: by_id(ret) for minion_id, ret in data.items()}


def test_one_concurrent_highstate_converges(applied, bare_cluster):
    for minion_id, states in applied.items():
        failed = {sid: c for sid, (r, _ch, c) in states.items() if r is not True}
        assert not failed, (minion_id, failed)
    node = bare_cluster[0]
    # the pool: every node sees the two others connected
    for member in bare_cluster.nodes:
        status = member.cli("peer", "status").stdout
        assert status.count("Peer in Cluster (Connected)") == 2, (member.address, status)
    info = node.cli("volume", "info", "gv0").stdout
    assert "Type: Replicate" in info and "Status: Started" in info
    assert "Number of Bricks: 1 x 3 = 3" in info
    assert "performance.cache-size: 64MB" in info and "network.ping-timeout: 10" in info
    assert "performance.quick-read: off" in info
    assert sorted(node.cli("volume", "list").stdout.split()) == sorted(VOLUMES)


def test_test_mode_predicted_every_change(predicted, applied):
    for minion_id, states in applied.items():
        for sid, (_result, changes, _comment) in states.items():
            if not changes:
                continue
            assert sid in predicted[minion_id], (minion_id, sid)
            p_result, p_changes, p_comment = predicted[minion_id][sid]
            assert p_result is None, (minion_id, sid, p_comment)
            if sid.startswith(("gluster-peer-", "gluster-volume-", "gluster-op-version")):
                assert p_changes == changes, (minion_id, sid, p_changes, changes)
    leader_changes = {sid for sid, (_r, ch, _c) in applied["node1"].items() if ch}
    for name in VOLUMES:
        assert {f"gluster-volume-{name}", f"gluster-volume-{name}-started"} <= leader_changes
    assert {"gluster-peer-node2", "gluster-peer-node3"} <= leader_changes


def test_the_volumes_ran_ahead_and_each_state_sent_its_own_event(applied, salt_master, event_listener):
    """The leader ran the five volumes' states ahead, three at a time (gluster.volumes_converged);
    each state still reported its changes and sent its event to the master: one
    ``gluster/volume/created`` and one ``gluster/volume/started`` per volume, one
    ``gluster/volume/options_changed`` for gv0 (the only volume with options)."""
    ahead = applied["node1"]["gluster-volumes-converged"]
    assert ahead[0] is True and ahead[1] == {} and "5 volume(s) run ahead by 3 worker(s)" in ahead[2], ahead
    for name in VOLUMES:
        for sid in (f"gluster-volume-{name}", f"gluster-volume-{name}-started"):
            assert "(run ahead by gluster.volumes_converged)" in applied["node1"][sid][2], applied["node1"][
                sid
            ]
    sent = {}
    for what in ("created", "started", "options_changed"):
        tag = f"gluster/volume/{what}"
        found = event_listener.wait_for_events(
            [(salt_master.id, tag)], timeout=30, after_time=APPLIED_AT["time"]
        )
        assert found.found_all_events, f"no {tag} event"
        events = event_listener.get_events([(salt_master.id, tag)], after_time=APPLIED_AT["time"])
        sent[what] = sorted(event.data["data"]["volume"] for event in events if event.data["id"] == "node1")
    assert sent == {"created": sorted(VOLUMES), "started": sorted(VOLUMES), "options_changed": ["gv0"]}, sent


def _sha(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def test_every_volume_type_mounted_and_writable(applied, bare_cluster):
    base = bare_cluster.base_dir
    with open(f"{base}/fstab", encoding="utf-8") as handle:
        fstab = handle.read()
    for name, (_keys, bricks) in VOLUMES.items():
        mountpoint = f"{base}/mnt/{name}"
        info = bare_cluster[0].cli("volume", "info", name).stdout
        assert f"= {bricks}\n" in info or f"Number of Bricks: {bricks}\n" in info, info
        assert "Status: Started" in info, info
        assert os.path.ismount(mountpoint), name
        payload = os.urandom(256 * 1024)
        target = os.path.join(mountpoint, f"data-{name}.bin")
        with open(target, "wb") as handle:
            handle.write(payload)
        assert _sha(target) == hashlib.sha256(payload).hexdigest(), name
        line = next(line for line in fstab.splitlines() if f" {mountpoint} " in line.replace("\t", " "))
        assert "_netdev" in line and "backup-volfile-servers=127.1.2.2:127.1.2.3" in line, line
        assert line.split()[0] == f"127.1.2.1:/{name}"
    # replica 3: the file is whole on all three bricks
    copies = [f"{base}/bricks/node{i}/gv0/data-gv0.bin" for i in (1, 2, 3)]
    digests = {_sha(path) for path in copies}
    assert len(digests) == 1 and os.path.getsize(copies[0]) == 256 * 1024


def test_second_highstate_changes_nothing(applied, cli):
    again = highstate(cli)
    for minion_id, ret in again.items():
        states = by_id(ret)
        changed = {sid: ch for sid, (_r, ch, _c) in states.items() if ch}
        failed = {sid: c for sid, (r, _ch, c) in states.items() if r is not True}
        assert not changed, (minion_id, changed)
        assert not failed, (minion_id, failed)


def _reset(cluster):
    """Back to three bare glusterd: unmount, stop, wipe their state dirs (ours), start again."""
    for name in VOLUMES:
        cluster.unmount(f"{cluster.base_dir}/mnt/{name}")
    cluster.stop()
    for sub in ("node1", "node2", "node3", "bricks", "mnt"):
        shutil.rmtree(os.path.join(cluster.base_dir, sub), ignore_errors=True)
    with open(f"{cluster.base_dir}/fstab", "w", encoding="utf-8"):
        pass
    cluster.start()


def _orchestrate(salt_master):
    """Run gluster.orch.deploy; returns ``{step id: step}`` after checking every step passed."""
    ret = salt_master.salt_run_cli(timeout=900).run("state.orchestrate", "gluster.orch.deploy", _timeout=900)
    assert ret.returncode == 0, ret
    (steps,) = ret.data["data"].values()  # one entry: the master's own id
    for sid, step in steps.items():
        assert step["result"] is True, (sid, step.get("comment"))
    return {key.split("_|-")[1]: step for key, step in steps.items()}


def test_orchestrate_deploy_converges_in_one_pass(bare_cluster, salt_master, minions, unmount_client):
    """Runs last: it rebuilds the cluster from bare glusterd with the same pillar."""
    _reset(bare_cluster)
    assert bare_cluster[0].cli("volume", "list").stdout.split() == []
    steps = _orchestrate(salt_master)
    parts = ["server", "peers", "bricks", "volumes", "clients"]
    # each step first waits for a state run already going on its targets (none here)
    assert sorted(steps) == sorted(
        [f"gluster-orch-{p}" for p in parts] + [f"gluster-orch-{p}-wait" for p in parts]
    )
    info = bare_cluster[0].cli("volume", "info", "gv0").stdout
    assert "Status: Started" in info and "performance.cache-size: 64MB" in info
    for name in VOLUMES:
        assert os.path.ismount(f"{bare_cluster.base_dir}/mnt/{name}"), name

    for sid, step in _orchestrate(salt_master).items():
        if sid.endswith("-wait"):
            continue  # salt.function: its return is the seconds waited, not states
        for minion_id, minion_states in (step["changes"].get("ret") or {}).items():
            changed = {k: v["changes"] for k, v in minion_states.items() if v.get("changes")}
            assert not changed, (sid, minion_id, changed)
