"""Property-based tests of the pillar validation (``_utils/gluster_pillar.py``).

``valid_pillars`` generates VALID ``gluster:`` pillars (schema: ``pillar.example``): nodes as
plain addresses, ``{address: ...}`` or the minion id itself; a leader; volumes of every type
(distribute, replicate, arbiter, disperse, distributed-replicate, distributed-disperse and
untyped with a replica count) laid out automatically (``brick_path`` with ``{n}``/``{node}``,
``bricks_per_node``, a subset of ``nodes``, the simple or the chained layout) or by an explicit
brick list; options; volumes to remove; clients with mounts; brick devices (partition, LVM,
thin pools, RAID geometry) under the brick directories. Each comes with what it must mean,
worked out here independently of the product, and the model is checked against that: every
brick on a node's address, replica/disperse sets on distinct hosts, the brick counts the type
needs, options normalised, mounts pointing at the volume's hosts, each minion's brick dirs and
brick filesystems.

``broken_pillars`` takes such a pillar and breaks exactly one thing (over 60 kinds: wrong types,
bad names and addresses, counts that do not fit, unknown keys, bad options, bad mount points,
bad devices...) and knows the pillar path of what it broke; the validation must report a
problem naming that path, and every problem must be one clean line of text.

Runs derandomized (same examples every run), in a few seconds.
"""

import copy
from collections import Counter

import saltext_gluster_utils.gluster_pillar as gp
from hostile import printable
from hostile import variants
import pytest
from hypothesis import HealthCheck
from hypothesis import assume
from hypothesis import example
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

SETTINGS = settings(
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

RESERVED = {"all", "help", "info", "list", "status"}
ROOTS = ("/data/glusterfs", "/srv/gluster", "/bricks")
MOUNT_OPTIONS = ("noatime", "ro", "_netdev", "acl", "log-level=WARNING", "direct-io-mode=disable")

LOWER = "abcdefghijklmnopqrstuvwxyz"
ALNUM = LOWER + LOWER.upper() + "0123456789"


def _word(first, rest, max_size):
    return st.builds(str.__add__, st.sampled_from(first), st.text(rest, max_size=max_size))


minion_ids = _word(LOWER, LOWER + "0123456789", 6)
volume_names = _word(ALNUM, ALNUM + "_-", 15).filter(lambda name: name.lower() not in RESERVED)
option_keys = st.builds(
    "{}.{}".format, _word(LOWER, LOWER + "-0123456789", 8), _word(LOWER, LOWER + "-0123456789", 14)
)
option_values = st.one_of(
    st.booleans(),
    st.integers(min_value=0, max_value=10**9),
    st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=40).filter(
        lambda text: not text.startswith("--")
    ),
)


def normalised_value(value):
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


# --------------------------------------------------------------------------- valid pillars


@st.composite
def node_sets(draw):
    """``(pillar nodes, {minion id: address})``."""
    ids = draw(st.lists(minion_ids, min_size=1, max_size=5, unique=True))
    raw, addresses = {}, {}
    for index, minion in enumerate(ids):
        form = draw(st.sampled_from(["ipv4", "hostname", "ipv6", "self", "mapping"]))
        if form == "self":
            raw[minion], addresses[minion] = None, minion
            continue
        if form == "ipv6":
            address = f"fd00::{index + 1:x}"
        elif form == "hostname":
            address = f"h{index}-{minion}.example.com"
        else:
            address = f"10.{draw(st.integers(0, 255))}.{draw(st.integers(0, 255))}.{index + 1}"
        raw[minion] = {"address": address} if form == "mapping" else address
        addresses[minion] = address
    return raw, addresses


