"""gluster:cluster_options and the gluster.cluster_options state, on gluster 10.3's own answers
(tests/data/cluster_options_*.xml, captured by tests/data/capture_cluster_options.py on a real
3-node cluster): which options are cluster-wide, how gluster spells their values, that it
takes one per ``volume set all`` (given two it sets the first, says "Set volume successful"
and drops the second), and that a volume's info lists them among its own options once set.
"""

from pathlib import Path

import pytest
import saltext_gluster_utils.gluster_cli as gluster_cli
import saltext_gluster_utils.gluster_options as rules
import saltext_gluster_utils.gluster_pillar as gp
import saltext_gluster_utils.gluster_xml as gx

from conftest import answer_gluster_with
from conftest import load_loader_module

DATA = Path(__file__).parent.parent / "data"
GLUSTER = load_loader_module("gluster_cluster_options_unit", "gluster.py")
STATES = load_loader_module("gluster_cluster_options_states_unit", "gluster.py", folder="_states")
NODES = {"gfs1": "10.0.0.1", "gfs2": "10.0.0.2", "gfs3": "10.0.0.3"}


def read(name):
    return (DATA / f"{name}.xml").read_text(encoding="utf-8")


def current(name):
    return {key: entry["value"] for key, entry in gx.parse_volume_get(read(name)).items()}


def model(cluster_options, **extra):
    return gp.build_model({"nodes": NODES, "cluster_options": cluster_options, **extra}, "gfs1")


# ---------------------------------------------------------------- which options, as gluster says


def test_the_cluster_wide_options_are_the_ones_gluster_lists():
    listed = set(current("cluster_options_get_default"))
    assert set(rules.CLUSTER_OPTIONS) == listed - set(rules.CLUSTER_OP_VERSION)
    assert set(rules.CLUSTER_OP_VERSION) <= listed


def test_gluster_refuses_a_volume_option_and_a_bad_value_there():
    """What the pillar check refuses before gluster is asked is what gluster refuses too."""
    for name, words in [("cluster_options_set_volume_option", "Not a valid option for all volumes"),
                        ("cluster_options_set_unknown", "does not exist"),
                        ("cluster_options_set_bad_value", "not a valid boolean value")]:  # fmt: skip
        with pytest.raises(Exception, match=words):
            gluster_cli.check_xml(read(name), ["volume", "set", "all"], {})


def test_gluster_takes_one_option_per_call():
    """The capture set two at once: gluster said success and kept only the first."""
    before, after = current("cluster_options_get_default"), current("cluster_options_get_after")
    gluster_cli.check_xml(read("cluster_options_set_two"), ["volume", "set", "all"], {})
    assert after["cluster.max-bricks-per-process"] == "5"
    assert after["cluster.daemon-log-level"] == before["cluster.daemon-log-level"] == "INFO"


# ---------------------------------------------------------------- the pillar


@pytest.mark.parametrize(
    "key, value, expected",
    [
        ("cluster.brick-multiplex", True, "enable"),
        ("cluster.brick-multiplex", "on", "enable"),
        ("cluster.enable-shared-storage", False, "disable"),
        ("cluster.enable-shared-storage", "enable", "enable"),
        ("cluster.max-bricks-per-process", 100, "100"),
        ("cluster.max-bricks-per-process", 0, "0"),
        ("cluster.server-quorum-ratio", 60, "60%"),
        ("cluster.server-quorum-ratio", "51%", "51%"),
        ("cluster.daemon-log-level", "warning", "WARNING"),
        ("glusterd.vol_count_per_thread", "50", "50"),
    ],
)
def test_values_become_glusters_spelling(key, value, expected):
    built, problems = model({key: value})
    assert problems == []
    assert built["cluster_options"] == {key: expected}


