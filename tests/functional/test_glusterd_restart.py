"""glusterd restarted between two states of one run: the reads the execution module cached
before the restart are not handed out after it, and the run converges.

One ``salt-call --local state.apply`` (one process, one ``__context__``) reads the volume's
status, restarts node 1 (glusterd and its bricks, by pid, as ``systemctl restart glusterd`` plus
a crash of the bricks would), waits for the volume to heal, reads the status again, sets an
option and checks the volume is started. Own cluster on 127.1.6.1-3.
"""

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
import yaml
from cluster import temporary_cluster
from formula_root import formula_root

pytestmark = pytest.mark.cluster

SALT_CALL = os.path.join(os.path.dirname(sys.executable), "salt-call")
NODE_CTL = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "support", "node_ctl.py")
SUBNET = "127.1.6"


def _node_ctl(state_id, action, base):
    return {
        state_id: {
            "module.run": [
                {
                    "cmd.run_all": [
                        {"cmd": [sys.executable, NODE_CTL, action, base, "1", SUBNET]},
                        {"python_shell": False},
                    ]
                }
            ]
        }
    }


def _brick_pids(status, address):
    return sorted(brick["pid"] for brick in status["bricks"] if brick["host"] == address)


@pytest.fixture(scope="module")
def restart_run():
    with temporary_cluster("sgr-", subnet=SUBNET, pool=True) as cluster:
        base = cluster.base_dir
        bricks = [n.new_brick("rv") for n in cluster.nodes]
        cluster[0].cli("volume", "create", "rv", "replica", "3", *bricks, "force")
        cluster[0].cli("volume", "start", "rv")
        states = os.path.join(base, "states")
        os.makedirs(states)
        sls = {
            "status-before": {"module.run": [{"gluster.volume_status": [{"name": "rv"}]}]},
            "started-before": {"gluster.volume_started": [{"name": "rv"}]},
            **_node_ctl("stop-node1", "stop", base),
            **_node_ctl("start-node1", "start", base),
            "healed": {"gluster.volume_healed": [{"name": "rv"}, {"timeout": 120}]},
            "status-after": {"module.run": [{"gluster.volume_status": [{"name": "rv"}]}]},
            "options-after": {
                "gluster.volume_options": [{"name": "rv"}, {"options": {"network.ping-timeout": 11}}]
            },
            "started-after": {"gluster.volume_started": [{"name": "rv"}]},
        }
        with open(os.path.join(states, "restart.sls"), "w", encoding="utf-8") as handle:
            yaml.safe_dump(sls, handle, sort_keys=False)
        config_dir = os.path.join(base, "conf")
        os.makedirs(config_dir)
        with open(os.path.join(config_dir, "minion"), "w", encoding="utf-8") as handle:
            yaml.safe_dump(
                {
                    "id": "restart-gfs1",
                    "file_client": "local",
                    "root_dir": os.path.join(base, "root"),
                    "file_roots": {"base": [formula_root(os.path.join(base, "formula")), states]},
                    "gluster": cluster[0].minion_config(),
                    "state_auto_order": True,
                },
                handle,
            )
        subprocess.run([SALT_CALL, "--local", "-c", config_dir, "--out=quiet", "saltutil.sync_all"],
                       check=True, capture_output=True, stdin=subprocess.DEVNULL)  # fmt: skip
        pids_before = _brick_pids({"bricks": _status(cluster)}, cluster[0].address)
        proc = subprocess.run(
            [SALT_CALL, "--local", "-c", config_dir, "--out=json", "state.apply", "restart"],
            capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            yield cluster, proc, pids_before
        finally:
            cluster[0].cli("volume", "stop", "rv", "force", check=False)


def _status(cluster):
    """Bricks with pids, straight from the bare CLI (no Salt involved)."""
    root = ET.fromstring(cluster[0].cli("volume", "status", "rv", xml=True).stdout)
    return [
        {"host": node.findtext("hostname"), "path": node.findtext("path"), "pid": int(node.findtext("pid"))}
        for node in root.iter("node")
        if node.findtext("path", "").startswith("/")
    ]


def _results(proc):
    states = json.loads(proc.stdout)["local"]
    assert isinstance(states, dict), states  # a list holds render errors
    return {key.split("_|-")[1]: value for key, value in states.items()}


def test_every_state_of_the_run_succeeds(restart_run):
    _cluster, proc, _pids = restart_run
    results = _results(proc)
    failed = {sid: r["comment"] for sid, r in results.items() if r["result"] is not True}
    assert not failed, failed
    assert results["options-after"]["changes"], "the option change after the restart was made"
    assert not results["started-after"]["changes"], results["started-after"]
    for step in ("stop-node1", "start-node1"):
        assert results[step]["changes"]["cmd.run_all"]["retcode"] == 0, results[step]


def test_status_after_the_restart_is_read_again(restart_run):
    cluster, proc, pids_before = restart_run
    results = _results(proc)
    address = cluster[0].address
    before = _brick_pids(results["status-before"]["changes"]["gluster.volume_status"], address)
    after = _brick_pids(results["status-after"]["changes"]["gluster.volume_status"], address)
    running = _brick_pids({"bricks": _status(cluster)}, address)
    assert before == pids_before, "the first read saw the bricks as they were"
    assert after != before, (
        f"the brick pids read after the restart are the old ones ({before}): a stale cache"
    )
    assert after == running, (after, running)


def test_the_option_reached_gluster(restart_run):
    cluster, _proc, _pids = restart_run
    got = cluster[1].cli("volume", "get", "rv", "network.ping-timeout").stdout
    assert "11" in got.split(), got
