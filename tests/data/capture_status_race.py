#!/usr/bin/env python3
"""Re-capture what ``gluster volume status all`` says while another transaction holds one
volume's lock, for the unit tests of ``gluster.volume_status`` (and the beacon, which reads it).

A 3-node cluster on 127.1.9.1-3 under a temporary directory, two started replica-3 volumes
``ra`` and ``rb``. One thread runs ``volume start ra force`` over and over (what
``gluster.brick_restart``, the example reactor's call, runs) while node 3 asks ``volume status
all`` (and with ``detail``) until gluster has answered both ways: gluster then *leaves ``ra``
out* of its answer with opRet 0 (about one read in five here), where ``volume status ra`` alone
says "Another transaction is in progress for ra" (opRet -1). Saved: node 3's ``pool list``,
``volume info`` (both started), ``status all`` complete and with ``ra`` left out, with and
without ``detail``, ``status ra`` locked and answered, ``status ra detail`` answered; then
``status ra`` once ``ra`` is stopped and once it is deleted.

Run as root:

    python3 tests/data/capture_status_race.py

Everything is torn down by pid and path afterwards.
"""

import os
import re
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))

from capture import save  # noqa: E402  (tests/data/capture.py: <name>.xml beside this script)
from cluster import GlusterCluster  # noqa: E402


def names(xml):
    return re.findall(r"<volName>([^<]+)</volName>", xml)


def main():
    base = tempfile.mkdtemp(prefix="gcapt-", dir="/tmp")
    cluster = GlusterCluster(base, size=3, subnet="127.1.9")
    try:
        cluster.start()
        cluster.form_pool()
        n1, n3 = cluster.nodes[0], cluster.nodes[2]
        for volume in ("ra", "rb"):
            bricks = [node.new_brick(volume) for node in cluster.nodes]
            n1.cli("volume", "create", volume, "replica", "3", *bricks, "force")
            n1.cli("volume", "start", volume)
        save("status_race_volume_info", n3.cli("volume", "info", xml=True).stdout)
        save("status_race_pool_list", n3.cli("pool", "list", xml=True).stdout)
        wanted = {
            ("all",): {"status_race_all_complete": ["ra", "rb"], "status_race_all_left_out": ["rb"]},
            ("all", "detail"): {"status_race_all_detail_left_out": ["rb"]},
            ("ra",): {"status_race_ra_locked": []},
        }
        done = threading.Event()

        def starter():
            while not done.is_set():
                n1.cli("volume", "start", "ra", "force", xml=True, check=False)

        thread = threading.Thread(target=starter)
        thread.start()
        try:
            deadline = time.monotonic() + 300
            while any(wanted.values()) and time.monotonic() < deadline:
                for words, left in wanted.items():
                    xml = n3.cli("volume", "status", *words, xml=True, check=False).stdout
                    for name, volumes in list(left.items()):
                        if names(xml) == volumes and ("opRet>-1<" in xml) == (not volumes):
                            save(name, xml)
                            del left[name]
        finally:
            done.set()
            thread.join()
        if any(wanted.values()):
            raise SystemExit(f"gluster never answered as {wanted} within 300 s")
        save("status_race_ra", n3.cli("volume", "status", "ra", xml=True).stdout)
        save("status_race_ra_detail", n3.cli("volume", "status", "ra", "detail", xml=True).stdout)
        n1.cli("volume", "stop", "ra", "force")
        save("status_race_ra_stopped", n3.cli("volume", "status", "ra", xml=True, check=False).stdout)
        n1.cli("volume", "delete", "ra")
        save("status_race_ra_deleted", n3.cli("volume", "status", "ra", xml=True, check=False).stdout)
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
