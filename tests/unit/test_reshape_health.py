"""Whether a brick may leave its set now (``gluster_reshape.leaving_sets`` and
``health_refusals``): on ``volume info``, ``volume status`` and heal answers captured from real
gluster 10.3 (tests/data/). The heal answers of a healthy and of a degraded ``r0`` come from
another capture than the volumes; they are laid onto a volume's bricks in order (``onto``).
"""

from pathlib import Path

import saltext_gluster_utils.gluster_reshape as gr
import saltext_gluster_utils.gluster_xml as gx

DATA = Path(__file__).parent.parent / "data"


def read(name):
    return (DATA / name).read_text(encoding="utf-8")


VOLUMES = gx.parse_volume_info(read("volume_info_all.xml"))
STATUS = gx.parse_volume_status(read("volume_status_all.xml"))
# rep3 with node 3's brick killed and 20 files written since (one capture: info, status, summary)
TROUBLE = gx.parse_volume_info(read("volume_info_rep3_trouble.xml"))["rep3"]
TROUBLE_STATUS = gx.parse_volume_status(read("volume_status_detail_rep3_brick_down.xml"))["rep3"]
TROUBLE_HEAL = gx.parse_heal_info(read("heal_summary_rep3_brick_down.xml"))
T1, T2, T3 = (brick["name"] for brick in TROUBLE["bricks"])


def online(status):
    return {brick["name"]: bool(brick["online"]) for brick in status["bricks"]}


def by_name(bricks):
    return {brick["name"]: brick for brick in bricks}


def onto(bricks, names):
    """Heal answers of another capture laid onto the bricks ``names``, in order."""
    return {name: dict(brick, name=name) for name, brick in zip(names, bricks, strict=True)}


def replace(old):
    return [{"op": "replace-brick", "old": old, "new": "127.1.1.4:/bricks/new"}]


def refusals(volume, operations, up, heal, listed=None, allow_replace=False, name="rep3"):
    sets = gr.leaving_sets(volume, operations)
    return gr.health_refusals(name, sets, up, heal, listed, allow_replace=allow_replace)


def one(problems, *words):
    assert len(problems) == 1, problems
    for word in words:
        assert word in problems[0], (word, problems[0])
    return problems[0]


# --------------------------------------------------------------------------- the sets that lose a brick


def test_leaving_sets_of_a_replace_and_of_a_lower_replica():
    distrep = VOLUMES["distrep"]  # 2 x 2
    names = [brick["name"] for brick in distrep["bricks"]]
    assert gr.leaving_sets(distrep, replace(names[3])) == [
        {"members": names[2:], "leaving": [names[3]], "replaced": [names[3]]}
    ]
    lower = [{"op": "remove-brick", "bricks": [names[1], names[3]], "replica": 1, "migrate": False}]
    assert gr.leaving_sets(distrep, lower) == [
        {"members": names[:2], "leaving": [names[1]], "replaced": []},
        {"members": names[2:], "leaving": [names[3]], "replaced": []},
    ]
    # a migrated removal, an add-brick, a heal: no brick leaves a set that stays
    others = [
        {"op": "remove-brick", "bricks": names[2:], "migrate": True},
        {"op": "add-brick", "bricks": ["x:/y"]},
        {"op": "heal"},
    ]
    assert gr.leaving_sets(distrep, others) == []


def test_all_sets_follow_the_volume_type():
    assert [len(s) for s in gr.all_sets(VOLUMES["distdisp"])] == [3, 3]
    assert [len(s) for s in gr.all_sets(VOLUMES["dist"])] == [1, 1]
    assert [len(s) for s in gr.all_sets(VOLUMES["arb"])] == [3]


# --------------------------------------------------------------------------- a healthy volume


def test_a_working_brick_is_replaced_only_with_allow_replace():
    rep3 = VOLUMES["rep3"]
    names = [brick["name"] for brick in rep3["bricks"]]
    heal = onto(gx.parse_heal_info(read("heal_summary_healthy.xml")), names)
    up = online(STATUS["rep3"])
    assert all(up[name] for name in names)
    text = one(
        refusals(rep3, replace(names[2]), up, heal),
        "volume rep3",
        names[2],
        "online and working",
        "allow_replace: true",
    )
    assert "typo" in text
    assert refusals(rep3, replace(names[2]), up, heal, allow_replace=True) == []


def test_a_lower_replica_of_a_healthy_set_needs_no_allow_replace():
    rep3 = VOLUMES["rep3"]
    names = [brick["name"] for brick in rep3["bricks"]]
    heal = onto(gx.parse_heal_info(read("heal_summary_healthy.xml")), names)
    lower = [{"op": "remove-brick", "bricks": [names[2]], "replica": 2, "migrate": False}]
    assert refusals(rep3, lower, online(STATUS["rep3"]), heal) == []


