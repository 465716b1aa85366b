"""Geo-replication keys distributed by the formula through the Salt mine, with a real master and
minions: ``georep-prim1`` (the primary cluster's leader, 127.1.16.1 of the geo-replication lab,
tests/support/georep_lab.py, here on 127.1.16/127.1.17: test_georep's lab on the default subnets
may run at the same time under ``pytest -n``) applies ``gluster.volumes``, whose ``gluster.georep_keys`` state makes
the primary cluster's keys and publishes them in the mine, then creates and starts the session;
``georep-sec1``/``georep-sec2`` (the secondary cluster's nodes, pillar
``gluster:geo_replication_from``) apply ``gluster.georep_keys``, which puts the keys from the mine
in their ``authorized_keys``. Applied in the wrong order first (secondaries before the primary has
published), the secondaries fail naming the primary. The session started before the secondaries
held the keys stops at once (gsyncd's monitor cannot read the secondary volume over ssh; status
``Created``); once they hold them, the next ``gluster.volumes`` run starts it again and the
primary's files arrive on the secondary."""

import contextlib
import json
import os

import georep_lab as lab
import pytest
from cluster import _wait_for
from dataset import lost_or_changed
from dataset import write_files

pytestmark = pytest.mark.cluster

SSH_PORT = 2212
SUBNETS = ("127.1.16", "127.1.17")
PRIMARY = "georep-prim1"
SECONDARIES = ("georep-sec1", "georep-sec2")


@pytest.fixture(scope="module")
def georep_clusters(tmp_path_factory):
    with lab.running(str(tmp_path_factory.mktemp("georep-keys")), SSH_PORT, subnets=SUBNETS) as clusters:
        yield clusters


@pytest.fixture(scope="module")
def minions(salt_master, georep_clusters, tmp_path_factory):
    prim, _sec, _state = georep_clusters
    bindir = str(tmp_path_factory.mktemp("georep-bin"))
    factories = {PRIMARY: salt_master.salt_minion_daemon(PRIMARY, overrides={"gluster": lab.minion_config(prim[0], bindir)})}
    for minion in SECONDARIES:
        factories[minion] = salt_master.salt_minion_daemon(minion)
    with contextlib.ExitStack() as stack:
        for factory in factories.values():
            stack.enter_context(factory.started(start_timeout=120))
        yield factories


def pillars(prim, sec):
    """Each minion's ``gluster`` pillar: the primary's volume with its session, and on each
    secondary node where the keys of ``georep-prim1`` go (the lab's authorized_keys file)."""
    bricks = [f"{node.address}:{node.brickdir}/b1" for node in prim.nodes]
    secondary = f"{sec[0].address}::{lab.SECVOL}"
    session = {"ssh_port": SSH_PORT, "config": {"secondary-access-mount": True}}
    primary = {
        "nodes": {PRIMARY: prim[0].address, **{f"prim{n.index}": n.address for n in prim.nodes[1:]}},
        "peer_timeout": 30,
        "server": {"manage_packages": False, "manage_service": False},
        "volumes": {lab.PRIMVOL: {"bricks": bricks, "force": True, "geo_replication": {secondary: session}}},
    }
    result = {PRIMARY: {"gluster": primary}}
    for minion, node in zip(SECONDARIES, sec.nodes, strict=True):
        source = {"minion": PRIMARY, "user": "root", "config": lab.authorized_keys(node)}
        result[minion] = {"gluster": {"geo_replication_from": [source]}}
    return result


@pytest.fixture(scope="module")
def cli(salt_master, minions, pillar_dir, georep_clusters):
    prim, sec, _state = georep_clusters
    by_id = json.dumps(pillars(prim, sec))
    (pillar_dir / "gluster.sls").write_text(f"{{% load_json as by_id %}}{by_id}{{% endload %}}\n{{{{ by_id.get(grains['id'], {{}}) | json }}}}\n")
    cli = salt_master.salt_cli(timeout=300)
    targets = ",".join(minions)
    try:
        for fun in ("saltutil.sync_all", "saltutil.refresh_pillar"):
            ret = cli.run("-L", fun, minion_tgt=targets)
            assert ret.returncode == 0, ret
        yield cli
    finally:
        (pillar_dir / "gluster.sls").write_text("{}\n")


def apply(cli, minions, sls, test=False):
    """``{minion: {state id: result dict}}`` of ``state.apply sls`` on ``minions``."""
    ret = cli.run("-L", "state.apply", sls, *(["test=True"] if test else []), minion_tgt=",".join(minions), _timeout=600)
    data = ret.data if set(ret.data) == set(minions) else {minions[0]: ret.data}
    result = {}
    for minion, states in data.items():
        assert isinstance(states, dict), (minion, states)  # a list holds render errors
        result[minion] = {key.split("_|-")[1]: value for key, value in states.items()}
    return result


