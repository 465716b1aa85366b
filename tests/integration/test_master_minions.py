"""Through a real salt-master: the module reaches the minions by saltutil.sync_all and each
minion answers with its own node's view of the pool."""

import json

import pytest
from cluster import _wait_for

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def synced(salt_cli, gluster_minions):
    ret = salt_cli.run("saltutil.sync_all", minion_tgt="gfs*")
    assert ret.returncode == 0, ret
    return ret.data


def test_sync_all_delivers_modules(synced, gluster_minions):
    assert set(synced) == set(gluster_minions)
    for minion_id, result in synced.items():
        assert "modules.gluster" in result["modules"], (minion_id, result)
        assert "states.gluster" in result["states"], (minion_id, result)
        assert {"utils.gluster_cli", "utils.gluster_xml", "utils.gluster_validate"} <= set(result["utils"]), (
            minion_id,
            result,
        )


def test_peer_status_every_node_own_view(salt_cli, synced, gluster_minions, gluster_cluster):
    ret = salt_cli.run("gluster.peer_status", minion_tgt="gfs*")
    assert ret.returncode == 0, ret
    assert set(ret.data) == set(gluster_minions)
    all_uuids = {node.uuid for node in gluster_cluster.nodes}
    for minion_id, (_factory, node) in gluster_minions.items():
        peers = ret.data[minion_id]
        assert isinstance(peers, list) and len(peers) == 2, (minion_id, peers)
        seen = {peer["uuid"] for peer in peers}
        # every node sees the two others, never itself
        assert seen == all_uuids - {node.uuid}, minion_id
        assert all(peer["connected"] is True for peer in peers)
        assert node.address not in {peer["hostname"] for peer in peers}


def test_pool_list_self_is_the_minions_node(salt_cli, synced, gluster_minions):
    ret = salt_cli.run("gluster.pool_list", minion_tgt="gfs*")
    assert ret.returncode == 0, ret
    for minion_id, (_factory, node) in gluster_minions.items():
        own = [peer for peer in ret.data[minion_id] if peer["self"]]
        assert [peer["uuid"] for peer in own] == [node.uuid], minion_id


def test_bad_input_reaches_the_caller_as_a_clear_error(salt_cli, synced):
    ret = salt_cli.run("gluster.volume_info", "bad;name", minion_tgt="gfs1")
    text = str(ret.data)
    assert "volume name 'bad;name' is not allowed" in text, ret


def test_a_snapshot_schedule_from_the_pillar_runs_in_the_minion(
    salt_master, salt_cli, synced, pillar_dir, gluster_cluster
):
    """``gluster:volumes:<v>:snapshots:schedule`` puts a job in the leader minion's Salt scheduler;
    the running minion runs ``gluster.snapshot_rotate`` on time against its real glusterd, whose
    answer on this machine (bricks not on thin LVs) comes back to the master as the job's return;
    ``ensure: absent`` takes the job out."""
    node = gluster_cluster[0]
    schedule = {"every5s": {"keep": 2, "seconds": 5}}
    volume = {"type": "distribute", "bricks": [f"{node.address}:{node.brickdir}/snapsched"], "force": True,
              "snapshots": {"schedule": schedule}}  # fmt: skip
    pillar = {
        "gluster": {
            "nodes": {f"gfs{n.index}": n.address for n in gluster_cluster.nodes},
            "peer_timeout": 30,
            "server": {"manage_packages": False, "manage_service": False},
            "volumes": {"snapsched": volume},
        }
    }
    run_cli = salt_master.salt_run_cli(timeout=120)
    job = "gluster-snapshot-snapsched-every5s"

    def apply(test=False):
        (pillar_dir / "gluster.sls").write_text(json.dumps(pillar))
        assert salt_cli.run("saltutil.refresh_pillar", "wait=True", minion_tgt="gfs1").returncode == 0
        ret = salt_cli.run(
            "state.apply",
            "gluster.volumes",
            *(["test=True"] if test else []),
            minion_tgt="gfs1",
            _timeout=300,
        )
        assert isinstance(ret.data, dict), ret
        return {key.split("_|-")[1]: value for key, value in ret.data.items()}

    def rotations():
        jobs = run_cli.run("jobs.list_jobs", "search_function=gluster.snapshot_rotate").data or {}
        return {
            jid: run_cli.run("jobs.lookup_jid", jid).data
            for jid, info in jobs.items()
            if "snapsched" in str(info.get("Arguments"))
        }

    try:
        predicted = apply(test=True)["gluster-volume-snapsched-snapshot-schedule-every5s"]
        assert predicted["changes"] == {job: "added"}, predicted
        assert job not in (salt_cli.run("schedule.list", "return_yaml=False", minion_tgt="gfs1").data or {})
        applied = apply()
        failed = {sid: r["comment"] for sid, r in applied.items() if r["result"] is not True}
        assert not failed, failed
        listed = salt_cli.run("schedule.list", "return_yaml=False", minion_tgt="gfs1").data
        assert listed[job]["function"] == "gluster.snapshot_rotate" and listed[job]["args"] == [
            "snapsched",
            "every5s",
            2,
        ], listed
        assert listed[job]["seconds"] == 5
        seen = {}
        _wait_for(
            lambda: seen.update(rotations()) or seen,
            60,
            "a scheduled snapshot_rotate in the master's job cache",
            interval=3,
        )
        # gluster's refusal raises in snapshot_rotate: Salt's scheduler returns only that (the
        # traceback with gluster's message is in the minion's log); glusterd logs the attempt
        assert all(
            ret == {"gfs1": "Unhandled exception running gluster.snapshot_rotate"} for ret in seen.values()
        ), seen
        with open(node.log_file, encoding="utf-8", errors="replace") as handle:
            refused = [
                line for line in handle if "every5s-" in line or ("snapsched" in line and "thin" in line)
            ]
        assert refused, "glusterd logged no snapshot of snapsched"
        again = apply()
        assert all(r["result"] is True and not r["changes"] for r in again.values()), again
        schedule["every5s"] = {"ensure": "absent"}
        removed = apply()["gluster-snapshot-schedules-elsewhere"]
        assert removed["result"] is True and removed["changes"] == {job: "removed"}, removed
        assert job not in (salt_cli.run("schedule.list", "return_yaml=False", minion_tgt="gfs1").data or {})
    finally:
        salt_cli.run("schedule.delete", job, minion_tgt="gfs1")
        (pillar_dir / "gluster.sls").write_text("{}\n")
        for args in (("volume", "stop", "snapsched", "force"), ("volume", "delete", "snapsched")):
            node.cli(*args, check=False)


