"""The pure reshape planner ``_utils/gluster_reshape.py``: ``plan_reshape``.

Volumes are built the way ``parse_volume_info`` gives them; hosts ``h1``..``h6`` have the UUIDs
``u1``..``u6`` and brick keys are ``(uuid, path)``. Sets: ``A`` is ``/bricks/a`` on h1, h2, h3,
``B`` is ``/bricks/b`` on h1, h2, h3; ``X`` bricks live on the new host h4.
"""

import pytest
import saltext_gluster_utils.gluster_reshape as gr

UUIDS = {f"h{n}": f"u{n}" for n in range(1, 7)}
# the same nodes known by IP address, as a volume created with IPs shows them
UUIDS.update({f"10.0.0.{n}": f"u{n}" for n in range(1, 7)})

COUNT_KEYS = ("replica", "arbiter", "disperse", "redundancy")


def brick(host, name):
    return f"{host}:/bricks/{name}"


def key(spec):
    host, _sep, path = spec.rpartition(":")
    return (UUIDS[host], path)


A1, A2, A3 = brick("h1", "a"), brick("h2", "a"), brick("h3", "a")
B1, B2, B3 = brick("h1", "b"), brick("h2", "b"), brick("h3", "b")
C1, C2, C3 = brick("h1", "c"), brick("h2", "c"), brick("h3", "c")
X1, X2, X3 = brick("h4", "x1"), brick("h4", "x2"), brick("h4", "x3")
ARB, ARB_B = brick("h3", "arb"), brick("h3", "arb-b")


def volume(specs, replica=1, arbiter=0, disperse=0, redundancy=0):
    """One volume as ``parse_volume_info`` returns it (only what the planner reads matters)."""
    size = gr.set_size(replica, disperse)
    bricks = []
    for index, spec in enumerate(specs):
        host, _sep, path = spec.rpartition(":")
        bricks.append(
            {
                "name": spec,
                "host": host,
                "path": path,
                "host_uuid": UUIDS[host],
                "arbiter": bool(arbiter) and index % size == size - 1,
            }
        )
    return {
        "replica_count": replica,
        "arbiter_count": arbiter,
        "disperse_count": disperse,
        "redundancy_count": redundancy,
        "bricks": bricks,
    }


def plan(current, wanted, old=None, new=None, allow_shrink=False):
    """Plan ``current`` (bricks, counts ``old``) -> ``wanted`` (bricks, counts ``new``, default ``old``)."""
    old = old or {}
    new = dict(old) if new is None else new
    wanted_spec = {"bricks": list(wanted), **{name: new.get(name) for name in COUNT_KEYS}}
    return gr.plan_reshape(
        volume(current, **old),
        [key(spec) for spec in current],
        wanted_spec,
        [key(spec) for spec in wanted],
        allow_shrink=allow_shrink,
    )


def operations(result):
    assert result["problems"] == []
    return result["operations"]


def problem(result, *words):
    """The one problem of ``result``; it comes without operations and holds every word."""
    assert result["operations"] == []
    assert len(result["problems"]) == 1, result["problems"]
    (text,) = result["problems"]
    for word in words:
        assert word in text, (word, text)
    return text


NOTHING = {"operations": [], "problems": []}
REP2 = {"replica": 2}
REP3 = {"replica": 3}
ARB3 = {"replica": 3, "arbiter": 1}
DISP3 = {"disperse": 3, "redundancy": 1}


# --------------------------------------------------------------------------- helpers


def test_set_size():
    assert gr.set_size() == 1
    assert gr.set_size(replica=1) == 1
    assert gr.set_size(replica="3") == 3
    assert gr.set_size(disperse=6) == 6
    assert gr.set_size(replica=1, disperse=3) == 3


def test_chunk():
    assert gr.chunk([1, 2, 3, 4, 5, 6], 3) == [[1, 2, 3], [4, 5, 6]]
    assert gr.chunk([1, 2, 3], 1) == [[1], [2], [3]]
    assert gr.chunk([], 3) == []


# --------------------------------------------------------------------------- nothing to do


