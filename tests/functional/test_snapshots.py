"""Snapshots on the real cluster: the settings (``gluster.snapshot_config`` state: test=True,
apply, idempotent, bad values refused) work on any volume; taking a snapshot needs every brick on
a thinly provisioned LV, which this machine cannot make (no device-mapper), so here gluster's
refusal is what is checked: it reaches the caller with gluster's own message and nothing else
changes. gluster disables all snapshot commands without /sbin/lvcreate: scripts/setup.sh
installs lvm2."""

import copy
import os

import pytest
from formula_root import formula_root
from salt.exceptions import CommandExecutionError
from saltfactories.utils.functional import Loaders

pytestmark = pytest.mark.cluster

DEFAULTS = {"soft_limit": 90, "auto_delete": False, "activate_on_create": False}


@pytest.fixture
def snap_volume(clean_volumes, loaders, tmp_path):
    assert os.path.exists("/sbin/lvcreate"), (
        "gluster disables snapshots without /sbin/lvcreate: run scripts/setup.sh (lvm2)"
    )
    cluster = clean_volumes
    bricks = [node.new_brick(f"snap-{tmp_path.name}") for node in cluster.nodes]
    cluster[0].cli("volume", "create", "sv", "replica", "3", *bricks, "force")
    cluster[0].cli("volume", "start", "sv")
    try:
        yield loaders
    finally:
        loaders.modules.gluster.clear_cache()
        loaders.modules.gluster.snapshot_config_set(
            soft_limit=90, auto_delete=False, activate_on_create=False
        )
        cluster[0].cli("volume", "stop", "sv", "force", check=False)


def test_snapshot_settings_state(snap_volume):
    states, gluster = snap_volume.states.gluster, snap_volume.modules.gluster
    assert gluster.snapshot_config("sv")["volumes"]["sv"]["hard_limit"] == 256

    predicted = states.snapshot_config(name="sv", hard_limit=10, test=True)
    assert predicted.result is None and predicted.changes == {"hard_limit": {"old": 256, "new": 10}}, (
        predicted
    )
    gluster.clear_cache()
    assert gluster.snapshot_config("sv")["volumes"]["sv"]["hard_limit"] == 256, "test=True changed nothing"
    applied = states.snapshot_config(name="sv", hard_limit=10)
    assert applied.result is True and applied.changes == predicted.changes, applied.comment
    gluster.clear_cache()
    assert gluster.snapshot_config("sv")["volumes"]["sv"] == {
        "hard_limit": 10,
        "effective_hard_limit": 10,
        "soft_limit": 9,
    }
    assert states.snapshot_config(name="sv", hard_limit=10).changes == {}

    wanted = {"soft_limit": 80, "auto_delete": True, "activate_on_create": True, "hard_limit": 256}
    cluster_wide = states.snapshot_config(name="all", **wanted)
    assert cluster_wide.result is True, cluster_wide.comment
    assert cluster_wide.changes == {key: {"old": DEFAULTS[key], "new": wanted[key]} for key in DEFAULTS}
    gluster.clear_cache()
    system = gluster.snapshot_config()["system"]
    assert system == {
        "hard_limit": 256,
        "soft_limit_percent": 80,
        "auto_delete": True,
        "activate_on_create": True,
    }
    assert gluster.snapshot_config("sv")["volumes"]["sv"]["soft_limit"] == 8  # 80% of 10
    assert states.snapshot_config(name="all", **wanted).changes == {}

    for bad in (
        {"name": "sv", "hard_limit": 300},
        {"name": "sv", "auto_delete": True},
        {"name": "all", "soft_limit": 0},
    ):
        refused = states.snapshot_config(**bad)
        assert refused.result is False and refused.changes == {}, refused
    assert "above gluster's 256" in states.snapshot_config(name="sv", hard_limit=300).comment
    missing = states.snapshot_config(name="nosuchvol", hard_limit=5)
    assert missing.result is False and "volume nosuchvol does not exist" in missing.comment


def test_taking_a_snapshot_here_is_refused_by_gluster_and_changes_nothing(snap_volume):
    gluster = snap_volume.modules.gluster
    with pytest.raises(CommandExecutionError, match="Snapshot is supported only for thin provisioned LV"):
        gluster.snapshot_create("s1", "sv", description="a test")
    with pytest.raises(CommandExecutionError, match="thin provisioned LV"):
        gluster.snapshot_rotate("sv", "hourly", 3)
    assert gluster.snapshot_list("sv") == [] and gluster.snapshot_list() == []
    assert gluster.snapshot_count("sv") == {"volume": "sv", "count": 0, "remaining": 256}
    with pytest.raises(CommandExecutionError, match=r"Snapshot \(s1\) does not exist"):
        gluster.snapshot_delete("s1")


