"""Day-2 reshaping through ``gluster.volume_present`` on the real cluster, with the data checked.

Each test writes a known set of files through a FUSE mount before the operation and reads every
one back afterwards (``dataset.lost_or_changed``): a lost or changed file fails the test.
``test=True`` must predict exactly the operations the real run then reports, and a second run
must change nothing.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pytest
from dataset import files_on_brick
from dataset import lost_or_changed
from dataset import write_files
from salt.exceptions import CommandExecutionError

pytestmark = pytest.mark.cluster


@pytest.fixture
def gluster(fresh_gluster):
    return fresh_gluster


@pytest.fixture
def mounted(clean_volumes):
    """mount(volume) -> a FUSE mountpoint of it; unmounted (by path) afterwards."""
    cluster = clean_volumes
    made = []

    def mount(volume):
        mountpoint = tempfile.mkdtemp(prefix=f"sgm-{volume}-", dir="/tmp")
        cluster.mount(volume, mountpoint)
        made.append(mountpoint)
        return mountpoint

    yield mount
    for mountpoint in made:
        cluster.unmount(mountpoint)
        os.rmdir(mountpoint)


def _brick(node, name):
    return node.new_brick(name)


def _path(spec):
    return spec.rpartition(":")[2]


def _create(gluster, name, bricks, **counts):
    gluster.volume_create(name, bricks, force=True, start=True, **counts)


def _glusterd_errors(cluster):
    """The error lines of every node's glusterd log, for failure messages."""
    lines = []
    for node in cluster.nodes:
        with open(node.log_file, encoding="utf-8", errors="replace") as handle:
            lines += [f"{node.address}: {line.rstrip()}" for line in handle if " E [" in line][-8:]
    return "\n".join(lines)


def _apply(states, name, bricks, cluster=None, **kwargs):
    """test=True, then the real run (same changes), then a second run (no changes)."""
    predicted = states.volume_present(name=name, bricks=bricks, force=True, test=True, **kwargs)
    assert predicted.result is None, predicted.comment
    applied = states.volume_present(name=name, bricks=bricks, force=True, **kwargs)
    assert applied.result is True, f"{applied.comment}\n{_glusterd_errors(cluster) if cluster else ''}"
    assert applied.changes == predicted.changes
    again = states.volume_present(name=name, bricks=bricks, force=True, **kwargs)
    assert again.result is True, again.comment
    assert again.changes == {}
    return applied


def _two_sets_of_three(gluster, cluster, name, tag):
    """A started 2 x 3 volume: (the set a shrink keeps, the set it removes)."""
    keep = [_brick(n, f"{tag}1") for n in cluster.nodes]
    leave = [_brick(n, f"{tag}2") for n in cluster.nodes]
    _create(gluster, name, keep + leave, replica=3)
    return keep, leave


def _volume_bricks(gluster, name):
    return [brick["name"] for brick in gluster.volume_info(name)["bricks"]]


def test_grow_1x3_to_2x3_adds_a_set_and_rebalances(states, gluster, gluster_cluster, mounted):
    n1, n2, n3 = gluster_cluster.nodes
    first = [_brick(n, "grow1") for n in (n1, n2, n3)]
    second = [_brick(n, "grow2") for n in (n1, n2, n3)]
    _create(gluster, "grow", first, replica=3)
    mnt = mounted("grow")
    manifest = write_files(mnt, 60)

    applied = _apply(
        states, "grow", first + second, gluster_cluster, replica=3, rebalance="full", rebalance_timeout=120
    )

    assert applied.changes == {
        "operations": [{"op": "add-brick", "bricks": second}, {"op": "rebalance", "mode": "full"}]
    }
    assert "rebalance (full) completed" in applied.comment
    assert "0 failure(s)" in applied.comment
    assert _volume_bricks(gluster, "grow") == first + second
    status = gluster.volume_rebalance("grow", "status")
    assert status["completed"] and status["failures"] == 0
    moved = files_on_brick(_path(second[0]))
    assert moved, "the rebalance moved no file onto the new set"
    assert set(moved) < set(manifest), "the new set holds only some of the files"
    assert lost_or_changed(mnt, manifest) == []