@pytest.mark.parametrize(
    "bricks, counts",
    [
        ([A1, A2], {}),
        ([A1, A2, A3], REP3),
        ([A1, A2, A3, B1, B2, B3], REP3),
        ([A1, A2, ARB, B1, B2, ARB_B], ARB3),
        ([A1, A2, A3, B1, B2, B3], DISP3),
    ],
    ids=["distribute", "replica3", "2x3", "arbiter-2x(2+1)", "disperse-2x(2+1)"],
)
def test_identical_layout(bricks, counts):
    assert plan(bricks, bricks, counts) == NOTHING


@pytest.mark.parametrize(
    "current, wanted, counts",
    [
        ([A1, A2], [A2, A1], {}),
        ([A1, A2, A3], [A3, A1, A2], REP3),
        ([A1, A2, A3, B1, B2, B3], [B1, B2, B3, A1, A2, A3], REP3),
        ([A1, A2, A3, B1, B2, B3], [B3, B2, B1, A2, A3, A1], REP3),
        ([A1, A2, ARB, B1, B2, ARB_B], [B2, B1, ARB_B, A2, A1, ARB], ARB3),
        ([A1, A2, A3, B1, B2, B3], [B2, B3, B1, A1, A2, A3], DISP3),
    ],
    ids=["distribute", "replica3-members", "2x3-sets", "2x3-sets-and-members", "arbiter", "disperse"],
)
def test_same_sets_in_another_order(current, wanted, counts):
    assert plan(current, wanted, counts) == NOTHING


def test_bricks_compared_by_uuid_not_by_name():
    by_ip = [brick("10.0.0.1", "a"), brick("10.0.0.2", "a"), brick("10.0.0.3", "a")]
    assert plan(by_ip, [A1, A2, A3], REP3) == NOTHING
    # growing such a volume names the new bricks as the pillar does
    assert operations(plan(by_ip, [A3, A2, A1, B1, B2, B3], REP3)) == [
        {"op": "add-brick", "bricks": [B1, B2, B3]}
    ]


# --------------------------------------------------------------------------- grow / shrink by sets


@pytest.mark.parametrize(
    "wanted, added",
    [
        ([A1, A2, A3, B1, B2, B3], [B1, B2, B3]),
        ([A1, A2, A3, B3, B1, B2], [B3, B1, B2]),
        ([B2, B1, B3, A1, A2, A3], [B2, B1, B3]),
    ],
)
def test_grow_1x3_to_2x3(wanted, added):
    assert operations(plan([A1, A2, A3], wanted, REP3)) == [{"op": "add-brick", "bricks": added}]


def test_grow_1x3_to_3x3_adds_both_sets_in_one_call():
    wanted = [A1, A2, A3, B1, B2, B3, C1, C2, C3]
    assert operations(plan([A1, A2, A3], wanted, REP3)) == [
        {"op": "add-brick", "bricks": [B1, B2, B3, C1, C2, C3]}
    ]


@pytest.mark.parametrize(
    "current, wanted, counts, added",
    [
        ([A1, A2], [A1, A2, A3], {}, [A3]),
        ([A1, A2, ARB], [A1, A2, ARB, B1, B2, ARB_B], ARB3, [B1, B2, ARB_B]),
        ([A1, A2, A3], [A1, A2, A3, X1, X2, X3], DISP3, [X1, X2, X3]),
    ],
    ids=["distribute", "arbiter", "disperse"],
)
def test_grow_other_types(current, wanted, counts, added):
    assert operations(plan(current, wanted, counts)) == [{"op": "add-brick", "bricks": added}]


def test_shrink_2x3_to_1x3_needs_allow_shrink():
    text = problem(plan([A1, A2, A3, B1, B2, B3], [A1, A2, A3], REP3), "allow_shrink: true", "migrates")
    assert f"bricks in the volume but not in the pillar: {B1}, {B2}, {B3};" in text
    assert A1 not in text


def test_shrink_2x3_to_1x3_with_allow_shrink():
    result = plan([A1, A2, A3, B1, B2, B3], [A3, A1, A2], REP3, allow_shrink=True)
    assert operations(result) == [{"op": "remove-brick", "bricks": [B1, B2, B3], "migrate": True}]


