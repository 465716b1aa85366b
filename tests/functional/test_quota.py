"""Quotas on a real volume: limits set through the execution module are enforced on writes made
through a FUSE mount (``EDQUOT``), and ``quota_list`` reports them with their usage.

``volume quota ... list`` needs a harness step on this machine (several glusterd on one host):
``GlusterNode.quota_cli`` gives the module a gluster binary that runs in node 1's mount
namespace, where the CLI's hard-coded paths lead to node 1's files. Everything else is the
plain CLI. ``hard-timeout 0`` makes the bricks enforce a limit at once (with gluster's default
of 5 s a burst of writes can overshoot it)."""

import copy
import errno
import os
import subprocess
import time

import pytest
from cluster import _wait_for
from formula_root import formula_root
from saltfactories.utils.functional import Loaders

pytestmark = pytest.mark.cluster

RUN = "/var/run/gluster"


def _write(path, megabytes):
    """Write ``megabytes`` MiB to ``path``, one at a time (fsync, then a pause for the bricks'
    usage accounting, which is asynchronous); the OSError of a refused write, or None."""
    try:
        with open(path, "wb") as handle:
            for _ in range(megabytes):
                handle.write(os.urandom(1 << 20))
                handle.flush()
                os.fsync(handle.fileno())
                time.sleep(0.3)
    except OSError as exc:
        return exc
    return None


def _unmount_limit_mount(node):
    """glusterd leaves its auxiliary mount for ``limit-usage`` (in node 1's mount namespace)
    mounted when gluster refused a limit; once this test's volume is gone it is a dead FUSE
    mount, and the next test's volume of the same name gets "Transport endpoint is not
    connected" from every limit. Unmount that one path, in that namespace, when it is there."""
    target = os.path.join(os.path.realpath(RUN), "qv_quota_limit")  # /run/gluster in mountinfo
    with open(f"/proc/{node.pid}/mountinfo", encoding="utf-8") as mounts:
        if any(line.split()[4] == target for line in mounts):
            subprocess.run(
                ["nsenter", "-t", str(node.pid), "-m", "--", "umount", "-l", target],
                check=False,
                stdin=subprocess.DEVNULL,
            )


@pytest.fixture
def quota_volume(clean_volumes, minion_opts, tmp_path):
    cluster = clean_volumes
    node = cluster[0]
    before = set(os.listdir(RUN)) if os.path.isdir(RUN) else set()
    script, undo = node.quota_cli(str(tmp_path / "bin"))
    bricks = [n.new_brick(f"quota-{tmp_path.name}") for n in cluster.nodes]  # fresh bricks per test
    node.cli("volume", "create", "qv", "replica", "3", *bricks, "force")
    opts = copy.deepcopy(minion_opts)
    opts["gluster"] = dict(opts["gluster"], binary=script)
    opts["file_roots"] = {"base": [formula_root(str(tmp_path / "formula"))]}
    node.cli("volume", "start", "qv")
    mountpoint = str(tmp_path / "mnt")
    try:
        loaders = Loaders(opts, loaded_base_name=f"{__name__}.loaded")
        yield loaders, node, cluster.mount("qv", mountpoint), bricks
        loaders.reset_state()
    finally:
        cluster.unmount(mountpoint)
        _unmount_limit_mount(node)
        node.cli("volume", "quota", "qv", "disable", check=False)
        node.cli("volume", "stop", "qv", "force", check=False)
        undo()
        # what glusterd and quotad left in the shared run directory for this test: by name
        for name in set(os.listdir(RUN)) - before:
            if name in ("qv_quota_limit.pid", "qv_quota_list.pid", "quotad.socket"):
                os.remove(os.path.join(RUN, name))
            elif name == "qv_quota_list" and not os.path.ismount(os.path.join(RUN, name)):
                os.rmdir(os.path.join(RUN, name))


