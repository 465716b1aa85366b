"""Observability through a real salt-master and minions on a real cluster (obs1..obs3 on their own
glusterd at 127.1.15.1-3): the highstate (with ``gluster:monitoring``) creates a replica-3 volume,
firing ``gluster/volume/created``, and puts the gluster beacon on every node; the grains describe
each node; ``salt-run gluster.status`` on the healthy cluster; a brick process killed -> the
beacon's ``brick/offline`` event within two intervals and ``gluster.status`` degraded, field by
field; the brick started again -> ``brick/online``; a node's glusterd stopped -> its own
``glusterd/down`` and the leader's ``peer/disconnected``, and back. Then the example reactor of
the formula is switched on and brings a killed brick back by itself; forged brick/offline
events from a minion (another minion's name, injected YAML, '*', '..', a stopped volume, a
brick of another node, a beacon event in another minion's name) run nothing but a refused
``gluster.brick_restart`` on the sender (or the minion named); and a brick that keeps dying is
restarted at most three times an hour."""

import contextlib
import json
import os
import stat
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
PARKED = "parked"  # a volume an operator stopped
LIMIT = 3  # the example reactor's restarts per brick and hour


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
            "volumes": {
                VOLUME: {"replica": 3, "brick_path": f"{base}/bricks/{{node}}/{VOLUME}", "force": True}
            },
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
    failed = {
        m: {k: v["comment"] for k, v in r.items() if v["result"] is not True} for m, r in ret.data.items()
    }
    assert not any(failed.values()), failed
    created = event_listener.wait_for_events(
        [(master.id, "gluster/volume/created")], timeout=30, after_time=start
    )
    assert created.found_all_events, "no gluster/volume/created event from the highstate"
    (event,) = created.matches
    sent = event.data["data"]  # event.send's data, below the sending minion's id
    assert (
        event.data["id"] == "obs1"
        and sent["volume"] == VOLUME
        and sent["minion"] == "obs1"
        and len(sent["bricks"]) == 3
    )
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
        assert (
            grain["version"] == "10.3"
            and isinstance(grain["op_version"], int)
            and grain["op_version"] >= 100000
        )
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
    assert (volume["type"], volume["state"], volume["bricks_online"], volume["bricks"]) == (
        "replicate",
        "ok",
        3,
        3,
    )
    (only_set,) = volume["sets"]
    assert only_set["available"] is True and [b["host"] for b in only_set["bricks"]] == [
        n.address for _f, n in minions.values()
    ]
    assert volume["cannot_lose"] == [] and volume["heal"] == {
        "pending": 0,
        "split_brain": 0,
        "unreachable": [],
    }
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
        raise AssertionError(
            f"no brick/offline event within two intervals ({2 * INTERVAL}s) of the kill; "
            f"beacons {listed}; health {health}"
        )
    (event,) = offline.matches
    assert (
        event.data["volume"] == VOLUME
        and event.data["brick"] == f"{node.address}:{path}"
        and event.data["id"] == "obs2"
    )

    view = status(master)
    assert view["healthy"] is False
    volume = view["volumes"][VOLUME]
    assert (volume["state"], volume["bricks_online"]) == ("degraded", 2)
    assert [b["online"] for b in volume["sets"][0]["bricks"]] == [True, False, True] and volume["sets"][0][
        "available"
    ] is True
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
    down = [
        (master.id, "salt/beacon/obs3/gluster/glusterd/down"),
        (master.id, "salt/beacon/obs1/gluster/peer/disconnected"),
    ]
    seen = event_listener.wait_for_events(down, timeout=2 * INTERVAL + 5, after_time=stopped)
    assert seen.found_all_events, f"missing within two intervals: {seen.missed}"
    events = {event.tag: event.data for event in seen.matches}
    assert events[down[0][1]]["condition"] == "glusterd" and "error" in events[down[0][1]]
    assert (
        events[down[1][1]]["condition"] == f"peer:{uuid}" and events[down[1][1]]["hostname"] == node.address
    )
    started = time.time()
    node.start()
    up = [
        (master.id, "salt/beacon/obs3/gluster/glusterd/up"),
        (master.id, "salt/beacon/obs1/gluster/peer/connected"),
    ]
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
    # first the restart (the reactor's job on obs3), then the beacon's next look sees the brick
    # online; each bounded on its own, loosely: in CI the lab's hosts load this machine too (a
    # run saw the brick started 12 s after the kill and no brick/online within the next 39 s)
    rets = brick_restart_events(event_listener, master, "ret", killed, 1, 4 * INTERVAL + 60)
    if not rets:
        with open(node.log_file, encoding="utf-8", errors="replace") as handle:
            tail = [line.rstrip() for line in handle if "brick" in line.lower()][-12:]
        raise AssertionError(
            f"the reactor did not bring the brick back; brick now {brick(node)}; glusterd log:\n"
            + "\n".join(tail)
        )
    (ret,) = rets
    assert ret.data["id"] == "obs3" and ret.data["return"]["restarted"] is True, ret.data
    assert ret.data["return"]["brick"] == f"{node.address}:{path}" and ret.data["return"]["restarts"] >= 1
    assert brick(node)[1] != old
    back = event_listener.wait_for_events(
        [(master.id, "salt/beacon/obs3/gluster/brick/online")], timeout=4 * INTERVAL + 60, after_time=killed
    )
    seen = [e.tag for e in event_listener.get_events([(master.id, "salt/beacon/obs3/*")], after_time=killed)]
    assert back.found_all_events, (
        f"the brick is back (pid {brick(node)[1]}) but obs3's beacon did not say so; "
        f"its events since the kill: {seen}"
    )