@pytest.mark.parametrize(
    "current, counts",
    [([A1, A2], {}), ([A1, A2, A3], REP3), ([A1, A2, A3, B1, B2, B3], REP3), ([A1, A2, A3], DISP3)],
    ids=["distribute", "1x3", "2x3", "disperse"],
)
def test_removing_every_set(current, counts):
    problem(plan(current, [], counts, allow_shrink=True), "removes every brick", "delete the volume")
    # without allow_shrink the first thing to say is that bricks would go
    problem(plan(current, [], counts), "allow_shrink")


def test_moving_a_replica_set_elsewhere_adds_then_removes():
    """No brick in common: the new set is added, the old one migrated away and removed."""
    result = plan([A1, A2, A3], [C1, C2, X1], REP3, allow_shrink=True)
    assert operations(result) == [
        {"op": "add-brick", "bricks": [C1, C2, X1]},
        {"op": "remove-brick", "bricks": [A1, A2, A3], "migrate": True},
    ]
    problem(plan([A1, A2, A3], [C1, C2, X1], REP3), A1, "allow_shrink")


# --------------------------------------------------------------------------- pure distribute


def test_distribute_changed_brick_needs_allow_shrink():
    text = problem(plan([A1, A2], [A1, A3]), f"not in the pillar: {A2};", "allow_shrink: true")
    assert A3 not in text


def test_distribute_changed_brick_adds_then_removes():
    assert operations(plan([A1, A2], [A1, A3], allow_shrink=True)) == [
        {"op": "add-brick", "bricks": [A3]},
        {"op": "remove-brick", "bricks": [A2], "migrate": True},
    ]


# --------------------------------------------------------------------------- raising the replica count


def test_replica_2_to_3():
    assert operations(plan([A1, A2], [A1, A2, A3], REP2, REP3)) == [
        {"op": "add-brick", "bricks": [A3], "replica": 3}
    ]


@pytest.mark.parametrize(
    "wanted",
    [
        [A1, A2, X1, B1, B2, X2],
        [B2, B1, X2, A1, A2, X1],  # sets listed in another order: bricks still follow the volume's sets
        [A2, A1, X1, B1, B2, X2],  # members of a set in another order
    ],
)
def test_replica_2x2_to_2x3_one_brick_per_set_in_set_order(wanted):
    assert operations(plan([A1, A2, B1, B2], wanted, REP2, REP3)) == [
        {"op": "add-brick", "bricks": [X1, X2], "replica": 3}
    ]


def test_distribute_to_replica_2():
    assert operations(plan([A1, B1], [A1, A2, B1, B2], {}, REP2)) == [
        {"op": "add-brick", "bricks": [A2, B2], "replica": 2}
    ]


def test_replica_2_to_replica_3_arbiter_1():
    assert operations(plan([A1, A2, B1, B2], [A1, A2, ARB, B1, B2, ARB_B], REP2, ARB3)) == [
        {"op": "add-brick", "bricks": [ARB, ARB_B], "replica": 3, "arbiter": 1}
    ]


@pytest.mark.parametrize("new", [{"replica": 4}, {"replica": 4, "arbiter": 1}])
def test_raising_replica_on_an_arbiter_volume(new):
    problem(
        plan([A1, A2, ARB], [A1, A2, ARB, X1], ARB3, new),
        "already has an arbiter",
        "cannot raise its replica count",
    )


def test_arbiter_needs_replica_3():
    problem(
        plan([A1, A2], [A1, A2, X1, X2], REP2, {"replica": 4, "arbiter": 1}), "an arbiter needs replica 3"
    )


def test_raising_replica_keeps_every_set():
    # the first two bricks of the second wanted set are not a set of the volume
    text = problem(
        plan([A1, A2, B1, B2], [A1, A2, X1, B1, X2, B2], REP2, REP3),
        "first 2 bricks are not a set of the volume",
        "gains 1 at the end",
    )
    assert f"[{B1}, {X2}, {B2}]" in text