def test_a_disperse_replacement_is_judged_the_same_way():
    disp = VOLUMES["disp"]
    names = [brick["name"] for brick in disp["bricks"]]
    heal = onto(gx.parse_heal_info(read("heal_summary_healthy.xml")), names)
    up = online(STATUS["disp"])
    one(refusals(disp, replace(names[0]), up, heal, name="disp"), "volume disp", "allow_replace")
    assert refusals(disp, replace(names[0]), up, heal, allow_replace=True, name="disp") == []
    up[names[1]] = False
    one(
        refusals(disp, replace(names[0]), up, heal, allow_replace=True, name="disp"),
        f"{names[1]} is offline (down)",
    )


# --------------------------------------------------------------------------- a degraded volume


def test_replace_or_lower_while_another_member_is_down_is_refused():
    up = online(TROUBLE_STATUS)
    assert (up[T1], up[T2], up[T3]) == (True, True, False)
    heal = by_name(TROUBLE_HEAL)
    for operations in (replace(T1), [{"op": "remove-brick", "bricks": [T1], "replica": 2, "migrate": False}]):
        for allow in (False, True):
            text = one(
                refusals(TROUBLE, operations, up, heal, allow_replace=allow),
                "volume rep3",
                f"{T3} is offline (down)",
            )
            assert "gluster volume start rep3 force" in text


def test_a_failed_brick_is_replaced_without_the_flag_when_the_rest_only_waits_for_it():
    up = online(TROUBLE_STATUS)
    heal = by_name(TROUBLE_HEAL)
    assert gr.listing_needed(gr.leaving_sets(TROUBLE, replace(T3)), up, heal)
    # without the listing every entry counts: 21 on each copy left
    one(refusals(TROUBLE, replace(T3), up, heal), "42 entries wait for self-heal", f"replacing {T3}")
    # every brick left lists the same entries: the writes the failed one missed
    files = gx.parse_heal_info(read("heal_info_brick_down.xml"))[0]["files"]
    assert refusals(TROUBLE, replace(T3), up, heal, listed={T1: files, T2: list(reversed(files))}) == []
    # one copy left misses an entry the other has: it is behind, and the failed one may be a source
    one(
        refusals(TROUBLE, replace(T3), up, heal, listed={T1: files, T2: files[1:]}),
        "1 entries wait for self-heal",
    )


def test_pending_entries_refuse_the_replacement_of_a_working_brick():
    heal = by_name(TROUBLE_HEAL)
    up = dict(online(TROUBLE_STATUS), **{T3: True})  # brick 3 is back; its copies wait for the heal
    sets = gr.leaving_sets(TROUBLE, replace(T1))
    assert not gr.listing_needed(sets, up, heal)  # a leaving brick that works: nothing is exempt
    problems = gr.health_refusals("rep3", sets, up, heal, None, allow_replace=True)
    assert any("heal of " + T3 in p and "cannot be read" in p for p in problems), problems


def test_split_brain_in_the_set_is_refused():
    sb = gx.parse_heal_info(read("heal_summary_split_brain_file.xml"))
    names = [brick["name"] for brick in sb]
    volume = {"replica_count": 2, "disperse_count": 0, "bricks": [{"name": name} for name in names]}
    up = dict.fromkeys(names, True)
    problems = refusals(volume, replace(names[1]), up, by_name(sb), allow_replace=True, name="sb")
    assert any("2 entries in split-brain" in p and "gluster.split_brain_resolve" in p for p in problems), (
        problems
    )


def test_without_a_leaving_brick_every_problem_of_every_set_is_named():
    """What ``gluster.volumes_healthy`` (before a rolling restart) asks."""
    sets = [{"members": members, "leaving": [], "replaced": []} for members in gr.all_sets(TROUBLE)]
    text = one(
        gr.health_refusals("rep3", sets, online(TROUBLE_STATUS), by_name(TROUBLE_HEAL)),
        f"{T3} is offline (down)",
    )
    assert "replacing" not in text and "removing" not in text
    healthy = [
        {"members": members, "leaving": [], "replaced": []} for members in gr.all_sets(VOLUMES["rep3"])
    ]
    names = healthy[0]["members"]
    assert (
        gr.health_refusals(
            "rep3",
            healthy,
            online(STATUS["rep3"]),
            onto(gx.parse_heal_info(read("heal_summary_healthy.xml")), names),
        )
        == []
    )
    # a plain distribute volume: bricks online is all there is
    dist = [{"members": members, "leaving": [], "replaced": []} for members in gr.all_sets(VOLUMES["dist"])]
    down = {name: False for (name,) in gr.all_sets(VOLUMES["dist"])}
    assert len(gr.health_refusals("dist", dist, down, {})) == 2
