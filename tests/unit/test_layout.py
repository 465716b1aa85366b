"""Brick layouts of ``_utils/gluster_layout.py``: which brick goes where."""

import pytest
import saltext_gluster_utils.gluster_layout as gl


def _hosts(bricks):
    return [brick.rpartition(":")[0] for brick in bricks]


def _sets(bricks, size):
    hosts = _hosts(bricks)
    return [tuple(hosts[start : start + size]) for start in range(0, len(hosts), size)]


# --------------------------------------------------------------------------- brick_paths


@pytest.mark.parametrize(
    "brick_path, per_node, expected",
    [
        ("/data/gv0", 1, ["/data/gv0"]),
        ("/data/gv0/brick{n}", 1, ["/data/gv0/brick1"]),
        ("/data/gv0/brick{n}", 2, ["/data/gv0/brick1", "/data/gv0/brick2"]),
        ("/b{n}", 4, ["/b1", "/b2", "/b3", "/b4"]),
        ("/d{n}/brick{n}", 2, ["/d1/brick1", "/d2/brick2"]),
        (
            "/data/brick{n}",
            10,
            [f"/data/brick{index}" for index in range(1, 11)],
        ),
    ],
)
def test_brick_paths(brick_path, per_node, expected):
    assert gl.brick_paths(brick_path, per_node) == expected


def test_layouts_constant():
    assert gl.LAYOUTS == ("simple", "chained")


# --------------------------------------------------------------------------- simple layout


def test_simple_order_one_brick_per_node():
    assert gl.automatic_bricks(["10.0.0.1", "10.0.0.2", "10.0.0.3"], "/data/gv0") == [
        "10.0.0.1:/data/gv0",
        "10.0.0.2:/data/gv0",
        "10.0.0.3:/data/gv0",
    ]


def test_simple_order_brick_1_of_every_node_then_brick_2():
    bricks = gl.automatic_bricks(["n1", "n2", "n3"], "/data/gv0/brick{n}", 2, 3, "simple")
    assert bricks == [
        "n1:/data/gv0/brick1",
        "n2:/data/gv0/brick1",
        "n3:/data/gv0/brick1",
        "n1:/data/gv0/brick2",
        "n2:/data/gv0/brick2",
        "n3:/data/gv0/brick2",
    ]


def test_simple_is_the_default_layout():
    assert gl.automatic_bricks(["n1", "n2"], "/b{n}", 2, 2) == ["n1:/b1", "n2:/b1", "n1:/b2", "n2:/b2"]


def test_simple_keeps_address_order():
    assert gl.automatic_bricks(["n3", "n1", "n2"], "/b") == ["n3:/b", "n1:/b", "n2:/b"]


def test_set_size_1_is_simple_even_when_chained():
    assert gl.automatic_bricks(["n1", "n2", "n3"], "/b{n}", 2, 1, "chained") == [
        "n1:/b1",
        "n2:/b1",
        "n3:/b1",
        "n1:/b2",
        "n2:/b2",
        "n3:/b2",
    ]


def test_simple_every_set_spans_distinct_hosts_property():
    """Simple layout, 2..6 nodes, 1..3 bricks each, every set size 2..nodes that divides the total."""
    checked = 0
    for count in range(2, 7):
        addresses = [f"10.0.0.{index}" for index in range(1, count + 1)]
        for per_node in range(1, 4):
            total = count * per_node
            for size in range(2, count + 1):
                if total % size:
                    continue
                bricks = gl.automatic_bricks(addresses, "/data/b{n}", per_node, size, "simple")
                assert len(bricks) == total
                assert len(set(bricks)) == total
                for address in addresses:
                    assert _hosts(bricks).count(address) == per_node
                for members in _sets(bricks, size):
                    assert len(members) == size
                    assert len(set(members)) == size, (count, per_node, size, members)
                assert gl.sets_on_one_host(bricks, size) == []
                checked += 1
    assert checked == 29  # the loop really covered the combinations


# --------------------------------------------------------------------------- chained layout


