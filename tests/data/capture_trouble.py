#!/usr/bin/env python3
"""Re-capture gluster's answers on a cluster in trouble, for the unit tests of the health checks
and the status view: a brick down (``volume status detail``, heal summary with entries waiting)
and a file in data split-brain (``heal info split-brain`` and the summary).

A 3-node cluster on 127.1.9.1-3 under a temporary directory:

- ``rep3`` (replica 3) mounted (its ``volume info``); node 3's brick killed; 20 files written:
  the status and heal summary then; ``start force`` and a heal.
- ``sb`` (replica 2 on nodes 1 and 2, client quorum off, every self-heal off): the same file
  written while node 2's brick is down and again while node 1's is down. Each copy then
  blames the other: a data split-brain, made the way it happens in production.

Run as root:

    python3 tests/data/capture_trouble.py

Everything is torn down by pid and path afterwards.
"""

import os
import signal
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))

from cluster import GlusterCluster  # noqa: E402
from cluster import _wait_for  # noqa: E402

sys.path.insert(0, HERE)
from capture_lifecycle import heal  # noqa: E402  (glfsheal with the node's socket)

# no self-heal of any kind and no client quorum: writes succeed with one brick of two, and
# nothing reconciles the copies between the two outages
SPLIT_BRAIN_OPTIONS = {
    "cluster.quorum-type": "none",
    "cluster.self-heal-daemon": "off",
    "cluster.data-self-heal": "off",
    "cluster.metadata-self-heal": "off",
    "cluster.entry-self-heal": "off",
}


def save(name, text):
    with open(os.path.join(HERE, name + ".xml"), "w", encoding="utf-8") as handle:
        handle.write(text)
    print(f"captured {name}.xml")


def brick_pid(node, volume, brick):
    """The pid of ``brick`` (``host:path``) from ``volume status``."""
    root = ET.fromstring(node.cli("volume", "status", volume, xml=True).stdout)
    for entry in root.iter("node"):
        if f"{entry.findtext('hostname')}:{entry.findtext('path')}" == brick:
            return int(entry.findtext("pid"))
    raise RuntimeError(f"{brick} not in the status of {volume}")


def kill_brick(node, volume, brick):
    """SIGKILL the brick and wait until glusterd sees it down and the process is reaped (a
    zombie still answers glusterd's pidfile check, and ``start force`` would then skip it)."""
    pid = brick_pid(node, volume, brick)
    os.kill(pid, signal.SIGKILL)
    _wait_for(lambda: brick_pid(node, volume, brick) in (-1, 0), timeout=30, what=f"{brick} down")
    _wait_for(lambda: not os.path.exists(f"/proc/{pid}"), timeout=30, what=f"brick process {pid} reaped")


def start_force(node, volume, brick):
    node.cli("volume", "start", volume, "force")
    _wait_for(lambda: brick_pid(node, volume, brick) > 0, timeout=30, what=f"{brick} up")


def write(path, text):
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def make_split_brain(cluster, volume, mountpoint):
    """Bricks 1 and 2 of a replica-2 ``volume`` mounted at ``mountpoint`` get two different
    versions of ``/victim``, each written while the other brick was down."""
    n1, n2 = cluster.nodes[:2]
    b1, b2 = n1.new_brick(volume), n2.new_brick(volume)
    n1.cli("volume", "create", volume, "replica", "2", b1, b2, "force")
    for option, value in SPLIT_BRAIN_OPTIONS.items():
        n1.cli("volume", "set", volume, option, value)
    n1.cli("volume", "start", volume)
    cluster.mount(volume, mountpoint)
    write(f"{mountpoint}/victim", "both\n")
    for down, text in ((b2, "written while brick 2 was down\n"), (b1, "written while brick 1 was down, longer\n")):
        kill_brick(n1, volume, down)
        time.sleep(2)  # the client notices the disconnect
        write(f"{mountpoint}/victim", text)
        start_force(n1, volume, down)
        time.sleep(3)  # and the reconnect
    return b1, b2


def main():
    base = tempfile.mkdtemp(prefix="gcapt-", dir="/tmp")
    cluster = GlusterCluster(base, size=3, subnet="127.1.9")
    mounts = []
    try:
        cluster.start()
        cluster.form_pool()
        n1 = cluster.nodes[0]
        bricks = [node.new_brick("rep3") for node in cluster.nodes]
        n1.cli("volume", "create", "rep3", "replica", "3", *bricks, "force")
        n1.cli("volume", "start", "rep3")
        mounts.append(cluster.mount("rep3", os.path.join(base, "mnt-rep3")))
        save("volume_info_rep3_trouble", n1.cli("volume", "info", "rep3", xml=True).stdout)
        kill_brick(n1, "rep3", bricks[2])
        for index in range(20):
            write(f"{mounts[0]}/f{index}", f"file {index}\n")
        save("volume_status_detail_rep3_brick_down", n1.cli("volume", "status", "rep3", "detail", xml=True).stdout)
        save("heal_summary_rep3_brick_down", heal(n1, "rep3", "info-summary"))
        start_force(n1, "rep3", bricks[2])

        mounts.append(os.path.join(base, "mnt-sb"))
        make_split_brain(cluster, "sb", mounts[-1])
        save("heal_info_split_brain_file", heal(n1, "sb", "split-brain-info"))
        save("heal_summary_split_brain_file", heal(n1, "sb", "info-summary"))
        try:
            open(f"{mounts[-1]}/victim", encoding="utf-8").read()
        except OSError as exc:  # what a client of a split-brain file gets
            print(f"reading /victim: {exc}")
        else:
            raise RuntimeError("/victim is readable: no split-brain was made")
    finally:
        for mountpoint in mounts:
            cluster.unmount(mountpoint)
        cluster.stop()


if __name__ == "__main__":
    main()