def chained_fits(members, per_node, set_size):
    """Whether the chained layout (set s on nodes s..s+size-1, mod n) gives every node exactly
    ``per_node`` bricks."""
    total = members * per_node
    if total % set_size:
        return False
    used = [
        sum(1 for s in range(total // set_size) if (node - s) % members < set_size) for node in range(members)
    ]
    return max(used) <= per_node


@st.composite
def volumes(draw, name, addresses):
    """``(spec, expectation)`` of one present volume on ``addresses`` (minion id -> address)."""
    ids = list(addresses)
    count = len(ids)
    kinds = ["distribute", "untyped"]
    if count >= 2:
        kinds += ["replicate", "distributed-replicate", "implicit-replica"]
    if count >= 3:
        kinds += ["arbiter", "disperse", "distributed-disperse"]
    kind = draw(st.sampled_from(kinds))
    spec, expect = {}, {"replica": None, "arbiter": None, "disperse": None, "redundancy": None}
    if kind not in ("untyped", "implicit-replica"):
        spec["type"] = kind
    set_size, distributed = 1, kind in ("distribute", "untyped", "implicit-replica")
    if kind in ("replicate", "distributed-replicate", "implicit-replica"):
        set_size = draw(st.integers(2, min(count, 4)))
        spec["replica"] = expect["replica"] = set_size
    elif kind == "arbiter":
        set_size = 3
        expect.update(replica=3, arbiter=1)
        if draw(st.booleans()):
            spec["replica"] = 3
        if draw(st.booleans()):
            spec["arbiter"] = 1
    elif kind in ("disperse", "distributed-disperse"):
        set_size = draw(st.integers(3, min(count, 6)))
        spec["disperse"] = expect["disperse"] = set_size
        if draw(st.booleans()):
            spec["redundancy"] = expect["redundancy"] = draw(st.integers(1, (set_size - 1) // 2))
    if kind.startswith("distributed-"):
        distributed = True
    root = draw(st.sampled_from(ROOTS))
    expect.update(set_size=set_size, kind=kind, root=f"{root}/{name}")

    if draw(st.booleans()):  # automatic layout
        if kind in ("replicate", "arbiter", "disperse"):
            shapes = [(set_size, 1)]
        else:
            shapes = [
                (m, p)
                for m in range(set_size, count + 1)
                for p in range(1, 4)
                if (m * p) % set_size == 0 and (not kind.startswith("distributed-") or m * p > set_size)
            ]
        members_count, per_node = draw(st.sampled_from(shapes))
        if members_count == count and draw(st.booleans()):
            members = ids
        else:
            members = draw(st.permutations(ids))[:members_count]
            spec["nodes"] = list(members)
        use_node = draw(st.booleans())
        brick_path = (
            f"{root}/{name}" + ("/{node}" if use_node else "") + ("/brick{n}" if per_node > 1 else "/brick")
        )
        spec["brick_path"] = brick_path
        if per_node > 1 or draw(st.booleans()):
            spec["bricks_per_node"] = per_node
        layout = "simple"
        if set_size > 1 and chained_fits(members_count, per_node, set_size) and draw(st.booleans()):
            layout = spec["layout"] = "chained"
        elif draw(st.booleans()):
            spec["layout"] = "simple"

        def path(minion, index):
            return brick_path.replace("{node}", minion).replace("{n}", str(index))

        expect["bricks"] = [f"{addresses[m]}:{path(m, i)}" for i in range(1, per_node + 1) for m in members]
        expect["ordered"] = layout == "simple"
        expect["per_node"] = {addresses[m]: per_node for m in members}
    else:  # explicit bricks
        if kind in ("distribute", "untyped"):
            hosts = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=6))
            chosen = [(minion, f"{root}/{name}/b{index}") for index, minion in enumerate(hosts)]
        else:
            sets = 1 if not distributed else draw(st.integers(1 if kind == "implicit-replica" else 2, 3))
            chosen = []
            for number in range(sets):
                members = draw(st.permutations(ids))[:set_size]
                chosen += [(minion, f"{root}/{name}/s{number}") for minion in members]
        spec["bricks"] = [
            f"{minion if draw(st.booleans()) else addresses[minion]}:{path}" for minion, path in chosen
        ]
        expect["bricks"] = [f"{addresses[minion]}:{path}" for minion, path in chosen]
        expect["ordered"] = True
        expect["per_node"] = None

    options = draw(st.dictionaries(option_keys, option_values, max_size=4))
    if options:
        spec["options"] = options
    expect["options"] = {key: normalised_value(value) for key, value in options.items()}
    for key in ("started", "force", "reset_unmanaged", "allow_shrink", "allow_replace"):
        if draw(st.booleans()):
            spec[key] = draw(st.booleans())
    if draw(st.booleans()):
        spec["rebalance"] = draw(st.sampled_from(["full", "fix-layout", "none"]))
    if draw(st.booleans()):
        spec["transport"] = draw(st.sampled_from(["tcp", "rdma", "tcp,rdma"]))
    for key, low in (("rebalance_timeout", 0), ("heal_timeout", 0), ("migration_timeout", 1)):
        if draw(st.booleans()):
            spec[key] = draw(st.integers(low, 10**6))
    if draw(st.booleans()):
        spec["ensure"] = "present"
    return spec, expect


@st.composite
def brick_devices(draw, addresses, volume_specs, expects):
    """``gluster:brick_devices`` for some nodes: mount points holding (some of) their bricks."""
    raw = {}
    for minion in draw(st.lists(st.sampled_from(list(addresses)), max_size=3, unique=True)):
        address = addresses[minion]
        roots = sorted(
            {e["root"] for e in expects.values() if any(b.startswith(address + ":") for b in e["bricks"])}
        )
        mounts = draw(st.lists(st.sampled_from(roots), unique=True)) if roots else []
        mounts += [f"/srv/extra{i}" for i in range(draw(st.integers(0 if mounts else 1, 2)))]
        backends = {}
        for index, mount in enumerate(mounts):
            spec = {
                "device": draw(st.sampled_from([f"/dev/sd{chr(98 + index)}", f"/dev/disk/by-id/wwn-{index}"]))
            }
            if draw(st.booleans()):
                spec["partition"] = "gpt"
            if draw(st.booleans()):
                spec["filesystem"] = draw(st.sampled_from(["xfs", "ext4"]))
            if draw(st.booleans()):
                spec["raid"] = {
                    "stripe_unit": draw(st.sampled_from(["64k", "128k", "256k", "1m"])),
                    "data_disks": draw(st.integers(1, 16)),
                }
            lvm_form = draw(st.sampled_from([None, "thick", "thin"]))
            if lvm_form:
                lvm = {"vg": f"vg_{index}", "lv": f"lv{index}"}
                if lvm_form == "thin":
                    lvm.update(thin_pool=f"pool{index}", size=draw(st.sampled_from(["1T", "500G"])))
                    if draw(st.booleans()):
                        lvm["pool_metadata_size"] = "16G"
                    if draw(st.booleans()):
                        lvm["pool_size"] = "90%FREE"
                elif draw(st.booleans()):
                    lvm["size"] = draw(st.sampled_from(["100%FREE", "50G"]))
                spec["lvm"] = lvm
            if draw(st.booleans()):
                spec["mkfs_options"] = draw(
                    st.lists(st.sampled_from(["-K", "-m", "reflink=1", "agcount=8"]), max_size=2)
                )
            if draw(st.booleans()):
                spec["mount_options"] = draw(
                    st.lists(
                        st.sampled_from(["noatime", "inode64", "nodiratime", "logbsize=256k"]),
                        min_size=1,
                        max_size=3,
                    )
                )
            for key in ("wipe", "selinux"):
                if draw(st.booleans()):
                    spec[key] = draw(st.booleans())
            if draw(st.booleans()):
                spec["fstab"] = "/etc/fstab.gluster"
            backends[mount] = spec
        raw[minion] = backends
    return raw


@st.composite
def valid_pillars(draw):
    """``(pillar, expectation, minion id to build the model for)``."""
    raw_nodes, addresses = draw(node_sets())
    pillar = {"nodes": raw_nodes}
    ids = list(addresses)
    leader = ids[0]
    if draw(st.booleans()):
        leader = pillar["leader"] = draw(st.sampled_from(ids))
    names = draw(st.lists(volume_names, max_size=4, unique_by=str.lower))
    specs, expects, absent = {}, {}, []
    for name in names:
        if draw(st.integers(0, 5)) == 0:
            specs[name] = {"ensure": "absent"}
            absent.append(name)
        else:
            specs[name], expects[name] = draw(volumes(name, addresses))
    if specs or draw(st.booleans()):
        pillar["volumes"] = specs

    clients, client_expect = {}, {}
    if expects:
        for index in range(draw(st.integers(0, 2))):
            client = draw(st.sampled_from([f"client{index}", *ids]))
            if client in clients:
                continue
            mounts = {}
            for number in range(draw(st.integers(1, 3))):
                volume = draw(st.sampled_from(sorted(expects)))
                mount = {"volume": volume}
                if draw(st.booleans()):
                    options = draw(st.lists(st.sampled_from(MOUNT_OPTIONS), max_size=3, unique=True))
                    mount["options"] = ",".join(options) if draw(st.booleans()) else options
                if draw(st.booleans()):
                    server_node = draw(st.sampled_from(ids))
                    mount["server"] = server_node if draw(st.booleans()) else addresses[server_node]
                for key in ("persist", "mounted"):
                    if draw(st.booleans()):
                        mount[key] = draw(st.booleans())
                if draw(st.booleans()):
                    mount["fstab"] = "/etc/fstab.d/gluster"
                mounts[f"/mnt/{volume}-{number}"] = mount
            clients[client] = {"mounts": mounts}
        if clients:
            pillar["clients"] = clients
    client_expect = clients

    devices = draw(brick_devices(addresses, specs, expects))
    if devices:
        pillar["brick_devices"] = devices

    if draw(st.booleans()):
        pillar["peer_timeout"] = draw(st.integers(1, 3600))
    for key in ("members_wait", "detach_removed_nodes"):
        if draw(st.booleans()):
            pillar[key] = draw(st.booleans())
    if draw(st.booleans()):
        pillar["op_version"] = draw(st.one_of(st.just("max"), st.integers(1, 200000)))
    if draw(st.booleans()):
        server = {}
        for key in ("manage_packages", "manage_service"):
            if draw(st.booleans()):
                server[key] = draw(st.booleans())
        if draw(st.booleans()):
            server["glusterd_options"] = draw(
                st.dictionaries(
                    st.sampled_from(["base-port", "max-port", "event-threads"]),
                    st.integers(1, 65535),
                    max_size=2,
                )
            )
        pillar["server"] = server
    if draw(st.booleans()):
        pillar["maintenance"] = {"heal_timeout": draw(st.integers(1, 7200))}
    minion = draw(st.sampled_from([*ids, *client_expect, None, "stranger"]))
    expectation = {
        "addresses": addresses,
        "leader": leader,
        "volumes": expects,
        "absent": absent,
        "clients": client_expect,
        "devices": devices,
    }
    return pillar, expectation, minion


# --------------------------------------------------------------------------- valid: the model


def _hosts(bricks):
    return [brick.rpartition(":")[0] for brick in bricks]


def _check_volume(name, volume, expect, addresses):
    bricks = volume["bricks"]
    assert volume["ensure"] == "present"
    if expect["ordered"]:
        assert bricks == expect["bricks"]
    else:
        assert sorted(bricks) == sorted(expect["bricks"])
    assert len(set(bricks)) == len(bricks), "a brick listed twice"
    assert set(_hosts(bricks)) <= set(addresses.values()), "a brick not on a node's address"
    if expect["per_node"] is not None:
        assert Counter(_hosts(bricks)) == expect["per_node"]
    size = expect["set_size"]
    assert (volume["replica"] or volume["disperse"] or 1) == size
    for start in range(0, len(bricks), size):
        members = _hosts(bricks[start : start + size])
        assert len(set(members)) == len(members), f"set {start // size + 1} of {name} shares a host"
    if expect["kind"] in ("replicate", "arbiter", "disperse"):
        assert len(bricks) == size
    elif expect["kind"].startswith("distributed-"):
        assert len(bricks) % size == 0 and len(bricks) > size
    else:
        assert len(bricks) % size == 0 and bricks
    for key in ("replica", "arbiter", "disperse", "redundancy"):
        assert volume[key] == expect[key], key
    assert volume["options"] == expect["options"]


def _check_clients(model, expectation, addresses):
    assert set(model["clients"]) == set(expectation["clients"])
    for client, spec in expectation["clients"].items():
        mounts = model["clients"][client]["mounts"]
        assert set(mounts) == set(spec["mounts"])
        for point, wanted in spec["mounts"].items():
            mount = mounts[point]
            volume = wanted["volume"]
            hosts = list(dict.fromkeys(_hosts(model["volumes"][volume]["bricks"])))
            server = addresses.get(wanted.get("server"), wanted.get("server")) or hosts[0]
            assert mount["server"] == server
            assert mount["device"] == f"{server}:/{volume}"
            assert mount["backup_servers"] == [h for h in hosts if h != server]
            user = wanted.get("options", [])
            user = [o for o in user.split(",") if o] if isinstance(user, str) else user
            expected = ["_netdev"] + [o for o in user if o != "_netdev"]
            if mount["backup_servers"]:
                expected.append("backup-volfile-servers=" + ":".join(mount["backup_servers"]))
            assert mount["options"] == expected
            assert mount["persist"] is wanted.get("persist", True)
            assert mount["mounted"] is wanted.get("mounted", True)
            assert mount["fstab"] == wanted.get("fstab", "/etc/fstab")


def _check_devices(model, expectation):
    assert set(model["brick_devices"]) == set(expectation["devices"])
    for minion, backends in expectation["devices"].items():
        assert set(model["brick_devices"][minion]) == set(backends)
        for mount, spec in backends.items():
            got = model["brick_devices"][minion][mount]
            filesystem = spec.get("filesystem", "xfs")
            assert got["device"] == spec["device"]
            assert got["filesystem"] == filesystem
            assert got["partition"] == spec.get("partition")
            default = ["noatime", "inode64"] if filesystem == "xfs" else ["noatime"]
            assert got["mount_options"] == (spec.get("mount_options") or default)
            assert got["mkfs_options"] == spec.get("mkfs_options", [])
            assert got["fstab"] == spec.get("fstab", "/etc/fstab")
            assert got["wipe"] is spec.get("wipe", False)
            if "lvm" in spec:
                lvm = dict(spec["lvm"])
                lvm.setdefault("size", "100%FREE")
                if "thin_pool" in lvm:
                    lvm.setdefault("pool_size", "100%FREE")
                assert got["lvm"] == lvm
            else:
                assert got["lvm"] is None


def _check_minion(model, expectation, minion):
    addresses = expectation["addresses"]
    address = addresses.get(minion)
    own = model["minion"]
    assert own["id"] == minion
    assert own["is_node"] is (minion in addresses)
    assert own["address"] == address
    assert own["is_leader"] is (minion == expectation["leader"])
    assert own["is_client"] is (minion in expectation["clients"])
    dirs = sorted(
        {
            brick.rpartition(":")[2]
            for volume in model["volumes"].values()
            for brick in volume.get("bricks", [])
            if address is not None and brick.rpartition(":")[0] == address
        }
    )
    assert own["brick_dirs"] == dirs
    backends = expectation["devices"].get(minion, {})
    assert set(own["backends"]) == set(backends)
    mounts = {}
    for directory in dirs:
        above = [m for m in backends if directory.startswith(m + "/")]
        if above:
            mounts[f"{address}:{directory}"] = max(above, key=len)
    assert own["brick_mounts"] == mounts


@settings(SETTINGS, max_examples=150)
@given(valid_pillars())
def test_valid_pillars_validate_and_the_model_is_consistent(case):
    pillar, expectation, minion = case
    original = copy.deepcopy(pillar)
    model, problems = gp.build_model(pillar, minion)
    assert problems == []
    assert pillar == original, "build_model changed the pillar it was given"
    addresses = expectation["addresses"]
    assert model["nodes"] == addresses
    assert model["leader"] == expectation["leader"]
    assert model["leader_address"] == addresses[expectation["leader"]]
    assert set(model["volumes"]) == set(expectation["volumes"]) | set(expectation["absent"])
    for name in expectation["absent"]:
        assert model["volumes"][name] == {"name": name, "ensure": "absent"}
    for name, expect in expectation["volumes"].items():
        _check_volume(name, model["volumes"][name], expect, addresses)
    _check_clients(model, expectation, addresses)
    _check_devices(model, expectation)
    _check_minion(model, expectation, minion)


# --------------------------------------------------------------------------- broken pillars

HOSTILE_HOSTS = list(variants("gfs-a.example.com").values())
HOSTILE_WORDS = list(variants("gvdata0").values())
HOSTILE_PATHS = list(variants("/data/glusterfs/gv0/brick", "path").values())
BAD_PATHS = HOSTILE_PATHS + [
    "data/relative",
    "/data/../etc",
    "/",
    "/data//x",
    "/data/x/",
    "",
    42,
    None,
    ["/data"],
]
NOT_BOOLS = ["yes", "true", 1, 0, None, [True]]


def _present(pillar, *, with_key=None, without_key=None, types=None):
    """Names of present volumes (optionally with/without a key, of some types)."""
    found = []
    for name, spec in (pillar.get("volumes") or {}).items():
        if spec.get("ensure") == "absent":
            continue
        if with_key and with_key not in spec:
            continue
        if without_key and without_key in spec:
            continue
        if types is not None and spec.get("type") not in types:
            continue
        found.append(name)
    return found


def _mounts(pillar):
    return [
        (client, point) for client, spec in (pillar.get("clients") or {}).items() for point in spec["mounts"]
    ]


def _backends(pillar):
    return [
        (minion, mount) for minion, mounts in (pillar.get("brick_devices") or {}).items() for mount in mounts
    ]


def breaks(applies):
    """Register a breakage: ``applies(pillar)`` -> the candidates it can break (or [])."""

    def register(function):
        BREAKAGES.append((function.__name__, applies, function))
        return function

    return register


BREAKAGES = []


# ---- top level


@breaks(lambda p: [None])
def top_unknown_key(draw, p, _):
    key = draw(st.sampled_from(["node", "Nodes", "volume", "replica", "brick_path", "clients_", "leaders"]))
    p[key] = draw(st.sampled_from([{}, "x", 1]))
    return f"gluster:{key}"


@breaks(lambda p: [None])
def nodes_not_a_mapping(draw, p, _):
    p["nodes"] = draw(st.sampled_from([["gfs1", "gfs2"], "gfs1", 3, {}]))
    return "gluster:nodes"


@breaks(lambda p: list(p["nodes"]))
def node_bad_address(draw, p, minion):
    bad = draw(
        st.sampled_from(HOSTILE_HOSTS + ["", 42, ["10.0.0.1"], "-lead.example.com", "a..b", "fe80::1%eth0;x"])
    )
    p["nodes"][minion] = {"address": bad} if draw(st.booleans()) and bad is not None else bad
    return f"gluster:nodes:{minion}"


@breaks(lambda p: list(p["nodes"])[1:])
def node_duplicate_address(draw, p, minion):
    ids = list(p["nodes"])
    first = draw(st.sampled_from(ids[: ids.index(minion)]))
    value = p["nodes"][first]
    address = value.get("address") if isinstance(value, dict) else value
    p["nodes"][minion] = first if address is None else address
    return f"gluster:nodes:{minion}"


@breaks(lambda p: [None])
def leader_unknown(draw, p, _):
    p["leader"] = draw(st.sampled_from(["nobody", "", 7, ["gfs1"], None]))
    return "gluster:leader"


@breaks(lambda p: ["peer_timeout", "op_version", "members_wait", "detach_removed_nodes"])
def top_bad_value(draw, p, key):
    if key == "peer_timeout":
        p[key] = draw(st.sampled_from([0, -1, "10", 2.5, True, None, []]))
    elif key == "op_version":
        p[key] = draw(st.sampled_from(["maximum", "MAX", 0, -3, True, "100000", 1.5]))
    else:
        p[key] = draw(st.sampled_from(NOT_BOOLS))
    return f"gluster:{key}"


@breaks(lambda p: ["manage_packages", "manage_service", "unknown", "glusterd_options", "not-a-mapping"])
def server_bad(draw, p, key):
    if key == "not-a-mapping":
        p["server"] = draw(st.sampled_from([["manage_packages"], "yes", 1]))
        return "gluster:server"
    server = p["server"] = dict(p.get("server") or {})
    if key == "unknown":
        key = draw(st.sampled_from(["packages", "manage_package", "glusterd"]))
        server[key] = True
    elif key == "glusterd_options":
        bad = draw(st.sampled_from(["key", "value", "type"]))
        if bad == "key":
            server[key] = {draw(st.sampled_from(HOSTILE_WORDS + ["-x", "a b", ""])): 1}
        elif bad == "value":
            server[key] = {
                "base-port": draw(st.sampled_from(["1\nend-volume", "1\x00", "", "a" * 5000, None, ["1"]]))
            }
        else:
            server[key] = draw(st.sampled_from([["base-port"], "base-port 49152", 49152]))
    else:
        server[key] = draw(st.sampled_from(NOT_BOOLS))
    return f"gluster:server:{key}"


@breaks(lambda p: ["unknown", "heal_timeout", "stop_commands", "start_commands", "not-a-mapping"])
def maintenance_bad(draw, p, key):
    if key == "not-a-mapping":
        p["maintenance"] = draw(st.sampled_from([["stop_commands"], "systemctl stop glusterd"]))
        return "gluster:maintenance"
    maintenance = p["maintenance"] = dict(p.get("maintenance") or {})
    if key == "unknown":
        key = draw(st.sampled_from(["stop", "heal-timeout", "commands"]))
        maintenance[key] = 1
    elif key == "heal_timeout":
        maintenance[key] = draw(st.sampled_from([0, -1, "60", True, None]))
    else:
        maintenance[key] = draw(
            st.sampled_from(
                ["systemctl stop glusterd", ["systemctl stop glusterd"], [[]], [["pkill", ""]], [["a\x00b"]]]
            )
        )
    return f"gluster:maintenance:{key}"


# ---- volumes


@breaks(lambda p: [None] if p.get("nodes") else [])
def volumes_not_a_mapping(draw, p, _):
    p["volumes"] = draw(st.sampled_from([["gv0"], "gv0", 3]))
    p.pop("clients", None)
    return "gluster:volumes"


@breaks(lambda p: list(p.get("volumes") or {}))
def volume_bad_name(draw, p, name):
    bad = draw(st.sampled_from(HOSTILE_WORDS + ["all", "Status", "-gv0", "_gv0", "gv.0", "g v", "x" * 129]))
    if bad in p["volumes"]:
        return None
    p["volumes"] = {bad if key == name else key: value for key, value in p["volumes"].items()}
    return f"gluster:volumes:{bad}"


@breaks(lambda p: list(p.get("volumes") or {}))
def volume_not_a_mapping(draw, p, name):
    p["volumes"][name] = draw(st.sampled_from(["replicate", ["gfs1:/b"], 3, None]))
    return f"gluster:volumes:{name}"


@breaks(lambda p: _present(p))
def volume_unknown_key(draw, p, name):
    key = draw(st.sampled_from(["replicas", "brick-path", "brickpath", "Type", "option", "volume", "stripe"]))
    p["volumes"][name][key] = 2
    return f"gluster:volumes:{name}:{key}"


@breaks(lambda p: _present(p))
def volume_bad_type(draw, p, name):
    p["volumes"][name]["type"] = draw(
        st.sampled_from(["replicated", "Replicate", "stripe", "dispersed", 3, ["replicate"]])
    )
    return f"gluster:volumes:{name}:type"


@breaks(lambda p: _present(p, types=("replicate", "distributed-replicate", "arbiter")))
def replica_too_small(draw, p, name):
    p["volumes"][name]["replica"] = draw(st.sampled_from([1, 0, -2, "two", True, 2.5, [3]]))
    return f"gluster:volumes:{name}:replica"


@breaks(lambda p: _present(p, types=("replicate", "distributed-replicate")))
def replica_does_not_fit(draw, p, name):
    """A replica count above the number of bricks laid out: one set too big for the bricks
    (and, laid out automatically, for the nodes)."""
    spec = p["volumes"][name]
    if "bricks" in spec:
        count = len(spec["bricks"])
    else:
        count = len(spec.get("nodes", p["nodes"])) * spec.get("bricks_per_node", 1)
    spec["replica"] = count + draw(st.integers(1, 3))
    return f"gluster:volumes:{name}"


@breaks(lambda p: _present(p, types=("arbiter",)))
def arbiter_wrong_counts(draw, p, name):
    spec = p["volumes"][name]
    if draw(st.booleans()):
        spec["arbiter"] = draw(st.sampled_from([2, 0, 3]))
    else:
        spec["replica"] = draw(st.sampled_from([2, 4]))
    return f"gluster:volumes:{name}"


@breaks(lambda p: _present(p, types=("disperse", "distributed-disperse")))
def disperse_bad(draw, p, name):
    spec = p["volumes"][name]
    what = draw(st.sampled_from(["small", "redundancy", "replica"]))
    if what == "small":
        spec["disperse"] = draw(st.sampled_from([2, 1, 0, "three", True]))
        return f"gluster:volumes:{name}:disperse"
    if what == "replica":
        spec["replica"] = 2
        return f"gluster:volumes:{name}:replica"
    spec["redundancy"] = (spec["disperse"] + 1) // 2 + draw(st.integers(0, 2))  # not below half
    return f"gluster:volumes:{name}"


@breaks(lambda p: _present(p, types=("distribute",)))
def distribute_with_counts(draw, p, name):
    key = draw(st.sampled_from(["replica", "arbiter", "disperse", "redundancy"]))
    p["volumes"][name][key] = draw(st.integers(1, 4))
    return f"gluster:volumes:{name}:{key}"


@breaks(lambda p: _present(p, types=("distributed-replicate", "distributed-disperse")))
def distributed_with_one_set(draw, p, name):
    spec = p["volumes"][name]
    size = spec.get("replica") or spec.get("disperse")
    nodes = list(p["nodes"])
    if len(nodes) < size:
        return None
    spec.pop("bricks", None)
    spec.pop("bricks_per_node", None)
    spec.pop("layout", None)
    spec["nodes"] = nodes[:size]
    spec["brick_path"] = f"/data/glusterfs/{name}/one"
    return f"gluster:volumes:{name}"


@breaks(lambda p: _present(p, with_key="brick_path"))
def bricks_per_node_bad(draw, p, name):
    p["volumes"][name]["bricks_per_node"] = draw(st.sampled_from([0, -1, "x", 1.5, True, None, "\u00b2"]))
    return f"gluster:volumes:{name}:bricks_per_node"


@breaks(lambda p: _present(p, with_key="brick_path"))
def bricks_per_node_without_n(draw, p, name):
    spec = p["volumes"][name]
    spec["bricks_per_node"] = draw(st.integers(2, 4))
    spec["brick_path"] = spec["brick_path"].replace("{n}", "")
    return f"gluster:volumes:{name}:brick_path"


@breaks(lambda p: _present(p, with_key="brick_path"))
def brick_path_bad(draw, p, name):
    p["volumes"][name]["brick_path"] = draw(st.sampled_from(BAD_PATHS))
    if p["volumes"][name]["brick_path"] is None:
        return None  # brick_path: null means "not set": a different breakage
    return f"gluster:volumes:{name}:brick_path"


@breaks(lambda p: _present(p))
def layout_both_or_neither(draw, p, name):
    spec = p["volumes"][name]
    if draw(st.booleans()):
        spec["brick_path"] = spec.get("brick_path", "/data/glusterfs/x/brick")
        spec["bricks"] = spec.get("bricks", ["gfs1:/data/x"])
    else:
        spec.pop("brick_path", None)
        spec.pop("bricks", None)
    return f"gluster:volumes:{name}"


@breaks(lambda p: _present(p, with_key="bricks"))
def explicit_brick_bad(draw, p, name):
    bricks = p["volumes"][name]["bricks"]
    index = draw(st.integers(0, len(bricks) - 1))
    host = bricks[index].rpartition(":")[0]
    bad = draw(
        st.sampled_from(
            [
                "no-colon",
                42,
                None,
                f"{host}:relative/x",
                f"{host}:/a/../b",
                "unknown-node:/data/x",
                f"{host}:",
            ]
            + [f"{h}:/data/x" for h in HOSTILE_HOSTS[:6]]
            + [f"{host}:{path}" for path in HOSTILE_PATHS if isinstance(path, str)]
        )
    )
    bricks[index] = bad
    return f"gluster:volumes:{name}:bricks:{index}"


@breaks(lambda p: _present(p, with_key="bricks"))
def explicit_bricks_not_a_list(draw, p, name):
    p["volumes"][name]["bricks"] = draw(st.sampled_from([[], "gfs1:/data/x", {"gfs1": "/data/x"}, 3]))
    return f"gluster:volumes:{name}:bricks"


@breaks(lambda p: [n for n in _present(p, with_key="bricks") if len(p["volumes"][n]["bricks"]) > 1])
def explicit_brick_twice(draw, p, name):
    bricks = p["volumes"][name]["bricks"]
    first = draw(st.integers(0, len(bricks) - 2))
    second = draw(st.integers(first + 1, len(bricks) - 1))
    bricks[second] = bricks[first]
    return f"gluster:volumes:{name}"


@breaks(
    lambda p: [
        n
        for n in _present(p, with_key="bricks")
        if (
            p["volumes"][n].get("replica")
            or p["volumes"][n].get("disperse")
            or (3 if p["volumes"][n].get("type") == "arbiter" else 1)
        )
        > 1
    ]
)
def explicit_set_on_one_host(draw, p, name):
    spec = p["volumes"][name]
    spec["force"] = False
    bricks = spec["bricks"]
    host, _sep, path = bricks[0].rpartition(":")
    bricks[1] = f"{host}:{path}-second"
    return f"gluster:volumes:{name}:bricks"


@breaks(lambda p: _present(p, with_key="brick_path"))
def volume_nodes_bad(draw, p, name):
    p["volumes"][name]["nodes"] = draw(st.sampled_from([["nobody"], [], "gfs1", [3], [None], {"gfs1": 1}]))
    return f"gluster:volumes:{name}:nodes"


@breaks(lambda p: _present(p, with_key="brick_path"))
def layout_unknown(draw, p, name):
    p["volumes"][name]["layout"] = draw(st.sampled_from(["spiral", "Simple", "", 1, ["chained"]]))
    return f"gluster:volumes:{name}:layout"


@breaks(lambda p: _present(p))
def volume_flag_not_bool(draw, p, name):
    key = draw(st.sampled_from(["started", "force", "reset_unmanaged", "allow_shrink", "allow_replace"]))
    p["volumes"][name][key] = draw(st.sampled_from(NOT_BOOLS))
    return f"gluster:volumes:{name}:{key}"


@breaks(lambda p: list(p.get("volumes") or {}))
def volume_bad_ensure(draw, p, name):
    p["volumes"][name]["ensure"] = draw(st.sampled_from(["gone", "Absent", "", True, None]))
    return f"gluster:volumes:{name}:ensure"


@breaks(lambda p: _present(p))
def volume_bad_rebalance_or_timeout(draw, p, name):
    key = draw(st.sampled_from(["rebalance", "rebalance_timeout", "heal_timeout", "migration_timeout"]))
    if key == "rebalance":
        p["volumes"][name][key] = draw(st.sampled_from(["fast", "Full", "", True, None]))
    else:
        p["volumes"][name][key] = draw(
            st.sampled_from([-1, "10", 2.5, True, None] + ([0] if key == "migration_timeout" else []))
        )
    return f"gluster:volumes:{name}:{key}"


@breaks(lambda p: _present(p))
def volume_bad_transport(draw, p, name):
    p["volumes"][name]["transport"] = draw(st.sampled_from(["udp", "TCP", "tcp;rdma", "", 1]))
    return f"gluster:volumes:{name}"


@breaks(lambda p: _present(p))
def volume_bad_option(draw, p, name):
    spec = p["volumes"][name]
    options = spec["options"] = dict(spec.get("options") or {})
    what = draw(st.sampled_from(["key", "value", "not-a-mapping"]))
    if what == "not-a-mapping":
        spec["options"] = draw(
            st.sampled_from([["performance.cache-size"], "performance.cache-size=64MB", 5])
        )
    elif what == "key":
        options[draw(st.sampled_from(HOSTILE_WORDS + ["-x", "a b", "", ".x", 5, "x" * 257]))] = "on"
    else:
        key = draw(st.sampled_from(sorted(options) or ["performance.cache-size"]))
        options[key] = draw(
            st.sampled_from(
                ["a\nb", "a\rb", "a\x00b", "", "--x", "x" * 4097, None, ["on"], {"a": 1}, "a\u202eb"]
            )
        )
    return f"gluster:volumes:{name}:options"


# ---- clients


@breaks(lambda p: [None] if p.get("volumes") else [])
def clients_not_a_mapping(draw, p, _):
    p["clients"] = draw(st.sampled_from([["client1"], "client1", 1]))
    return "gluster:clients"


@breaks(lambda p: list(p.get("clients") or {}))
def client_without_mounts(draw, p, client):
    p["clients"][client] = draw(st.sampled_from([{}, {"mounts": {}}, {"mounts": ["/mnt/x"]}, "x", None]))
    return f"gluster:clients:{client}:mounts"


@breaks(lambda p: _mounts(p))
def client_bad_mount_point(draw, p, where):
    client, point = where
    bad = draw(st.sampled_from([b for b in BAD_PATHS if isinstance(b, (str, int))]))
    mounts = p["clients"][client]["mounts"]
    if bad in mounts:
        return None
    mounts[bad] = mounts.pop(point)
    return f"gluster:clients:{client}:mounts:{bad}"


@breaks(lambda p: _mounts(p))
def client_mount_bad(draw, p, where):
    client, point = where
    mount = p["clients"][client]["mounts"][point]
    key = draw(
        st.sampled_from(
            ["not-a-mapping", "unknown", "volume", "options", "server", "persist", "mounted", "fstab"]
        )
    )
    path = f"gluster:clients:{client}:mounts:{point}"
    if key == "not-a-mapping":
        p["clients"][client]["mounts"][point] = draw(st.sampled_from(["gv0", ["gv0"], None]))
        return path
    if key == "unknown":
        key = draw(st.sampled_from(["vol", "option", "servers", "type"]))
        mount[key] = "x"
    elif key == "volume":
        absent = [n for n, s in p["volumes"].items() if s.get("ensure") == "absent"]
        mount[key] = draw(st.sampled_from(["no-such-volume", None, 3, *absent]))
    elif key == "options":
        mount[key] = draw(
            st.sampled_from(
                [
                    ["no atime"],
                    ["-o", "remount"],
                    ["ro;reboot"],
                    [5],
                    {"ro": True},
                    7,
                    ["x" * 300],
                    [".hidden"],
                ]
            )
        )
    elif key == "server":
        mount[key] = draw(st.sampled_from(HOSTILE_HOSTS + [None, 3, ""]))
        if mount[key] is None:
            return None  # server: null means the default server
    elif key == "fstab":
        mount[key] = draw(st.sampled_from(BAD_PATHS))
    else:
        mount[key] = draw(st.sampled_from(NOT_BOOLS))
    return f"{path}:{key}"


# ---- brick devices


@breaks(lambda p: [None])
def brick_devices_not_a_mapping(draw, p, _):
    p["brick_devices"] = draw(st.sampled_from([["gfs1"], "gfs1:/dev/sdb", 1]))
    return "gluster:brick_devices"


@breaks(lambda p: [None])
def brick_devices_unknown_node(draw, p, _):
    minion = draw(st.sampled_from(["nobody", "client0", "GFS1"]))
    if minion in p["nodes"]:
        return None
    p.setdefault("brick_devices", {})[minion] = {"/srv/extra": {"device": "/dev/sdz"}}
    return f"gluster:brick_devices:{minion}"


@breaks(lambda p: list(p.get("brick_devices") or {}))
def brick_devices_node_not_a_mapping(draw, p, minion):
    p["brick_devices"][minion] = draw(st.sampled_from([["/dev/sdb"], "/dev/sdb", 1]))
    return f"gluster:brick_devices:{minion}"


@breaks(lambda p: _backends(p))
def backend_bad_mount_point(draw, p, where):
    minion, mount = where
    bad = draw(st.sampled_from([b for b in BAD_PATHS if isinstance(b, (str, int))]))
    backends = p["brick_devices"][minion]
    if bad in backends:
        return None
    backends[bad] = backends.pop(mount)
    return f"gluster:brick_devices:{minion}:{bad}"


@breaks(lambda p: _backends(p))
def backend_bad(draw, p, where):
    minion, mount = where
    backends = p["brick_devices"][minion]
    spec = backends[mount]
    path = f"gluster:brick_devices:{minion}:{mount}"
    key = draw(
        st.sampled_from(
            ["not-a-mapping", "unknown", "device", "partition", "filesystem", "wipe", "selinux", "fstab",
             "mkfs_options", "mount_options", "raid", "lvm", "lvm-name", "lvm-size"]
        )
    )  # fmt: skip
    if key == "not-a-mapping":
        backends[mount] = draw(st.sampled_from(["/dev/sdb", ["/dev/sdb"], None]))
        return path
    if key == "unknown":
        key = draw(st.sampled_from(["dev", "fs", "options", "label"]))
        spec[key] = "x"
    elif key == "device":
        spec[key] = draw(
            st.sampled_from(
                [
                    "sdb",
                    "/dev/../etc/passwd",
                    "/dev/sdb;reboot",
                    "/etc/passwd",
                    "/dev/",
                    "/dev/sd\u0430",
                    3,
                    None,
                    "/dev/" + "a" * 300,
                    "/dev/sdb\n",
                ]
            )
        )
    elif key == "partition":
        spec[key] = draw(st.sampled_from(["mbr", "msdos", True, "GPT"]))
    elif key == "filesystem":
        spec[key] = draw(st.sampled_from(["btrfs", "XFS", "", None, 4]))
    elif key in ("wipe", "selinux"):
        spec[key] = draw(st.sampled_from(["yes", 1, None]))
    elif key == "fstab":
        spec[key] = draw(st.sampled_from(BAD_PATHS))
    elif key == "mkfs_options":
        spec[key] = draw(
            st.sampled_from([["-L", "a b"], ["$(reboot)"], "-K", [5], ["file,name=../x"], ["x" * 300]])
        )
    elif key == "mount_options":
        spec[key] = draw(st.sampled_from([["-oremount"], ["noatime;reboot"], "noatime", [".x"], ["x" * 300]]))
    elif key == "raid":
        spec[key] = draw(
            st.sampled_from(
                [{"stripe_unit": "63k", "data_disks": 2}, {"stripe_unit": "256k", "data_disks": 0},
                 {"stripe_unit": "256k"}, "256k", {"stripe_unit": "1" * 5000 + "k", "data_disks": 2}]
            )
        )  # fmt: skip
    elif key == "lvm":
        spec[key] = draw(
            st.sampled_from(["vg/lv", ["vg", "lv"], {"vg": "vg0"}, {"vg": "vg0", "lv": "lv0", "extra": 1}])
        )
    elif key == "lvm-name":
        lvm = spec["lvm"] = dict(spec.get("lvm") or {"vg": "vg_x", "lv": "lv_x"})
        key = draw(st.sampled_from(["lvm:vg", "lvm:lv"]))
        lvm[key[4:]] = draw(st.sampled_from(HOSTILE_WORDS + ["..", ".", "-vg", "", None, "x" * 128]))
    else:
        lvm = spec["lvm"] = dict(spec.get("lvm") or {"vg": "vg_x", "lv": "lv_x"})
        lvm.pop("thin_pool", None)
        lvm.pop("pool_size", None)
        lvm.pop("pool_metadata_size", None)
        key = "lvm:size"
        lvm["size"] = draw(st.sampled_from(["big", "100%", "1 T", 100, "-1G"]))
    return f"{path}:{key}"


@breaks(lambda p: [(m, b) for m, b in _backends(p) if len(p["brick_devices"][m]) > 1])
def backend_duplicate_device(draw, p, where):
    minion, mount = where
    backends = p["brick_devices"][minion]
    other = draw(st.sampled_from([m for m in backends if m != mount]))
    backends[mount]["device"] = backends[other]["device"]
    later = mount if list(backends).index(mount) > list(backends).index(other) else other
    return f"gluster:brick_devices:{minion}:{later}:device"


@breaks(lambda p: _backends(p))
def backend_nested(draw, p, where):
    minion, mount = where
    inner = f"{mount}/inner"
    p["brick_devices"][minion][inner] = {"device": "/dev/disk/by-id/inner"}
    return f"gluster:brick_devices:{minion}:{inner}"


@breaks(lambda p: [(minion, name) for name in _present(p, with_key="bricks") for minion in p["nodes"]])
def backend_on_a_brick_directory(draw, p, where):
    minion, name = where
    value = p["nodes"][minion]
    address = (value.get("address") if isinstance(value, dict) else value) or minion
    ids = {address, minion}
    own = [b.rpartition(":")[2] for b in p["volumes"][name]["bricks"] if b.rpartition(":")[0] in ids]
    if not own:
        return None
    p.setdefault("brick_devices", {}).setdefault(minion, {})[own[0]] = {"device": "/dev/disk/by-id/on-brick"}
    return f"gluster:volumes:{name}"


# ---- the strategy


@st.composite
def broken_pillars(draw):
    """``(pillar with exactly one thing broken, the pillar path of that thing, the kind of
    breakage)``."""
    pillar, _expectation, _minion = draw(valid_pillars())
    pillar = copy.deepcopy(pillar)
    candidates = [
        (name, function, target) for name, applies, function in BREAKAGES for target in applies(pillar)
    ]
    kinds = sorted({name for name, _function, _target in candidates})
    while kinds:
        kind = draw(st.sampled_from(kinds))
        kinds.remove(kind)
        name, function, target = draw(st.sampled_from([c for c in candidates if c[0] == kind]))
        attempt = copy.deepcopy(pillar)
        path = function(draw, attempt, target)
        if path is not None:
            return attempt, path, kind
    raise AssertionError("no breakage applies")  # pragma: no cover - top_unknown_key always does


def _clean(problem):
    return isinstance(problem, str) and problem.isprintable() and problem == problem.strip() and problem


def _names(problem, path):
    shown = printable(path)
    return problem.startswith(shown + ":") or problem.startswith(shown + " ")


NODES3 = {"gfs1": "10.0.0.1", "gfs2": "10.0.0.2", "gfs3": "10.0.0.3"}


@settings(SETTINGS, max_examples=250)
@given(broken_pillars())
# regressions: each used to be accepted, or to crash build_model, before gluster_pillar.py /
# gluster_validate.py / gluster_storage.py were fixed
@example(  # a quoted superscript two: "²".isdigit() is true, int("²") raised ValueError
    (
        {
            "nodes": NODES3,
            "volumes": {"gv0": {"type": "replicate", "replica": "\u00b2", "brick_path": "/data/b"}},
        },
        "gluster:volumes:gv0:replica",
        "regression",
    )
)
@example(  # 5000 quoted digits: int() refuses more than 4300 digits (ValueError)
    ({"nodes": NODES3, "volumes": {"gv0": {"brick_path": "/data/b{n}", "bricks_per_node": "2" * 5000}}},
     "gluster:volumes:gv0:bricks_per_node", "regression")
)  # fmt: skip
@example(  # a fullwidth three passed as replica 3
    (
        {
            "nodes": NODES3,
            "volumes": {"gv0": {"type": "replicate", "replica": "\uff13", "brick_path": "/data/b"}},
        },
        "gluster:volumes:gv0:replica",
        "regression",
    )
)
@example(  # glusterd_options were not checked at all: a newline forges a line of glusterd.vol
    (
        {
            "nodes": NODES3,
            "server": {"glusterd_options": {"base-port": "49152\n    option rpc-auth-allow-insecure on"}},
        },
        "gluster:server:glusterd_options",
        "regression",
    )
)
@example(  # an IPv6 zone id was any text at all
    ({"nodes": {"gfs1": "fe80::1%eth0;touch /pwned"}}, "gluster:nodes:gfs1", "regression")
)
@example(  # a path component longer than NAME_MAX (255)
    (
        {"nodes": NODES3, "volumes": {"gv0": {"brick_path": "/data/" + "b" * 300}}},
        "gluster:volumes:gv0:brick_path",
        "regression",
    )
)
@example(  # a newline in a volume name forged a second problem line
    ({"nodes": NODES3, "volumes": {"gv0\n- gluster:volumes:ok: fine": {"brick_path": "/data/b"}}},
     "gluster:volumes:gv0\n- gluster:volumes:ok: fine", "regression")
)  # fmt: skip
@example(  # a 5000-digit RAID stripe unit crashed size_kib() (int() digit limit)
    (
        {
            "nodes": NODES3,
            "brick_devices": {
                "gfs1": {
                    "/data/d": {
                        "device": "/dev/sdb",
                        "raid": {"stripe_unit": "1" * 5000 + "k", "data_disks": 2},
                    }
                }
            },
        },
        "gluster:brick_devices:gfs1:/data/d:raid:stripe_unit",
        "regression",
    )
)
@example(  # mkfs arguments took '..'
    (
        {
            "nodes": NODES3,
            "brick_devices": {
                "gfs1": {"/data/d": {"device": "/dev/sdb", "mkfs_options": ["-d", "file,name=../../x"]}}
            },
        },
        "gluster:brick_devices:gfs1:/data/d:mkfs_options",
        "regression",
    )
)
def test_one_breakage_is_reported_at_its_pillar_path(case):
    pillar, path, _kind = case
    _model, problems = gp.build_model(copy.deepcopy(pillar), "gfs1")
    assert problems, f"nothing reported for the broken {path}"
    assert all(_clean(p) for p in problems), problems
    assert any(_names(p, path) for p in problems), (path, problems)


# A hand-written valid pillar on which every kind of breakage applies: each kind is checked
# on it as well, so that none depends on the random pillars happening to offer it.
RICH = {
    "nodes": {"gfs1": "10.0.0.1", "gfs2": {"address": "gfs2.example.com"}, "gfs3": None, "gfs4": "fd00::4"},
    "leader": "gfs2",
    "peer_timeout": 60,
    "op_version": "max",
    "server": {"manage_packages": False, "glusterd_options": {"base-port": 49152}},
    "maintenance": {"heal_timeout": 600},
    "volumes": {
        "dist": {"type": "distribute", "brick_path": "/data/glusterfs/dist/brick{n}", "bricks_per_node": 2},
        "rep": {
            "type": "replicate",
            "replica": 3,
            "nodes": ["gfs1", "gfs2", "gfs3"],
            "brick_path": "/data/glusterfs/rep/brick",
            "options": {"performance.cache-size": "64MB", "nfs.disable": True, "network.ping-timeout": 10},
        },
        "arb": {
            "type": "arbiter",
            "bricks": ["gfs1:/bricks/arb/s0", "gfs2.example.com:/bricks/arb/s0", "gfs3:/bricks/arb/s0"],
        },
        "ec": {
            "type": "disperse",
            "disperse": 3,
            "redundancy": 1,
            "nodes": ["gfs2", "gfs3", "gfs4"],
            "brick_path": "/srv/gluster/ec/b",
        },
        "drep": {
            "type": "distributed-replicate",
            "replica": 2,
            "bricks": [
                "gfs1:/bricks/drep/s0",
                "gfs2:/bricks/drep/s0",
                "gfs3:/bricks/drep/s1",
                "fd00::4:/bricks/drep/s1",
            ],
        },
        "ddisp": {
            "type": "distributed-disperse",
            "disperse": 4,
            "bricks_per_node": 2,
            "layout": "chained",
            "brick_path": "/bricks/ddisp/{node}/brick{n}",
        },
        "old": {"ensure": "absent"},
    },
    "clients": {
        "client1": {
            "mounts": {
                "/mnt/rep": {"volume": "rep", "options": ["noatime"], "server": "gfs2"},
                "/mnt/dist": {"volume": "dist", "options": "ro,acl", "persist": False},
            }
        }
    },
    "brick_devices": {
        "gfs1": {
            "/data/glusterfs/dist": {"device": "/dev/sdb", "partition": "gpt"},
            "/data/glusterfs/rep": {
                "device": "/dev/sdc",
                "lvm": {"vg": "vg_bricks", "lv": "rep", "size": "1T", "thin_pool": "pool0"},
                "raid": {"stripe_unit": "256k", "data_disks": 4},
                "mount_options": ["noatime", "inode64"],
            },
        }
    },
}


def test_rich_pillar_is_valid():
    model, problems = gp.build_model(copy.deepcopy(RICH), "gfs1")
    assert problems == []
    assert model["volumes"]["ddisp"]["bricks"][:4] == [
        "10.0.0.1:/bricks/ddisp/gfs1/brick1",
        "gfs2.example.com:/bricks/ddisp/gfs2/brick1",
        "gfs3:/bricks/ddisp/gfs3/brick1",
        "fd00::4:/bricks/ddisp/gfs4/brick1",
    ]
    assert model["minion"]["brick_mounts"] == {
        "10.0.0.1:/data/glusterfs/dist/brick1": "/data/glusterfs/dist",
        "10.0.0.1:/data/glusterfs/dist/brick2": "/data/glusterfs/dist",
        "10.0.0.1:/data/glusterfs/rep/brick": "/data/glusterfs/rep",
    }


@pytest.mark.parametrize("kind", sorted(name for name, _applies, _function in BREAKAGES))
@settings(SETTINGS, max_examples=12)
@given(data=st.data())
def test_each_breakage_of_the_rich_pillar_is_reported(kind, data):
    applies, function = next((a, f) for name, a, f in BREAKAGES if name == kind)
    candidates = applies(RICH)
    assert candidates, f"{kind} does not apply to RICH"
    pillar = copy.deepcopy(RICH)
    path = function(data.draw, pillar, data.draw(st.sampled_from(candidates)))
    assume(path is not None)
    _model, problems = gp.build_model(pillar, "gfs1")
    assert problems, f"nothing reported for the broken {path}"
    assert all(_clean(p) for p in problems), problems
    assert any(_names(p, path) for p in problems), (path, problems)
