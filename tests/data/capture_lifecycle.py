#!/usr/bin/env python3
"""Re-capture the day-2 gluster output the unit tests parse: add-brick, rebalance, remove-brick,
replace-brick, volume tasks and heal info (healthy, pending, a brick down, migration failures).

Starts a private 4-node cluster (127.1.8.1-4) under a temporary directory, mounts a volume,
writes files through the mount, and saves the raw output under ``tests/data/``. Run as root on a
machine with glusterfs-server installed:

    python3 tests/data/capture_lifecycle.py

Nothing outside the temporary directory is touched; the cluster and the mount are torn down by
pid and path. ``heal info`` goes through glfsheal directly: the gluster CLI does not hand its
``--glusterd-sock`` on to glfsheal (see ``gluster_cli.glfsheal_argv``).
"""

import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))

from cluster import GlusterCluster  # noqa: E402

GLFSHEAL = next(
    (path for path in ("/usr/lib/x86_64-linux-gnu/glusterfs/glfsheal", "/usr/libexec/glusterfs/glfsheal")
     if os.path.exists(path)),
    "glfsheal",
)  # fmt: skip


def save(name, text, suffix=".xml"):
    with open(os.path.join(HERE, name + suffix), "w", encoding="utf-8") as handle:
        handle.write(text)
    print(f"captured {name}{suffix}")


def heal(node, volume, *mode):
    argv = [GLFSHEAL, volume, *mode, "--xml", "glusterd-sock", node.socket]
    return subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL).stdout


