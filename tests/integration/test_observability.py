"""Observability through a real salt-master and minions on a real cluster (obs1..obs3 on their own
glusterd at 127.1.15.1-3): the highstate (with ``gluster:monitoring``) creates a replica-3 volume,
firing ``gluster/volume/created``, and puts the gluster beacon on every node; the grains describe
each node; ``salt-run gluster.status`` on the healthy cluster; a brick process killed -> the
beacon's ``brick/offline`` event within two intervals and ``gluster.status`` degraded, field by
field; the brick started again -> ``brick/online``; a node's glusterd stopped -> its own
``glusterd/down`` and the leader's ``peer/disconnected``, and back. Then the example reactor of
the formula is switched on and brings a killed brick back by itself."""

import contextlib
import os
import shutil
import signal
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from cluster import _wait_for
from cluster import temporary_cluster
from formula_root import formula_root

pytestmark = pytest.mark.cluster

REACTOR = Path(__file__).resolve().parents[2] / "salt" / "gluster" / "reactor" / "brick_offline.sls"
MINIONS = ("obs1", "obs2", "obs3")
VOLUME = "watched"
INTERVAL = 5
SUBNET = "127.1.15"


@pytest.fixture(scope="module")
def cluster():
    # the pool formed beforehand: the formula's own forming of a pool is what test_highstate,
    # test_day2 and test_faults test; here one highstate must create the volume, and a pool
    # formed in that same highstate can fail the create while two peers are not connected to
    # each other yet (seen once under pytest -n load; see _states/gluster.py PEER_NOT_CONNECTED)
    with temporary_cluster("sgo-", subnet=SUBNET, pool=True) as started:
        yield started


@pytest.fixture(scope="module")
def reactor_sls(tmp_path_factory):
    """The master's reactor for brick/offline: empty until the last test copies the formula's
    example reactor in (the reactor renders the file at each event)."""
    path = tmp_path_factory.mktemp("reactor") / "brick_offline.sls"
    path.write_text("{}\n")
    return path


@pytest.fixture(scope="module")
def master(salt_factories, tmp_path_factory, reactor_sls):
    pillar = tmp_path_factory.mktemp("obs-pillar")
    (pillar / "top.sls").write_text("base:\n  '*':\n    - gluster\n")
    (pillar / "gluster.sls").write_text("{}\n")
    states = tmp_path_factory.mktemp("obs-states")
    (states / "top.sls").write_text("base:\n  '*':\n    - gluster\n")
    overrides = {
        "file_roots": {"base": [formula_root(str(tmp_path_factory.mktemp("obs-formula"))), str(states)]},
        "pillar_roots": {"base": [str(pillar)]},
        "worker_threads": 3,
        "reactor": [{"salt/beacon/*/gluster/brick/offline": [str(reactor_sls)]}],
    }
    factory = salt_factories.salt_master_daemon("obs-master", overrides=overrides)
    factory.pillar_dir = pillar
    with factory.started(start_timeout=120):
        yield factory


@pytest.fixture(scope="module")
def minions(master, cluster):
    factories = {}
    for minion, node in zip(MINIONS, cluster.nodes, strict=True):
        config = dict(node.minion_config(), working_directory=node.workdir)
        # Salt counts a beacon's interval in loop_interval steps; salt-factories sets 0.05 s,
        # but the beacons run about once a second: Salt's default of 1 s keeps interval true
        overrides = {"gluster": config, "loop_interval": 1}
        factories[minion] = (master.salt_minion_daemon(minion, overrides=overrides), node)
    with contextlib.ExitStack() as stack:
        for factory, _node in factories.values():
            stack.enter_context(factory.started(start_timeout=120))
        yield factories


