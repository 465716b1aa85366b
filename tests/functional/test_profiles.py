"""Tuning profiles on a real volume: the state sets a profile's options one by one and the
volume ends up with exactly the options gluster's own ``volume set VOL group NAME`` gives;
test=True predicts each option; a second run changes nothing; ``features.shard`` is never
turned off again; the formula applies ``gluster:profiles`` and ``profiles:`` from the pillar."""

import copy
import os
import shutil

import pytest
from formula_root import formula_root
from saltfactories.utils.functional import Loaders

pytestmark = pytest.mark.cluster

GROUPS = "/var/lib/glusterd/groups"  # installed by glusterfs-server: gluster's own profiles


def _normalised(options):
    words = {"enable": "on", "yes": "on", "true": "on", "disable": "off", "no": "off", "false": "off"}
    return {key: words.get(str(value).lower(), str(value).lower()) for key, value in options.items()}


def _create(cluster, name, tag):
    bricks = [node.new_brick(f"{name}-{tag}") for node in cluster.nodes]
    cluster[0].cli("volume", "create", name, "replica", "3", *bricks, "force")
    return bricks


@pytest.fixture
def gluster_groups(clean_volumes):
    """gluster's group files copied into each test glusterd's working directory (where
    ``volume set VOL group NAME`` looks for them), removed afterwards."""
    made = []
    for node in clean_volumes.nodes:
        target = os.path.join(node.workdir, "groups")
        if not os.path.exists(target):
            shutil.copytree(GROUPS, target)
            made.append(target)
    yield clean_volumes
    for target in made:
        shutil.rmtree(target)


def test_a_profile_sets_what_gluster_group_sets(gluster_groups, loaders, tmp_path):
    cluster = gluster_groups
    node = cluster[0]
    _create(cluster, "pv", tmp_path.name)
    _create(cluster, "gv", tmp_path.name)
    node.cli("volume", "set", "gv", "group", "virt")  # gluster's own way, for comparison
    gluster, states = loaders.modules.gluster, loaders.states.gluster
    virt = gluster.profile_options("virt")
    assert len(virt) == 25 and virt["features.shard"] == "on"

    before = gluster.volume_info("pv")["options"]
    predicted = states.volume_options(name="pv", profiles=["virt"], test=True)
    assert predicted.result is None, predicted.comment
    expected = {
        key for key, value in virt.items() if _normalised({key: value}) != _normalised({key: before.get(key)})
    }
    assert set(predicted.changes) == expected and len(expected) >= 24, predicted.changes
    assert "from profile virt" in predicted.comment
    gluster.clear_cache()
    assert gluster.volume_info("pv")["options"] == before, "test=True changed nothing"

    applied = states.volume_options(name="pv", profiles=["virt"])
    assert applied.result is True, applied.comment
    assert set(applied.changes) == expected
    gluster.clear_cache()
    ours, theirs = gluster.volume_info("pv")["options"], gluster.volume_info("gv")["options"]
    assert _normalised(ours) == _normalised(theirs)  # the same volume options as gluster's group
    assert states.volume_options(name="pv", profiles=["virt"]).changes == {}