@pytest.mark.parametrize(
    "key, value, words",
    [
        ("cluster.op-version", 100000, "gluster:op_version"),
        ("cluster.max-op-version", 100000, "read-only"),
        ("performance.cache-size", "64MB", "not a cluster-wide option"),
        ("cluster.no-such-option", "on", "not a cluster-wide option"),
        ("cluster.brick-multiplex", "maybe", "must be true or false"),
        ("cluster.brick-multiplex", 1, "must be true or false"),
        ("cluster.server-quorum-ratio", 101, "percentage from 0 to 100"),
        ("cluster.server-quorum-ratio", "60%%", "percentage"),
        ("cluster.max-bricks-per-process", -1, "whole number"),
        ("cluster.max-bricks-per-process", True, "whole number"),
        ("cluster.max-bricks-per-process", "\uff15", "whole number"),
        ("glusterd.vol_count_per_thread", 0, ">= 1"),
        ("cluster.daemon-log-level", "LOUD", "one of INFO"),
        ("cluster.daemon-log-level", ["INFO"], "single value"),
        ("cluster.daemon-log-level", "--log-file=/tmp/x", "one of INFO"),
    ],
)
def test_a_bad_entry_is_refused_naming_its_pillar_key(key, value, words):
    built, problems = model({key: value})
    assert any(p.startswith(f"gluster:cluster_options:{key}:") and words in p for p in problems), problems
    assert key not in built["cluster_options"]


def test_not_a_mapping_is_refused():
    _, problems = model(["cluster.brick-multiplex"])
    assert any(p.startswith("gluster:cluster_options:") and "mapping" in p for p in problems), problems


def test_a_cluster_wide_option_among_a_volumes_own_is_refused():
    volume = {
        "type": "replicate",
        "replica": 3,
        "brick_path": "/data/gv0/brick",
        "options": {"cluster.brick-multiplex": "on"},
    }
    _, problems = gp.build_model({"nodes": NODES, "volumes": {"gv0": volume}}, "gfs1")
    assert any(
        p.startswith("gluster:volumes:gv0:options:cluster.brick-multiplex:")
        and "gluster:cluster_options" in p
        for p in problems
    ), problems


def test_without_the_key_there_is_nothing_to_set():
    built, problems = gp.build_model({"nodes": NODES}, "gfs1")
    assert problems == [] and built["cluster_options"] == {}


# ---------------------------------------------------------------- the plan


def test_the_plan_against_glusters_defaults_and_after_the_sets():
    wanted = {
        "cluster.brick-multiplex": "enable",
        "cluster.server-quorum-ratio": "60%",
        "cluster.max-bricks-per-process": "5",
    }
    assert rules.cluster_plan(wanted, current("cluster_options_get_default")) == wanted
    # gluster shows "on" for the enable it was given, and 60% as 60%
    assert rules.cluster_plan(wanted, current("cluster_options_get_after")) == {}
    # after the reset, brick-multiplex is gluster's default again
    assert rules.cluster_plan(wanted, current("cluster_options_get_after_reset")) == {
        "cluster.brick-multiplex": "enable"
    }


def test_the_defaults_spelling_of_a_ratio_is_the_same_value():
    assert (
        rules.cluster_plan({"cluster.server-quorum-ratio": "51%"}, current("cluster_options_get_default"))
        == {}
    )


def test_reset_unmanaged_on_a_volume_leaves_the_cluster_wide_options_it_lists():
    info = gx.parse_volume_info(read("cluster_options_volume_info_after"))["cv"]
    assert {"cluster.brick-multiplex", "cluster.server-quorum-ratio"} <= set(info["options"])
    to_set, to_reset = rules.diff({}, info["options"], reset_unmanaged=True)
    assert to_set == {} and to_reset == []


# ---------------------------------------------------------------- the state, on gluster's answers