def brick_restart_events(event_listener, master, kind, after, want, timeout):
    """The master's ``salt/job/*/<kind>`` events (new, ret) of ``gluster.brick_restart`` since
    ``after``, once ``want`` of them have come (or ``timeout`` seconds passed)."""
    deadline = time.time() + timeout
    while True:
        found = [e for e in event_listener.get_events([(master.id, f"salt/job/*/{kind}*")], after_time=after)
                 if e.data.get("fun") == "gluster.brick_restart"]  # fmt: skip
        if len(found) >= want or time.time() > deadline:
            return sorted(found, key=lambda e: e.data.get("_stamp", ""))
        time.sleep(0.5)


@pytest.fixture(scope="module")
def parked(cli, cluster):
    """``parked``: one brick on obs1, started once and stopped again, as an operator would."""
    node = cluster[0]
    spec = node.new_brick(PARKED)
    node.cli("volume", "create", PARKED, spec, "force")
    node.cli("volume", "start", PARKED)
    node.cli("volume", "stop", PARKED)
    yield spec
    node.cli("volume", "delete", PARKED, check=False)


def test_forged_brick_events_run_nothing(master, cli, minions, cluster, parked, event_listener):
    """obs1 sends brick/offline events it has no business sending, with obs2's brick really
    down (its beacon off), so that any ``start force`` of the volume would show: nothing runs
    but ``gluster.brick_restart`` on the minion the event may name, which refuses; no job for
    another minion, no cmd.run, the stopped volume stays stopped, obs2's brick stays down."""
    (obs1, one), (_f2, two), (_f3, three) = minions["obs1"], minions["obs2"], minions["obs3"]
    own = f"{one.address}:{brick(one)[0]}"
    down = f"{two.address}:{brick(two)[0]}"
    alive, alive_pid = f"{three.address}:{brick(three)[0]}", brick(three)[1]
    marker = Path(cluster.base_dir) / "reactor-pwned"
    injected = f"{VOLUME}:\n  local.cmd.run:\n    - tgt: '*'\n    - arg: ['touch {marker}']\nx"
    assert cli.run("beacons.disable_beacon", "gluster", minion_tgt="obs2").returncode == 0
    two.kill_brick(VOLUME, down)
    call = obs1.salt_call_cli(timeout=60)
    start = time.time()
    refused_at_master = [
        (
            "salt/beacon/obs2/gluster/brick/offline",
            {"id": "obs2", "volume": VOLUME, "brick": down},
        ),  # in obs2's name
        (
            "salt/beacon/obs1/gluster/brick/offline",
            {"id": "obs1", "volume": injected, "brick": own},
        ),  # YAML in the volume
        ("salt/beacon/*/gluster/brick/offline", {"id": "*", "volume": VOLUME, "brick": down}),  # '*' as id
        ("salt/beacon/obs1/gluster/brick/offline", {"volume": f"../{VOLUME}", "brick": own}),  # '..'
        ("salt/beacon/obs1/gluster/brick/offline", {"volume": VOLUME, "brick": f"{own}/../../{VOLUME}"}),
    ]
    refused_on_the_node = [
        ("salt/beacon/obs1/gluster/brick/offline", {"volume": PARKED, "brick": parked}),  # stopped volume
        ("salt/beacon/obs1/gluster/brick/offline", {"volume": VOLUME, "brick": down}),  # obs2's brick
    ]
    for tag, data in refused_at_master + refused_on_the_node:
        sent = call.run("event.send", tag, json.dumps(data))
        assert sent.returncode == 0 and sent.data is True, sent
    # a beacon event in obs3's name (Salt passes a beacon event's tag and data through as the
    # minion wrote them): it reaches obs3, which finds its brick online
    forged = {"events": [{"tag": "salt/beacon/obs3/gluster/brick/offline",
                          "data": {"id": "obs3", "volume": VOLUME, "brick": alive}}]}  # fmt: skip
    sent = call.run("event.fire_master", "{}", "gluster/forged", f"preload={json.dumps(forged)}")
    assert sent.returncode == 0 and sent.data is True, sent

    rets = brick_restart_events(event_listener, master, "ret", start, 3, 60)
    time.sleep(3)  # the reactor renders events in order: anything from the first ones came by now
    jobs = [e.data for e in event_listener.get_events([(master.id, "salt/job/*/new")], after_time=start)]
    assert sorted((j["fun"], j["tgt"], j["tgt_type"], j["minions"]) for j in jobs) == [
        ("gluster.brick_restart", ["obs1"], "list", ["obs1"]),
        ("gluster.brick_restart", ["obs1"], "list", ["obs1"]),
        ("gluster.brick_restart", ["obs3"], "list", ["obs3"]),
    ], jobs
    answers = {
        (e.data["id"], e.data["return"]["volume"], e.data["return"]["brick"]): e.data["return"] for e in rets
    }
    assert len(rets) == 3 and not any(a["restarted"] for a in answers.values()), answers
    assert "not started" in answers[("obs1", PARKED, parked)]["comment"]
    assert "on another node" in answers[("obs1", VOLUME, down)]["comment"]
    assert "is online" in answers[("obs3", VOLUME, alive)]["comment"]
    assert not marker.exists(), "the injected cmd.run ran"
    info = ET.fromstring(one.cli("volume", "info", PARKED, xml=True).stdout)
    assert info.findtext(".//volume/statusStr") == "Stopped"
    assert two.brick_pid(VOLUME, down) <= 0, "something started the volume: obs2's brick runs again"
    assert three.brick_pid(VOLUME, alive) == alive_pid
    two.start_bricks(VOLUME, down)
    assert cli.run("beacons.enable_beacon", "gluster", minion_tgt="obs2").returncode == 0


