"""gluster:address_family: inet6 reaches glusterd.vol, every volume and every mount's client."""

import pytest
import saltext_gluster_utils.gluster_pillar as gp

NODES = {"gfs1": "gfs1.lab.test", "gfs2": "gfs2.lab.test", "gfs3": "gfs3.lab.test"}
VOLUMES = {
    "gv0": {"type": "replicate", "replica": 3, "brick_path": "/srv/gluster/gv0"},
    "old": {"ensure": "absent"},
}
CLIENTS = {"client1": {"mounts": {"/mnt/gv0": {"volume": "gv0", "options": ["noatime"]}}}}


def build(**keys):
    return gp.build_model({"nodes": NODES, "volumes": VOLUMES, "clients": CLIENTS, **keys}, "client1")


def test_inet_by_default_adds_nothing():
    model, problems = build()
    assert problems == []
    assert model["address_family"] == "inet"
    assert "transport.address-family" not in model["server"]["glusterd_options"]
    assert "transport.address-family" not in model["volumes"]["gv0"]["options"]
    assert not any(
        "address-family" in o for o in model["clients"]["client1"]["mounts"]["/mnt/gv0"]["options"]
    )
    assert build(address_family="inet")[0]["volumes"] == model["volumes"]


def test_inet6_everywhere_gluster_reads_it():
    model, problems = build(address_family="inet6", server={"glusterd_options": {"base-port": 49152}})
    assert problems == []
    assert model["address_family"] == "inet6"
    assert model["server"]["glusterd_options"] == {"base-port": 49152, "transport.address-family": "inet6"}
    assert model["volumes"]["gv0"]["options"]["transport.address-family"] == "inet6"
    assert (
        "options" not in model["volumes"]["old"]
        or "transport.address-family" not in model["volumes"]["old"]["options"]
    )
    mount = model["clients"]["client1"]["mounts"]["/mnt/gv0"]
    assert mount["options"][:2] == ["_netdev", "noatime"]
    assert "xlator-option=transport.address-family=inet6" in mount["options"]


@pytest.mark.parametrize("value", ["ipv6", "INET6", 6, True, ["inet6"]])
def test_anything_else_is_refused_at_its_key(value):
    problems = build(address_family=value)[1]
    assert len(problems) == 1 and problems[0].startswith("gluster:address_family:"), problems
    assert "inet or inet6" in problems[0]


def test_the_option_set_by_hand_as_well_is_refused_where_it_is():
    volumes = {"gv0": {**VOLUMES["gv0"], "options": {"transport.address-family": "inet"}}}
    problems = gp.build_model(
        {"nodes": NODES, "volumes": volumes, "address_family": "inet6",
         "server": {"glusterd_options": {"Transport.Address-Family": "inet6"}}}, "gfs1")[1]  # fmt: skip
    assert sorted(problems) == [
        "gluster:server:glusterd_options:Transport.Address-Family: set by gluster:address_family",
        "gluster:volumes:gv0:options:transport.address-family: set by gluster:address_family",
    ], problems