@pytest.mark.parametrize(
    "current, wanted, old, new, words",
    [
        ([A1, A2], [A1, A2, A3, B1, B2, B3], REP2, REP3, ["from 2 to 3", "number of sets from 1 to 2"]),
        ([A1, A2, B1, B2], [A1, A2, A3], REP2, REP3, ["from 2 to 3", "number of sets from 2 to 1"]),
        ([A1, A2, A3], [A1, A2, B1, B2], REP3, REP2, ["from 3 to 2", "number of sets from 1 to 2"]),
    ],
    ids=["2->3-and-grow", "2->3-and-shrink", "3->2-and-grow"],
)
def test_replica_change_with_a_change_of_set_count(current, wanted, old, new, words):
    problem(plan(current, wanted, old, new, allow_shrink=True), "change one at a time", *words)


# --------------------------------------------------------------------------- lowering the replica count


def test_lowering_replica_needs_allow_shrink():
    problem(
        plan([A1, A2, A3, B1, B2, B3], [A1, A2, B2, B3], REP3, REP2),
        "lowers the replica count from 3 to 2",
        "allow_shrink: true",
    )


@pytest.mark.parametrize(
    "wanted, dropped",
    [
        ([A1, A2, B1, B2], [A3, B3]),
        ([A1, A3, B2, B3], [A2, B1]),
        ([A2, A1, B3, B1], [A3, B2]),
    ],
)
def test_lowering_replica_3_to_2(wanted, dropped):
    result = plan([A1, A2, A3, B1, B2, B3], wanted, REP3, REP2, allow_shrink=True)
    assert operations(result) == [{"op": "remove-brick", "bricks": dropped, "replica": 2, "migrate": False}]


def test_arbiter_to_replica_2_drops_the_arbiter():
    result = plan([A1, A2, ARB, B1, B2, ARB_B], [A1, A2, B1, B2], ARB3, REP2, allow_shrink=True)
    assert operations(result) == [
        {"op": "remove-brick", "bricks": [ARB, ARB_B], "replica": 2, "migrate": False}
    ]


def test_lowering_replica_only_removes_bricks():
    problem(
        plan([A1, A2, A3, B1, B2, B3], [A1, B1, A2, B2], REP3, REP2, allow_shrink=True),
        "is not part of any set of the volume",
    )


# --------------------------------------------------------------------------- replacing bricks


@pytest.mark.parametrize(
    "wanted, old, new",
    [
        ([A1, A2, X1], A3, X1),
        ([X1, A2, A3], A1, X1),
        ([A2, A3, X1], A1, X1),
    ],
)
def test_replace_one_brick_of_a_replica_3_set(wanted, old, new):
    assert operations(plan([A1, A2, A3], wanted, REP3)) == [{"op": "replace-brick", "old": old, "new": new}]


def test_replace_only_touches_the_changed_set():
    result = plan([A1, A2, A3, B1, B2, B3], [A1, A2, A3, B1, X1, B3], REP3)
    assert operations(result) == [{"op": "replace-brick", "old": B2, "new": X1}]


def test_replace_two_bricks_of_a_replica_3_set_one_per_run():
    # the first new brick must heal from the rest of its set before the next one goes
    text = problem(plan([A1, A2, A3], [A1, X1, X2], REP3), "2 bricks replaced at once", "replace one per run")
    assert f"[{A1}, {A2}, {A3}]" in text
    assert operations(plan([A1, A2, A3], [A1, X1, A3], REP3)) == [
        {"op": "replace-brick", "old": A2, "new": X1}
    ]


@pytest.mark.parametrize(
    "wanted, replaced",
    [
        ([X1, A2, ARB], [(A1, X1)]),
        ([A1, A2, X1], [(ARB, X1)]),
    ],
    ids=["data-brick", "arbiter"],
)
def test_replace_in_an_arbiter_set(wanted, replaced):
    assert operations(plan([A1, A2, ARB], wanted, ARB3)) == [
        {"op": "replace-brick", "old": old, "new": new} for old, new in replaced
    ]


def test_replacing_a_data_brick_and_the_arbiter_takes_two_runs():
    problem(plan([A1, A2, ARB], [X1, A2, X2], ARB3), "2 bricks replaced at once", "replace one per run")


