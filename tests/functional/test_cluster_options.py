"""gluster:cluster_options on a real cluster of its own (127.1.18.1-3: these options are the
whole pool's, so not on the session's shared pool): the formula sets them on the leader before
any volume exists, ``test=True`` predicts it exactly, a second run changes nothing, and with
``cluster.brick-multiplex`` the bricks of two volumes share one process per node, where
without it each brick has its own. A volume's ``reset_unmanaged`` leaves the cluster-wide
options gluster lists among the volume's own alone.
"""

import pytest
from cluster import temporary_cluster
from node_loaders import node_loaders

SUBNET = "127.1.18"
NODES = ("co1", "co2", "co3")
WANTED = {
    "cluster.brick-multiplex": True,
    "cluster.max-bricks-per-process": 10,
    "cluster.daemon-log-level": "warning",
}


@pytest.fixture(scope="module")
def options_cluster():
    with temporary_cluster("sgc-", subnet=SUBNET, pool=True) as cluster:
        yield cluster


@pytest.fixture
def leader(options_cluster, minion_opts, tmp_path):
    with node_loaders(
        minion_opts, "co1", options_cluster[0], tmp_path, f"{__name__}.{tmp_path.name}"
    ) as loaders:
        yield loaders


def _pillar(cluster, volumes, cluster_options=None):
    return {
        "gluster": {
            "nodes": {name: node.address for name, node in zip(NODES, cluster.nodes, strict=True)},
            "peer_timeout": 30,
            "server": {"manage_packages": False, "manage_service": False},
            "volumes": {
                name: {"replica": 3, "bricks": bricks, "force": True, "reset_unmanaged": True}
                for name, bricks in volumes.items()
            },  # fmt: skip
            **({"cluster_options": cluster_options} if cluster_options else {}),
        }
    }


def _run(loaders, pillar, **kwargs):
    result = loaders.modules.state.sls("gluster.volumes", pillar=pillar, **kwargs).raw
    assert isinstance(result, dict), result  # a list holds render errors
    return {key.split("_|-")[1]: value for key, value in result.items()}


def _cluster_values(cluster):
    """``volume get all all`` by the bare CLI: {option: value} ("(DEFAULT)" left off)."""
    lines = cluster[0].cli("volume", "get", "all", "all").stdout.splitlines()
    return {
        line.split()[0]: line.split()[1]
        for line in lines
        if line.strip() and line.split()[0] not in ("Option", "------")
    }


def _brick_pids(cluster, volumes):
    """{node address: the set of pids of its bricks in ``volumes``}."""
    pids = {}
    for volume, bricks in volumes.items():
        for node, brick in zip(cluster.nodes, bricks, strict=True):
            pids.setdefault(node.address, set()).add(node.brick_pid(volume, brick))
    return pids


def _delete(cluster, volumes):
    for volume in volumes:
        cluster[0].cli("volume", "stop", volume, check=False)
        cluster[0].cli("volume", "delete", volume, check=False)


def test_without_multiplexing_each_brick_has_its_own_process(options_cluster, leader, tmp_path):
    cluster = options_cluster
    volumes = {
        f"solo{i}": [node.new_brick(f"solo{i}-{tmp_path.name}") for node in cluster.nodes] for i in (1, 2)
    }
    try:
        applied = _run(leader, _pillar(cluster, volumes))
        assert all(r["result"] is True for r in applied.values()), {
            k: r["comment"] for k, r in applied.items() if r["result"] is not True
        }
        assert "gluster-cluster-options" not in applied
        pids = _brick_pids(cluster, volumes)
        assert all(len(found) == 2 and min(found) > 0 for found in pids.values()), pids
    finally:
        _delete(cluster, volumes)


def test_the_formula_sets_them_first_and_the_bricks_share_a_process(options_cluster, leader, tmp_path):
    cluster = options_cluster
    volumes = {
        f"mux{i}": [node.new_brick(f"mux{i}-{tmp_path.name}") for node in cluster.nodes] for i in (1, 2)
    }
    pillar = _pillar(cluster, volumes, WANTED)
    try:
        predicted = _run(leader, pillar, test=True)["gluster-cluster-options"]
        assert predicted["result"] is None, predicted
        expected = {"cluster.brick-multiplex": {"old": "disable", "new": "enable"},
                    "cluster.max-bricks-per-process": {"old": "250", "new": "10"},
                    "cluster.daemon-log-level": {"old": "INFO", "new": "WARNING"}}  # fmt: skip
        assert predicted["changes"] == expected
        assert _cluster_values(cluster)["cluster.brick-multiplex"] == "disable", "test=True set nothing"

        applied = _run(leader, pillar)
        failed = {k: r["comment"] for k, r in applied.items() if r["result"] is not True}
        assert not failed, failed
        assert applied["gluster-cluster-options"]["changes"] == expected
        # before any volume was created: the order the formula runs its states in
        runs = {k: r["__run_num__"] for k, r in applied.items()}
        assert runs["gluster-cluster-options"] < min(runs[f"gluster-volume-{name}"] for name in volumes), runs
        values = _cluster_values(cluster)
        assert values["cluster.brick-multiplex"] == "enable"
        assert values["cluster.max-bricks-per-process"] == "10"
        assert values["cluster.daemon-log-level"] == "WARNING"  # each option its own call: none dropped

        # each node runs the bricks of both volumes in one process
        pids = _brick_pids(cluster, volumes)
        assert all(len(found) == 1 and min(found) > 0 for found in pids.values()), pids
        # gluster lists the cluster-wide options among each volume's own; reset_unmanaged leaves them
        assert "cluster.brick-multiplex" in leader.modules.gluster.volume_info("mux1")["options"]

        again = _run(leader, pillar)
        changed = {k: r["changes"] for k, r in again.items() if r["changes"]}
        assert changed == {}, changed
        assert all(r["result"] is True for r in again.values())
    finally:
        _delete(cluster, volumes)
        for key in WANTED:
            cluster[0].cli("volume", "reset", "all", key, check=False)