def test_shrink_2x3_to_1x3_needs_allow_shrink_then_migrates(states, gluster, gluster_cluster, mounted):
    keep, leave = _two_sets_of_three(gluster, gluster_cluster, "shrink", "shr")
    mnt = mounted("shrink")
    manifest = write_files(mnt, 60)
    assert files_on_brick(_path(leave[0])), "the leaving set holds data before the shrink"

    refused = states.volume_present(name="shrink", bricks=keep, replica=3, force=True)
    assert refused.result is False
    assert "allow_shrink" in refused.comment and leave[0] in refused.comment
    assert _volume_bricks(gluster, "shrink") == keep + leave

    applied = _apply(states, "shrink", keep, replica=3, allow_shrink=True)

    assert applied.changes == {"operations": [{"op": "remove-brick", "bricks": leave, "migrate": True}]}
    assert "after migrating their data" in applied.comment
    assert _volume_bricks(gluster, "shrink") == keep
    assert sorted(files_on_brick(_path(keep[0]))) == sorted(manifest)
    assert lost_or_changed(mnt, manifest) == []


@pytest.mark.parametrize(
    "arbiter", [pytest.param(None, id="replica-2-to-3"), pytest.param(1, id="replica-2-plus-arbiter")]
)
def test_raise_redundancy_adds_a_brick_per_set_and_heals(states, gluster, gluster_cluster, mounted, arbiter):
    n1, n2, n3 = gluster_cluster.nodes
    tag = f"red{arbiter or 0}"  # fresh brick directories for each case
    pair = [_brick(n, tag) for n in (n1, n2)]
    third = _brick(n3, tag)
    _create(gluster, "red", pair, replica=2)
    mnt = mounted("red")
    manifest = write_files(mnt, 40)

    applied = _apply(
        states, "red", pair + [third], gluster_cluster, replica=3, arbiter=arbiter, heal_timeout=120
    )

    added = {"op": "add-brick", "bricks": [third], "replica": 3}
    if arbiter:
        added["arbiter"] = 1
    assert applied.changes == {"operations": [added, {"op": "heal"}]}
    assert "healed" in applied.comment
    info = gluster.volume_info("red")
    assert (info["replica_count"], info["arbiter_count"]) == (3, arbiter or 0)
    on_third = files_on_brick(_path(third)) if not arbiter else None
    if arbiter:
        # the arbiter holds every file's name and metadata but no data
        for relative in manifest:
            assert os.path.getsize(os.path.join(_path(third), relative)) == 0
    else:
        assert sorted(on_third) == sorted(manifest)
    assert gluster.heal_summary("red")["healed"]
    assert lost_or_changed(mnt, manifest) == []


def test_replace_a_brick_of_a_killed_node_and_heal(states, gluster, gluster_cluster, spare_node, mounted):
    n1, n2, n3 = gluster_cluster.nodes
    gluster_cluster.join(spare_node)
    doomed = _brick(spare_node, "rep")
    bricks = [_brick(n1, "rep"), _brick(n2, "rep"), doomed]
    _create(gluster, "rep", bricks, replica=3)
    mnt = mounted("rep")
    manifest = write_files(mnt, 40)
    spare_node.stop()  # the node dies: glusterd and its brick
    manifest.update(write_files(mnt, 20, prefix="after"))  # written while it is down
    replacement = _brick(n3, "rep")

    applied = _apply(states, "rep", bricks[:2] + [replacement], replica=3, heal_timeout=180)

    assert applied.changes == {
        "operations": [{"op": "replace-brick", "old": doomed, "new": replacement}, {"op": "heal"}]
    }
    assert _volume_bricks(gluster, "rep") == bricks[:2] + [replacement]
    summary = gluster.heal_summary("rep")
    assert summary["healed"] and summary["entries"] == 0
    assert sorted(files_on_brick(_path(replacement))) == sorted(manifest)
    assert lost_or_changed(mnt, manifest) == []
    # the dead node hosts no brick any more: it may leave the pool (while down, a peer blocks
    # volume deletes and creates: "Some of the peers are down")
    members = [node.address for node in gluster_cluster.nodes]
    left = states.pool_members(name="pool", members=members, detach_others=True)
    assert left.result is True, left.comment
    assert left.changes == {"detached": [spare_node.address]}
    assert gluster.peer_find(spare_node.address) is None


