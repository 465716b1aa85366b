#!/usr/bin/env python3
"""Re-capture the gluster ``--xml`` output that the unit tests parse.

Starts a private 3-node cluster (127.1.1.1-3) under a temporary directory, runs each gluster
command the execution module uses, and writes the raw output to ``tests/data/<name>.xml``.
Run as root on a machine with glusterfs-server installed:

    python3 tests/data/capture.py

Nothing outside the temporary directory is touched, and the cluster is torn down by pid.
"""

import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))

from cluster import GlusterCluster  # noqa: E402


def save(name, text):
    with open(os.path.join(HERE, name + ".xml"), "w", encoding="utf-8") as handle:
        handle.write(text)
    print(f"captured {name}.xml")


def capture_lock_error(node, volume, others):
    """Hammer ``volume set`` from every node at once until one answers with a lock error."""
    for attempt in range(50):
        procs = [
            subprocess.Popen(
                ["gluster", "--mode=script", "--xml", f"--glusterd-sock={n.socket}",
                 "volume", "set", volume, "performance.cache-size", f"{attempt % 8 + 1}MB"],
                stdout=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
            )
            for n in [node, *others]
        ]  # fmt: skip
        outputs = [proc.communicate()[0] for proc in procs]
        for out in outputs:
            if "Another transaction is in progress" in out or "Locking failed" in out:
                return out
    raise RuntimeError("could not provoke a lock error in 50 rounds")


def capture_probe_race(base, attempts=20):
    """``gluster pool list`` on nodes 2 and 3, asked in a loop while node 1 probes them, until
    one answers with a failure (opRet -22, no error text: seen here in 1 of 2-8 tries)."""
    import threading

    for attempt in range(attempts):
        cluster = GlusterCluster(os.path.join(base, f"race{attempt}"), size=3, subnet="127.1.9")
        cluster.start()
        try:
            n1, n2, n3 = cluster.nodes
            stop, failures = threading.Event(), []

            def ask(node, stop, failures):
                while not stop.is_set():
                    proc = node.cli("pool", "list", xml=True, check=False)
                    if "<opRet>0</opRet>" not in proc.stdout:
                        failures.append(proc.stdout)

            askers = [threading.Thread(target=ask, args=(node, stop, failures)) for node in (n2, n3)]
            for thread in askers:
                thread.start()
            time.sleep(0.3)
            n1.cli("peer", "probe", n2.address)
            n1.cli("peer", "probe", n3.address)
            time.sleep(3)
            stop.set()
            for thread in askers:
                thread.join()
            if failures:
                return failures[0]
        finally:
            cluster.stop()
    raise RuntimeError(f"no failed pool list during {attempts} probes")