def test_the_formula_applies_the_pillar_snapshot_settings(
    snap_volume, minion_opts, gluster_cluster, tmp_path
):
    opts = copy.deepcopy(minion_opts)
    opts["file_roots"] = {"base": [formula_root(str(tmp_path / "formula"))]}
    loaders = Loaders(opts, loaded_base_name=f"{__name__}.formula")
    nodes = {opts["id"]: gluster_cluster[0].address}
    nodes.update({f"gfs{n.index}": n.address for n in gluster_cluster.nodes[1:]})
    bricks = [f"{b['host']}:{b['path']}" for b in snap_volume.modules.gluster.volume_info("sv")["bricks"]]
    pillar = {
        "gluster": {
            "nodes": nodes,
            "peer_timeout": 30,
            "server": {"manage_packages": False, "manage_service": False},
            "snapshots": {"soft_limit": 75, "auto_delete": True},
            "volumes": {
                "sv": {"replica": 3, "bricks": bricks, "force": True, "snapshots": {"hard_limit": 20}}
            },
        }
    }
    try:
        rendered = loaders.modules.state.show_sls("gluster.volumes", pillar=pillar)
        assert isinstance(rendered, dict), rendered  # a list holds render errors
        assert {"require": [{"gluster": "gluster-volume-sv"}]} in rendered["gluster-volume-sv-snapshots"][
            "gluster"
        ]

        def run(**kwargs):
            result = loaders.modules.state.sls("gluster.volumes", pillar=pillar, **kwargs).raw
            assert isinstance(result, dict), result
            return {key.split("_|-")[1]: value for key, value in result.items()}

        predicted = run(test=True)
        assert predicted["gluster-snapshot-config"]["changes"] == {
            "soft_limit": {"old": 90, "new": 75}, "auto_delete": {"old": False, "new": True},
        }  # fmt: skip
        assert predicted["gluster-volume-sv-snapshots"]["changes"] == {"hard_limit": {"old": 256, "new": 20}}
        applied = run()
        failed = {sid: r["comment"] for sid, r in applied.items() if r["result"] is not True}
        assert not failed, failed
        for sid in ("gluster-snapshot-config", "gluster-volume-sv-snapshots"):
            assert applied[sid]["changes"] == predicted[sid]["changes"]
        gluster = loaders.modules.gluster
        gluster.clear_cache()
        config = gluster.snapshot_config("sv")
        assert config["system"]["soft_limit_percent"] == 75 and config["system"]["auto_delete"] is True
        assert config["volumes"]["sv"]["hard_limit"] == 20
        again = run()
        assert all(r["result"] is True and r["changes"] == {} for r in again.values()), again
    finally:
        loaders.reset_state()


def test_a_node_that_is_not_the_leader_drops_the_snapshot_schedules(
    loaders, minion_opts, gluster_cluster, tmp_path
):
    """``gluster.volumes`` on a node that is not the leader (``gluster:leader: gfs2``) removes the
    formula's snapshot jobs of the pillar's volumes -- present and ``ensure: absent`` ones --
    from this minion's schedule, and nothing else: no minion daemon runs here, so they go from
    the schedule file the minion would start them from (the running-daemon path is in
    tests/integration/test_master_minions.py)."""
    opts = copy.deepcopy(minion_opts)
    opts["file_roots"] = {"base": [formula_root(str(tmp_path / "formula"))]}
    formula = Loaders(opts, loaded_base_name=f"{__name__}.elsewhere")
    schedule = formula.modules.schedule
    nodes = {opts["id"]: gluster_cluster[0].address}
    nodes.update({f"gfs{n.index}": n.address for n in gluster_cluster.nodes[1:]})
    other = gluster_cluster[1]
    pillar = {
        "gluster": {
            "nodes": nodes,
            "leader": "gfs2",
            "peer_timeout": 30,
            "server": {"manage_packages": False, "manage_service": False},
            "volumes": {
                "snapkept": {"bricks": [f"{other.address}:{other.brickdir}/snapkept"], "force": True,
                             "snapshots": {"schedule": {"hourly": {"keep": 3, "hours": 1}}}},
                "snapgone": {"ensure": "absent"},
            },
        }
    }  # fmt: skip
    ours = {
        "gluster-snapshot-snapkept-hourly": ["snapkept", "hourly", 3],
        "gluster-snapshot-snapgone-daily": ["snapgone", "daily", 7],
    }
    theirs = {
        "gluster-snapshot-elsewhere-hourly": ["elsewhere", "hourly", 2],
        "operator-rotation": ["snapkept", "hourly", 9],
    }
    try:
        for job, args in {**ours, **theirs}.items():
            added = schedule.add(
                job, function="gluster.snapshot_rotate", job_args=args, hours=1, offline=True
            )
            assert added["result"], added

        def run(**kwargs):
            result = formula.modules.state.sls("gluster.volumes", pillar=pillar, **kwargs).raw
            assert isinstance(result, dict), result
            return {key.split("_|-")[1]: value for key, value in result.items()}

        predicted = run(test=True)["gluster-snapshot-schedules-elsewhere"]
        assert predicted["result"] is None and predicted["changes"] == dict.fromkeys(ours, "removed"), (
            predicted
        )
        assert set(ours) | set(theirs) <= set(
            schedule.list(show_all=True, return_yaml=False, offline=True)
        ), "test=True removed a job"
        applied = run()
        assert not {sid: r["comment"] for sid, r in applied.items() if r["result"] is not True}
        assert applied["gluster-snapshot-schedules-elsewhere"]["changes"] == predicted["changes"]
        # no salt-minion daemon here: its event bus is not asked (seconds per job otherwise)
        assert applied["gluster-snapshot-schedules-elsewhere"]["duration"] < 1000, applied[
            "gluster-snapshot-schedules-elsewhere"
        ]
        left = schedule.list(show_all=True, return_yaml=False, offline=True)
        assert not set(ours) & set(left) and set(theirs) <= set(left), left
        again = run()["gluster-snapshot-schedules-elsewhere"]
        assert again["result"] is True and again["changes"] == {}, again
    finally:
        for job in {**ours, **theirs}:
            if job in schedule.list(show_all=True, return_yaml=False, offline=True):
                schedule.delete(job, offline=True)
        formula.reset_state()
