"""Masterless: ``salt-call --local state.apply gluster`` on each node, one after the other, in the
worst order (the leader first, before any other node has made its brick directories) converges
after one extra pass on the leader; a final pass on every node changes nothing.

Volume ``mlb`` sits on brick filesystems the formula makes itself (``gluster:brick_devices``):
one loop device per node, GPT-partitioned, XFS, mounted by UUID and put in fstab."""

import json
import os
import subprocess
import sys

import pytest
import yaml
from cluster import temporary_cluster
from dataset import lost_or_changed
from dataset import write_files
from formula_root import formula_root
from loopdev import LoopDevices

pytestmark = pytest.mark.cluster

SALT_CALL = os.path.join(os.path.dirname(sys.executable), "salt-call")


@pytest.fixture(scope="module")
def masterless():
    with temporary_cluster("sgm-", subnet="127.1.3") as cluster:
        base = cluster.base_dir
        loops = LoopDevices(os.path.join(base, "images"))
        devices = {f"m{n.index}": loops.attach(f"m{n.index}") for n in cluster.nodes}
        for sub in ("pillar", "states"):
            os.makedirs(os.path.join(base, sub))
            with open(os.path.join(base, sub, "top.sls"), "w", encoding="utf-8") as handle:
                yaml.safe_dump({"base": {"*": ["gluster"]}}, handle)
        pillar = {
            "gluster": {
                "nodes": {f"m{n.index}": n.address for n in cluster.nodes},
                "members_wait": False,
                "peer_timeout": 15,
                "server": {
                    "manage_packages": False,
                    "manage_service": False,
                    "glusterd_options": {"base-port": 49200, "ping-timeout": 5},
                },
                # the formula's glusterd.vol goes here, not to /etc (our glusterd run with their own options)
                "lookup": {"glusterd_vol": f"{base}/etc/glusterd.vol"},
                "volumes": {
                    "mlv": {
                        "type": "replicate",
                        "replica": 3,
                        "brick_path": f"{base}/bricks/{{node}}/mlv",
                        "force": True,
                        "options": {"network.ping-timeout": 12},
                    },
                    # bricks on the brick filesystems below: no force needed
                    "mlb": {"type": "replicate", "replica": 3, "brick_path": f"{base}/disks/{{node}}/brick"},
                },
                "brick_devices": {
                    minion_id: {
                        f"{base}/disks/{minion_id}": {
                            "device": device,
                            "partition": "gpt",
                            "fstab": f"{base}/etc/fstab",
                        }
                    }
                    for minion_id, device in devices.items()
                },
            }
        }
        with open(os.path.join(base, "pillar", "gluster.sls"), "w", encoding="utf-8") as handle:
            yaml.safe_dump(pillar, handle)
        configs = {}
        for node in cluster.nodes:
            minion_id = f"m{node.index}"
            config_dir = os.path.join(base, "conf", minion_id)
            os.makedirs(config_dir)
            with open(os.path.join(config_dir, "minion"), "w", encoding="utf-8") as handle:
                yaml.safe_dump(
                    {
                        "id": minion_id,
                        "file_client": "local",
                        "root_dir": os.path.join(base, "root", minion_id),
                        "file_roots": {
                            "base": [
                                formula_root(os.path.join(base, "formula")),
                                os.path.join(base, "states"),
                            ]
                        },
                        "pillar_roots": {"base": [os.path.join(base, "pillar")]},
                        "gluster": node.minion_config(),
                    },
                    handle,
                )
            configs[minion_id] = config_dir
            subprocess.run([SALT_CALL, "--local", "-c", config_dir, "--out=quiet", "saltutil.sync_all"],
                           check=True, capture_output=True, stdin=subprocess.DEVNULL)  # fmt: skip
        try:
            yield cluster, configs
        finally:
            cluster[0].cli("volume", "stop", "mlb", "force", check=False)
            loops.detach_all()