def test_profile_order_options_and_the_shard_guard(clean_volumes, loaders, tmp_path):
    cluster = clean_volumes
    _create(cluster, "pv", tmp_path.name)
    gluster, states = loaders.modules.gluster, loaders.states.gluster
    mine = {"mine": {"performance.cache-size": "128MB", "network.inode-lru-limit": "50000"}}
    options = {"performance.md-cache-timeout": "300"}
    # metadata-cache sets md-cache-timeout 600 and inode-lru-limit 200000: mine (later) and the
    # options (always last) win
    applied = states.volume_options(name="pv", profiles=["metadata-cache", mine], options=options)
    assert applied.result is True, applied.comment
    gluster.clear_cache()
    have = gluster.volume_info("pv")["options"]
    assert have["performance.md-cache-timeout"] == "300"
    assert have["network.inode-lru-limit"] == "50000" and have["performance.cache-size"] == "128MB"
    assert (
        have["features.cache-invalidation"] == "on" and have["features.cache-invalidation-timeout"] == "600"
    )
    assert "from profile metadata-cache" in applied.comment and "from profile mine" in applied.comment
    assert states.volume_options(name="pv", profiles=["metadata-cache", mine], options=options).changes == {}

    unknown = states.volume_options(name="pv", profiles=["no-such-profile"])
    assert unknown.result is False and "no-such-profile" in unknown.comment and "virt" in unknown.comment

    # sharding on (virt), then a pillar without it: refused before anything changes
    assert states.volume_options(name="pv", profiles=["virt"]).result is True
    gluster.clear_cache()
    sharded = gluster.volume_info("pv")["options"]
    assert sharded["features.shard"] == "on"
    for kwargs in (
        {"profiles": [], "reset_unmanaged": True},
        {"profiles": ["virt"], "options": {"features.shard": "off"}},
    ):
        refused = states.volume_options(name="pv", **kwargs)
        assert refused.result is False and "features.shard is on" in refused.comment, refused.comment
        assert refused.changes == {}
        predicted = states.volume_options(name="pv", test=True, **kwargs)
        assert predicted.result is False and "features.shard" in predicted.comment
    gluster.clear_cache()
    assert gluster.volume_info("pv")["options"] == sharded


def test_the_formula_applies_pillar_profiles(clean_volumes, minion_opts, gluster_cluster, tmp_path):
    cluster = clean_volumes
    opts = copy.deepcopy(minion_opts)
    opts["file_roots"] = {"base": [formula_root(str(tmp_path / "formula"))]}
    loaders = Loaders(opts, loaded_base_name=f"{__name__}.formula")
    nodes = {opts["id"]: gluster_cluster[0].address}
    nodes.update({f"gfs{n.index}": n.address for n in gluster_cluster.nodes[1:]})
    bricks = [n.new_brick(f"fv-{tmp_path.name}") for n in cluster.nodes]
    pillar = {
        "gluster": {
            "nodes": nodes,
            "peer_timeout": 30,
            "server": {"manage_packages": False, "manage_service": False},
            "profiles": {
                "archive": {"performance.cache-size": "256MB", "performance.write-behind-window-size": "4MB"}
            },
            "volumes": {
                "fv": {
                    "replica": 3,
                    "bricks": bricks,
                    "force": True,
                    "profiles": ["nl-cache", "archive"],
                    "options": {"performance.nl-cache-timeout": 120},
                },
            },
        }
    }
    try:
        rendered = loaders.modules.state.show_sls("gluster.volumes", pillar=pillar)
        assert isinstance(rendered, dict), rendered  # a list holds render errors
        state = rendered["gluster-volume-fv-options"]["gluster"]
        assert {"profiles": ["nl-cache", {"archive": pillar["gluster"]["profiles"]["archive"]}]} in state, (
            state
        )

        def run(**kwargs):
            result = loaders.modules.state.sls("gluster.volumes", pillar=pillar, **kwargs).raw
            assert isinstance(result, dict), result
            return {key.split("_|-")[1]: value for key, value in result.items()}

        predicted = run(test=True)["gluster-volume-fv-options"]
        assert predicted["result"] is None, predicted
        applied = run()
        failed = {sid: r["comment"] for sid, r in applied.items() if r["result"] is not True}
        assert not failed, failed
        options = applied["gluster-volume-fv-options"]["changes"]
        assert set(options) == {
            "features.cache-invalidation", "features.cache-invalidation-timeout", "performance.nl-cache",
            "performance.nl-cache-timeout", "network.inode-lru-limit", "performance.cache-size",
            "performance.write-behind-window-size",
        }  # fmt: skip
        assert options["performance.nl-cache-timeout"]["new"] == "120"  # the volume's own option wins
        again = run()["gluster-volume-fv-options"]
        assert again["result"] is True and again["changes"] == {}, again
    finally:
        loaders.reset_state()