@pytest.fixture
def cluster(monkeypatch):
    """The execution module answering with the captures: ``volume get all all`` as ``state``
    says, each ``volume set all`` with success (or gluster's refusal for ``refuse``)."""
    calls, state = [], {"get": "cluster_options_get_default", "refuse": None}

    def run(config, args, xml=True, counter=None, read_only=False):
        calls.append(tuple(args))
        if tuple(args[:3]) == ("volume", "get", "all"):
            return gluster_cli.check_xml(read(state["get"]), args, config)
        if tuple(args[:3]) == ("volume", "set", "all"):
            name = (
                "cluster_options_set_bad_value" if args[3] == state["refuse"] else "cluster_options_set_one"
            )
            return gluster_cli.check_xml(read(name), args, config)
        raise AssertionError(f"unexpected gluster call {args}")

    answer_gluster_with(monkeypatch, GLUSTER, run)
    functions = {"gluster.volume_get": GLUSTER.volume_get, "gluster.volume_set": GLUSTER.volume_set}
    monkeypatch.setattr(STATES, "__salt__", functions, raising=False)
    monkeypatch.setattr(
        STATES,
        "__opts__",
        {"test": False, "id": "gfs1", "local": True, "sock_dir": "/nonexistent"},
        raising=False,
    )
    return calls, state


WANTED = {"cluster.brick-multiplex": True, "cluster.max-bricks-per-process": 5}


def test_test_mode_predicts_exactly_and_sets_nothing(cluster):
    calls, _ = cluster
    STATES.__opts__["test"] = True
    ret = STATES.cluster_options(options=WANTED)
    assert ret["result"] is None
    assert ret["changes"] == {"cluster.brick-multiplex": {"old": "disable", "new": "enable"},
                              "cluster.max-bricks-per-process": {"old": "250", "new": "5"}}  # fmt: skip
    assert [c for c in calls if c[1] == "set"] == []


def test_one_volume_set_all_per_option_then_nothing_to_do(cluster):
    calls, state = cluster
    ret = STATES.cluster_options(options=WANTED)
    assert ret["result"] is True, ret
    assert ret["changes"] == {"cluster.brick-multiplex": {"old": "disable", "new": "enable"},
                              "cluster.max-bricks-per-process": {"old": "250", "new": "5"}}  # fmt: skip
    assert [c for c in calls if c[1] == "set"] == [
        ("volume", "set", "all", "cluster.brick-multiplex", "enable"),
        ("volume", "set", "all", "cluster.max-bricks-per-process", "5"),
    ]
    calls.clear()
    state["get"] = "cluster_options_get_after"
    again = STATES.cluster_options(options=WANTED)
    assert again["result"] is True and again["changes"] == {}
    assert [c for c in calls if c[1] == "set"] == []


def test_a_refusal_after_a_first_option_reports_that_one(cluster):
    calls, state = cluster
    state["refuse"] = "cluster.max-bricks-per-process"
    ret = STATES.cluster_options(options=WANTED)
    assert ret["result"] is False
    assert ret["changes"] == {"cluster.brick-multiplex": {"old": "disable", "new": "enable"}}
    assert (
        "not a valid boolean value" in ret["comment"]
        and "set cluster.brick-multiplex to enable" in ret["comment"]
    )


def test_the_state_refuses_what_the_pillar_would_before_asking_gluster(cluster):
    calls, _ = cluster
    ret = STATES.cluster_options(options={"cluster.op-version": 100000, "cluster.brick-multiplex": "maybe"})
    assert ret["result"] is False and ret["changes"] == {}
    assert (
        "cluster.op-version: not a cluster-wide option" in ret["comment"]
        and "cluster.brick-multiplex:" in ret["comment"]
    )
    assert calls == []


def test_the_module_sets_several_cluster_options_one_call_each(cluster):
    calls, _ = cluster
    GLUSTER.volume_set("all", {"cluster.brick-multiplex": "enable", "cluster.daemon-log-level": "WARNING"})
    assert calls == [("volume", "set", "all", "cluster.brick-multiplex", "enable"),
                     ("volume", "set", "all", "cluster.daemon-log-level", "WARNING")]  # fmt: skip