def test_a_brick_that_keeps_dying_is_restarted_three_times_an_hour(master, cli, minions, event_listener):
    """obs3's brick killed again and again: gluster.brick_restart starts it until it was
    restarted LIMIT times in the hour (the reactor's one above counts), then the reactor's call
    refuses and the brick stays down. The counts live in obs3's cachedir, 0600."""
    factory, node = minions["obs3"]
    name = f"{node.address}:{brick(node)[0]}"
    state = Path(factory.config["cachedir"]) / "gluster" / "brick_restarts.json"
    assert stat.S_IMODE(state.stat().st_mode) == 0o600 and stat.S_IMODE(state.parent.stat().st_mode) == 0o700
    done = len(json.loads(state.read_text())[f"{VOLUME} {name}"])
    assert 1 <= done < LIMIT
    assert cli.run("beacons.disable_beacon", "gluster", minion_tgt="obs3").returncode == 0
    for count in range(done + 1, LIMIT + 1):
        old = node.kill_brick(VOLUME, name)
        answer = cli.run("gluster.brick_restart", VOLUME, name, minion_tgt="obs3").data
        assert answer["restarted"] is True and answer["restarts"] == count and answer["pid"] != old, answer
    killed = time.time()
    node.kill_brick(VOLUME, name)
    assert cli.run("beacons.enable_beacon", "gluster", minion_tgt="obs3").returncode == 0
    (ret,) = brick_restart_events(event_listener, master, "ret", killed, 1, 4 * INTERVAL + 30)
    answer = ret.data["return"]
    assert (
        answer["restarted"] is False
        and f"restarted {LIMIT} time(s) in the last 3600 s, the limit is {LIMIT}" in answer["comment"]
    ), answer
    time.sleep(3)
    assert node.brick_pid(VOLUME, name) <= 0, "the brick was started past the bound"
    assert len(json.loads(state.read_text())[f"{VOLUME} {name}"]) == LIMIT
    node.start_bricks(VOLUME, name)
