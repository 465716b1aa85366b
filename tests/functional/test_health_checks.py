"""The cluster checks of ``gluster.health`` (what the leader's beacon fires) against real trouble:
a file in data split-brain, entries waiting for self-heal while a brick is down, and both
resolved (the split-brain by ``gluster.split_brain_resolve``); each announced once when it
appears and once when it goes. (Bricks down and their
events: tests/integration/test_observability.py; quotas: test_quota.py; geo-replication:
test_georep.py.)"""

import os

import pytest
from salt.exceptions import CommandExecutionError
from cluster import _wait_for

pytestmark = pytest.mark.cluster

VOLUME = "sbv"
CHECKS = ["heal", "split_brain"]


def _tags(look):
    """This volume's events (the package's cluster may hold other tests' volumes)."""
    return [
        (event["tag"], event["condition"])
        for event in look["events"]
        if event["condition"].endswith(f":{VOLUME}")
    ]


def _mine(look):
    return {key: condition for key, condition in look["conditions"].items() if key.endswith(f":{VOLUME}")}


def test_split_brain_and_pending_heal_are_announced_once_each_way(gluster, gluster_cluster, tmp_path):
    node = gluster_cluster[0]
    mountpoint = str(tmp_path / "mnt")
    before = gluster.health(checks=CHECKS)
    assert _mine(before) == {}
    try:
        bricks = gluster_cluster.make_split_brain(VOLUME, mountpoint)
        with pytest.raises(OSError):  # what a client of the file gets
            open(os.path.join(mountpoint, "victim"), encoding="utf-8").read()

        split = gluster.health(checks=CHECKS, previous=before["conditions"])
        found = split["conditions"][f"split_brain:{VOLUME}"]
        assert (found["problem"], found["entries"]) == (True, 2)  # one file, counted on both bricks
        assert split["conditions"][f"heal:{VOLUME}"]["problem"] is False  # not for self-heal
        assert _tags(split) == [("split_brain/found", f"split_brain:{VOLUME}")]

        # brick 2 down, files written: entries wait for it
        node.kill_brick(VOLUME, bricks[1])
        for index in range(5):
            with open(os.path.join(mountpoint, f"new{index}"), "w", encoding="utf-8") as handle:
                handle.write(f"{index}\n")
        pending = gluster.health(checks=CHECKS, previous=split["conditions"])
        waiting = pending["conditions"][f"heal:{VOLUME}"]
        assert (
            waiting["problem"] is True and waiting["pending"] >= 5 and waiting["unreachable"] == [bricks[1]]
        )
        assert _tags(pending) == [("heal/pending", f"heal:{VOLUME}")]
        # with a copy unreachable gluster cannot tell the split-brain: the last answer stands
        assert pending["conditions"][f"split_brain:{VOLUME}"] == found
        assert _tags(gluster.health(checks=CHECKS, previous=pending["conditions"])) == []  # no repeat
        assert (
            gluster.health(checks=CHECKS, previous=pending["conditions"], heal_threshold=100)["conditions"][
                f"heal:{VOLUME}"
            ]["problem"]
            is False
        )

        # the operator's fix: the brick back, the bigger copy chosen, self-heal on again
        node.start_bricks(VOLUME, bricks[1])
        # the file as heal info lists it (by path, or by GFID where a brick cannot name it)
        listed = max(
            file for brick in gluster.heal_split_brain(VOLUME) for file in brick.get("files", [])
        )  # <gfid:..> first
        assert gluster.split_brain_resolve(VOLUME, listed) == f"Healed {listed.strip('<>')}."  # bigger-file
        with pytest.raises(CommandExecutionError, match="File not in split-brain"):
            gluster.split_brain_resolve(VOLUME, "/victim", policy="latest-mtime")
        node.cli("volume", "set", VOLUME, "cluster.self-heal-daemon", "on")
        # the heal is refused until the self-heal daemons just switched on are up (seen in CI)
        _wait_for(
            lambda: node.cli("volume", "heal", VOLUME, check=False).returncode == 0,
            60,
            f"{VOLUME}'s heal to start",
            interval=2,
        )
        looks = []

        def healed():
            looks.append(gluster.health(checks=CHECKS, previous=pending["conditions"]))
            return not any(c["problem"] for c in _mine(looks[-1]).values())

        _wait_for(healed, 120, f"{VOLUME} healed", interval=2)
        assert sorted(_tags(looks[-1])) == [
            ("heal/done", f"heal:{VOLUME}"),
            ("split_brain/resolved", f"split_brain:{VOLUME}"),
        ]
        with open(os.path.join(mountpoint, "victim"), encoding="utf-8") as handle:
            assert handle.read() == f"written while {bricks[1]} was down\nlonger\n"  # the bigger copy
    finally:
        gluster_cluster.unmount(mountpoint)
        node.cli("volume", "stop", VOLUME, "force", check=False)
        node.cli("volume", "delete", VOLUME, check=False)