def test_replacing_all_data_bricks_of_an_arbiter_set():
    text = problem(plan([A1, A2, ARB], [X1, X2, ARB], ARB3), "would keep no data brick", "replace at most 1")
    assert f"[{A1}, {A2}, {ARB}]" in text


@pytest.mark.parametrize("wanted", [[A1, X1, A2], [X1, A1, A2], [A1, ARB, X1]])
def test_arbiter_must_stay_last(wanted):
    problem(plan([A1, A2, ARB], wanted, ARB3), "the arbiter must stay the last brick of its set")


def test_disperse_replace_up_to_redundancy():
    assert operations(plan([A1, A2, A3], [A1, X1, A3], DISP3)) == [
        {"op": "replace-brick", "old": A2, "new": X1}
    ]


def test_disperse_replace_more_than_redundancy():
    text = problem(
        plan([A1, A2, A3], [A1, X1, X2], DISP3), "2 bricks replaced at once", "more than its redundancy 1"
    )
    assert "replace at most 1 per run" in text


# --------------------------------------------------------------------------- type changes gluster cannot do


@pytest.mark.parametrize(
    "current, wanted, old, new, words",
    [
        ([A1, A2, A3], [A1, A2, A3, B1, B2, B3], DISP3, {"disperse": 6, "redundancy": 2}, ["disperse 3"]),
        ([A1, A2, A3], [A1, A2, A3], REP3, DISP3, ["replica 3", "disperse 3 (redundancy 1)"]),
        ([A1, A2, A3], [A1, A2, A3], DISP3, REP3, ["disperse 3 (redundancy 1)", "replica 3"]),
        ([A1, A2, A3], [A1, A2, A3], {}, DISP3, ["distribute", "disperse 3"]),
        ([A1, A2, A3], [A1, A2, A3], ARB3, DISP3, ["replica 3 with arbiter", "disperse 3"]),
    ],
    ids=[
        "disperse-count",
        "replicate->disperse",
        "disperse->replicate",
        "distribute->disperse",
        "arbiter->disperse",
    ],
)
def test_disperse_changes_are_refused(current, wanted, old, new, words):
    problem(
        plan(current, wanted, old, new, allow_shrink=True), "create a new volume and copy the data", *words
    )


def test_redundancy_change_is_refused():
    problem(
        plan([A1, A2, A3, B1, B2, B3], [A1, A2, A3, B1, B2, B3], {"disperse": 6, "redundancy": 2},
             {"disperse": 6, "redundancy": 1}),
        "redundancy is 2, the pillar says 1",
        "cannot change the redundancy",
    )  # fmt: skip


def test_redundancy_not_given_in_the_pillar_is_not_a_change():
    assert plan([A1, A2, A3], [A1, A2, A3], DISP3, {"disperse": 3}) == NOTHING


# ------------------------------------------- regressions (bugs found by these tests, fixed)


@pytest.mark.parametrize("wanted", [[A1, ARB, A2], [ARB, X1, A2]], ids=["reorder", "reorder-and-replace"])
def test_regression_arbiter_moved_out_of_last_place(wanted):
    problem(plan([A1, A2, ARB], wanted, ARB3), "arbiter must stay the last brick")


@pytest.mark.parametrize("allow_shrink", [False, True])
@pytest.mark.parametrize("old, new", [(REP3, ARB3), (ARB3, REP3)], ids=["add-arbiter", "drop-arbiter"])
def test_regression_arbiter_toggled_at_the_same_replica_count(old, new, allow_shrink):
    problem(plan([A1, A2, ARB], [A1, A2, ARB], old, new, allow_shrink=allow_shrink), "arbiter")


def test_regression_bricks_moved_between_sets():
    result = plan([A1, A2, A3, B1, B2, B3], [A1, A2, B1, A3, B2, B3], REP3)
    assert all(op.get("new") not in (A1, A2, A3, B1, B2, B3) for op in result["operations"])
    problem(result, A3)


def test_regression_arbiter_to_replica_2_keeping_the_arbiter():
    problem(plan([A1, A2, ARB], [A1, ARB], ARB3, REP2, allow_shrink=True), "arbiter")
