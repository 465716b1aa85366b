"""Geo-replication keys distributed by the formula through the Salt mine, with a real master and
minions: ``georep-prim1`` (the primary cluster's leader, 127.1.16.1 of the geo-replication lab,
tests/support/georep_lab.py, here on 127.1.16/127.1.17: test_georep's lab on the default subnets
may run at the same time under ``pytest -n``) applies ``gluster.volumes``, whose
``gluster.georep_keys`` state makes the primary cluster's keys and publishes them in the mine,
then creates and starts the session;
``georep-sec1``/``georep-sec2`` (the secondary cluster's nodes, pillar
``gluster:geo_replication_from``) apply ``gluster.georep_keys``, which puts the keys from the mine
in their ``authorized_keys``. Applied in the wrong order first (secondaries before the primary has
published), the secondaries fail naming the primary. The session started before the secondaries
held the keys stops at once (gsyncd's monitor cannot read the secondary volume over ssh; status
``Created``); once they hold them, the next ``gluster.volumes`` run starts it again and the
primary's files arrive on the secondary.

Before the honest keys, forged mine entries: the primary's minion (as a compromised one would)
publishes its own ``gluster.georep_public_keys`` with ``mine.send`` (``mine_function=test.outputter``),
one forgery at a time: no restriction, ``command="/bin/sh"``, a wrong gsyncd path, two keys on
one line, a line break; and a secondary's minion, not named by the pillar, publishes well-formed
lines of its own. The secondaries' state fails naming the source and line, and their
``authorized_keys`` files are read back unchanged; afterwards they hold exactly the honest keys.
Every return and event the test sees is scanned for the primary nodes' private keys
(``secret.pem``, ``tar_ssh.pem``) and "PRIVATE KEY"."""

import contextlib
import json
import os
import subprocess
from datetime import datetime
from datetime import timezone

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
    factories = {
        PRIMARY: salt_master.salt_minion_daemon(
            PRIMARY, overrides={"gluster": lab.minion_config(prim[0], bindir)}
        )
    }
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


class Witness:
    """The master's ``salt`` CLI, keeping everything the test sees: each run's output and data,
    and the master's events (taken after each run: the listener forgets them after 120 s)."""

    def __init__(self, cli, event_listener, master_id):
        self.cli, self.listener, self.master_id = cli, event_listener, master_id
        self.since = datetime.now(tz=timezone.utc)
        self.texts, self.events = [], set()

    def run(self, *args, **kwargs):
        ret = self.cli.run(*args, **kwargs)
        self.texts += [ret.stdout, ret.stderr, json.dumps(ret.data, default=str)]
        self.events |= self.listener.get_events([(self.master_id, "*")], after_time=self.since)
        return ret

    def seen(self):
        """Every text seen: the runs', then each event's tag and full data."""
        return self.texts + [f"{e.tag} {json.dumps(e.full_data, default=str)}" for e in self.events]


@pytest.fixture(scope="module")
def cli(salt_master, minions, pillar_dir, georep_clusters, event_listener):
    prim, sec, _state = georep_clusters
    by_id = json.dumps(pillars(prim, sec))
    (pillar_dir / "gluster.sls").write_text(
        f"{{% load_json as by_id %}}{by_id}{{% endload %}}\n{{{{ by_id.get(grains['id'], {{}}) | json }}}}\n"
    )
    cli = Witness(salt_master.salt_cli(timeout=300), event_listener, salt_master.id)
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
    ret = cli.run(
        "-L", "state.apply", sls, *(["test=True"] if test else []), minion_tgt=",".join(minions), _timeout=600
    )
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


def forgeries(tmp_path):
    """``{what: lines}`` a compromised primary minion publishes as its geo-replication keys
    (keys of its own, from ssh-keygen), and the reason each is refused."""
    pubs = []
    for name in ("evil1", "evil2"):
        subprocess.run(
            ["ssh-keygen", "-q", "-N", "", "-t", "ed25519", "-C", "root@evil", "-f", str(tmp_path / name)],
            check=True,
        )
        pubs.append((tmp_path / f"{name}.pub").read_text().strip())
    gsyncd = 'command="/usr/lib/x86_64-linux-gnu/glusterfs/gsyncd"'
    return {
        "no restriction": (
            [f"{gsyncd} {pubs[0]}", pubs[1]],
            "line 2: 'ssh-ed25519 AAAA",
            "has no forced command",
        ),
        "a shell": (
            [f'command="/bin/sh" {pubs[0]}'],
            'line 1: \'command="/bin/sh"',
            "forces the command '/bin/sh'",
        ),
        "a wrong path": (
            [f'command="/tmp/evil/glusterfs/gsyncd" {pubs[0]}'],
            "line 1:",
            "forces the command '/tmp/evil/glusterfs/gsyncd'",
        ),
        "two keys on one line": ([f"{gsyncd} {pubs[0]} {pubs[1]}"], "line 1:", "exactly one key"),
        "a line break": ([f"{gsyncd} {pubs[0]}\n{pubs[1]}"], "line 1:", "line break"),
    }, pubs


def publish(cli, minion, lines):
    """``minion`` sends ``lines`` to the mine as its ``gluster.georep_public_keys``, as any
    minion can with its own id; returns what the mine then holds for it."""
    ret = cli.run(
        "mine.send",
        "gluster.georep_public_keys",
        "mine_function=test.outputter",
        json.dumps(lines),
        minion_tgt=minion,
    )
    assert ret.returncode == 0 and ret.data is True, ret
    return cli.run("mine.get", minion, "gluster.georep_public_keys", minion_tgt=SECONDARIES[0]).data


