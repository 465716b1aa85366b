"""ufw and firewalld running for real, apart from the host: a private network namespace.

A holder process (``sleep``) keeps a new network namespace and a new mount namespace alive. In
the mount namespace, private copies of ``/etc/ufw``, ``/etc/default/ufw`` and
``/etc/firewalld`` are bind-mounted over the real ones and ``/run`` is a fresh tmpfs, so the
rules ufw and firewalld write, their configuration files and firewalld's runtime files all stay
inside; the host's firewall, configuration and network are never touched (the network
namespace has only its own loopback). Commands enter both namespaces with ``nsenter``.

firewalld needs a D-Bus system bus: the sandbox starts its own ``dbus-daemon`` on a socket in
the sandbox directory (``DBUS_SYSTEM_BUS_ADDRESS``, which ``firewall-cmd`` honours) and
``firewalld --nofork --nopid``. ``stop()`` ends exactly these processes, by pid; the namespaces
and every rule in them go away with the holder.

Needs root, ``unshare``/``nsenter`` (util-linux) and, for what is used, ``ufw`` and
``firewalld`` (``dbus-daemon``) installed.
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time

# A system bus that lets everyone do everything (the sandbox is root's alone). Without the two
# eavesdrop allowances firewalld hung at start-up here (a D-Bus call of its own timed out after
# 25 s: org.freedesktop.DBus.Error.NoReply) and never answered.
BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
"""

# host path -> name of its private copy in the sandbox directory
PRIVATE_COPIES = {"/etc/ufw": "etc-ufw", "/etc/default/ufw": "default-ufw", "/etc/firewalld": "etc-firewalld"}


class FirewallSandbox:
    def __init__(self, base_dir=None, hide=()):
        """``hide``: commands (absolute paths) to make non-executable inside the sandbox, so
        that the code under test finds them "not installed"."""
        self.base_dir = base_dir or tempfile.mkdtemp(prefix="sgfw-", dir="/tmp")
        self.hide = list(hide)
        self.bus_socket = os.path.join(self.base_dir, "system_bus_socket")
        self.env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=f"unix:path={self.bus_socket}")
        self.holder = None
        self.daemons = []

    # ---- lifecycle
    def start(self):
        script = ["set -e"]
        for host_path, name in PRIVATE_COPIES.items():
            if not os.path.exists(host_path):
                continue
            copy = os.path.join(self.base_dir, name)
            if os.path.isdir(host_path):
                shutil.copytree(host_path, copy, symlinks=True)
            else:
                shutil.copy2(host_path, copy)
            script.append(f"mount --bind {copy} {host_path}")
        for path in self.hide:
            script.append(f"mount --bind /dev/null {path}")
        script += ["mount -t tmpfs tmpfs /run", "ip link set lo up", "echo ready", "exec sleep 86400"]
        self.holder = subprocess.Popen(  # pylint: disable=consider-using-with
            ["unshare", "--net", "--mount", "--propagation", "private", "sh", "-c", "\n".join(script)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.holder.stdout.readline().strip()
        if line != "ready":
            error = self.holder.stderr.read()
            self.holder.wait()
            raise RuntimeError(f"firewall sandbox did not start: {line} {error}".strip())
        return self

    def enter(self, argv):
        """``argv`` prefixed to run inside the sandbox's namespaces."""
        return ["nsenter", f"--target={self.holder.pid}", "--net", "--mount", "--", *argv]

    def run(self, argv, check=True, timeout=120, env=None):
        result = subprocess.run(
            self.enter(argv),
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env or self.env,
            check=False,
        )
        if check and result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(argv)} (exit {result.returncode}): {result.stderr or result.stdout}"
            )
        return result

    def start_firewalld(self, timeout=60):
        """A private system bus and firewalld on it, inside the sandbox."""
        config = os.path.join(self.base_dir, "bus.conf")
        with open(config, "w", encoding="utf-8") as handle:
            handle.write(BUS_CONFIG.format(socket=self.bus_socket))
        log = open(os.path.join(self.base_dir, "dbus.log"), "w", encoding="utf-8")  # pylint: disable=consider-using-with
        self.daemons.append(
            subprocess.Popen(  # pylint: disable=consider-using-with
                self.enter(["dbus-daemon", f"--config-file={config}", "--nofork", "--nopidfile"]),
                stdout=log, stderr=subprocess.STDOUT, env=self.env,
            )
        )  # fmt: skip
        log = open(os.path.join(self.base_dir, "firewalld.log"), "w", encoding="utf-8")  # pylint: disable=consider-using-with
        self.daemons.append(
            subprocess.Popen(  # pylint: disable=consider-using-with
                self.enter(["firewalld", "--nofork", "--nopid", "--log-target", "console"]),
                stdout=log, stderr=subprocess.STDOUT, env=self.env,
            )
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while True:
            state = self.run(["firewall-cmd", "--state"], check=False)
            if state.returncode == 0:
                return
            if time.monotonic() > deadline or any(d.poll() is not None for d in self.daemons):
                with open(os.path.join(self.base_dir, "firewalld.log"), encoding="utf-8") as handle:
                    raise RuntimeError(
                        f"firewalld did not start: {state.stdout}{state.stderr}\n{handle.read()[-3000:]}"
                    )
            time.sleep(0.3)

    def enable_ufw(self):
        self.run(["ufw", "--force", "enable"])

    def stop(self):
        """End the processes this sandbox started (by pid); the namespaces go with the holder."""
        for process in reversed(self.daemons):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        self.daemons = []
        if self.holder is not None and self.holder.poll() is None:
            self.holder.kill()
            self.holder.wait()
        self.holder = None
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
