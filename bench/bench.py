#!/usr/bin/env python3
"""Benchmark: the formula applied through Salt against the bare gluster CLI doing the same work.

For each volume count N (default 1, 10, 30 and 100; every volume replica 3 with 8 options) it
builds a fresh local 3-node cluster (glusterd on 127.1.8.1-3) per part, and for the counts of
``--six-nodes`` (default 30) a 6-node one (127.1.8.1-6, each volume distributed-replicate 2 x 3:
its steps are marked "[6 nodes, 2x3]"), and measures wall time and the gluster processes spawned
(a wrapper set as ``gluster:binary`` logs each one's argv; the ``--glusterd-sock`` in it tells
the node):

``floor``   the bare CLI: 2 peer probes, ``pool list`` until connected, then per volume
            ``volume create``, ONE ``volume set`` of its 8 options and ``volume start``;
``trivial`` ``salt-call --local state.apply`` of an SLS holding one ``test.nop`` (Salt's own cost);
``local``   ``salt-call --local state.apply gluster`` on the leader: first apply (the other
            nodes ran theirs before, making their brick directories), no-op re-apply, one option
            changed on one volume; plus the no-op on the other two nodes;
``master``  a salt-master, the three node minions and a client minion mounting ``v01``:
            ``salt '*' state.highstate`` from bare glusterd to the mounted volume, no-op, one
            option changed (processes per node);
``mux``     (only when asked: ``--parts mux``) 30 and 100 volumes created with the bare CLI and
            started one after another, with ``cluster.brick-multiplex`` off and on: the starts'
            time, the brick processes and the sum of their resident memory;
``lab``     once, not per volume count: the lab of real hosts (tests/support/real_hosts.py,
            systemd-nspawn, 10.231.3.0/24 in namespaces of its own): bare Debian hosts to a
            mounted replica-3 volume in one ``salt '*' state.highstate``, packages, systemd and
            brick filesystems included, then a no-op highstate (seconds only).

Prints a table, writes it as JSON (``--json``, default ``bench/results.json``) and draws the
growth chart ``growth.png`` next to it (``--plot JSON`` redraws it from an earlier run). Run as root after
``scripts/setup.sh``: ``scripts/bench.sh`` (arguments pass through, e.g. ``--volumes 10``).
Everything lives under ``--base`` (default /tmp/saltext-gluster-bench) and is torn down by pid
and path at the end, also on failure.
"""

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import struct
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "support"))

from cluster import GlusterCluster  # noqa: E402
from daemons import stop_pidfile  # noqa: E402
from formula_root import formula_root  # noqa: E402

BIN = os.path.dirname(sys.executable)
SUBNET = "127.1.8"
LAB_SUBNET = "10.231.3"  # the lab part's private network (the test suite's labs use 10.231.1 and fd31:231:6)
PUBLISH_PORT, RET_PORT = 45705, 45706
WIDE = " [6 nodes, 2x3]"  # the steps of the 6-node runs (--six-nodes): distributed-replicate 2 x 3
OPTIONS = {
    "performance.cache-size": "64MB",
    "network.ping-timeout": "20",
    "performance.io-thread-count": "16",
    "performance.write-behind-window-size": "2MB",
    "performance.readdir-ahead": "on",
    "cluster.lookup-optimize": "on",
    "diagnostics.brick-log-level": "WARNING",
    "performance.stat-prefetch": "on",
}
CHANGED = ("v01", "network.ping-timeout", "25")


STARTED = time.monotonic()


def say(text):
    print(f"[{time.monotonic() - STARTED:6.1f}s] {text}", flush=True)