def test_shrink_with_migration_failures_does_not_commit(states, gluster, gluster_cluster, mounted):
    n1, n2, _n3 = gluster_cluster.nodes
    stay, leave = _brick(n1, "fail"), _brick(n2, "fail")
    _create(gluster, "failing", [stay, leave])
    mnt = mounted("failing")
    manifest = write_files(mnt, 30)
    stuck = files_on_brick(_path(leave))[0]
    stuck_path = os.path.join(_path(leave), stuck)
    subprocess.run(["chattr", "+i", stuck_path], check=True)  # migration cannot open it
    try:
        failed = states.volume_present(name="failing", bricks=[stay], allow_shrink=True, force=True)
        assert failed.result is False
        assert failed.changes == {}
        assert "nothing was removed" in failed.comment
        assert "1 failure(s)" in failed.comment
        assert f"/{stuck}" in failed.comment, "the comment names the file that failed"
        assert _volume_bricks(gluster, "failing") == [stay, leave]
        assert not any(task["type"] == "Remove brick" and task["status"] == 1
                       for task in gluster.volume_tasks("failing"))  # fmt: skip
        assert lost_or_changed(mnt, manifest) == []
    finally:
        subprocess.run(["chattr", "-i", stuck_path], check=True)
    # the cause fixed, the next run migrates and commits
    applied = states.volume_present(name="failing", bricks=[stay], allow_shrink=True, force=True)
    assert applied.result is True, applied.comment
    assert _volume_bricks(gluster, "failing") == [stay]
    assert lost_or_changed(mnt, manifest) == []


def test_interrupted_shrink_resumes_and_commits(states, gluster, gluster_cluster, mounted):
    keep, leave = _two_sets_of_three(gluster, gluster_cluster, "resume", "res")
    mnt = mounted("resume")
    manifest = write_files(mnt, 60)
    # what an earlier run left behind when it was killed right after "remove-brick start"
    gluster.volume_remove_brick("resume", leave, "start")

    predicted = states.volume_present(
        name="resume", bricks=keep, replica=3, allow_shrink=True, force=True, test=True
    )
    assert predicted.result is None
    assert "would be resumed" in predicted.comment
    applied = states.volume_present(name="resume", bricks=keep, replica=3, allow_shrink=True, force=True)
    assert applied.result is True, applied.comment
    assert (
        applied.changes
        == predicted.changes
        == {"operations": [{"op": "remove-brick", "bricks": leave, "migrate": True}]}
    )
    assert "resumed the migration" in applied.comment
    assert _volume_bricks(gluster, "resume") == keep
    assert lost_or_changed(mnt, manifest) == []


def test_heal_reads_and_volume_healed_state(states, gluster, gluster_cluster, mounted):
    n1, n2, n3 = gluster_cluster.nodes
    bricks = [_brick(n, "heal") for n in (n1, n2, n3)]
    _create(gluster, "healme", bricks, replica=3)
    mnt = mounted("healme")
    write_files(mnt, 5)
    healthy = gluster.heal_info("healme")
    assert [b["name"] for b in healthy] == bricks
    assert all(b["connected"] and b["entries"] == 0 for b in healthy)
    assert states.volume_healed(name="healme", timeout=5).result is True
    assert gluster.heal_split_brain("healme")[0]["entries"] == 0


def test_reset_brick_in_place_then_heal(states, gluster, gluster_cluster, mounted):
    """A disk replaced under the same host and path: reset-brick, then self-heal refills it."""
    n1, n2, n3 = gluster_cluster.nodes
    bricks = [_brick(n, "reset") for n in (n1, n2, n3)]
    _create(gluster, "resetme", bricks, replica=3)
    mnt = mounted("resetme")
    manifest = write_files(mnt, 30)
    # the disk fails: its brick process dies, and an empty disk is mounted at the same path
    (status,) = [b for b in gluster.volume_status("resetme")["bricks"] if b["name"] == bricks[2]]
    os.kill(status["pid"], signal.SIGKILL)
    shutil.rmtree(_path(bricks[2]))
    os.makedirs(_path(bricks[2]))
    assert files_on_brick(_path(bricks[2])) == []
    assert gluster.volume_reset_brick("resetme", bricks[2]) == {"name": "resetme", "reset": bricks[2]}
    healed = states.volume_healed(name="resetme", timeout=120)
    assert healed.result is True, healed.comment
    assert sorted(files_on_brick(_path(bricks[2]))) == sorted(manifest)
    assert lost_or_changed(mnt, manifest) == []