def test_limits_are_enforced_and_listed(quota_volume):
    loaders, node, mnt, _bricks = quota_volume
    gluster = loaders.modules.gluster
    assert gluster.quota_enabled("qv") is False
    assert gluster.quota_enable("qv") == {"name": "qv", "quota": True}
    assert gluster.quota_enabled("qv") is True
    assert gluster.quota_list("qv") == []  # enabled, no limit yet
    for timeout in ("hard-timeout", "soft-timeout"):
        node.cli("volume", "quota", "qv", timeout, "0")
    os.makedirs(f"{mnt}/data")
    os.makedirs(f"{mnt}/objs")
    gluster.quota_limit("qv", "/data", "4MB", soft=50)
    gluster.quota_limit("qv", "/objs", 5, objects=True)
    calm = gluster.health(checks=["quota"])
    assert calm["conditions"]["quota:qv:/data"]["problem"] is False and calm["events"] == []

    assert _write(f"{mnt}/data/first", 3) is None
    # the beacon's quota check: the soft limit (2 MiB) passed, announced once
    looks = []
    _wait_for(
        lambda: (
            looks.append(gluster.health(checks=["quota"], previous=calm["conditions"])) or looks[-1]["events"]
        ),
        30,
        "quota/exceeded",
    )
    assert [(e["tag"], e["condition"], e["exceeded"]) for e in looks[-1]["events"]] == [
        ("quota/exceeded", "quota:qv:/data", "soft")
    ]
    assert gluster.health(checks=["quota"], previous=looks[-1]["conditions"])["events"] == []
    refused = _write(f"{mnt}/data/second", 8)
    assert isinstance(refused, OSError) and refused.errno == errno.EDQUOT, refused
    # 1 MiB more filled it (4 MiB): the hard limit, announced again
    soft = looks[-1]["conditions"]
    _wait_for(
        lambda: looks.append(gluster.health(checks=["quota"], previous=soft)) or looks[-1]["events"],
        30,
        "quota/exceeded hard",
    )
    assert [(e["tag"], e["exceeded"], e["used"]) for e in looks[-1]["events"]] == [
        ("quota/exceeded", "hard", 4 << 20)
    ]
    created = 0
    with pytest.raises(OSError) as caught:
        for created in range(10):
            open(f"{mnt}/objs/f{created}", "w", encoding="utf-8").close()
    assert caught.value.errno == errno.EDQUOT and created < 5

    usage = {limit["path"]: limit for limit in gluster.quota_list("qv")}
    assert set(usage) == {"/data"}
    data = usage["/data"]
    assert data["hard_limit"] == 4 << 20 and data["soft_limit_percent"] == 50
    assert data["used"] >= 3 << 20 and data["soft_exceeded"] is True
    objects = gluster.quota_list("qv", objects=True)
    assert [(o["path"], o["hard_limit"], o["files"] + o["dirs"]) for o in objects] == [
        ("/objs", 5, created + 1)
    ]
    assert gluster.quota_list("qv", paths=["/data"]) == [data]

    exceeded = gluster.health(checks=["quota"])["conditions"]
    for name in os.listdir(f"{mnt}/data"):
        os.remove(f"{mnt}/data/{name}")
    _wait_for(
        lambda: looks.append(gluster.health(checks=["quota"], previous=exceeded)) or looks[-1]["events"],
        30,
        "quota/within",
    )
    assert [(e["tag"], e["condition"]) for e in looks[-1]["events"]] == [("quota/within", "quota:qv:/data")]

    gluster.quota_remove("qv", "/data")
    assert gluster.quota_list("qv") == []
    assert _write(f"{mnt}/data/third", 4) is None  # no limit any more
    gluster.quota_enable("qv", enabled=False)
    assert gluster.quota_enabled("qv") is False


def test_volume_quota_state_predicts_applies_and_is_idempotent(quota_volume):
    loaders, _node, mnt, _bricks = quota_volume
    states, gluster = loaders.states.gluster, loaders.modules.gluster
    os.makedirs(f"{mnt}/data")
    wanted = {
        "limits": {"/data": {"hard": "4MB", "soft": 50}, "/": "1GB"},
        "object_limits": {"/data": {"hard": 100}},
    }
    predicted = states.volume_quota(name="qv", test=True, **wanted)
    assert predicted.result is None, predicted.comment
    assert predicted.changes == {
        "quota": {"old": False, "new": True},
        "limits": {
            "/data": {"old": None, "new": {"hard": 4 << 20, "soft": 50}},
            "/": {"old": None, "new": {"hard": 1 << 30, "soft": None}},
        },
        "object_limits": {"/data": {"old": None, "new": {"hard": 100, "soft": None}}},
    }
    gluster.clear_cache()
    assert gluster.quota_enabled("qv") is False, "test=True changed nothing"

    applied = states.volume_quota(name="qv", **wanted)
    assert applied.result is True, applied.comment
    assert applied.changes == predicted.changes
    gluster.clear_cache()
    limits = {e["path"]: (e["hard_limit"], e["soft_limit_percent"]) for e in gluster.quota_list("qv")}
    assert limits == {"/data": (4 << 20, 50), "/": (1 << 30, 80)}
    assert [(e["path"], e["hard_limit"]) for e in gluster.quota_list("qv", objects=True)] == [("/data", 100)]

    again = states.volume_quota(name="qv", **wanted)
    assert again.result is True and again.changes == {}, again.changes

    # a limit dropped from the pillar: reported, removed only with reset_unmanaged
    fewer = {"limits": {"/data": {"hard": "4MB", "soft": 50}}, "object_limits": wanted["object_limits"]}
    kept = states.volume_quota(name="qv", **fewer)
    assert kept.result is True and kept.changes == {} and "left alone" in kept.comment and "/" in kept.comment
    removed = states.volume_quota(name="qv", reset_unmanaged=True, **fewer)
    assert removed.result is True
    assert removed.changes == {"limits": {"/": {"old": {"hard": 1 << 30, "soft": 80}, "new": None}}}
    gluster.clear_cache()
    assert [e["path"] for e in gluster.quota_list("qv")] == ["/data"]

    # a changed hard limit, then disabling (drops every limit)
    changed = states.volume_quota(
        name="qv", limits={"/data": {"hard": "8MB", "soft": 50}}, object_limits=wanted["object_limits"]
    )
    assert changed.changes == {
        "limits": {"/data": {"old": {"hard": 4 << 20, "soft": 50}, "new": {"hard": 8 << 20, "soft": 50}}}
    }
    off = states.volume_quota(name="qv", enabled=False)
    assert off.result is True and off.changes == {"quota": {"old": True, "new": False}}
    gluster.clear_cache()
    assert gluster.quota_enabled("qv") is False
    assert states.volume_quota(name="qv", enabled=False).changes == {}


