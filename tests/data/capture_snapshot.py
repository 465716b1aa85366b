#!/usr/bin/env python3
"""Re-capture the ``gluster snapshot ... --xml`` answers the unit tests parse.

gluster 10.3 answers every snapshot command with "LVM commands not found, snapshot functionality
is disabled" unless /sbin/lvcreate exists (``scripts/setup.sh`` installs lvm2 for this). With
it, ``snapshot config``, ``list`` and ``info`` work on any volume; ``snapshot create`` needs
every brick on a thinly provisioned LV, which this machine cannot make (no device-mapper), so its
refusal is what is captured. A one-node cluster on 127.1.9.1 under a temporary directory, a
one-brick volume ``sv``. Run as root:

    python3 tests/data/capture_snapshot.py

Everything is torn down by pid and path afterwards.
"""

import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))

from cluster import GlusterCluster  # noqa: E402

CAPTURES = (
    ("snapshot_list_empty", ["snapshot", "list", "sv"]),
    ("snapshot_info_volume", ["snapshot", "info", "volume", "sv"]),
    ("snapshot_config_default", ["snapshot", "config", "sv"]),
    ("snapshot_config_set_hard_limit", ["snapshot", "config", "sv", "snap-max-hard-limit", "10"]),
    ("snapshot_config_set_soft_limit", ["snapshot", "config", "snap-max-soft-limit", "80"]),
    ("snapshot_config_set_auto_delete", ["snapshot", "config", "auto-delete", "enable"]),
    ("snapshot_config_set_activate", ["snapshot", "config", "activate-on-create", "enable"]),
    ("snapshot_config_changed", ["snapshot", "config", "sv"]),
    ("snapshot_config_out_of_range", ["snapshot", "config", "sv", "snap-max-hard-limit", "300"]),
    ("snapshot_create_not_thin", ["snapshot", "create", "s1", "sv", "no-timestamp"]),
    ("snapshot_delete_missing", ["snapshot", "delete", "nosuch"]),
    ("snapshot_activate_missing", ["snapshot", "activate", "nosuch"]),
    ("snapshot_list_no_volume", ["snapshot", "list", "nosuchvol"]),
)


def main():
    if not os.path.exists("/sbin/lvcreate"):
        sys.exit(
            "capture_snapshot.py: /sbin/lvcreate is missing (apt-get install lvm2): "
            "gluster disables snapshots"
        )
    base = tempfile.mkdtemp(prefix="gcaps-", dir="/tmp")
    cluster = GlusterCluster(base, size=1, subnet="127.1.9")
    try:
        cluster.start()
        node = cluster.nodes[0]
        node.cli("volume", "create", "sv", node.new_brick("s0"), "force")
        node.cli("volume", "start", "sv")
        for name, args in CAPTURES:
            proc = node.cli(*args, xml=True, check=False)
            if proc.returncode != 0 or not proc.stdout.startswith("<?xml"):
                raise RuntimeError(f"{args}: {proc.returncode} {proc.stdout}{proc.stderr}")
            with open(os.path.join(HERE, f"{name}.xml"), "w", encoding="utf-8") as handle:
                handle.write(proc.stdout)
            print(f"captured {name}.xml")
    finally:
        cluster.stop()
        subprocess.run(["rm", "-rf", "--one-file-system", base], check=False)


if __name__ == "__main__":
    main()