def apply(config_dir):
    proc = subprocess.run(
        [SALT_CALL, "--local", "-c", config_dir, "--out=json", "state.apply", "gluster"],
        capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    states = json.loads(proc.stdout)["local"]
    assert isinstance(states, dict), states  # a list holds render errors
    return {key.split("_|-")[1]: value for key, value in states.items()}


def test_any_order_converges_after_one_extra_leader_pass(masterless):
    cluster, configs = masterless
    first = apply(configs["m1"])  # the leader, before the others made their brick directories
    assert first["gluster-peer-m2"]["result"] is True and first["gluster-peer-m2"]["changes"]
    assert first["gluster-volume-mlv"]["result"] is False
    assert "Failed to create brick directory" in first["gluster-volume-mlv"]["comment"]
    assert first["gluster-volume-mlb"]["result"] is False, first["gluster-volume-mlb"]["comment"]
    disk = f"{cluster.base_dir}/disks/m1"
    made = first[f"gluster-brick-device-{disk}"]
    assert made["result"] is True and [op["op"] for op in made["changes"]["operations"]] == [
        "partition", "mkfs", "directory", "mount", "fstab"
    ]  # fmt: skip
    assert first[f"gluster-brick-{disk}/brick"]["changes"] == {"created": f"{disk}/brick"}
    assert cluster[0].cli("volume", "list").stdout.split() == []

    with open(f"{cluster.base_dir}/etc/glusterd.vol", encoding="utf-8") as handle:
        volfile = handle.read()
    assert "volume management\n    type mgmt/glusterd\n" in volfile
    assert "    option base-port 49200\n" in volfile and "    option ping-timeout 5\n" in volfile
    assert "    option working-directory /var/lib/glusterd\n" in volfile
    assert volfile.rstrip().endswith("end-volume")

    for minion_id in ("m2", "m3"):
        states = apply(configs[minion_id])
        assert all(s["result"] is True for s in states.values()), (
            minion_id,
            {k: s["comment"] for k, s in states.items() if s["result"] is not True},
        )
        assert states[f"gluster-brick-{cluster.base_dir}/bricks/{minion_id}/mlv"]["changes"]

    extra = apply(configs["m1"])
    assert all(s["result"] is True for s in extra.values()), [
        s["comment"] for s in extra.values() if s["result"] is not True
    ][0][-600:]
    assert extra["gluster-volume-mlv"]["changes"]["created"]["replica"] == 3
    info = cluster[0].cli("volume", "info", "mlv").stdout
    assert "Status: Started" in info and "network.ping-timeout: 12" in info
    assert extra["gluster-volume-mlb"]["changes"]["created"]["replica"] == 3
    assert "Status: Started" in cluster[0].cli("volume", "info", "mlb").stdout

    # the bricks sit on the loop devices' filesystems, listed in the fstab the pillar names
    with open(f"{cluster.base_dir}/etc/fstab", encoding="utf-8") as handle:
        fstab = [line.split() for line in handle if line.strip()]
    assert sorted(entry[1] for entry in fstab) == [f"{cluster.base_dir}/disks/m{i}" for i in (1, 2, 3)]
    assert all(entry[0].startswith("UUID=") and entry[2:4] == ["xfs", "noatime,inode64"] for entry in fstab)
    client = cluster.mount("mlb", f"{cluster.base_dir}/client")
    manifest = write_files(client, count=20, prefix="mlb")
    assert lost_or_changed(client, manifest) == []
    for minion_id in configs:
        brick = f"{cluster.base_dir}/disks/{minion_id}/brick"
        assert os.stat(brick).st_dev != os.stat(cluster.base_dir).st_dev, f"{brick} is on its own filesystem"
        assert len(os.listdir(brick)) > 10
    cluster.unmount(client)

    for minion_id, config_dir in configs.items():
        states = apply(config_dir)
        changed = {sid: s["changes"] for sid, s in states.items() if s["changes"]}
        assert not changed, (minion_id, changed)
        assert all(s["result"] is True for s in states.values()), minion_id
