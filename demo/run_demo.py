#!/usr/bin/env python3
"""The demo: pillar.example applied by one highstate to a real local GlusterFS cluster.

``up`` (default):
  1. three glusterd on 127.1.1.1-3, each with its own working directory and socket;
  2. a salt-master (on 127.0.0.1, ports 45505/45506) serving this checkout as file_roots and
     pillar.example as pillar, and four salt-minions: gfs1-3 (each bound to its own glusterd
     through the ``gluster:socket`` minion setting) and client1;
  3. ``saltutil.sync_all``, then ONE concurrent ``state.highstate`` on all four minions: the
     pool forms, the replica-3 volume is created with its options and started, client1 mounts it;
  4. a file written and read back through the client's mount, and found on every brick;
  5. the volume's status, ``salt-run gluster.status`` (the cluster seen from the master: nodes,
     volumes, replica sets against hosts, heal, capacity), and a second highstate's summary
     (zero changes).
``down``: stops every process the demo started (by the pids it recorded), unmounts its mount
and removes its directory.

The example pillar is used as it is, except for what a throw-away cluster on one machine needs:
brick paths and the mount point under the demo directory, ``force`` (bricks on the root
filesystem), its own fstab, and no package/service management (glusterd is started here).
Run it through ``scripts/demo.sh`` (which installs what it needs first), as root.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "support"))

from cluster import GlusterCluster  # noqa: E402
from daemons import stop_pidfile  # noqa: E402
from formula_root import formula_root  # noqa: E402

BIN = os.path.dirname(sys.executable)
BASE = os.environ.get("DEMO_DIR", "/tmp/saltext-gluster-demo")
PUBLISH_PORT, RET_PORT = 45505, 45506
MINIONS = ("gfs1", "gfs2", "gfs3", "client1")
STARTED = time.monotonic()


def step(text):
    print(f"\n\033[1m[{time.monotonic() - STARTED:6.1f}s] ==> {text}\033[0m", flush=True)


def write_config(path, config):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(config, handle)


def demo_pillar(cluster):
    """pillar.example, with paths moved under the demo directory and management switched off."""
    with open(os.path.join(REPO, "pillar.example"), encoding="utf-8") as handle:
        pillar = yaml.safe_load(handle)
    gluster = pillar["gluster"]
    gluster["server"].update({"manage_packages": False, "manage_service": False})
    for name, volume in gluster["volumes"].items():
        volume["brick_path"] = volume["brick_path"].replace("/data/glusterfs", f"{BASE}/bricks/{{node}}")
        volume["force"] = True  # bricks on the root filesystem
        print(f"  volume {name}: brick_path -> {volume['brick_path']}, force: true")
    for client in gluster["clients"].values():
        client["mounts"] = {
            f"{BASE}{mountpoint}": dict(mount, fstab=f"{BASE}/fstab")
            for mountpoint, mount in client["mounts"].items()
        }
        print(f"  mounts -> {', '.join(client['mounts'])} (fstab {BASE}/fstab)")
    print("  server: manage_packages: false, manage_service: false (glusterd started by the demo)")
    assert sorted(gluster["nodes"]) == ["gfs1", "gfs2", "gfs3"]
    assert [gluster["nodes"][f"gfs{n.index}"] for n in cluster.nodes] == [n.address for n in cluster.nodes]
    return pillar


def start_salt(cluster):
    master_dir = os.path.join(BASE, "salt", "master")
    write_config(
        os.path.join(master_dir, "master"),
        {
            "interface": "127.0.0.1",
            "publish_port": PUBLISH_PORT,
            "ret_port": RET_PORT,
            "root_dir": master_dir,
            "pidfile": os.path.join(master_dir, "master.pid"),
            "log_file": os.path.join(master_dir, "master.log"),
            "auto_accept": True,  # throw-away demo on loopback only
            # links to the checkout's _modules, _states, _utils and formula only: serving the
            # whole checkout would make the file server list its .venv on every highstate
            "file_roots": {
                "base": [formula_root(os.path.join(BASE, "formula")), os.path.join(BASE, "states")]
            },
            "pillar_roots": {"base": [os.path.join(BASE, "pillar")]},
            "user": "root",
        },
    )
    subprocess.run([f"{BIN}/salt-master", "-c", master_dir, "-d"], check=True)
    sockets = {f"gfs{n.index}": n.socket for n in cluster.nodes}
    for minion_id in MINIONS:
        minion_dir = os.path.join(BASE, "salt", minion_id)
        config = {
            "id": minion_id,
            "master": "127.0.0.1",
            "master_port": RET_PORT,
            "root_dir": minion_dir,
            "pidfile": os.path.join(minion_dir, "minion.pid"),
            "log_file": os.path.join(minion_dir, "minion.log"),
            "user": "root",
        }
        if minion_id in sockets:
            config["gluster"] = {"socket": sockets[minion_id]}
        write_config(os.path.join(minion_dir, "minion"), config)
        subprocess.run([f"{BIN}/salt-minion", "-c", minion_dir, "-d"], check=True)


def salt(*args, timeout=900):
    argv = [f"{BIN}/salt", "-c", os.path.join(BASE, "salt", "master"), "--out=json", "--static",
            f"--timeout={timeout}", *args]  # fmt: skip
    proc = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"salt {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}") from None


def salt_run(*args, human=False, timeout=300):
    """``salt-run`` on the demo's master: its table (``human``) or its data."""
    argv = [f"{BIN}/salt-run", "-c", os.path.join(BASE, "salt", "master"), f"--timeout={timeout}", *args]
    proc = subprocess.run(
        [*argv, "--out=json"] if not human else argv, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    if proc.returncode != 0:
        raise SystemExit(f"salt-run {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")
    return proc.stdout if human else json.loads(proc.stdout)


def wait_for_minions(timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answered = salt("*", "test.ping", timeout=5)
        if sorted(k for k, v in answered.items() if v is True) == sorted(MINIONS):
            return
        time.sleep(2)
    raise SystemExit(f"minions did not all answer within {timeout}s; logs under {BASE}/salt/")


def _first_line(text, width):
    return (text or "").strip().splitlines()[0][:width] if (text or "").strip() else ""


def summarise(result):
    """Per minion: states, changed, would change (test mode), failed, with their comments."""
    ok = True
    for minion_id in MINIONS:
        states = result.get(minion_id)
        if not isinstance(states, dict):
            print(f"  {minion_id}: {states}")
            ok = False
            continue
        changed = [v for v in states.values() if v.get("changes") and v.get("result") is True]
        pending = [v for v in states.values() if v.get("result") is None]
        failed = [v for v in states.values() if v.get("result") is False]
        seconds = sum(v.get("duration", 0) for v in states.values()) / 1000
        print(f"  {minion_id}: {len(states)} states, {len(changed)} changed, {len(pending)} would change, "
              f"{len(failed)} failed ({seconds:.1f}s)")  # fmt: skip
        for label, group in (("changed", changed), ("would", pending), ("FAILED", failed)):
            for state in group:
                name = state.get("__id__", state.get("name"))
                print(f"      {label:8} {name}: {_first_line(state.get('comment'), 110)}")
        ok = ok and not failed
    return ok


def up():
    if os.path.exists(os.path.join(BASE, "node1", "glusterd.pid")):
        raise SystemExit(f"a demo is already set up in {BASE}: run 'scripts/demo.sh down' first")
    os.makedirs(BASE, exist_ok=True)
    cluster = GlusterCluster(BASE, size=3)

    step("starting three glusterd on 127.1.1.1-3 (no pool, no volumes yet)")
    cluster.start()

    step("writing the pillar: pillar.example with demo paths")
    os.makedirs(os.path.join(BASE, "pillar"), exist_ok=True)
    write_config(os.path.join(BASE, "pillar", "top.sls"), {"base": {"*": ["gluster"]}})
    write_config(os.path.join(BASE, "states", "top.sls"), {"base": {"*": ["gluster"]}})
    write_config(os.path.join(BASE, "pillar", "gluster.sls"), demo_pillar(cluster))
    open(os.path.join(BASE, "fstab"), "a", encoding="utf-8").close()

    step(f"starting a salt-master and minions {', '.join(MINIONS)}")
    start_salt(cluster)
    wait_for_minions()
    synced = salt("*", "saltutil.sync_all")
    print("  synced to every minion:", ", ".join(synced["gfs1"]["modules"] + synced["gfs1"]["states"]))

    step("salt '*' state.highstate test=True: what would change (nothing is touched)")
    summarise(salt("*", "state.highstate", "test=True"))

    step("salt '*' state.highstate: ONE concurrent run on all minions")
    if not summarise(salt("*", "state.highstate")):
        raise SystemExit("the highstate failed; see above. Tear down with: scripts/demo.sh down")

    mountpoint = f"{BASE}/mnt/gv0"
    step(f"writing and reading a file through client1's mount {mountpoint}")
    payload = f"hello from saltext-gluster, {time.ctime()}\n"
    with open(os.path.join(mountpoint, "hello.txt"), "w", encoding="utf-8") as handle:
        handle.write(payload)
    with open(os.path.join(mountpoint, "hello.txt"), encoding="utf-8") as handle:
        print(f"  read back: {handle.read().strip()!r}")
    for node in cluster.nodes:
        copy = f"{BASE}/bricks/gfs{node.index}/gv0/brick/hello.txt"
        with open(copy, encoding="utf-8") as handle:
            print(
                f"  brick copy on gfs{node.index}: "
                f"{'identical' if handle.read() == payload else 'DIFFERENT'} ({copy})"
            )

    step("salt gfs1 gluster.volume_status gv0")
    status = salt("gfs1", "gluster.volume_status", "gv0")["gfs1"]
    for brick in status["bricks"]:
        print(
            f"  brick {brick['name']}: {'online' if brick['online'] else 'OFFLINE'}, "
            f"port {brick['port']}, pid {brick['pid']}"
        )
    for daemon in status["daemons"]:
        print(f"  {daemon['name']} on {daemon['host']}: {'online' if daemon['online'] else 'OFFLINE'}")
    info = salt("gfs1", "gluster.volume_info", "gv0")["gfs1"]
    print(f"  type {info['type']}, {info['status']}, options: {json.dumps(info['options'])}")

    step("salt-run gluster.status: the whole cluster as the master sees it")
    salt_run("saltutil.sync_all")  # the runner and its outputter, from the formula's file_roots
    print(salt_run("gluster.status", human=True).rstrip())

    step("salt '*' state.highstate again: converged, so zero changes")
    summarise(salt("*", "state.highstate"))

    step("done. Tear everything down with: scripts/demo.sh down")
    print(f"  the salt CLI for this demo: {BIN}/salt -c {BASE}/salt/master '*' gluster.peer_status")


def _kill_pidfile(path):
    pid = stop_pidfile(path)
    if pid:
        print(f"  stopped pid {pid} ({os.path.relpath(path, BASE)})")


def down():
    if not os.path.isdir(BASE):
        print(f"nothing to tear down: {BASE} does not exist")
        return
    step(f"tearing down the demo in {BASE}")
    cluster = GlusterCluster(BASE, size=3)
    for minion_id in MINIONS:
        _kill_pidfile(os.path.join(BASE, "salt", minion_id, "minion.pid"))
    _kill_pidfile(os.path.join(BASE, "salt", "master", "master.pid"))
    mountpoint = f"{BASE}/mnt/gv0"
    if os.path.ismount(mountpoint):
        cluster.unmount(mountpoint)
        print(f"  unmounted {mountpoint}")
    cluster.stop()
    print("  stopped the three glusterd and their brick/self-heal processes")
    time.sleep(1)
    removed = subprocess.run(["rm", "-rf", "--one-file-system", BASE], check=False).returncode == 0
    print(f"  removed {BASE}" if removed else f"  could not remove all of {BASE} (see above)")


def main():
    parser = argparse.ArgumentParser(description="saltext-gluster demo")
    parser.add_argument("action", nargs="?", default="up", choices=["up", "down"])
    args = parser.parse_args()
    if not shutil.which("glusterd"):
        raise SystemExit("glusterd not found: run scripts/setup.sh first (as root)")
    up() if args.action == "up" else down()


if __name__ == "__main__":
    main()