def main():
    base = tempfile.mkdtemp(prefix="gcap-", dir="/tmp")
    cluster = GlusterCluster(base, size=3)
    try:
        cluster.start()
        n1, n2, n3 = cluster.nodes

        def xml(name, *args, node=n1):
            save(name, node.cli(*args, xml=True).stdout)

        xml("volume_list_empty", "volume", "list")
        xml("volume_info_empty", "volume", "info")
        xml("pool_list_single", "pool", "list")
        xml("peer_probe", "peer", "probe", n2.address)
        cluster.nodes[0].cli("peer", "probe", n3.address)
        cluster.form_pool()
        xml("peer_probe_already", "peer", "probe", n2.address)
        xml("peer_status", "peer", "status")
        xml("pool_list", "pool", "list")
        xml("peer_status_node2", "peer", "status", node=n2)
        xml("op_version", "volume", "get", "all", "cluster.op-version")
        xml("max_op_version", "volume", "get", "all", "cluster.max-op-version")

        def bricks(prefix, count):
            nodes = cluster.nodes
            return [nodes[i % 3].new_brick(f"{prefix}{i}") for i in range(count)]

        xml("volume_create", "volume", "create", "dist", *bricks("dist", 2), "force")
        xml("volume_create_replica", "volume", "create", "rep3", "replica", "3",
            *bricks("rep", 3), "force")  # fmt: skip
        n1.cli("volume", "create", "distrep", "replica", "2", *bricks("dr", 4), "force")
        n1.cli("volume", "create", "arb", "replica", "3", "arbiter", "1", *bricks("arb", 3), "force")
        n1.cli("volume", "create", "disp", "disperse", "3", "redundancy", "1", *bricks("disp", 3), "force")
        n1.cli("volume", "create", "distdisp", "disperse", "3", "redundancy", "1",
               *bricks("dd", 6), "force")  # fmt: skip
        xml("volume_create_exists", "volume", "create", "dist", *bricks("dup", 1), "force")
        xml("volume_list", "volume", "list")
        xml("volume_info_all", "volume", "info")
        xml("volume_info_stopped", "volume", "info", "rep3")
        xml("volume_info_missing", "volume", "info", "nosuchvol")
        xml("volume_start", "volume", "start", "rep3")
        xml("volume_start_already", "volume", "start", "rep3")
        n1.cli("volume", "start", "arb")
        n1.cli("volume", "start", "disp")
        xml("volume_info_started", "volume", "info", "rep3")
        time.sleep(3)
        xml("volume_status_rep3", "volume", "status", "rep3")
        xml("volume_status_detail_rep3", "volume", "status", "rep3", "detail")
        xml("volume_status_all", "volume", "status", "all")
        xml("volume_status_stopped", "volume", "status", "dist")
        xml("volume_set", "volume", "set", "rep3", "performance.cache-size", "64MB",
            "features.read-only", "off")  # fmt: skip
        xml("volume_set_bad_option", "volume", "set", "rep3", "performance.cahce-size", "1MB")
        xml("volume_set_bad_value", "volume", "set", "rep3", "performance.cache-size", "lots")
        xml("volume_get_all", "volume", "get", "rep3", "all")
        xml("volume_get_one", "volume", "get", "rep3", "performance.cache-size")
        xml("volume_info_options", "volume", "info", "rep3")
        xml("volume_reset_one", "volume", "reset", "rep3", "performance.cache-size")
        xml("volume_reset_all", "volume", "reset", "rep3")
        save("lock_error", capture_lock_error(n1, "rep3", [n2, n3]))
        xml("volume_stop", "volume", "stop", "rep3")
        xml("volume_stop_already", "volume", "stop", "rep3")
        xml("volume_delete", "volume", "delete", "rep3")
        xml("volume_delete_started", "volume", "delete", "arb")
        xml("peer_detach_with_bricks", "peer", "detach", n3.address)
        xml("op_version_set_same", "volume", "set", "all", "cluster.op-version",
            n1.cli("volume", "get", "all", "cluster.op-version").stdout.split()[-1])  # fmt: skip
        for vol in ("dist", "distrep", "arb", "disp", "distdisp"):
            n1.cli("volume", "stop", vol, "force", check=False)
            n1.cli("volume", "delete", vol, check=False)
        xml("peer_detach", "peer", "detach", n3.address)
        xml("peer_detach_unknown", "peer", "detach", "127.1.1.9")
        n3.stop()
        xml("peer_probe_unreachable", "peer", "probe", n3.address)
        n2.stop()
        time.sleep(2)
        xml("peer_status_disconnected", "peer", "status")
        version = subprocess.run(["gluster", "--version"], capture_output=True, text=True)
        with open(os.path.join(HERE, "version.txt"), "w", encoding="utf-8") as handle:
            handle.write(version.stdout)
        proc = subprocess.run(["gluster", "--mode=script", "--xml",
                               f"--glusterd-sock={base}/no-such.sock", "volume", "info"],
                              capture_output=True, text=True)  # fmt: skip
        with open(os.path.join(HERE, "no_glusterd.txt"), "w", encoding="utf-8") as handle:
            handle.write(f"rc={proc.returncode}\nstdout={proc.stdout}stderr={proc.stderr}")
    finally:
        cluster.stop()
    save("pool_list_probe_race", capture_probe_race(base))


if __name__ == "__main__":
    main()
