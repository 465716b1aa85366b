#!/usr/bin/env python3
"""The demo: a real local 3-node GlusterFS cluster driven by Salt, from nothing to a mounted volume.

1. starts three glusterd on 127.1.1.1-3 (each its own working directory and socket);
2. writes one masterless minion config per node (``gluster:socket`` points at that node's
   glusterd) with this checkout as ``file_roots``, and runs ``saltutil.sync_all`` -- the formula
   way of installing, no pip install on the "nodes";
3. forms the pool, creates a replica-3 volume, sets options, starts it -- all through
   ``salt-call --local gluster.*``;
4. FUSE-mounts the volume, writes a file, and shows that every brick holds a copy;
5. tears everything down again (pass --keep to leave it running; the tear-down commands are
   printed).

Run it through ``scripts/demo.sh`` (which installs what it needs first), as root.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "support"))

from cluster import GlusterCluster  # noqa: E402

SALT_CALL = os.path.join(os.path.dirname(sys.executable), "salt-call")


def step(text):
    print(f"\n\033[1m==> {text}\033[0m", flush=True)


class Minion:
    """A masterless minion (``salt-call --local``) bound to one gluster node."""

    def __init__(self, base, node):
        self.node = node
        self.id = f"gfs{node.index}"
        self.config_dir = os.path.join(base, "salt", self.id)
        os.makedirs(self.config_dir, exist_ok=True)
        with open(os.path.join(self.config_dir, "minion"), "w", encoding="utf-8") as handle:
            json.dump(
                {
                    "id": self.id,
                    "file_client": "local",
                    "root_dir": os.path.join(base, "salt", self.id, "root"),
                    "file_roots": {"base": [REPO, os.path.join(REPO, "salt")]},
                    "log_file": os.path.join(base, "salt", self.id, "minion.log"),
                    "gluster": {"socket": node.socket},
                },
                handle,
            )  # JSON is YAML

    def call(self, *args, show=True):
        argv = [SALT_CALL, "--local", "-c", self.config_dir, "--out=json", *args]
        if show:
            print(f"$ salt-call --local {' '.join(args)}    # on {self.id}", flush=True)
        proc = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            raise SystemExit(f"salt-call failed on {self.id}:\n{proc.stdout}{proc.stderr}")
        return json.loads(proc.stdout)["local"]


def show(data):
    print(json.dumps(data, indent=2, sort_keys=True))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="leave the cluster and mount running")
    parser.add_argument("--base", help="directory for everything the demo creates")
    args = parser.parse_args()

    base = args.base or tempfile.mkdtemp(prefix="saltext-gluster-demo-", dir="/tmp")
    cluster = GlusterCluster(base, size=3)
    mountpoint = os.path.join(base, "mnt", "demo")
    ok = False
    try:
        step(f"starting 3 glusterd on 127.1.1.1-3 under {base}")
        cluster.start()
        minions = [Minion(base, node) for node in cluster.nodes]
        gfs1 = minions[0]

        step("installing the modules the formula way: file_roots + saltutil.sync_all on every node")
        for minion in minions:
            synced = minion.call("saltutil.sync_all", show=minion is gfs1)
        print("synced:", {kind: names for kind, names in synced.items() if names})
        show(gfs1.call("gluster.version"))

        step("forming the trusted pool from gfs1 (one node probes, the others wait)")
        for node in cluster.nodes[1:]:
            show(gfs1.call("gluster.peer_probe", node.address))
        deadline = time.monotonic() + 60
        while True:
            views = {m.id: m.call("gluster.peer_status", show=False) for m in minions}
            if all(len(v) == 2 and all(p["connected"] and p["state"] == 3 for p in v) for v in views.values()):
                break
            if time.monotonic() > deadline:
                raise SystemExit(f"peers did not connect within 60 s: {views}")
            time.sleep(1)
        for minion in minions:
            peers = minion.call("gluster.peer_status", show=minion is gfs1)
            print(f"{minion.id} sees: " + ", ".join(f"{p['hostname']} ({p['uuid'][:8]}, "
                  f"{'connected' if p['connected'] else 'DISCONNECTED'})" for p in peers))  # fmt: skip

        step("creating a replica-3 volume, one brick per node, and starting it")
        bricks = [node.new_brick("demo") for node in cluster.nodes]
        show(gfs1.call("gluster.volume_create", "demo", f"bricks={json.dumps(bricks)}",
                       "replica=3", "force=True", "start=True"))  # fmt: skip

        step("setting several options in one gluster call")
        show(gfs1.call("gluster.volume_set", "demo",
                       json.dumps({"performance.cache-size": "128MB", "network.ping-timeout": 10,
                                   "features.read-only": False})))  # fmt: skip
        info = gfs1.call("gluster.volume_info", "demo")
        show({k: info[k] for k in ("name", "type", "status", "replica_count", "brick_count", "options")})
        status = gfs1.call("gluster.volume_status", "demo")
        for brick in status["bricks"]:
            print(f"brick {brick['name']}: {'online' if brick['online'] else 'OFFLINE'}, "
                  f"port {brick['port']}, pid {brick['pid']}")  # fmt: skip

        step(f"FUSE-mounting 127.1.1.1:/demo on {mountpoint} and writing a file")
        cluster.mount("demo", mountpoint)
        payload = f"hello from saltext-gluster at {time.ctime()}\n"
        with open(os.path.join(mountpoint, "hello.txt"), "w", encoding="utf-8") as handle:
            handle.write(payload)
        with open(os.path.join(mountpoint, "hello.txt"), encoding="utf-8") as handle:
            assert handle.read() == payload
        print(f"read back through the mount: {payload.strip()!r}")
        for spec in bricks:
            path = os.path.join(spec.split(":", 1)[1], "hello.txt")
            with open(path, encoding="utf-8") as handle:
                same = handle.read() == payload
            print(f"copy on brick {spec}: {'identical' if same else 'DIFFERENT'}")
            assert same
        ok = True
        step("demo finished: a 3-node pool and a mounted replica-3 volume, all driven by Salt")
    finally:
        if args.keep and ok:
            print(f"\nLeft running (--keep). Minion configs: {base}/salt/gfs*/minion")
            print(f"Tear down: umount {mountpoint}; kill the glusterd and brick pids recorded "
                  f"under {base}/node*/ (glusterd.pid and run/**/*.pid)")  # fmt: skip
        else:
            step("tearing down what the demo started (by pid and mount path)")
            cluster.stop()
            subprocess.run(["rm", "-rf", "--one-file-system", base], check=False)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
