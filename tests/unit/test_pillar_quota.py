"""``gluster:volumes:<name>:quota``: validated in the one pass over the pillar, each problem at
its pillar path, and rendered by the formula as one ``gluster.volume_quota`` state after the
volume's start."""

import pytest
from saltext_gluster_utils import gluster_pillar as gp


def pillar(quota, **volume):
    spec = {"type": "replicate", "replica": 3, "brick_path": "/data/gv0/brick", "quota": quota, **volume}
    return {"nodes": {"gfs1": "10.0.0.1", "gfs2": "10.0.0.2", "gfs3": "10.0.0.3"}, "volumes": {"gv0": spec}}


def test_a_valid_quota():
    model, problems = gp.build_model(
        pillar(
            {"limits": {"/": "1TB", "/a/b": {"hard": "10GB", "soft": "70%"}}, "object_limits": {"/a": 500}}
        ),
        "gfs1",
    )
    assert problems == []
    assert model["volumes"]["gv0"]["quota"] == {
        "enabled": True,
        "limits": {"/": {"hard": "1TB", "soft": None}, "/a/b": {"hard": "10GB", "soft": 70}},
        "object_limits": {"/a": {"hard": 500, "soft": None}},
        "reset_unmanaged": False,
    }


def test_no_quota_key_means_no_quota_state():
    spec = pillar(None)
    del spec["volumes"]["gv0"]["quota"]
    model, problems = gp.build_model(spec, "gfs1")
    assert problems == [] and model["volumes"]["gv0"]["quota"] is None


@pytest.mark.parametrize(
    "quota, volume, path, text",
    [
        ({"limits": {"relative": "1GB"}}, {}, "gluster:volumes:gv0:quota:limits:relative", "absolute path"),
        ({"limits": {"/a/../b": "1GB"}}, {}, "gluster:volumes:gv0:quota:limits:/a/../b", "'..'"),
        ({"limits": {"/a": "1 GB"}}, {}, "gluster:volumes:gv0:quota:limits:/a", "unit"),
        (
            {"limits": {"/a": {"hard": "1GB", "soft": 100}}},
            {},
            "gluster:volumes:gv0:quota:limits:/a",
            "1 to 99",
        ),
        (
            {"limits": {"/a": {"hard": "1GB", "sfot": 80}}},
            {},
            "gluster:volumes:gv0:quota:limits:/a:sfot",
            "unknown key",
        ),
        ({"object_limits": {"/a": "lots"}}, {}, "gluster:volumes:gv0:quota:object_limits:/a", "whole number"),
        ({"limits": ["/a"]}, {}, "gluster:volumes:gv0:quota:limits", "mapping"),
        ({"enabled": "yes"}, {}, "gluster:volumes:gv0:quota:enabled", "true or false"),
        ({"enable": True}, {}, "gluster:volumes:gv0:quota:enable", "unknown key"),
        ({"enabled": False, "limits": {"/a": "1GB"}}, {}, "gluster:volumes:gv0:quota", "need enabled: true"),
        ({"limits": {"/a": "1GB"}}, {"started": False}, "gluster:volumes:gv0:quota", "started volume"),
        (
            {},
            {"options": {"features.quota": "on"}},
            "gluster:volumes:gv0:options:features.quota",
            "quota:enabled",
        ),
        ("on", {}, "gluster:volumes:gv0:quota", "mapping"),
    ],
)
def test_quota_problems_name_their_pillar_path(quota, volume, path, text):
    _model, problems = gp.build_model(pillar(quota, **volume), "gfs1")
    assert any(p.startswith(path + ":") and text in p for p in problems), problems
