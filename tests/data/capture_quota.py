#!/usr/bin/env python3
"""Re-capture the ``gluster volume quota ... list --xml`` answers the unit tests parse.

A one-node cluster on 127.1.9.1 under a temporary directory, a 2-brick volume ``qv`` with
quota, usage limits on ``/`` (1GB) and ``/data`` (10MB, soft 70%) and an object limit on
``/objs`` (5), 8 MiB and 3 files written through a FUSE mount; then ``list``, ``list /data``
and ``list-objects`` through ``GlusterNode.quota_cli`` (see its docstring: the CLI's quota list
has hard-coded paths that several glusterd on one host do not have). Run as root:

    python3 tests/data/capture_quota.py

Everything is torn down by pid and path afterwards.
"""

import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))

from cluster import GlusterCluster  # noqa: E402


def main():
    base = tempfile.mkdtemp(prefix="gcapq-", dir="/tmp")
    cluster = GlusterCluster(base, size=1, subnet="127.1.9")
    mountpoint = os.path.join(base, "mnt")
    undo = None
    run_dir = "/var/run/gluster"
    before = set(os.listdir(run_dir)) if os.path.isdir(run_dir) else set()
    try:
        cluster.start()
        node = cluster.nodes[0]
        node.cli("volume", "create", "qv", node.new_brick("q0"), node.new_brick("q1"), "force")
        node.cli("volume", "start", "qv")
        node.cli("volume", "quota", "qv", "enable")
        cluster.mount("qv", mountpoint)
        os.makedirs(f"{mountpoint}/data")
        os.makedirs(f"{mountpoint}/objs")
        node.cli("volume", "quota", "qv", "limit-usage", "/data", "10MB", "70%")
        node.cli("volume", "quota", "qv", "limit-usage", "/", "1GB")
        node.cli("volume", "quota", "qv", "limit-objects", "/objs", "5")
        with open(f"{mountpoint}/data/f1", "wb") as handle:
            handle.write(os.urandom(8 << 20))
        for index in range(3):
            open(f"{mountpoint}/objs/o{index}", "w", encoding="utf-8").close()
        time.sleep(3)  # the bricks account usage asynchronously
        script, undo = node.quota_cli(os.path.join(base, "bin"))
        for name, args in (
            ("quota_list", ["list"]),
            ("quota_list_path", ["list", "/data"]),
            ("quota_list_objects", ["list-objects"]),
        ):
            proc = subprocess.run(
                [
                    script,
                    "--mode=script",
                    "--xml",
                    f"--glusterd-sock={node.socket}",
                    "volume",
                    "quota",
                    "qv",
                    *args,
                ],
                capture_output=True,
                text=True,
                check=True,
                stdin=subprocess.DEVNULL,
            )
            with open(os.path.join(HERE, name + ".xml"), "w", encoding="utf-8") as handle:
                handle.write(proc.stdout)
            print(f"captured {name}.xml")
    finally:
        cluster.unmount(mountpoint)
        if undo:
            undo()
        cluster.stop()
        # what glusterd and quotad left in the shared run directory during this capture, by name
        for name in set(os.listdir(run_dir)) - before:
            if name in ("qv_quota_limit.pid", "qv_quota_list.pid", "quotad.socket"):
                os.remove(os.path.join(run_dir, name))
        subprocess.run(["rm", "-rf", "--one-file-system", base], check=False)


if __name__ == "__main__":
    main()