def write_yaml(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(data, handle)


class Calls:
    """The wrapper's log: gluster argv lines, counted per node since the last mark."""

    def __init__(self, base, nodes):
        self.log = os.path.join(base, "gluster-calls.log")
        self.wrapper = os.path.join(base, "bin", "gluster")
        self.sockets = {n.socket: f"b{n.index}" for n in nodes}
        os.makedirs(os.path.dirname(self.wrapper), exist_ok=True)
        real = shutil.which("gluster")
        with open(self.wrapper, "w", encoding="utf-8") as handle:
            handle.write(f"#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{self.log}'\nexec '{real}' \"$@\"\n")
        os.chmod(self.wrapper, 0o755)
        open(self.log, "a", encoding="utf-8").close()
        self.offset = 0

    def mark(self):
        self.offset = os.path.getsize(self.log)

    def since_mark(self):
        """{node: [command, ...]} for the calls logged since the last mark."""
        with open(self.log, encoding="utf-8") as handle:
            handle.seek(self.offset)
            lines = handle.read().splitlines()
        calls = {}
        for line in lines:
            words = line.split()
            node = next(
                (self.sockets.get(w.split("=", 1)[1]) for w in words if w.startswith("--glusterd-sock=")), "?"
            )
            command = " ".join(w for w in words if not w.startswith("--"))
            calls.setdefault(node, []).append(" ".join(command.split()[:2]))
        return calls


def bench_pillar(base, count, client=False, workers=None, size=3):
    volumes = {
        f"v{i:02d}": {
            "type": "replicate" if size == 3 else "distributed-replicate",  # 6 nodes: 2 sets of 3
            "replica": 3,
            "brick_path": f"{base}/bricks/{{node}}/v{i:02d}",
            "force": True,  # bricks on the root filesystem
            "options": dict(OPTIONS),
        }
        for i in range(1, count + 1)
    }
    gluster = {
        "nodes": {f"b{i}": f"{SUBNET}.{i}" for i in range(1, size + 1)},
        "leader": "b1",
        "peer_timeout": 120,
        "members_wait": False,
        "server": {"manage_packages": False, "manage_service": False},
        "volumes": volumes,
    }
    if workers is not None:  # --workers: gluster:volume_workers (else the formula's default)
        gluster["volume_workers"] = workers
    if client:
        gluster["clients"] = {
            "bclient": {"mounts": {f"{base}/mnt/v01": {"volume": "v01", "fstab": f"{base}/fstab"}}}
        }
    return {"gluster": gluster}


def change_one_option(pillar):
    volume, option, value = CHANGED
    pillar["gluster"]["volumes"][volume]["options"][option] = value
    return pillar


def write_roots(base, pillar):
    write_yaml(os.path.join(base, "pillar", "top.sls"), {"base": {"*": ["gluster"]}})
    write_yaml(os.path.join(base, "pillar", "gluster.sls"), pillar)
    write_yaml(os.path.join(base, "states", "top.sls"), {"base": {"*": ["gluster"]}})
    write_yaml(os.path.join(base, "states", "bench-trivial.sls"), {"bench-nothing": {"test.nop": []}})
    return {"base": [formula_root(os.path.join(base, "formula")), os.path.join(base, "states")]}


def timed(argv, timeout=1800):
    started = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    return time.monotonic() - started, proc


def check_states(output, where):
    """Parse ``--out=json`` state output; every state must have succeeded. Returns
    (states, changed) summed over minions."""
    try:
        data = json.loads(output)
    except json.JSONDecodeError:
        raise SystemExit(f"{where}: no JSON from Salt:\n{output[-3000:]}") from None
    if os.environ.get("BENCH_RETURNS"):  # every run's returns kept, to see where the time went
        os.makedirs(os.environ["BENCH_RETURNS"], exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9.-]+", "_", where).strip("_")
        with open(
            os.path.join(os.environ["BENCH_RETURNS"], f"{time.time():.0f}-{name}.json"), "w", encoding="utf-8"
        ) as handle:
            json.dump(data, handle, indent=1)
    states = changed = 0
    slowest = []
    for minion, result in data.items():
        if not isinstance(result, dict):
            raise SystemExit(f"{where}: {minion} returned {result}")
        failed = {k: v.get("comment") for k, v in result.items() if v.get("result") is not True}
        if failed:
            raise SystemExit(f"{where}: {minion} failed states: {json.dumps(failed, indent=1)[:3000]}")
        states += len(result)
        changed += sum(1 for v in result.values() if v.get("changes"))
        total = sum(v.get("duration", 0) for v in result.values()) / 1000
        top = max(result.values(), key=lambda v: v.get("duration", 0))
        slowest.append(
            f"{minion}: {len(result)} states {total:.2f}s, "
            f"slowest {top.get('__id__')} {top.get('duration', 0) / 1000:.2f}s"
        )
    if os.environ.get("BENCH_VERBOSE"):
        say("    " + "; ".join(slowest))
    return states, changed


class Run:
    def __init__(self, args):
        self.args = args
        self.rows = []
        self.clusters = []
        self.daemons = []  # pid files of salt daemons we started
        self.mounts = []

    def row(self, count, part, step, seconds, calls, states=None, changed=None, floor=None, size=3):
        step = step if size == 3 else step + WIDE
        per_node = {node: len(cmds) for node, cmds in sorted(calls.items())}
        commands = {}
        for cmds in calls.values():
            for cmd in cmds:
                commands[cmd] = commands.get(cmd, 0) + 1
        row = {
            "volumes": count, "nodes": size, "part": part, "step": step, "seconds": round(seconds, 2),
            "gluster_processes": sum(per_node.values()), "per_node": per_node,
            "commands": dict(sorted(commands.items())), "states": states, "changed": changed,
        }  # fmt: skip
        if floor:
            row["vs_floor"] = round(seconds / floor, 3)
        self.rows.append(row)
        say(f"  {part:8} {step:22} {seconds:7.2f}s  {row['gluster_processes']:4} gluster  {per_node}"
            + (f"  x{row['vs_floor']:.2f} floor" if floor else ""))  # fmt: skip
        return row

    def cluster(self, name, size=3):
        base = os.path.join(self.args.base, name)
        os.makedirs(base)
        cluster = GlusterCluster(base, size=size, subnet=SUBNET)
        self.clusters.append(cluster)
        say(f"  {name}: starting {size} glusterd on {SUBNET}.1-{size}")
        cluster.start()
        return cluster, Calls(base, cluster.nodes)

    def finish_cluster(self, cluster):
        for mountpoint in list(self.mounts):
            cluster.unmount(mountpoint)
            self.mounts.remove(mountpoint)
        for pid_file in reversed(self.daemons):
            stop_pidfile(pid_file)
        self.daemons.clear()
        cluster.stop()
        self.clusters.remove(cluster)

    # ---- floor ---------------------------------------------------------------------------
    def floor(self, count, size=3):
        cluster, calls = self.cluster(f"floor-{count}-{size}", size)
        base = cluster.base_dir
        n1 = cluster.nodes[0]

        def gluster(*args):
            proc = subprocess.run([calls.wrapper, "--mode=script", f"--glusterd-sock={n1.socket}", *args],
                                  capture_output=True, text=True, stdin=subprocess.DEVNULL)  # fmt: skip
            if proc.returncode != 0:
                raise SystemExit(f"floor: gluster {' '.join(args)} failed: {proc.stdout}{proc.stderr}")
            return proc.stdout

        calls.mark()
        started = time.monotonic()
        for node in cluster.nodes[1:]:
            gluster("peer", "probe", node.address)
        while gluster("pool", "list").count("Connected") < size:
            time.sleep(0.1)
        for i in range(1, count + 1):
            bricks = []
            for node in cluster.nodes:
                path = f"{base}/bricks/b{node.index}/v{i:02d}"
                os.makedirs(path)
                bricks.append(f"{node.address}:{path}")
            name = f"v{i:02d}"
            gluster("volume", "create", name, "replica", "3", *bricks, "force")
            gluster("volume", "set", name, *[w for item in OPTIONS.items() for w in item])
            gluster("volume", "start", name)
        seconds = time.monotonic() - started
        row = self.row(count, "floor", "first apply", seconds, calls.since_mark(), size=size)
        self.finish_cluster(cluster)
        return row["seconds"]

    # ---- salt-call --local -----------------------------------------------------------------
    def local(self, count, floor, size=3):
        cluster, calls = self.cluster(f"local-{count}-{size}", size)
        base = cluster.base_dir
        minions = [f"b{node.index}" for node in cluster.nodes]
        roots = write_roots(base, bench_pillar(base, count, workers=self.args.workers, size=size))
        configs = {}
        for node in cluster.nodes:
            minion = f"b{node.index}"
            configs[minion] = os.path.join(base, "conf", minion)
            write_yaml(os.path.join(configs[minion], "minion"), {
                "id": minion, "file_client": "local",
                "root_dir": os.path.join(base, "root", minion),
                "file_roots": roots, "pillar_roots": {"base": [os.path.join(base, "pillar")]},
                "gluster": {"socket": node.socket, "binary": calls.wrapper},
            })  # fmt: skip
            subprocess.run(
                [f"{BIN}/salt-call", "--local", "-c", configs[minion], "--out=quiet", "saltutil.sync_all"],
                check=True,
                capture_output=True,
                stdin=subprocess.DEVNULL,
            )

        def apply(minion, sls="gluster"):
            argv = [f"{BIN}/salt-call", "--local", "-c", configs[minion], "--out=json", "state.apply", sls]
            calls.mark()
            seconds, proc = timed(argv)
            states, changed = check_states(proc.stdout, f"salt-call on {minion} ({sls})")
            return seconds, calls.since_mark(), states, changed

        runs = self.args.trivial_runs
        trivial = [apply("b1", "bench-trivial")[0] for _ in range(runs)]
        self.row(count, "trivial", "salt-call test.nop", statistics.median(trivial), {}, size=size)
        for minion in minions[1:]:  # their brick directories first (members_wait: false)
            apply(minion)
        self.row(count, "local", "first apply (leader)", *apply("b1")[:2], floor=floor, size=size)
        for minion in minions:
            self.row(count, "local", f"no-op ({minion})", *apply(minion)[:2], size=size)
        pillar = bench_pillar(base, count, workers=self.args.workers, size=size)
        write_yaml(os.path.join(base, "pillar", "gluster.sls"), change_one_option(pillar))
        seconds, used, _states, changed = apply("b1")
        assert changed == 1, f"one option changed: {changed} states reported changes"
        self.row(count, "local", "one option (leader)", seconds, used, size=size)
        trivial = [apply("b1", "bench-trivial")[0] for _ in range(runs)]
        self.row(count, "trivial", "salt-call test.nop", statistics.median(trivial), {}, size=size)
        self.finish_cluster(cluster)

    # ---- master and minions ------------------------------------------------------------------
    def master(self, count, floor, size=3):
        cluster, calls = self.cluster(f"master-{count}-{size}", size)
        base = cluster.base_dir
        roots = write_roots(
            base, bench_pillar(base, count, client=True, workers=self.args.workers, size=size)
        )
        open(os.path.join(base, "fstab"), "a", encoding="utf-8").close()
        master_dir = os.path.join(base, "salt", "master")
        write_yaml(os.path.join(master_dir, "master"), {
            "interface": "127.0.0.1", "publish_port": PUBLISH_PORT, "ret_port": RET_PORT,
            "root_dir": master_dir, "pidfile": os.path.join(master_dir, "master.pid"),
            "log_file": os.path.join(master_dir, "master.log"), "auto_accept": True,
            "file_roots": roots, "pillar_roots": {"base": [os.path.join(base, "pillar")]}, "user": "root",
        })  # fmt: skip
        subprocess.run([f"{BIN}/salt-master", "-c", master_dir, "-d"], check=True)
        self.daemons.append(os.path.join(master_dir, "master.pid"))
        minions = {f"b{n.index}": n for n in cluster.nodes}
        minions["bclient"] = None

        def start_minions(**extra):
            for minion, node in minions.items():
                minion_dir = os.path.join(base, "salt", minion)
                config = {
                    "id": minion,
                    "master": "127.0.0.1",
                    "master_port": RET_PORT,
                    "root_dir": minion_dir,
                    "pidfile": os.path.join(minion_dir, "minion.pid"),
                    "log_file": os.path.join(minion_dir, "minion.log"),
                    "user": "root",
                    **extra,
                }
                if node:
                    config["gluster"] = {"socket": node.socket, "binary": calls.wrapper}
                write_yaml(os.path.join(minion_dir, "minion"), config)
                subprocess.run([f"{BIN}/salt-minion", "-c", minion_dir, "-d"], check=True)
                self.daemons.append(os.path.join(minion_dir, "minion.pid"))
            wait_for_minions()

        def salt(*args, timeout=1800):
            argv = [f"{BIN}/salt", "-c", master_dir, "--out=json", "--static", f"--timeout={timeout}", *args]
            return timed(argv, timeout + 60)

        def wait_for_minions():
            deadline = time.monotonic() + 120
            while True:
                _s, proc = salt("*", "test.ping", timeout=5)
                try:
                    if sorted(k for k, v in json.loads(proc.stdout).items() if v is True) == sorted(minions):
                        return
                except json.JSONDecodeError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit(f"master: minions did not all answer; logs under {base}/salt")
                time.sleep(1)

        start_minions()
        say("  master: minions answer; syncing the modules")
        salt("*", "saltutil.sync_all")

        def highstate(step, floor=None, sls=None):
            calls.mark()
            seconds, proc = salt("*", "state.apply", sls) if sls else salt("*", "state.highstate")
            states, changed = check_states(proc.stdout, f"master {step}")
            return self.row(count, "master" if not sls else "trivial", step, seconds, calls.since_mark(),
                            states, changed, floor, size)  # fmt: skip

        highstate("salt '*' test.nop", sls="bench-trivial")
        self.mounts.append(f"{base}/mnt/v01")
        highstate("first highstate", floor)
        assert os.path.ismount(f"{base}/mnt/v01"), "the client mounted v01"
        row = highstate("no-op highstate")
        assert row["changed"] == 0, row
        pillar = bench_pillar(base, count, client=True, workers=self.args.workers, size=size)
        write_yaml(os.path.join(base, "pillar", "gluster.sls"), change_one_option(pillar))
        row = highstate("one option")
        assert row["changed"] == 1, row
        if self.args.tuned:
            # Salt syncs every module type from the master at each highstate by default (2.5 of
            # the 3.5 s a profiled no-op highstate took on a minion); the modules are synced already
            say("  master: minions restarted with autoload_dynamic_modules: false")
            minion_pids = [path for path in self.daemons if path.endswith("minion.pid")]
            for pid_file in minion_pids:
                stop_pidfile(pid_file)
                self.daemons.remove(pid_file)
            start_minions(autoload_dynamic_modules=False)
            highstate("salt '*' test.nop, no module sync", sls="bench-trivial")
            row = highstate("no-op, no module sync")
            assert row["changed"] == 0, row
        self.finish_cluster(cluster)

    # ---- brick multiplexing ------------------------------------------------------------------
    def mux(self, count):
        """``count`` replica-3 volumes created with the bare CLI, then started one after another,
        with ``cluster.brick-multiplex`` off and on (set before the first start, the way
        ``gluster:cluster_options`` sets it): the time of the starts, the brick processes and
        their memory (the sum of their resident sets, from /proc) once every brick is online."""
        for multiplex in ("disable", "enable"):
            cluster, _calls = self.cluster(f"mux-{count}-{multiplex}")
            base, n1 = cluster.base_dir, cluster.nodes[0]
            cluster.form_pool()
            n1.cli("volume", "set", "all", "cluster.brick-multiplex", multiplex)
            if multiplex == "enable":  # gluster's default limit (250) would not bind at 100 volumes anyway
                n1.cli("volume", "set", "all", "cluster.max-bricks-per-process", "0")
            names = [f"m{i:03d}" for i in range(1, count + 1)]
            for name in names:
                bricks = []
                for node in cluster.nodes:
                    path = f"{base}/bricks/b{node.index}/{name}"
                    os.makedirs(path)
                    bricks.append(f"{node.address}:{path}")
                n1.cli("volume", "create", name, "replica", "3", *bricks, "force")
            started = time.monotonic()
            for name in names:
                n1.cli("volume", "start", name, timeout=300)
            seconds = time.monotonic() - started
            pids, online, waited = brick_pids(n1, expected=3 * count)
            rss = sum(resident_kib(pid) for pid in pids) / 1024
            row = {
                "volumes": count,
                "part": "mux",
                "step": f"start all, brick-multiplex {'on' if multiplex == 'enable' else 'off'}",
                "seconds": round(seconds, 2),
                "gluster_processes": None,
                "brick_processes": len(pids),
                "brick_rss_mib": round(rss, 1),
                "bricks_online": online,
                "bricks": 3 * count,
                "online_after_seconds": round(waited, 1),
            }
            self.rows.append(row)
            say(
                f"  mux      {row['step']:32} {seconds:7.2f}s  "
                f"{len(pids)} brick processes, {rss:.0f} MiB resident, "
                f"{online} of {3 * count} bricks online {waited:.0f} s after the last start"
            )
            for name in names:
                n1.cli("volume", "stop", name, timeout=300)
            self.finish_cluster(cluster)

    # ---- the lab of real hosts ----------------------------------------------------------------
    def lab(self):
        """Bare Debian hosts under systemd (tests/support/real_hosts.py) to a mounted replica-3
        volume in one ``salt '*' state.highstate``: the packages installed from the lab's
        repository, glusterd started by systemd, the brick filesystems made on loop devices,
        the pool by hostname, the volume created and started, the client mounted. Then a no-op
        highstate. gluster's processes are not counted here (they run inside the hosts)."""
        import real_hosts  # pylint: disable=import-outside-toplevel

        say(f"  lab: base root (cached in {real_hosts.CACHE}) and 5 hosts on {LAB_SUBNET}.0/24")
        started = time.monotonic()
        with real_hosts.Lab("bench", nodes=3, clients=1, subnet=LAB_SUBNET, disk_mib=512) as lab:
            say(
                f"  lab: base root ready in {lab.base_seconds:.1f} s, "
                f"5 hosts booted in {lab.boot_seconds:.1f} s"
            )
            lab.ready_for_the_formula(real_hosts.formula_pillar(lab))
            say(
                f"  lab: minions answering and modules synced "
                f"{time.monotonic() - started:.1f} s after the start"
            )
            for host in [*lab.nodes, *lab.clients]:
                installed = host.run("dpkg-query", "-W", "-f=${Status}", "glusterfs-common", check=False)
                if "install ok installed" in installed.stdout:
                    raise SystemExit(f"lab: {host.name} is not bare")

            def highstate(step):
                began = time.monotonic()
                run = lab.highstate()
                seconds = time.monotonic() - began
                failed = real_hosts.failed_states(run)
                if failed:
                    raise SystemExit(f"lab {step}: failed states: {json.dumps(failed, indent=1)[:3000]}")
                changed = sum(len(ids) for ids in real_hosts.changed_states(run).values())
                row = {"volumes": 1, "part": "lab", "step": step, "seconds": round(seconds, 2),
                       "gluster_processes": None, "states": sum(len(states) for states in run.values()),
                       "changed": changed, "base_seconds": round(lab.base_seconds, 1),
                       "boot_seconds": round(lab.boot_seconds, 1)}  # fmt: skip
                self.rows.append(row)
                say(f"  lab      {step:22} {seconds:7.2f}s  {row['states']} states, {changed} changed")
                return row

            highstate("bare hosts, one highstate")
            client = lab.clients[0]
            mounted = client.out("findmnt", "-n", "-o", "FSTYPE", "/mnt/gv0").strip()
            if mounted != "fuse.glusterfs":
                raise SystemExit(f"lab: the client did not mount gv0: {mounted!r}")
            for node in lab.nodes:
                if node.out("systemctl", "is-active", "glusterd").strip() != "active":
                    raise SystemExit(f"lab: glusterd is not active under systemd on {node.name}")
            row = highstate("no-op highstate")
            if row["changed"]:
                raise SystemExit(f"lab: the second highstate changed {row['changed']} states")

    def teardown(self):
        for cluster in list(self.clusters):
            try:
                self.finish_cluster(cluster)
            except Exception as exc:  # noqa: BLE001 - tear down what we can, say what failed
                say(f"teardown of {cluster.base_dir}: {exc}")


def brick_pids(node, expected, timeout=300):
    """``(pids, online, seconds)``: the distinct pids of the online bricks in ``node``'s
    ``volume status all`` once all ``expected`` bricks are online, or as they are after
    ``timeout`` s; how many were online; how long it took."""
    started = time.monotonic()
    while True:
        root = ET.fromstring(node.cli("volume", "status", "all", xml=True, timeout=300).stdout)
        bricks = [n for n in root.iter("node") if n.findtext("path", "").startswith("/")]
        online = [n for n in bricks if n.findtext("status") == "1"]
        waited = time.monotonic() - started
        if len(online) >= expected or waited > timeout:
            return {int(n.findtext("pid")) for n in online}, len(online), waited
        time.sleep(1)


def resident_kib(pid):
    with open(f"/proc/{pid}/status", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def table(rows):
    """Markdown: one line per part and step, one column per volume count, each cell
    ``seconds / gluster processes`` (and the ratio to the floor for first applies). A step
    measured twice in one part (the trivial SLS) shows its runs side by side."""
    counts = sorted({r["volumes"] for r in rows})
    cells, order = {}, []
    for r in rows:
        key = (r["part"], r["step"])
        if key not in cells:
            cells[key] = {}
            order.append(key)
        text = f"{r['seconds']:.2f} s" + (
            f" / {r['gluster_processes']}" if r["gluster_processes"] is not None else ""
        )
        if r.get("vs_floor"):
            text += f" (x{r['vs_floor']:.2f})"
        if r.get("brick_processes") is not None:
            text += f", {r['brick_processes']} brick processes, {r['brick_rss_mib']:.0f} MiB"
            if r.get("bricks_online", r.get("bricks")) != r.get("bricks"):
                text += (
                    f", only {r['bricks_online']} of {r['bricks']} bricks online "
                    f"after {r['online_after_seconds']:.0f} s"
                )
        cell = cells[key].get(r["volumes"])
        cells[key][r["volumes"]] = f"{cell}, {r['seconds']:.2f} s" if cell else text
    lines = ["| part | step | " + " | ".join(f"{n} volume{'s' if n > 1 else ''}" for n in counts) + " |",
             "|---|---|" + "---:|" * len(counts)]  # fmt: skip
    for part, step in order:
        lines.append(
            f"| {part} | {step} | " + " | ".join(cells[(part, step)].get(n, "") for n in counts) + " |"
        )
    return "\n".join(lines)


# the growth chart: (panel, part, step, colour) per line, the first measurement of each volume
# count, 3-node rows only; first applies on the left, the no-ops against Salt's trivial runs on
# the right (their seconds are ten times smaller)
SERIES = (
    ("first apply", "floor", "first apply", "#222222"),
    ("first apply", "local", "first apply (leader)", "#1f77b4"),
    ("first apply", "master", "first highstate", "#d62728"),
    ("no-op", "local", "no-op (b1)", "#1f77b4"),
    ("no-op", "trivial", "salt-call test.nop", "#7fb3e0"),
    ("no-op", "master", "no-op highstate", "#d62728"),
    ("no-op", "master", "no-op, no module sync", "#ff9896"),
    ("no-op", "trivial", "salt '*' test.nop, no module sync", "#c7a0a0"),
)
PLOT_DIGEST_KEY = "saltext-gluster-series-sha256"  # the PNG's text chunk naming the data drawn


def growth_series(rows):
    """The lines of the growth chart, from a run's rows: ``[{"panel", "label", "colour",
    "points": [[volumes, seconds], ...]}]``, each line's points in volume order (the first
    measurement of a step at a volume count; the 6-node steps are other steps, left out)."""
    lines = []
    for panel, part, step, colour in SERIES:
        points = {}
        for row in rows:
            if (row["part"], row["step"]) == (part, step) and row["volumes"] not in points:
                points[row["volumes"]] = row["seconds"]
        if points:
            lines.append({"panel": panel, "label": f"{part}: {step}", "colour": colour,
                          "points": [[n, points[n]] for n in sorted(points)]})  # fmt: skip
    if not lines:
        raise SystemExit("plot: no row of the growth chart's steps in these results")
    return lines


def series_digest(lines):
    """SHA-256 of the lines drawn, kept in the PNG: a test checks the committed chart against
    the committed results without drawing it again."""
    return hashlib.sha256(json.dumps(lines, sort_keys=True).encode()).hexdigest()


def png_text(path):
    """The PNG's tEXt chunks as a dict (stdlib only: tests read the chart without matplotlib)."""
    with open(path, "rb") as handle:
        data = handle.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is not a PNG")
    texts, offset = {}, 8
    while offset + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        body = data[offset + 8 : offset + 8 + length]
        if kind == b"tEXt":
            key, _, value = body.partition(b"\0")
            texts[key.decode("latin-1")] = value.decode("latin-1")
        offset += 12 + length
    return texts


def write_plot(result, json_path):
    """``growth.png`` next to the JSON file, drawn from its rows with matplotlib
    (``requirements-bench.txt``, installed by ``scripts/bench.sh``)."""
    try:
        import matplotlib  # pylint: disable=import-outside-toplevel

        matplotlib.use("Agg")
        from matplotlib import pyplot  # pylint: disable=import-outside-toplevel
    except ImportError:
        raise SystemExit(
            "plot: matplotlib is missing: pip install -r requirements-bench.txt (scripts/bench.sh does)"
        ) from None
    lines = growth_series(result["rows"])
    path = os.path.join(os.path.dirname(os.path.abspath(json_path)), "growth.png")
    figure, axes = pyplot.subplots(1, 2, figsize=(11, 4.6), dpi=100)
    for ax, panel in zip(axes, ("first apply", "no-op"), strict=True):
        for line in (entry for entry in lines if entry["panel"] == panel):
            counts, seconds = zip(*line["points"], strict=True)
            ax.plot(counts, seconds, marker="o", color=line["colour"], label=line["label"])
        ax.set_xscale("log")
        counts = sorted({n for entry in lines for n, _ in entry["points"]})
        ax.set_xticks(counts, [str(n) for n in counts])
        ax.minorticks_off()
        ax.set_ylim(bottom=0)
        ax.set_xlabel("volumes (replica 3 on 3 nodes, log scale)")
        ax.set_ylabel("seconds")
        ax.set_title(panel)
        ax.grid(True, color="#e5e5e5")
        ax.legend(fontsize=8, loc="upper left")
    figure.suptitle(f"saltext-gluster bench, {result['date']}: seconds against volumes")
    figure.tight_layout()
    figure.savefig(
        path, format="png", metadata={PLOT_DIGEST_KEY: series_digest(lines), "Title": result["date"]}
    )
    pyplot.close(figure)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--volumes", type=int, nargs="+", default=[1, 10, 30, 100])
    parser.add_argument(
        "--six-nodes",
        type=int,
        nargs="*",
        default=[30],
        metavar="VOLUMES",
        help="volume counts run again on 6 nodes (distributed-replicate 2 x 3) by the local and master "
        "parts; none with the option alone",
    )
    parser.add_argument(
        "--parts",
        nargs="+",
        default=["local", "master", "lab"],
        choices=["local", "master", "lab", "mux"],
        help="lab: bare hosts to a mounted volume on the lab of real hosts (once, not per volume count); "
        "--parts lab alone replaces the lab rows of the --json file and keeps its other rows; "
        "mux: 30 and 100 volumes started with brick multiplexing off and on (not by default)",
    )
    parser.add_argument(
        "--mux-volumes", type=int, nargs="+", default=[30, 100], help="volume counts of the mux part"
    )
    parser.add_argument(
        "--workers",
        type=int,
        help="gluster:volume_workers of the local and master parts "
        "(how many volumes the leader works on at once; default: the formula's, 3)",
    )
    parser.add_argument("--base", default="/tmp/saltext-gluster-bench")
    parser.add_argument(
        "--no-tuned",
        dest="tuned",
        action="store_false",
        help="skip the no-op highstate with autoload_dynamic_modules: false (restarts the minions)",
    )
    parser.add_argument(
        "--trivial-runs", type=int, default=3, help="runs of the trivial SLS (the median is shown)"
    )
    parser.add_argument("--json", default=os.path.join(REPO, "bench", "results.json"))
    parser.add_argument("--table", metavar="JSON", help="print the table of an earlier run's JSON and stop")
    parser.add_argument(
        "--no-plot",
        dest="draw",
        action="store_false",
        help="do not draw growth.png (needs matplotlib; the tests run the bench without it)",
    )
    parser.add_argument(
        "--plot", metavar="JSON", help="draw growth.png (next to JSON) from an earlier run's JSON and stop"
    )
    args = parser.parse_args()
    if args.table:
        with open(args.table, encoding="utf-8") as handle:
            print(table(json.load(handle)["rows"]))
        return
    if args.plot:
        with open(args.plot, encoding="utf-8") as handle:
            print(write_plot(json.load(handle), args.plot))
        return
    if os.path.exists(args.base):
        raise SystemExit(f"{args.base} exists: a benchmark is running or was interrupted; remove it first")
    run = Run(args)
    started = time.monotonic()
    loopback = [part for part in args.parts if part in ("local", "master")]
    try:
        runs = [(count, 3) for count in args.volumes] + [(count, 6) for count in args.six_nodes]
        for count, size in runs if loopback else []:
            shape = "replica 3" if size == 3 else "2 x 3 distributed-replicate"
            say(f"== {count} volumes on {size} nodes ({shape}, {len(OPTIONS)} options each)")
            floor = run.floor(count, size)
            if "local" in args.parts:
                run.local(count, floor, size)
            if "master" in args.parts:
                run.master(count, floor, size)
        if "lab" in args.parts:
            say("== the lab of real hosts: bare Debian hosts to a mounted replica-3 volume")
            run.lab()
        if "mux" in args.parts:
            for count in args.mux_volumes:
                say(f"== brick multiplexing: {count} volumes (replica 3) started, off then on")
                run.mux(count)
    finally:
        run.teardown()
        subprocess.run(["rm", "-rf", "--one-file-system", args.base], check=False)
    gluster_version = subprocess.run(["gluster", "--version"], capture_output=True, text=True).stdout.split(
        "\n"
    )[0]
    now = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    result = {
        "date": now,
        "machine": f"{os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}",
        "gluster": gluster_version,
        "salt": subprocess.run(
            [f"{BIN}/salt-call", "--version"], capture_output=True, text=True
        ).stdout.strip(),
        "total_seconds": round(time.monotonic() - started, 1),
        "volume_workers": args.workers or 3,
        "rows": run.rows,
    }
    dates = {f"{part}_date": now for part in ("lab", "mux") if part in args.parts}
    result.update(dates)
    if not loopback and os.path.exists(args.json):
        # --parts lab and/or mux alone: the rest of the last run's file stays, the rows of the
        # parts run now are replaced
        with open(args.json, encoding="utf-8") as handle:
            earlier = json.load(handle)
        rows = [r for r in earlier["rows"] if r["part"] not in args.parts] + run.rows
        result = {**earlier, "rows": rows, **dates}
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=1)
    if loopback and args.draw:
        say(f"growth chart: {write_plot(result, args.json)}")
    print("\n" + table(result["rows"]))
    print(f"\n{result['date']}; {result['machine']}; {result['gluster']}; {result['salt']}; "
        f"{result['total_seconds']}s in all; JSON in {args.json}")  # fmt: skip


if __name__ == "__main__":
    main()