@pytest.fixture(scope="module")
def cli(master, minions, cluster, event_listener):
    """The pillar written, the modules synced, and one highstate: the volume and the beacons."""
    base = cluster.base_dir
    pillar = {
        "gluster": {
            "nodes": {minion: node.address for minion, (_f, node) in minions.items()},
            "peer_timeout": 60,
            "server": {"manage_packages": False, "manage_service": False},
            "monitoring": {"interval": INTERVAL},
            "volumes": {VOLUME: {"replica": 3, "brick_path": f"{base}/bricks/{{node}}/{VOLUME}", "force": True}},
        }
    }
    (master.pillar_dir / "gluster.sls").write_text(yaml.safe_dump(pillar))
    cli = master.salt_cli(timeout=600)
    targets = ",".join(MINIONS)
    for fun in ("saltutil.sync_all", "saltutil.refresh_pillar"):
        assert cli.run("-L", fun, minion_tgt=targets).returncode == 0
    synced = master.salt_run_cli(timeout=120).run("saltutil.sync_all")  # the runner and its outputter
    assert "runners.gluster" in str(synced.data) and "output.gluster_status" in str(synced.data), synced
    start = time.time()
    ret = cli.run("-L", "state.highstate", minion_tgt=targets, _timeout=600)
    failed = {m: {k: v["comment"] for k, v in r.items() if v["result"] is not True} for m, r in ret.data.items()}
    assert not any(failed.values()), failed
    created = event_listener.wait_for_events([(master.id, "gluster/volume/created")], timeout=30, after_time=start)
    assert created.found_all_events, "no gluster/volume/created event from the highstate"
    (event,) = created.matches
    sent = event.data["data"]  # event.send's data, below the sending minion's id
    assert event.data["id"] == "obs1" and sent["volume"] == VOLUME and sent["minion"] == "obs1" and len(sent["bricks"]) == 3
    yield cli
    cluster[0].cli("volume", "stop", VOLUME, "force", check=False)


def status(master, human=False):
    run = master.salt_run_cli(timeout=180)
    args = ["gluster.status", "tgt=obs*", "tgt_type=glob"]
    if human:
        proc = run.run(*args, "--out=gluster_status")
        return proc.stdout
    return run.run(*args).data


def brick(node):
    """``(path, pid)`` of this node's brick of the volume, from its own ``volume status``."""
    root = ET.fromstring(node.cli("volume", "status", VOLUME, xml=True).stdout)
    for entry in root.iter("node"):
        if entry.findtext("hostname") == node.address and (entry.findtext("path") or "").startswith("/"):
            return entry.findtext("path"), int(entry.findtext("pid"))
    raise AssertionError(f"no brick of {node.address} in the status of {VOLUME}")


def test_the_grains_describe_each_node(cli, minions):
    assert cli.run("-L", "saltutil.refresh_grains", minion_tgt=",".join(MINIONS)).returncode == 0
    grains = cli.run("-L", "grains.get", "gluster", minion_tgt=",".join(MINIONS)).data
    for minion, (_factory, node) in minions.items():
        grain = grains[minion]
        assert grain["uuid"] == node.uuid and grain["glusterd_running"] is True, grain
        assert grain["version"] == "10.3" and isinstance(grain["op_version"], int) and grain["op_version"] >= 100000
        assert grain["volumes"] == [VOLUME]
        (own,) = grain["bricks"]
        assert (own["volume"], own["path"]) == (VOLUME, brick(node)[0]) and own["port"]
        # every minion here reads the host's /proc/mounts, where tests running at the same
        # time (pytest -n) have mounts of their own clusters: none of this cluster's
        assert [m for m in grain["mounts"] if m["server"].startswith(SUBNET + ".")] == [], grain["mounts"]


def test_status_of_a_healthy_cluster(master, cli, minions):
    view = status(master)
    assert view["healthy"] is True and view["problems"] == [] and view["reported_by"] == "obs1", view
    assert [(n["minion"], n["connected"]) for n in view["nodes"]] == [(m, True) for m in MINIONS]
    assert all(n["seen_by"] == {m: True for m in MINIONS} for n in view["nodes"])
    volume = view["volumes"][VOLUME]
    assert (volume["type"], volume["state"], volume["bricks_online"], volume["bricks"]) == ("replicate", "ok", 3, 3)
    (only_set,) = volume["sets"]
    assert only_set["available"] is True and [b["host"] for b in only_set["bricks"]] == [n.address for _f, n in minions.values()]
    assert volume["cannot_lose"] == [] and volume["heal"] == {"pending": 0, "split_brain": 0, "unreachable": []}
    assert volume["size_total"] > 0 and 0 < volume["size_free"] <= volume["size_total"]
    text = status(master, human=True)
    assert text.splitlines()[0] == "GlusterFS cluster: HEALTHY (reported by obs1)" and "No problems." in text


