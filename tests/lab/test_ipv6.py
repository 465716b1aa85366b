"""An IPv6-only cluster on the lab of real hosts (tests/support/real_hosts.py): the hosts' only
addresses are IPv6 (``eth0`` carries no IPv4 address) and ``/etc/hosts`` names them by IPv6
alone; ``gluster:address_family: inet6`` puts ``transport.address-family inet6`` in glusterd.vol
and on the volume, and the client's mount uses it. One highstate from bare hosts, as for IPv4.
"""

import socket

import pytest
from dataset import files_on_brick
from dataset import lost_or_changed
from dataset import write_files
from real_hosts import Lab
from real_hosts import failed_states
from real_hosts import formula_pillar

SUBNET = "fd31:231:6"  # a unique local /64 that only the lab's namespaces see
VOLUME = "gv6"
MOUNT = "/mnt/gv6"
BRICK = "/srv/gluster/gv6/brick"
DOMAIN = "lab6.test"


def _pillar(lab):
    return formula_pillar(
        lab, VOLUME, address_family="inet6", signed=False
    )  # the trusted repository: the other lab module has it signed


@pytest.fixture(scope="module")
def lab6():
    with Lab("v6", nodes=3, clients=1, subnet=SUBNET, domain=DOMAIN, disk_mib=512) as started:
        yield started.ready_for_the_formula(_pillar(started))


def _listening(host):
    """``(local address, port)`` of every TCP socket listening inside ``host``."""
    found = set()
    for line in host.out("ss", "-Hltn").splitlines():
        local = line.split()[3]
        address, _, port = local.rpartition(":")
        found.add((address.strip("[]"), int(port)))
    return found


def _connected_peers(host, process):
    """Remote addresses of the established TCP connections of ``process`` (by name) in ``host``."""
    remotes = set()
    for line in host.out("ss", "-Htnp", "state", "established").splitlines():
        fields = line.split()
        if f'(("{process}"' in line:
            remotes.add(fields[3].rpartition(":")[0].strip("[]"))
    return remotes


def test_an_ipv6_only_cluster_from_bare_hosts_in_one_highstate(lab6):
    for host in lab6.hosts.values():
        addresses = host.out("ip", "-o", "addr", "show", "dev", "eth0")
        assert " inet " not in addresses and f"inet6 {host.address}/64" in addresses, (host.name, addresses)

    applied = lab6.highstate()
    assert failed_states(applied) == {}

    for node in lab6.nodes:
        assert node.out("systemctl", "is-active", "glusterd").strip() == "active"
        vol = node.out("cat", "/etc/glusterfs/glusterd.vol")
        assert "option transport.address-family inet6" in vol, vol
        listening = _listening(node)
        # glusterd and the brick on IPv6, nothing of gluster's on an IPv4 address
        assert ("::", 24007) in listening or ("*", 24007) in listening, listening
        assert not any(port == 24007 and "." in address for address, port in listening), listening
    got = lab6.salt("gfs1", "gluster.volume_get", VOLUME, "transport.address-family")["gfs1"]
    assert got == {"transport.address-family": "inet6"}, got

    # the pool and the bricks by name; each name resolves to an IPv6 address only
    pool = lab6.salt("gfs1", "gluster.pool_list")["gfs1"]
    assert sorted(p["hostname"] for p in pool if not p["self"]) == [f"gfs2.{DOMAIN}", f"gfs3.{DOMAIN}"], pool
    assert all(p["connected"] for p in pool), pool
    status = lab6.salt("gfs1", "gluster.volume_status", VOLUME)["gfs1"]
    bricks = {b["name"]: b["online"] for b in status["bricks"]}
    assert bricks == {f"{n.fqdn}:{BRICK}": True for n in lab6.nodes}, status
    resolved = lab6.hosts["gfs1"].out("getent", "ahosts", f"gfs2.{DOMAIN}")
    assert {line.split()[0] for line in resolved.splitlines()} == {lab6.hosts["gfs2"].address}, resolved

    client = lab6.clients[0]
    assert client.out("findmnt", "-n", "-o", "SOURCE,FSTYPE", MOUNT).split() == [
        f"gfs1.{DOMAIN}:/{VOLUME}",
        "fuse.glusterfs",
    ]
    mountpoint = f"/proc/{client.pid}/root{MOUNT}"
    manifest = write_files(mountpoint, 30, prefix="v6")
    assert lost_or_changed(mountpoint, manifest) == []
    for node in lab6.nodes:
        assert set(manifest) <= set(files_on_brick(f"/proc/{node.pid}/root{BRICK}")), node.name
    # the client's connections (volfile server and the three bricks) go to the nodes' IPv6 addresses
    remotes = _connected_peers(client, "glusterfs")
    assert remotes and remotes <= {n.address for n in lab6.nodes}, remotes
    assert all(socket.inet_pton(socket.AF_INET6, r) for r in remotes)

    lab6.assert_converged()
