#!/usr/bin/env python3
"""Re-capture gluster's answers on a cluster in trouble, for the unit tests of the health checks
and the status view: a brick down (``volume status detail``, heal summary with entries waiting)
and a file in data split-brain (``heal info split-brain``, the summary, and the answers to a
resolution: healed, not in split-brain, no such file).

A 3-node cluster on 127.1.9.1-3 under a temporary directory:

- ``rep3`` (replica 3) mounted (its ``volume info``); node 3's brick killed; 20 files written:
  the status and heal summary then; the brick started again.
- ``sb``: a file in data split-brain (``GlusterCluster.make_split_brain``: replica 2, client
  quorum and self-heal off, the file written during each brick's outage; each copy then
  blames the other, as in production).

Run as root:

    python3 tests/data/capture_trouble.py

Everything is torn down by pid and path afterwards.
"""

import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))

from cluster import GlusterCluster  # noqa: E402

sys.path.insert(0, HERE)
from capture_lifecycle import GLFSHEAL  # noqa: E402
from capture_lifecycle import heal  # noqa: E402  (glfsheal with the node's socket)


def save(name, text, suffix=".xml"):
    with open(os.path.join(HERE, name + suffix), "w", encoding="utf-8") as handle:
        handle.write(text)
    print(f"captured {name}{suffix}")


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
        n1.kill_brick("rep3", bricks[2])
        for index in range(20):
            with open(f"{mounts[0]}/f{index}", "w", encoding="utf-8") as handle:
                handle.write(f"file {index}\n")
        save(
            "volume_status_detail_rep3_brick_down",
            n1.cli("volume", "status", "rep3", "detail", xml=True).stdout,
        )
        save("heal_summary_rep3_brick_down", heal(n1, "rep3", "info-summary"))
        n1.start_bricks("rep3", bricks[2])

        mounts.append(os.path.join(base, "mnt-sb"))
        cluster.make_split_brain("sb", mounts[-1])
        save("heal_info_split_brain_file", heal(n1, "sb", "split-brain-info"))
        save("heal_summary_split_brain_file", heal(n1, "sb", "info-summary"))
        try:
            open(f"{mounts[-1]}/victim", encoding="utf-8").read()
        except OSError as exc:  # what a client of a split-brain file gets
            print(f"reading /victim: {exc}")
        else:
            raise RuntimeError("/victim is readable: no split-brain was made")
        # gluster's answers to a resolution (plain text, the exit code on the first line)
        for name, args in (("split_brain_no_such_file", ["bigger-file", "/nonexistent"]),
                           ("split_brain_healed", ["bigger-file", "/victim"]),
                           ("split_brain_not_in_split_brain", ["bigger-file", "/victim"])):  # fmt: skip
            proc = subprocess.run(
                [GLFSHEAL, "sb", *args, "glusterd-sock", n1.socket],
                capture_output=True,
                text=True,
                stdin=subprocess.DEVNULL,
            )
            save(name, f"{proc.returncode}\n{proc.stdout}", suffix=".txt")
    finally:
        for mountpoint in mounts:
            cluster.unmount(mountpoint)
        cluster.stop()


if __name__ == "__main__":
    main()
