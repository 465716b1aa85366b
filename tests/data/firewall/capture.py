"""Capture the ufw and firewalld output the unit tests parse, from the real tools.

    python3 tests/data/firewall/capture.py      # as root; needs ufw and firewalld installed

Both run inside a private network + mount namespace (tests/support/firewall_sandbox.py): the
host's firewall and configuration are not touched. The rules added are a mix of what
gluster_firewall adds and what an administrator may already have (other ports, ranges, port
lists, a DENY, an interface, a destination address, a rate limit, IPv6, comments).
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "support"))

from firewall_sandbox import FirewallSandbox  # noqa: E402

UFW_RULES = [
    [
        "allow",
        "proto",
        "tcp",
        "from",
        "10.0.0.0/24",
        "to",
        "any",
        "port",
        "24007:24008",
        "comment",
        "glusterfs",
    ],
    ["allow", "proto", "tcp", "from", "any", "to", "any", "port", "49152:60999", "comment", "glusterfs"],
    ["allow", "proto", "tcp", "from", "2001:db8::/32", "to", "any", "port", "24007:24008"],
    ["allow", "proto", "tcp", "from", "10.0.0.7", "to", "any", "port", "24011"],
    ["allow", "22/tcp"],
    ["allow", "53"],
    ["allow", "from", "10.1.0.0/16"],
    ["deny", "24009/tcp"],
    ["allow", "in", "on", "lo", "to", "any", "port", "24012", "proto", "tcp"],
    ["allow", "proto", "tcp", "from", "any", "to", "10.0.0.1", "port", "24013"],
    ["allow", "proto", "udp", "from", "any", "to", "any", "port", "24014,24015,24020:24030"],
    ["allow", "proto", "tcp", "from", "10.2.0.0/16", "port", "1023", "to", "any", "port", "24016"],
    ["limit", "2222/tcp"],
]

FIREWALLD_PERMANENT = [
    "--add-port=24007-24008/tcp",
    "--add-port=53/udp",
    "--add-port=24010/tcp",
    '--add-rich-rule=rule family="ipv4" source address="10.0.0.0/24" port port="49152-60999" '
    'protocol="tcp" accept',
    '--add-rich-rule=rule family="ipv6" source address="2001:db8::/32" port port="24007-24008" '
    'protocol="tcp" accept',
    '--add-rich-rule=rule family="ipv4" source address="10.0.0.7/32" port port="24011" protocol="tcp" accept',
    '--add-rich-rule=rule family="ipv4" source not address="10.9.0.0/16" port port="24013" '
    'protocol="tcp" accept',
    '--add-rich-rule=rule family="ipv4" source address="10.8.0.0/16" port port="24014" protocol="tcp" drop',
    '--add-rich-rule=rule family="ipv4" source address="10.7.0.0/16" port port="24015" protocol="tcp" '
    'log prefix="gl" level="info" accept limit value="3/m"',
    '--add-rich-rule=rule service name="ssh" accept',
]


def write(name, text):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as handle:
        handle.write(text)
    print(f"wrote {name}")


def capture_ufw():
    with FirewallSandbox() as sandbox:
        write("ufw-status-inactive.txt", sandbox.run(["ufw", "status"]).stdout)
        sandbox.enable_ufw()
        write("ufw-status-active-empty.txt", sandbox.run(["ufw", "status"]).stdout)
        for rule in UFW_RULES:
            sandbox.run(["ufw", *rule])
        write("ufw-status.txt", sandbox.run(["ufw", "status"]).stdout)
        write("ufw-status-verbose.txt", sandbox.run(["ufw", "status", "verbose"]).stdout)
        write("ufw-status-numbered.txt", sandbox.run(["ufw", "status", "numbered"]).stdout)
        bad = sandbox.run(
            ["ufw", "allow", "proto", "tcp", "from", "10.0.0.0/33", "to", "any", "port", "1"], check=False
        )
        write("ufw-error-bad-source.txt", f"exit {bad.returncode}\n{bad.stderr}")


def capture_firewalld():
    with FirewallSandbox() as sandbox:
        no_bus = {k: v for k, v in os.environ.items() if k != "DBUS_SYSTEM_BUS_ADDRESS"}
        state = sandbox.run(["firewall-cmd", "--state"], check=False, env=no_bus)
        write("firewalld-state-no-dbus.txt", f"exit {state.returncode}\n{state.stdout}{state.stderr}")
        sandbox.start_firewalld()
        write("firewalld-state-running.txt", sandbox.run(["firewall-cmd", "--state"]).stdout)
        write("firewalld-list-all-fresh.txt", sandbox.run(["firewall-cmd", "--list-all"]).stdout)
        # firewall-cmd refuses --add-port and --add-rich-rule in one call ("not allowed with")
        for kind in ("--add-port=", "--add-rich-rule="):
            sandbox.run(
                [
                    "firewall-cmd",
                    "--permanent",
                    "--zone=public",
                    *[a for a in FIREWALLD_PERMANENT if a.startswith(kind)],
                ]
            )
        both = sandbox.run(
            [
                "firewall-cmd",
                "--permanent",
                "--zone=public",
                *FIREWALLD_PERMANENT[:1],
                FIREWALLD_PERMANENT[-1],
            ],
            check=False,
        )
        write("firewalld-error-port-and-rich-rule.txt", f"exit {both.returncode}\n{both.stdout}{both.stderr}")
        write(
            "firewalld-permanent-list-all.txt",
            sandbox.run(["firewall-cmd", "--permanent", "--zone=public", "--list-all"]).stdout,
        )
        write(
            "firewalld-runtime-before-reload.txt",
            sandbox.run(["firewall-cmd", "--zone=public", "--list-all"]).stdout,
        )
        sandbox.run(["firewall-cmd", "--reload"])
        write(
            "firewalld-runtime-list-all.txt",
            sandbox.run(["firewall-cmd", "--zone=public", "--list-all"]).stdout,
        )
        write(
            "firewalld-trusted-list-all.txt",
            sandbox.run(["firewall-cmd", "--zone=trusted", "--list-all"]).stdout,
        )
        bad = sandbox.run(["firewall-cmd", "--permanent", "--zone=nosuch", "--list-all"], check=False)
        write("firewalld-error-invalid-zone.txt", f"exit {bad.returncode}\n{bad.stdout}{bad.stderr}")
    with FirewallSandbox() as sandbox:
        sandbox.start_firewalld()
        sandbox.daemons[-1].terminate()
        sandbox.daemons[-1].wait()
        state = sandbox.run(["firewall-cmd", "--state"], check=False)
        write("firewalld-state-not-running.txt", f"exit {state.returncode}\n{state.stdout}{state.stderr}")


if __name__ == "__main__":
    capture_ufw()
    capture_firewalld()
