#!/usr/bin/env python3
"""Re-capture gluster's answers about cluster-wide options (``volume set all``), for the unit
tests of ``gluster.cluster_options`` and its planner.

A 3-node cluster on 127.1.9.1-3 under a temporary directory with one volume ``cv`` (replica
3, not started): ``volume get all all`` before anything is set; each of gluster's answers to
``volume set all`` with one option, with two, with a volume option, an unknown option and a
bad value, and to ``volume reset all``;
``volume get all all`` and ``volume info cv`` after the sets (where gluster shows a
cluster-wide option among a volume's own). Every answer is saved whatever gluster said (the
refusals are what the tests need; with ``--xml`` gluster exits 0 either way, its ``opRet`` says).

Run as root:

    python3 tests/data/capture_cluster_options.py

Everything is torn down by pid and path afterwards.
"""

import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))

from cluster import GlusterCluster  # noqa: E402

ANSWERS = [
    ("cluster_options_get_default", ["volume", "get", "all", "all"]),
    ("cluster_options_set_one", ["volume", "set", "all", "cluster.brick-multiplex", "on"]),
    (
        "cluster_options_set_two",
        [
            "volume",
            "set",
            "all",
            "cluster.max-bricks-per-process",
            "5",
            "cluster.daemon-log-level",
            "WARNING",
        ],
    ),
    ("cluster_options_set_limit", ["volume", "set", "all", "cluster.max-bricks-per-process", "5"]),
    ("cluster_options_set_volume_option", ["volume", "set", "all", "performance.cache-size", "64MB"]),
    ("cluster_options_set_unknown", ["volume", "set", "all", "cluster.no-such-option", "on"]),
    ("cluster_options_set_bad_value", ["volume", "set", "all", "cluster.brick-multiplex", "maybe"]),
    ("cluster_options_set_quorum_ratio", ["volume", "set", "all", "cluster.server-quorum-ratio", "60%"]),
    ("cluster_options_get_after", ["volume", "get", "all", "all"]),
    ("cluster_options_volume_info_after", ["volume", "info", "cv"]),
    ("cluster_options_reset_one", ["volume", "reset", "all", "cluster.brick-multiplex"]),
    ("cluster_options_get_after_reset", ["volume", "get", "all", "all"]),
]


def save(name, text):
    with open(os.path.join(HERE, name + ".xml"), "w", encoding="utf-8") as handle:
        handle.write(text)
    print(f"captured {name}.xml")


def main():
    base = tempfile.mkdtemp(prefix="gcapt-", dir="/tmp")
    cluster = GlusterCluster(base, size=3, subnet="127.1.9")
    try:
        cluster.start()
        cluster.form_pool()
        n1 = cluster.nodes[0]
        bricks = [node.new_brick("cv") for node in cluster.nodes]
        n1.cli("volume", "create", "cv", "replica", "3", *bricks, "force")
        for name, args in ANSWERS:
            proc = n1.cli(*args, xml=True, check=False)
            save(name, proc.stdout)
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