def wait_task(node, command, volume, bricks, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = node.cli("volume", command, volume, *bricks, "status", xml=True).stdout
        if "<statusStr>in progress</statusStr>" not in out and "<status>1</status>" not in out:
            return out
        time.sleep(1)
    raise TimeoutError(f"{command} on {volume} still in progress")


def main():
    base = tempfile.mkdtemp(prefix="gcapl-", dir="/tmp")
    cluster = GlusterCluster(base, size=4, subnet="127.1.8")
    mnt = os.path.join(base, "mnt")
    immutable = None
    try:
        cluster.start()
        cluster.form_pool()
        n1, n2, n3, n4 = cluster.nodes

        def xml(name, *args, node=n1):
            save(name, node.cli(*args, xml=True, check=False).stdout)

        def b(node, name):
            return node.new_brick(name)

        n1.cli("volume", "create", "rep", "replica", "3", b(n1, "r0"), b(n2, "r0"), b(n3, "r0"), "force")
        n1.cli("volume", "start", "rep")
        cluster.mount("rep", mnt)
        for index in range(40):
            with open(os.path.join(mnt, f"file{index}"), "w", encoding="utf-8") as handle:
                handle.write(str(index) * 500)
        save("heal_info_healthy", heal(n1, "rep"))
        save("heal_summary_healthy", heal(n1, "rep", "info-summary"))
        xml("volume_status_tasks_none", "volume", "status", "rep", "tasks")
        xml("rebalance_status_never", "volume", "rebalance", "rep", "status")
        grow = [b(n1, "r1"), b(n2, "r1"), b(n3, "r1")]
        xml("add_brick", "volume", "add-brick", "rep", *grow, "force")
        xml("add_brick_wrong_count", "volume", "add-brick", "rep", b(n4, "odd"), "force")
        xml("rebalance_fix_layout_start", "volume", "rebalance", "rep", "fix-layout", "start")
        time.sleep(3)
        xml("rebalance_status_fix_layout", "volume", "rebalance", "rep", "status")
        xml("rebalance_start", "volume", "rebalance", "rep", "start")
        xml("rebalance_status_started", "volume", "rebalance", "rep", "status")
        save("rebalance_status_completed", wait_task(n1, "rebalance", "rep", []))
        xml("volume_status_tasks_rebalance", "volume", "status", "rep", "tasks")
        xml("remove_brick_start", "volume", "remove-brick", "rep", *grow, "start")
        xml("remove_brick_status_started", "volume", "remove-brick", "rep", *grow, "status")
        save("remove_brick_status_completed", wait_task(n1, "remove-brick", "rep", grow))
        xml("volume_status_tasks_remove_brick", "volume", "status", "rep", "tasks")
        xml("remove_brick_commit", "volume", "remove-brick", "rep", *grow, "commit")
        xml("remove_brick_status_none", "volume", "remove-brick", "rep", *grow, "status")
        # a brick down: heal entries pile up on the other two
        brick3 = [pid for pid in n3.child_pids() if "r0" in open(f"/proc/{pid}/cmdline").read()]
        for pid in brick3:
            os.kill(pid, 15)
        time.sleep(2)
        for index in range(40, 50):
            with open(os.path.join(mnt, f"file{index}"), "w", encoding="utf-8") as handle:
                handle.write(str(index))
        save("heal_info_brick_down", heal(n1, "rep"))
        save("heal_summary_brick_down", heal(n1, "rep", "info-summary"))
        save("heal_split_brain_brick_down", heal(n1, "rep", "split-brain-info"))
        xml("volume_heal_brick_down", "volume", "heal", "rep")
        n1.cli("volume", "start", "rep", "force")
        time.sleep(3)
        xml("volume_heal", "volume", "heal", "rep")
        xml("volume_heal_full", "volume", "heal", "rep", "full")
        # replace a brick, and raise replica 2 -> 3 and add an arbiter on other volumes
        xml("replace_brick", "volume", "replace-brick", "rep", f"{n3.address}:{n3.brickdir}/r0",
            b(n4, "r0"), "commit", "force")  # fmt: skip
        xml("reset_brick_start", "volume", "reset-brick", "rep", f"{n4.address}:{n4.brickdir}/r0", "start")
        xml("reset_brick_commit", "volume", "reset-brick", "rep", f"{n4.address}:{n4.brickdir}/r0",
            f"{n4.address}:{n4.brickdir}/r0", "commit", "force")  # fmt: skip
        xml("volume_info_replaced", "volume", "info", "rep")
        n1.cli("volume", "create", "two", "replica", "2", b(n1, "t0"), b(n2, "t0"), "force")
        xml("add_brick_replica", "volume", "add-brick", "two", "replica", "3", b(n3, "t0"), "force")
        n1.cli("volume", "create", "arb", "replica", "2", b(n1, "a0"), b(n2, "a0"), "force")
        xml(
            "add_brick_arbiter",
            "volume",
            "add-brick",
            "arb",
            "replica",
            "3",
            "arbiter",
            "1",
            b(n3, "a0"),
            "force",
        )
        xml("volume_info_arbiter_added", "volume", "info", "arb")
        xml("remove_brick_replica", "volume", "remove-brick", "two", "replica", "2",
            f"{n3.address}:{n3.brickdir}/t0", "force")  # fmt: skip
        # a migration that fails: one file on the leaving brick is immutable
        n1.cli("volume", "create", "dist", b(n1, "d0"), b(n2, "d0"), "force")
        n1.cli("volume", "start", "dist")
        cluster.unmount(mnt)
        cluster.mount("dist", mnt)
        for index in range(30):
            with open(os.path.join(mnt, f"file{index}"), "w", encoding="utf-8") as handle:
                handle.write(str(index))
        leaving = f"{n2.address}:{n2.brickdir}/d0"
        victim = sorted(name for name in os.listdir(f"{n2.brickdir}/d0") if name.startswith("file"))[0]
        immutable = f"{n2.brickdir}/d0/{victim}"
        subprocess.run(["chattr", "+i", immutable], check=True)
        n1.cli("volume", "remove-brick", "dist", leaving, "start")
        save("remove_brick_status_failures", wait_task(n1, "remove-brick", "dist", [leaving]))
        xml("remove_brick_stop", "volume", "remove-brick", "dist", leaving, "stop")
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", immutable], check=False)
        cluster.stop()
        subprocess.run(["rm", "-rf", "--one-file-system", base], check=False)


if __name__ == "__main__":
    main()