def test_shrink_killed_after_start_resumes_on_the_next_run(
    states, gluster, gluster_cluster, mounted, minion_factory
):
    """The real thing: a salt-call running the shrink is killed (SIGKILL) as soon as gluster
    shows its remove-brick task; the next run finds the task, waits for it and commits."""
    keep, leave = _two_sets_of_three(gluster, gluster_cluster, "killed", "kill")
    mnt = mounted("killed")
    manifest = write_files(mnt, 200)  # enough data that the migration outlasts the kill
    salt_call = os.path.join(os.path.dirname(sys.executable), "salt-call")
    argv = [
        salt_call, "--local", f"--config-dir={os.path.dirname(minion_factory.config['conf_file'])}",
        "--out=json", "state.single", "gluster.volume_present", "name=killed",
        f"bricks={json.dumps(keep)}", "replica=3", "allow_shrink=True", "force=True",
    ]  # fmt: skip
    proc = subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 120
        while not any(task["type"] == "Remove brick" for task in gluster.volume_tasks("killed")):
            assert proc.poll() is None, "salt-call ended before gluster showed the remove-brick task"
            assert time.monotonic() < deadline, "no remove-brick task appeared"
            time.sleep(0.05)
    finally:
        proc.kill()
        proc.wait()
    assert _volume_bricks(gluster, "killed") == keep + leave, "killed before any commit"

    resumed = states.volume_present(name="killed", bricks=keep, replica=3, allow_shrink=True, force=True)

    assert resumed.result is True, resumed.comment
    assert "resumed the migration" in resumed.comment
    assert _volume_bricks(gluster, "killed") == keep
    assert lost_or_changed(mnt, manifest) == []


# ----------------------------------------------------------------------- health before a brick leaves its set


def _refused(states, name, bricks, *phrases, **kwargs):
    """``volume_present`` refuses, in ``test=True`` and for real, with ``phrases`` in its comment."""
    for test in (True, False):
        refused = states.volume_present(name=name, bricks=bricks, force=True, test=test, **kwargs)
        assert refused.result is False, (test, refused.comment)
        assert refused.changes == {}
        for phrase in phrases:
            assert phrase in refused.comment, (phrase, refused.comment)
    return refused.comment


def _healed(states, name):
    healed = states.volume_healed(name=name, timeout=180)
    assert healed.result is True, healed.comment


def _replica_3_with_data(gluster, cluster, mounted, name, count=30):
    """A started replica-3 volume ``name`` (bricks ``<node>/bricks/<name>``), mounted, holding a
    dataset: (bricks, mountpoint, manifest)."""
    bricks = [_brick(node, name) for node in cluster.nodes]
    _create(gluster, name, bricks, replica=3)
    mnt = mounted(name)
    return bricks, mnt, write_files(mnt, count)


def test_replace_or_lower_replica_refused_while_another_member_is_down(
    states, gluster, gluster_cluster, mounted
):
    n1, _n2, n3 = gluster_cluster.nodes
    bricks, mnt, manifest = _replica_3_with_data(gluster, gluster_cluster, mounted, "downset")
    n1.kill_brick("downset", bricks[1])
    manifest.update(write_files(mnt, 10, prefix="while-down"))
    try:
        # even with allow_replace: the set would keep one copy of everything and an empty brick
        _refused(states, "downset", [bricks[0], bricks[1], _brick(n3, "downset-new")],
                 "volume downset", f"{bricks[1]} is offline (down)", f"replacing {bricks[2]}",
                 replica=3, allow_replace=True)  # fmt: skip
        _refused(states, "downset", bricks[:2], "volume downset", f"{bricks[1]} is offline (down)",
                 f"removing {bricks[2]}", replica=2, allow_shrink=True)  # fmt: skip
        assert _volume_bricks(gluster, "downset") == bricks
        assert gluster.volume_info("downset")["replica_count"] == 3
        assert lost_or_changed(mnt, manifest) == []
    finally:
        n1.start_bricks("downset", bricks[1])
    _healed(states, "downset")
    assert lost_or_changed(mnt, manifest) == []