def _lines(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return [line.strip() for line in handle if line.strip()]
    except FileNotFoundError:
        return []


def test_the_formula_distributes_the_keys_through_the_mine(georep_clusters, cli, tmp_path):
    prim, sec, state = georep_clusters
    secondary = f"{sec[0].address}::{lab.SECVOL}"
    common = os.path.join(prim[0].workdir, "geo-replication", "common_secret.pem.pub")
    assert not os.path.exists(common), "a fresh lab has no keys yet"
    before = {node.address: _lines(lab.authorized_keys(node)) for node in sec.nodes}
    assert not any(line.startswith("command=") for lines in before.values() for line in lines), before

    prim_mnt, sec_mnt = lab.mount_both(prim, sec, state, str(tmp_path))
    payloads = write_files(prim_mnt, count=3, prefix="keyed")

    # the wrong order first: nothing published yet, so each secondary fails naming the primary
    early = apply(cli, SECONDARIES, "gluster.georep_keys")
    for minion in SECONDARIES:
        (result,) = early[minion].values()
        assert result["result"] is False and f"no geo-replication keys from {PRIMARY} in the Salt mine" in result["comment"], result

    # the primary: keys predicted, made, published; the session created and started
    predicted = apply(cli, [PRIMARY], "gluster.volumes", test=True)[PRIMARY]
    keys_state = predicted["gluster-georep-keys"]
    assert keys_state["result"] is None and keys_state["changes"] == {"keys": {"old": 0, "new": 2 * len(prim.nodes)}}, keys_state
    assert not os.path.exists(common), "test=True made no keys"
    applied = apply(cli, [PRIMARY], "gluster.volumes")[PRIMARY]
    failed = {sid: r["comment"] for sid, r in applied.items() if r["result"] is not True}
    assert not failed, failed
    assert applied["gluster-georep-keys"]["changes"] == keys_state["changes"]
    assert "published in the Salt mine" in applied["gluster-georep-keys"]["comment"]
    session_id = f"gluster-volume-{lab.PRIMVOL}-georep-{secondary}"
    assert applied[session_id]["changes"]["state"] == {"old": "stopped", "new": "started"}, applied[session_id]
    _wait_for(lambda: "Created" in prim[0].cli("volume", "geo-replication", "status").stdout, 60, "the keyless monitor to stop")
    keys = _lines(common)
    assert len(keys) == 2 * len(prim.nodes) and all(k.startswith('command="') for k in keys), keys
    mined = cli.run("mine.get", PRIMARY, "gluster.georep_public_keys", minion_tgt=SECONDARIES[0])
    assert mined.data == {PRIMARY: keys}, mined

    # the secondaries: each key predicted, then put in authorized_keys; a second run changes nothing
    predicted = apply(cli, SECONDARIES, "gluster.georep_keys", test=True)
    for minion in SECONDARIES:
        assert len(predicted[minion]) == len(keys), predicted[minion]
        assert all(r["result"] is None for r in predicted[minion].values()), predicted[minion]
    assert {node.address: _lines(lab.authorized_keys(node)) for node in sec.nodes} == before, "test=True wrote nothing"
    applied = apply(cli, SECONDARIES, "gluster.georep_keys")
    for minion, node in zip(SECONDARIES, sec.nodes, strict=True):
        assert all(r["result"] is True and r["changes"] for r in applied[minion].values()), applied[minion]
        assert _lines(lab.authorized_keys(node)) == before[node.address] + keys
    again = apply(cli, SECONDARIES, "gluster.georep_keys")
    for minion in SECONDARIES:
        assert all(r["result"] is True and not r["changes"] for r in again[minion].values()), again[minion]

    # the session was started before the secondaries held the keys: its monitor could not read
    # the secondary volume over ssh and stopped (status Created); the next run starts it again
    restarted = apply(cli, [PRIMARY], "gluster.volumes")[PRIMARY]
    assert restarted[session_id]["changes"] == {"state": {"old": "stopped", "new": "started"}}, restarted[session_id]
    _wait_for(lambda: not lost_or_changed(sec_mnt, payloads), 180, "the primary's files on the secondary", interval=3)
    again = apply(cli, [PRIMARY], "gluster.volumes")[PRIMARY]
    assert all(r["result"] is True and r["changes"] == {} for r in again.values()), again