def private_material(prim):
    """The base64 lines of every primary node's geo-replication private keys."""
    found = []
    for node in prim.nodes:
        for name in ("secret.pem", "tar_ssh.pem"):
            with open(os.path.join(node.workdir, "geo-replication", name), encoding="utf-8") as handle:
                text = handle.read()
            assert "PRIVATE KEY" in text, name
            found += [line for line in text.splitlines() if line and not line.startswith("-----")]
    return found


def leaks(texts, secrets):
    return [
        (secret[:12], text[:200]) for text in texts for secret in [*secrets, "PRIVATE KEY"] if secret in text
    ]


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
        assert (
            result["result"] is False
            and f"no geo-replication keys from {PRIMARY} in the Salt mine" in result["comment"]
        ), result

    # forged mine entries, one at a time: the primary's minion publishes lines of its own making;
    # each secondary refuses the whole source, naming it and the line, and writes nothing
    forged, evil = forgeries(tmp_path)
    for what, (lines, line_no, reason) in forged.items():
        assert publish(cli, PRIMARY, lines) == {PRIMARY: lines}, what
        refused = apply(cli, SECONDARIES, "gluster.georep_keys")
        assert {node.address: _lines(lab.authorized_keys(node)) for node in sec.nodes} == before, what
        for minion in SECONDARIES:
            (result,) = refused[minion].values()
            assert result["result"] is False and result["changes"] == {}, (what, result)
            assert (
                f"the Salt mine of {PRIMARY} (gluster:geo_replication_from:0), {line_no}" in result["comment"]
            ), (what, result)
            assert reason in result["comment"], (what, result)
    # a minion the pillar does not name publishes well-formed lines: never asked for
    gsyncd = 'command="/usr/lib/x86_64-linux-gnu/glusterfs/gsyncd"'
    assert publish(cli, SECONDARIES[0], [f"{gsyncd} {evil[0]}"]) == {SECONDARIES[0]: [f"{gsyncd} {evil[0]}"]}

    # the primary: keys predicted, made, published; the session created and started
    predicted = apply(cli, [PRIMARY], "gluster.volumes", test=True)[PRIMARY]
    keys_state = predicted["gluster-georep-keys"]
    assert keys_state["result"] is None and keys_state["changes"] == {
        "keys": {"old": 0, "new": 2 * len(prim.nodes)}
    }, keys_state
    assert not os.path.exists(common), "test=True made no keys"
    applied = apply(cli, [PRIMARY], "gluster.volumes")[PRIMARY]
    failed = {sid: r["comment"] for sid, r in applied.items() if r["result"] is not True}
    assert not failed, failed
    assert applied["gluster-georep-keys"]["changes"] == keys_state["changes"]
    assert "published in the Salt mine" in applied["gluster-georep-keys"]["comment"]
    session_id = f"gluster-volume-{lab.PRIMVOL}-georep-{secondary}"
    assert applied[session_id]["changes"]["state"] == {"old": "stopped", "new": "started"}, applied[
        session_id
    ]
    _wait_for(
        lambda: "Created" in prim[0].cli("volume", "geo-replication", "status").stdout,
        60,
        "the keyless monitor to stop",
    )
    keys = _lines(common)
    assert len(keys) == 2 * len(prim.nodes) and all(k.startswith('command="') for k in keys), keys
    mined = cli.run("mine.get", PRIMARY, "gluster.georep_public_keys", minion_tgt=SECONDARIES[0])
    assert mined.data == {PRIMARY: keys}, mined

    # the secondaries: each key predicted, then put in authorized_keys; a second run changes nothing
    predicted = apply(cli, SECONDARIES, "gluster.georep_keys", test=True)
    for minion in SECONDARIES:
        (result,) = predicted[minion].values()
        assert result["result"] is None and len(result["changes"]["added"]) == len(keys), result
    assert {node.address: _lines(lab.authorized_keys(node)) for node in sec.nodes} == before, (
        "test=True wrote nothing"
    )
    applied = apply(cli, SECONDARIES, "gluster.georep_keys")
    for minion, node in zip(SECONDARIES, sec.nodes, strict=True):
        ((result,), (prediction,)) = applied[minion].values(), predicted[minion].values()
        assert result["result"] is True and result["changes"] == prediction["changes"], result
        assert (
            _lines(lab.authorized_keys(node)) == before[node.address] + keys
        )  # exactly these: nothing forged
    again = apply(cli, SECONDARIES, "gluster.georep_keys")
    for minion in SECONDARIES:
        assert all(r["result"] is True and not r["changes"] for r in again[minion].values()), again[minion]

    # the session was started before the secondaries held the keys: its monitor could not read
    # the secondary volume over ssh and stopped (status Created); the next run starts it again
    restarted = apply(cli, [PRIMARY], "gluster.volumes")[PRIMARY]
    assert restarted[session_id]["changes"] == {"state": {"old": "stopped", "new": "started"}}, restarted[
        session_id
    ]
    _wait_for(
        lambda: not lost_or_changed(sec_mnt, payloads),
        180,
        "the primary's files on the secondary",
        interval=3,
    )
    again = apply(cli, [PRIMARY], "gluster.volumes")[PRIMARY]
    assert all(r["result"] is True and r["changes"] == {} for r in again.values()), again

    # no private key in anything the test saw: every return and every event of the master
    secrets = private_material(prim)
    seen = cli.seen()
    assert len(secrets) > 8 and len(cli.events) > 20 and len(seen) > 40, (
        len(secrets),
        len(cli.events),
        len(seen),
    )
    assert leaks([f"probe {secrets[3]}"], secrets), "the scan finds the material where it is"
    assert not leaks(seen, secrets)