def test_replace_refused_while_heals_are_pending(states, gluster, gluster_cluster, mounted):
    n1, _n2, n3 = gluster_cluster.nodes
    bricks, mnt, manifest = _replica_3_with_data(gluster, gluster_cluster, mounted, "pending")
    # nothing heals behind the test's back: no self-heal daemon, no heal from the client
    for key in ("self-heal-daemon", "data-self-heal", "metadata-self-heal", "entry-self-heal"):
        gluster.volume_set("pending", {f"cluster.{key}": "off"})
    n1.kill_brick("pending", bricks[1])
    manifest.update(write_files(mnt, 10, prefix="while-down"))
    n1.start_bricks("pending", bricks[1])  # every brick online again; 10 files wait for the heal
    summary = gluster.heal_summary("pending")
    assert summary["unreachable"] == [] and summary["pending"] > 0, summary
    comment = _refused(states, "pending", [bricks[0], bricks[1], _brick(n3, "pending-new")],
                       "volume pending", "entries wait for self-heal", f"replacing {bricks[2]}",
                       replica=3, allow_replace=True)  # fmt: skip
    assert f"{summary['pending']} entries wait" in comment
    assert _volume_bricks(gluster, "pending") == bricks
    assert lost_or_changed(mnt, manifest) == []
    gluster.volume_set("pending", {"cluster.self-heal-daemon": "on"})
    _healed(states, "pending")
    assert lost_or_changed(mnt, manifest) == []


def test_a_changed_path_of_a_working_brick_needs_allow_replace(states, gluster, gluster_cluster, mounted):
    n3 = gluster_cluster.nodes[2]
    bricks, mnt, manifest = _replica_3_with_data(gluster, gluster_cluster, mounted, "typo", 40)
    typo = _brick(n3, "tpyo")
    _refused(states, "typo", bricks[:2] + [typo], "volume typo", f"{bricks[2]} is online and working",
             "allow_replace: true", replica=3)  # fmt: skip
    assert _volume_bricks(gluster, "typo") == bricks
    assert files_on_brick(_path(typo)) == []
    assert lost_or_changed(mnt, manifest) == []

    applied = _apply(
        states, "typo", bricks[:2] + [typo], gluster_cluster, replica=3, allow_replace=True, heal_timeout=180
    )

    assert applied.changes == {
        "operations": [{"op": "replace-brick", "old": bricks[2], "new": typo}, {"op": "heal"}]
    }
    assert _volume_bricks(gluster, "typo") == bricks[:2] + [typo]
    assert sorted(files_on_brick(_path(typo))) == sorted(manifest)
    assert lost_or_changed(mnt, manifest) == []


def test_module_replace_brick_checks_health_too(gluster, gluster_cluster, mounted):
    """``gluster.volume_replace_brick`` and ``volume_remove_brick ... force`` called by hand
    refuse the same way."""
    n1, _n2, n3 = gluster_cluster.nodes
    bricks, mnt, manifest = _replica_3_with_data(gluster, gluster_cluster, mounted, "adhoc", 10)
    with pytest.raises(CommandExecutionError, match="online and working; .*allow_replace"):
        gluster.volume_replace_brick("adhoc", bricks[2], _brick(n3, "adhoc-new"))
    n1.kill_brick("adhoc", bricks[0])
    try:
        with pytest.raises(CommandExecutionError, match=f"{bricks[0]} is offline"):
            gluster.volume_remove_brick("adhoc", [bricks[2]], "force", replica=2)
    finally:
        n1.start_bricks("adhoc", bricks[0])
    assert _volume_bricks(gluster, "adhoc") == bricks
    assert lost_or_changed(mnt, manifest) == []