def test_a_former_leader_drops_its_snapshot_schedules(salt_cli, synced, pillar_dir, gluster_cluster):
    """The pillar's leader moves from gfs1 to gfs2: the next ``gluster.volumes`` on gfs1 takes the
    cluster's snapshot jobs out of gfs1's running scheduler (``test=True`` first says so and
    changes nothing), gfs2 gets them, and one volume is rotated by one node only."""
    node = gluster_cluster[0]
    volume = {
        "type": "distribute",
        "bricks": [f"{node.address}:{node.brickdir}/snaplead"],
        "force": True,
        "snapshots": {"schedule": {"hourly": {"keep": 24, "hours": 1}, "daily": {"keep": 7, "days": 1}}},
    }
    pillar = {
        "gluster": {
            "nodes": {f"gfs{n.index}": n.address for n in gluster_cluster.nodes},
            "peer_timeout": 30,
            "leader": "gfs1",
            "server": {"manage_packages": False, "manage_service": False},
            "volumes": {"snaplead": volume},
        }
    }
    jobs = {
        "gluster-snapshot-snaplead-daily": ["snaplead", "daily", 7],
        "gluster-snapshot-snaplead-hourly": ["snaplead", "hourly", 24],
    }

    def apply(minion, test=False):
        (pillar_dir / "gluster.sls").write_text(json.dumps(pillar))
        assert salt_cli.run("saltutil.refresh_pillar", "wait=True", minion_tgt=minion).returncode == 0
        ret = salt_cli.run(
            "state.apply",
            "gluster.volumes",
            *(["test=True"] if test else []),
            minion_tgt=minion,
            _timeout=300,
        )
        assert isinstance(ret.data, dict), ret
        failed = {sid: r["comment"] for sid, r in ret.data.items() if r["result"] is False}
        assert not failed, (minion, failed)
        return {key.split("_|-")[1]: value for key, value in ret.data.items()}

    def scheduled(minion):
        listed = salt_cli.run("schedule.list", "return_yaml=False", minion_tgt=minion).data or {}
        return {job: spec["args"] for job, spec in listed.items() if job in jobs}

    try:
        apply("gfs1")
        assert scheduled("gfs1") == jobs
        pillar["gluster"]["leader"] = "gfs2"
        predicted = apply("gfs1", test=True)["gluster-snapshot-schedules-elsewhere"]
        assert predicted["result"] is None and predicted["changes"] == dict.fromkeys(jobs, "removed"), (
            predicted
        )
        assert scheduled("gfs1") == jobs, "test=True removed a job"
        removed = apply("gfs1")["gluster-snapshot-schedules-elsewhere"]
        assert removed["result"] is True and removed["changes"] == predicted["changes"], removed
        assert scheduled("gfs1") == {}
        added = apply("gfs2")
        assert all(
            added[f"gluster-volume-snaplead-snapshot-schedule-{p}"]["changes"] for p in ("hourly", "daily")
        ), added
        assert scheduled("gfs2") == jobs and scheduled("gfs1") == {}
        for minion in ("gfs1", "gfs2"):
            again = apply(minion)
            assert all(r["result"] is True and not r["changes"] for r in again.values()), (minion, again)
        assert scheduled("gfs2") == jobs and scheduled("gfs1") == {}
    finally:
        for minion in ("gfs1", "gfs2"):
            for job in jobs:
                salt_cli.run("schedule.delete", job, minion_tgt=minion)
        (pillar_dir / "gluster.sls").write_text("{}\n")
        for args in (("volume", "stop", "snaplead", "force"), ("volume", "delete", "snaplead")):
            node.cli(*args, check=False)
