"""pillar.example is a working pillar, and so are the volume examples commented out in it."""

import re
from pathlib import Path

import yaml
from saltext_gluster_utils import gluster_pillar as gp

EXAMPLE = Path(__file__).resolve().parent.parent.parent / "pillar.example"


def load():
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))["gluster"]


def commented_volumes():
    """The ``# archive: ...`` block under ``volumes:``, uncommented."""
    text = EXAMPLE.read_text(encoding="utf-8")
    block = text.split("# More volume types (uncomment to use):", 1)[1].split("# ---- brick filesystems", 1)[
        0
    ]
    lines = [re.sub(r"^    # ?", "", line) for line in block.splitlines() if line.startswith("    #")]
    return yaml.safe_load("\n".join(lines))


def commented_brick_devices():
    """The ``# brick_devices: ...`` block, uncommented."""
    text = EXAMPLE.read_text(encoding="utf-8")
    block = text.split("# Uncomment to use:\n", 1)[1].split("# ---- clients", 1)[0]
    lines = [re.sub(r"^  # ?", "", line) for line in block.splitlines() if line.startswith("  #")]
    return yaml.safe_load("\n".join(lines))


def test_commented_brick_devices_example_is_valid():
    pillar = load()
    pillar.update(commented_brick_devices())
    model, problems = gp.build_model(pillar, "gfs1")
    assert problems == []
    backend = model["minion"]["backends"]["/data/glusterfs/gv0"]
    assert (
        backend["device"] == "/dev/disk/by-id/wwn-0x5000c500a1b2c3d4"
        and backend["partition"] == "gpt"
        and backend["filesystem"] == "xfs"
    )
    assert backend["raid"] == {"stripe_unit": "256k", "data_disks": 10} and backend["wipe"] is False
    assert model["minion"]["brick_mounts"] == {"127.1.1.1:/data/glusterfs/gv0/brick": "/data/glusterfs/gv0"}
    assert sorted(model["brick_devices"]) == ["gfs1", "gfs2", "gfs3"]


def test_pillar_example_is_valid_for_every_role():
    pillar = load()
    for minion_id in ("gfs1", "gfs2", "gfs3", "client1", "unrelated"):
        model, problems = gp.build_model(pillar, minion_id)
        assert problems == [], (minion_id, problems)
    model, _ = gp.build_model(pillar, "gfs1")
    assert model["minion"]["is_leader"] is True
    assert model["volumes"]["gv0"]["bricks"] == [
        "127.1.1.1:/data/glusterfs/gv0/brick",
        "127.1.1.2:/data/glusterfs/gv0/brick",
        "127.1.1.3:/data/glusterfs/gv0/brick",
    ]
    assert model["clients"]["client1"]["mounts"]["/mnt/gv0"]["options"] == [
        "_netdev",
        "noatime",
        "backup-volfile-servers=127.1.1.2:127.1.1.3",
    ]


def test_commented_volume_examples_are_valid_too():
    extra = commented_volumes()
    assert set(extra) == {"archive", "vm-images", "scratch", "explicit", "old-volume"}
    pillar = load()
    pillar["volumes"].update(extra)
    model, problems = gp.build_model(pillar, "gfs1")
    assert problems == []
    assert model["volumes"]["archive"]["disperse"] == 3
    assert model["volumes"]["vm-images"]["arbiter"] == 1
    assert len(model["volumes"]["scratch"]["bricks"]) == 6
    assert model["volumes"]["scratch"]["quota"] == {
        "enabled": True,
        "limits": {"/": {"hard": "2TB", "soft": None}, "/projects/a": {"hard": "100GB", "soft": 80}},
        "object_limits": {"/projects/a": {"hard": 1000000, "soft": None}},
        "reset_unmanaged": False,
    }
    assert model["volumes"]["explicit"]["bricks"][0] == "127.1.1.1:/data/glusterfs/explicit/brick"
    assert model["volumes"]["old-volume"] == {"name": "old-volume", "ensure": "absent"}


def test_commented_wipe_brick_data_override_is_valid_with_wipe():
    """The override shown in the example, switched on as the docs say (with wipe: true)."""
    pillar = load()
    devices = commented_brick_devices()
    backend = devices["brick_devices"]["gfs1"]["/data/glusterfs/gv0"]
    text = EXAMPLE.read_text(encoding="utf-8")
    uuid = re.search(r"# wipe_brick_data: ([0-9a-f-]+)", text).group(1)
    backend.update(wipe=True, wipe_brick_data=uuid)
    pillar.update(devices)
    model, problems = gp.build_model(pillar, "gfs1")
    assert problems == []
    assert model["minion"]["backends"]["/data/glusterfs/gv0"]["wipe_brick_data"] == uuid
    backend["wipe"] = False
    _model, problems = gp.build_model(pillar, "gfs1")
    assert [p.split(": ")[0] for p in problems] == [
        "gluster:brick_devices:gfs1:/data/glusterfs/gv0:wipe_brick_data"
    ]