def test_the_formula_applies_the_pillar_quota_after_the_start(quota_volume, gluster_cluster):
    loaders, _node, mnt, bricks = quota_volume
    opts = loaders.opts
    nodes = {opts["id"]: gluster_cluster[0].address}
    nodes.update({f"gfs{n.index}": n.address for n in gluster_cluster.nodes[1:]})
    pillar = {
        "gluster": {
            "nodes": nodes,
            "peer_timeout": 30,
            "server": {"manage_packages": False, "manage_service": False},
            "volumes": {
                "qv": {
                    "replica": 3, "bricks": bricks, "force": True,
                    "quota": {"limits": {"/": "1GB", "/data": {"hard": "4MB", "soft": 50}}},
                },
            },
        }
    }  # fmt: skip
    rendered = loaders.modules.state.show_sls("gluster.volumes", pillar=pillar)
    assert isinstance(rendered, dict), rendered  # a list holds render errors
    quota = rendered["gluster-volume-qv-quota"]["gluster"]  # [function, {arg: value}, ...]
    assert "volume_quota" in quota
    assert {"require": [{"gluster": "gluster-volume-qv-started"}]} in quota, quota
    os.makedirs(f"{mnt}/data")

    def run(**kwargs):
        result = loaders.modules.state.sls("gluster.volumes", pillar=pillar, **kwargs).raw
        assert isinstance(result, dict), result
        return {key.split("_|-")[1]: value for key, value in result.items()}

    predicted = run(test=True)["gluster-volume-qv-quota"]
    assert predicted["result"] is None and set(predicted["changes"]) == {"quota", "limits"}
    applied = run()
    failed = {sid: r["comment"] for sid, r in applied.items() if r["result"] is not True}
    assert not failed, failed
    assert applied["gluster-volume-qv-quota"]["changes"] == predicted["changes"]
    again = run()["gluster-volume-qv-quota"]
    assert again["result"] is True and again["changes"] == {}, again


def test_a_failure_after_some_steps_reports_the_steps_done(quota_volume):
    """Quotas enabled and the limit of /data set, then gluster refuses the limit of a directory
    the volume does not have: the state fails with those two steps as its changes (not ``{}``)
    and names them, and they are really there."""
    loaders, _node, mnt, _bricks = quota_volume
    states, gluster = loaders.states.gluster, loaders.modules.gluster
    os.makedirs(f"{mnt}/data")
    failed = states.volume_quota(name="qv", limits={"/data": "4MB", "/missing": "1GB"})
    assert failed.result is False
    assert failed.changes == {
        "quota": {"old": False, "new": True},
        "limits": {"/data": {"old": None, "new": {"hard": 4 << 20, "soft": None}}},
    }, failed.changes
    assert "/missing" in failed.comment, failed.comment
    assert "(done before this failure: enabled quotas on volume qv; set the limit of /data)" in failed.comment
    gluster.clear_cache()
    assert gluster.quota_enabled("qv") is True
    assert [e["path"] for e in gluster.quota_list("qv")] == ["/data"]


def test_salt_3007_quota_functions(quota_volume):
    """The old ``glusterfs`` quota functions on the same volume, in the old shapes."""
    loaders, _node, _mnt, _bricks = quota_volume
    old = loaders.modules.glusterfs
    assert old.enable_quota_volume("qv") is True
    assert old.list_quota_volume("qv") == {}  # enabled, no limit: the old module returned False
    assert old.set_quota_volume("qv", "/", "10MB") is True
    limits = old.list_quota_volume("qv")
    assert list(limits) == ["/"] and limits["/"]["hard_limit"] == str(10 << 20), limits
    assert limits["/"]["path"] == "/" and limits["/"]["used_space"] == "0", limits
    assert old.unset_quota_volume("qv", "/") is True
    assert old.list_quota_volume("qv") == {}
    assert old.disable_quota_volume("qv") is True
    assert loaders.modules.gluster.quota_enabled("qv") is False