def test_chained_three_nodes_two_bricks_replica_2():
    bricks = gl.automatic_bricks(["n1", "n2", "n3"], "/data/b{n}", 2, 2, "chained")
    assert bricks == [
        "n1:/data/b1",
        "n2:/data/b1",
        "n2:/data/b2",
        "n3:/data/b1",
        "n3:/data/b2",
        "n1:/data/b2",
    ]
    assert _sets(bricks, 2) == [("n1", "n2"), ("n2", "n3"), ("n3", "n1")]


def test_chained_four_nodes_two_bricks_replica_2():
    bricks = gl.automatic_bricks(["n1", "n2", "n3", "n4"], "/b{n}", 2, 2, "chained")
    assert bricks == [
        "n1:/b1",
        "n2:/b1",
        "n2:/b2",
        "n3:/b1",
        "n3:/b2",
        "n4:/b1",
        "n4:/b2",
        "n1:/b2",
    ]
    assert _sets(bricks, 2) == [("n1", "n2"), ("n2", "n3"), ("n3", "n4"), ("n4", "n1")]


def test_chained_one_set_equals_simple():
    assert gl.automatic_bricks(["n1", "n2", "n3"], "/b", 1, 3, "chained") == ["n1:/b", "n2:/b", "n3:/b"]


def test_chained_impossible_uneven_nodes():
    with pytest.raises(ValueError) as info:
        gl.automatic_bricks(["n1", "n2", "n3", "n4"], "/b", 1, 2, "chained")
    assert str(info.value) == (
        "the chained layout cannot place 2 sets of 2 on 4 nodes with 1 bricks each; use layout: simple"
    )


def test_chained_impossible_not_whole_sets():
    with pytest.raises(ValueError) as info:
        gl.automatic_bricks(["n1", "n2", "n3"], "/b", 1, 2, "chained")
    assert str(info.value) == "3 bricks do not make whole sets of 2"


def test_unknown_layout_raises():
    with pytest.raises(ValueError, match=r"unknown layout 'zigzag'; use one of simple, chained"):
        gl.automatic_bricks(["n1", "n2"], "/b", 1, 2, "zigzag")


def test_chained_property_sets_distinct_and_even_when_possible():
    """Where chained works, every set spans distinct hosts and every node has the same bricks."""
    placed = 0
    for count in range(2, 7):
        addresses = [f"n{index}" for index in range(1, count + 1)]
        for per_node in range(1, 4):
            for size in range(2, count + 1):
                try:
                    bricks = gl.automatic_bricks(addresses, "/b{n}", per_node, size, "chained")
                except ValueError:
                    continue
                placed += 1
                assert len(set(bricks)) == count * per_node
                for address in addresses:
                    assert _hosts(bricks).count(address) == per_node
                assert gl.sets_on_one_host(bricks, size) == []
    assert placed > 0


# --------------------------------------------------------------------------- sets_on_one_host


def test_sets_on_one_host_finds_set_numbers_and_hosts():
    bricks = [
        "127.1.1.1:/a",
        "127.1.1.1:/b",
        "127.1.1.2:/a",
        "127.1.1.3:/a",
        "127.1.1.3:/b",
        "127.1.1.3:/c",
        "127.1.1.1:/c",
        "127.1.1.2:/b",
        "127.1.1.3:/d",
    ]
    assert gl.sets_on_one_host(bricks, 3) == [(1, "127.1.1.1"), (2, "127.1.1.3")]


def test_sets_on_one_host_two_hosts_in_one_set_sorted():
    bricks = ["b:/1", "a:/1", "b:/2", "a:/2"]
    assert gl.sets_on_one_host(bricks, 4) == [(1, "a"), (1, "b")]


def test_sets_on_one_host_clean_layout():
    assert gl.sets_on_one_host(["a:/1", "b:/1", "a:/2", "b:/2"], 2) == []


def test_sets_on_one_host_set_size_1_never_reports():
    assert gl.sets_on_one_host(["a:/1", "a:/2"], 1) == []


def test_sets_on_one_host_ignores_trailing_partial_set():
    assert gl.sets_on_one_host(["a:/1", "b:/1", "c:/1", "c:/2"], 3) == []


def test_sets_on_one_host_ipv6_host():
    assert gl.sets_on_one_host(["::1:/a", "::1:/b"], 2) == [(1, "::1")]
