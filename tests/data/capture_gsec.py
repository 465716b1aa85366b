#!/usr/bin/env python3
"""Re-capture what ``gluster system:: execute gsec_create`` really writes into
``common_secret.pem.pub`` on Debian's glusterfs 10.3: one gsyncd line and one tar line per
pool member, each with gluster's forced command (``peer_gsec_create`` in
/usr/lib/x86_64-linux-gnu/glusterfs), and the ``container`` variant, which writes the same keys
without any restriction (the kind of line ``gluster.georep_authorized_keys`` refuses).

A 2-node pool on ``$GLUSTER_TEST_SUBNET`` (default 127.1.24) under a temporary directory; the
pub files land in tests/data/georep/ (public keys of a throw-away cluster: the private halves are
deleted with it). Run as root:

    python3 tests/data/capture_gsec.py

Everything is torn down by pid and path afterwards.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))

from cluster import temporary_cluster  # noqa: E402

SUBNET = os.environ.get("GLUSTER_TEST_SUBNET", "127.1.24")


def main():
    with temporary_cluster("gsec-", size=2, subnet=SUBNET, pool=True) as cluster:
        node = cluster[0]
        common = os.path.join(node.workdir, "geo-replication", "common_secret.pem.pub")
        for variant, args in (("", ()), ("_container", ("container",))):
            proc = node.cli("system::", "execute", "gsec_create", *args)
            print(proc.stdout.strip())
            with open(common, encoding="utf-8") as handle:
                text = handle.read()
            target = os.path.join(HERE, "georep", f"common_secret{variant}.pem.pub")
            with open(target, "w", encoding="utf-8") as handle:
                handle.write(text)
            print(f"captured {os.path.relpath(target, HERE)}: {len(text.splitlines())} lines")


if __name__ == "__main__":
    main()