def test_a_killed_brick_is_reported_then_its_recovery(master, cli, minions, event_listener):
    _factory, node = minions["obs2"]
    path, pid = brick(node)
    killed = time.time()
    os.kill(pid, signal.SIGKILL)
    offline = event_listener.wait_for_events([(master.id, "salt/beacon/obs2/gluster/brick/offline")],
                                             timeout=2 * INTERVAL + 5, after_time=killed)  # fmt: skip
    if not offline.found_all_events:
        listed = cli.run("beacons.list", "return_yaml=False", minion_tgt="obs2").data
        health = cli.run("gluster.health", minion_tgt="obs2").data
        raise AssertionError(f"no brick/offline event within two intervals ({2 * INTERVAL}s) of the kill; beacons {listed}; health {health}")
    (event,) = offline.matches
    assert event.data["volume"] == VOLUME and event.data["brick"] == f"{node.address}:{path}" and event.data["id"] == "obs2"

    view = status(master)
    assert view["healthy"] is False
    volume = view["volumes"][VOLUME]
    assert (volume["state"], volume["bricks_online"]) == ("degraded", 2)
    assert [b["online"] for b in volume["sets"][0]["bricks"]] == [True, False, True] and volume["sets"][0]["available"] is True
    assert f"volume {VOLUME}: degraded (2/3 bricks online)" in view["problems"]
    assert f"{node.address}:{path} [DOWN]" in status(master, human=True)

    repeated = event_listener.wait_for_events([(master.id, "salt/beacon/obs2/gluster/brick/offline")],
                                              timeout=INTERVAL + 2, after_time=time.time())  # fmt: skip
    assert not repeated.found_all_events, "the beacon repeated an unchanged problem"
    restarted = time.time()
    node.cli("volume", "start", VOLUME, "force")
    online = event_listener.wait_for_events([(master.id, "salt/beacon/obs2/gluster/brick/online")],
                                            timeout=6 * INTERVAL, after_time=restarted)  # fmt: skip
    assert online.found_all_events, "no brick/online event after the brick was started again"
    _wait_for(lambda: status(master)["healthy"], 60, "a healthy status again")


def test_a_stopped_glusterd_is_reported_by_its_node_and_its_peers(master, minions, event_listener):
    """obs3's glusterd stops (its bricks keep running): obs3's beacon fires glusterd/down, obs1's
    (which watches its peers) peer/disconnected naming obs3; glusterd back: glusterd/up and
    peer/connected."""
    _factory, node = minions["obs3"]
    uuid = node.cli("system::", "uuid", "get").stdout.split()[-1]
    stopped = time.time()
    node.stop(children=False)
    down = [(master.id, "salt/beacon/obs3/gluster/glusterd/down"), (master.id, "salt/beacon/obs1/gluster/peer/disconnected")]
    seen = event_listener.wait_for_events(down, timeout=2 * INTERVAL + 5, after_time=stopped)
    assert seen.found_all_events, f"missing within two intervals: {seen.missed}"
    events = {event.tag: event.data for event in seen.matches}
    assert events[down[0][1]]["condition"] == "glusterd" and "error" in events[down[0][1]]
    assert events[down[1][1]]["condition"] == f"peer:{uuid}" and events[down[1][1]]["hostname"] == node.address
    started = time.time()
    node.start()
    up = [(master.id, "salt/beacon/obs3/gluster/glusterd/up"), (master.id, "salt/beacon/obs1/gluster/peer/connected")]
    back = event_listener.wait_for_events(up, timeout=6 * INTERVAL, after_time=started)
    assert back.found_all_events, f"missing after glusterd came back: {back.missed}"
    _wait_for(lambda: status(master)["healthy"], 60, "a healthy status again")


def test_the_example_reactor_starts_a_killed_brick_again(master, cli, minions, reactor_sls, event_listener):
    shutil.copy(REACTOR, reactor_sls)
    _factory, node = minions["obs3"]
    path, old = brick(node)
    # The kill happens while obs3's beacon is disabled, and the beacon comes back once the
    # dead brick is reaped. Here pid 1 reaps orphans only after about a second (systemd does
    # it at once), and glusterd's pidfile check still takes a zombie for a running brick: a
    # `start force` in that second would skip it.
    assert cli.run("beacons.disable_beacon", "gluster", minion_tgt="obs3").returncode == 0
    killed = time.time()
    node.kill_brick(VOLUME, f"{node.address}:{path}")
    assert cli.run("beacons.enable_beacon", "gluster", minion_tgt="obs3").returncode == 0
    back = event_listener.wait_for_events([(master.id, "salt/beacon/obs3/gluster/brick/online")], timeout=4 * INTERVAL + 30, after_time=killed)
    if not back.found_all_events:
        with open(node.log_file, encoding="utf-8", errors="replace") as handle:
            tail = [line.rstrip() for line in handle if "brick" in line.lower()][-12:]
        raise AssertionError(f"the reactor did not bring the brick back; brick now {brick(node)}; glusterd log:\n" + "\n".join(tail))
    assert brick(node)[1] != old
