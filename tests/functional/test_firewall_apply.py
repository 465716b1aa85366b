"""``gluster_firewall.ports_open`` and ``gluster.firewall`` against real ufw and firewalld.

Each tool runs for real in its own private network and mount namespace
(tests/support/firewall_sandbox.py): ufw enabled with its iptables(-nft) rules, or firewalld
(nftables backend) on a private D-Bus system bus. ``salt-call --local`` runs inside the same
namespaces, so the state sees exactly what a minion on such a host sees; the rules it adds are
checked with the tools' own listings and in the kernel's ruleset, and vanish with the namespace.
The host's own ruleset is compared before and after: it must not change.

No GlusterFS cluster is needed here (this module overrides the package's autouse fixture that
would start one). Nothing is mocked: the tool-absent paths hide the real commands in the
sandbox (``/dev/null`` bind-mounted over them) rather than faking ``cmd.run_all``.
"""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
from firewall_sandbox import FirewallSandbox
from formula_root import formula_root

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SALT_CALL = os.path.join(os.path.dirname(sys.executable), "salt-call")
PORTS = ["24007-24008/tcp", "49152-60999/tcp"]
# the environment of a host without a D-Bus system bus (the sandbox points at its own)
NO_BUS = {key: value for key, value in os.environ.items() if key != "DBUS_SYSTEM_BUS_ADDRESS"}
NEEDED = ("ufw", "iptables", "unshare", "nsenter", "nft", "ip")
NEEDED_FIREWALLD = ("firewall-cmd", "firewalld", "dbus-daemon")


@pytest.fixture(autouse=True)
def reset_loaders_state():
    """Overrides tests/functional/conftest.py's autouse fixture (which starts the GlusterFS
    test cluster): this module needs none."""
    yield


def _host_ruleset():
    return subprocess.run(["nft", "list", "ruleset"], capture_output=True, text=True, check=False).stdout


def _require(commands, how):
    missing = [command for command in commands if not shutil.which(command)]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found: {how}", pytrace=False)


def _require_firewalld():
    _require(
        NEEDED_FIREWALLD,
        "install firewalld to run these tests (scripts/setup.sh does on hosts without systemd; with "
        "systemd: apt-get install firewalld, then systemctl disable --now firewalld)",
    )


@pytest.fixture(scope="module", autouse=True)
def host_untouched():
    _require(NEEDED, "scripts/setup.sh installs ufw, nftables and iproute2 for the firewall tests")
    if os.geteuid() != 0:
        pytest.fail("the firewall tests need root (network namespaces)", pytrace=False)
    before = _host_ruleset(), open("/etc/ufw/ufw.conf", encoding="utf-8").read()
    yield
    assert (_host_ruleset(), open("/etc/ufw/ufw.conf", encoding="utf-8").read()) == before


class Minion:
    """``salt-call --local`` inside a sandbox, with this checkout's modules."""

    def __init__(self, sandbox, root, synced=False):
        self.sandbox = sandbox
        self.config_dir = os.path.join(root, "conf")
        os.makedirs(self.config_dir, exist_ok=True)
        config = {
            "id": "fw-node",
            "file_client": "local",
            "root_dir": os.path.join(root, "root"),
            "log_file": os.path.join(root, "minion.log"),
            "file_roots": {"base": [formula_root(os.path.join(root, "files"))]},
        }
        if not synced:  # the checkout's folders, as the pip entry point gives them
            config.update(
                module_dirs=[os.path.join(REPO, "_modules")],
                states_dirs=[os.path.join(REPO, "_states")],
                utils_dirs=[os.path.join(REPO, "_utils")],
            )
        with open(os.path.join(self.config_dir, "minion"), "w", encoding="utf-8") as handle:
            json.dump(config, handle)  # JSON is YAML
        if synced:  # the formula way: saltutil.sync_all copies _states and _utils to extmods
            self.call("saltutil.sync_all")

    def call(self, *args, env=None):
        argv = [
            SALT_CALL,
            "--local",
            f"--config-dir={self.config_dir}",
            "--out=json",
            "--log-level=warning",
            *args,
        ]
        result = self.sandbox.run(argv, check=False, timeout=300, env=env)
        try:
            return json.loads(result.stdout)["local"]
        except (ValueError, KeyError):
            raise AssertionError(
                f"salt-call {args}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
            ) from None

    def state(self, test=False, env=None, **kwargs):
        args = [
            f"{key}={json.dumps(value) if not isinstance(value, str) else value}"
            for key, value in kwargs.items()
        ]
        ret = self.call(
            "state.single", "gluster_firewall.ports_open", "name=glusterfs", *args, f"test={test}", env=env
        )
        (single,) = ret.values()
        return single


@pytest.fixture(scope="module")
def ufw_node(tmp_path_factory):
    with FirewallSandbox() as sandbox:
        sandbox.enable_ufw()
        yield Minion(sandbox, str(tmp_path_factory.mktemp("ufw")))


@pytest.fixture(scope="module")
def firewalld_node(tmp_path_factory):
    _require_firewalld()
    with FirewallSandbox() as sandbox:
        sandbox.start_firewalld()
        yield Minion(sandbox, str(tmp_path_factory.mktemp("firewalld")))


def ufw_status(node):
    return node.sandbox.run(["ufw", "status"]).stdout


def ufw_allow(source, port):
    return ["ufw", "allow", "proto", "tcp", "from", source, "to", "any", "port", port, "comment", "glusterfs"]


# ---- ufw ---------------------------------------------------------------------------------


def test_ufw_test_mode_lists_the_exact_commands_and_changes_nothing(ufw_node):
    before = ufw_status(ufw_node)
    ret = ufw_node.state(test=True, ports=PORTS)
    assert ret["result"] is None
    assert ret["changes"] == {
        "tool": "ufw",
        "opened": PORTS,
        "operations": [
            {"op": "allow", "argv": ufw_allow("any", "24007:24008")},
            {"op": "allow", "argv": ufw_allow("any", "49152:60999")},
        ],
    }
    assert ret["comment"] == "would open 24007-24008/tcp, 49152-60999/tcp with ufw"
    assert ufw_status(ufw_node) == before


def test_ufw_opens_the_ports_once(ufw_node):
    ret = ufw_node.state(ports=PORTS, sources=["10.20.0.0/16", "10.30.0.7"])
    assert ret["result"] is True, ret["comment"]
    assert [op["argv"] for op in ret["changes"]["operations"]] == [
        ufw_allow("10.20.0.0/16", "24007:24008"),
        ufw_allow("10.30.0.7", "24007:24008"),
        ufw_allow("10.20.0.0/16", "49152:60999"),
        ufw_allow("10.30.0.7", "49152:60999"),
    ]
    status = ufw_status(ufw_node)
    for port, source in (("24007:24008", "10.20.0.0/16"), ("49152:60999", "10.30.0.7")):
        assert re.search(rf"^{port}/tcp +ALLOW +{source} +# glusterfs$", status, re.M), status
    # in the kernel: ufw's chain accepts exactly these
    chain = ufw_node.sandbox.run(["iptables", "-S", "ufw-user-input"]).stdout
    assert "-A ufw-user-input -s 10.20.0.0/16 -p tcp -m multiport --dports 24007:24008 -j ACCEPT" in chain
    assert "-A ufw-user-input -s 10.30.0.7/32 -p tcp -m multiport --dports 49152:60999 -j ACCEPT" in chain
    again = ufw_node.state(ports=PORTS, sources=["10.20.0.0/16", "10.30.0.7"])
    assert again["result"] is True and again["changes"] == {}
    assert again["comment"] == (
        "24007-24008/tcp from 10.20.0.0/16, 24007-24008/tcp from 10.30.0.7, "
        "49152-60999/tcp from 10.20.0.0/16, 49152-60999/tcp from 10.30.0.7 already open with ufw"
    )
    # a narrower network inside an allowed one needs nothing more
    assert ufw_node.state(test=True, ports=["24007/tcp"], sources=["10.20.1.0/24"])["changes"] == {}


def test_a_named_tool_that_is_not_running_fails_in_its_own_words(ufw_node):
    _require_firewalld()
    ret = ufw_node.state(ports=PORTS, tool="firewalld", env=NO_BUS)
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == (
        "tool firewalld: firewalld is not running (Error: DBUS_ERROR: Failed to connect to socket "
        "/run/dbus/system_bus_socket: No such file or directory); nothing was changed"
    )
    ret = ufw_node.state(ports=["24007/tcp"], sources=["10.0.0.0/33"])
    assert ret["result"] is False
    assert ret["comment"] == "glusterfs: sources: '10.0.0.0/33' is not an address or network (CIDR)"


def test_formula_opens_the_pillar_ports_and_sets_glusterd_vol(ufw_node, tmp_path):
    """gluster.firewall from the pillar, the modules installed the formula way (sync_all):
    the brick range ufw opens is the one written into glusterd.vol."""
    synced = Minion(ufw_node.sandbox, str(tmp_path), synced=True)
    glusterd_vol = str(tmp_path / "glusterd.vol")
    pillar = {
        "gluster": {
            "nodes": {"fw-node": "10.40.0.1", "fw-node2": "10.40.0.2"},
            "volumes": {"gv0": {"type": "replicate", "replica": 2, "brick_path": "/data/gv0/brick"}},
            "server": {"manage_packages": False, "manage_service": False},
            "lookup": {"glusterd_vol": glusterd_vol, "working_directory": str(tmp_path / "wd")},
            "firewall": {"manage": True, "brick_ports": "50100-50119", "sources": ["10.40.0.0/24"]},
        }
    }
    ret = synced.call("state.apply", "gluster.firewall", f"pillar={json.dumps(pillar)}")
    by_id = {key.split("_|-")[1]: value for key, value in ret.items()}
    assert all(state["result"] is True for state in ret.values()), ret
    assert [op["argv"] for op in by_id["gluster-firewall"]["changes"]["operations"]] == [
        ufw_allow("10.40.0.0/24", "24007:24008"),
        ufw_allow("10.40.0.0/24", "50100:50119"),
    ]
    with open(glusterd_vol, encoding="utf-8") as handle:
        vol = handle.read()
    assert "    option base-port 50100\n" in vol and "    option max-port 50119\n" in vol
    again = synced.call("state.apply", "gluster.firewall", f"pillar={json.dumps(pillar)}")
    assert all(state["changes"] == {} for state in again.values()), again


# ---- firewalld ---------------------------------------------------------------------------


def firewalld_zone(node, permanent=False):
    argv = ["firewall-cmd", *(["--permanent"] if permanent else []), "--zone=public", "--list-all"]
    return node.sandbox.run(argv).stdout


def test_firewalld_test_mode_lists_the_exact_commands_and_changes_nothing(firewalld_node):
    before = firewalld_zone(firewalld_node, permanent=True)
    ret = firewalld_node.state(test=True, ports=PORTS, zone="public", sources=["10.50.0.0/16"])
    assert ret["result"] is None
    rich = 'rule family="ipv4" source address="10.50.0.0/16" port port="{}" protocol="tcp" accept'
    assert ret["changes"] == {
        "tool": "firewalld",
        "zone": "public",
        "opened": ["24007-24008/tcp from 10.50.0.0/16", "49152-60999/tcp from 10.50.0.0/16"],
        "operations": [
            {
                "op": "add-rich-rules",
                "argv": [
                    "firewall-cmd",
                    "--permanent",
                    "--zone=public",
                    f"--add-rich-rule={rich.format('24007-24008')}",
                    f"--add-rich-rule={rich.format('49152-60999')}",
                ],
            },
            {"op": "reload", "argv": ["firewall-cmd", "--reload"]},
        ],
    }
    assert ret["comment"] == (
        "would open 24007-24008/tcp from 10.50.0.0/16, 49152-60999/tcp from 10.50.0.0/16 "
        "with firewalld (zone public)"
    )
    assert firewalld_zone(firewalld_node, permanent=True) == before


def test_firewalld_opens_the_ports_once(firewalld_node):
    ret = firewalld_node.state(ports=PORTS)  # the default zone, from anywhere
    assert ret["result"] is True, ret["comment"]
    assert ret["changes"]["zone"] == "public"
    assert ret["changes"]["operations"] == [
        {
            "op": "add-ports",
            "argv": [
                "firewall-cmd",
                "--permanent",
                "--add-port=24007-24008/tcp",
                "--add-port=49152-60999/tcp",
            ],
        },
        {"op": "reload", "argv": ["firewall-cmd", "--reload"]},
    ]
    for permanent in (True, False):
        assert "  ports: 24007-24008/tcp 49152-60999/tcp\n" in firewalld_zone(firewalld_node, permanent)
    ruleset = firewalld_node.sandbox.run(["nft", "list", "ruleset"]).stdout
    assert "tcp dport 24007-24008 accept" in ruleset and "tcp dport 49152-60999 accept" in ruleset
    again = firewalld_node.state(ports=PORTS)
    assert again["result"] is True and again["changes"] == {}
    assert again["comment"] == "24007-24008/tcp, 49152-60999/tcp already open with firewalld (zone public)"


def test_firewalld_sources_become_rich_rules(firewalld_node):
    ret = firewalld_node.state(
        ports=["24100-24101/tcp"], zone="public", sources=["10.60.0.0/16", "2001:db8::/32"]
    )
    assert ret["result"] is True, ret["comment"]
    runtime = firewalld_zone(firewalld_node)
    assert (
        'rule family="ipv4" source address="10.60.0.0/16" port port="24100-24101" protocol="tcp" accept'
        in runtime
    )
    assert (
        'rule family="ipv6" source address="2001:db8::/32" port port="24100-24101" protocol="tcp" accept'
        in runtime
    )
    assert (
        firewalld_node.state(
            ports=["24100-24101/tcp"], zone="public", sources=["10.60.0.0/16", "2001:db8::/32"]
        )["changes"]
        == {}
    )


def test_firewalld_permanent_only_rule_gets_a_reload(firewalld_node):
    firewalld_node.sandbox.run(["firewall-cmd", "--permanent", "--zone=public", "--add-port=24200/tcp"])
    ret = firewalld_node.state(ports=["24200/tcp"], zone="public")
    assert ret["changes"]["operations"] == [{"op": "reload", "argv": ["firewall-cmd", "--reload"]}]
    assert "24200/tcp" in firewalld_zone(firewalld_node)


def test_firewalld_errors_are_firewalld_own(firewalld_node):
    ret = firewalld_node.state(ports=PORTS, zone="nosuch")
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == (
        "firewall-cmd --permanent --zone=nosuch --list-all failed (exit 112): Error: INVALID_ZONE: nosuch"
    )
    ret = firewalld_node.state(ports=PORTS, tool="ufw")
    assert ret["result"] is False
    assert ret["comment"] == "tool ufw: ufw is not active (Status: inactive); nothing was changed"


# ---- no firewall manager -----------------------------------------------------------------


def test_no_active_firewall_manager_changes_nothing(tmp_path):
    """ufw installed but not enabled, firewalld installed but not running (no system bus): the
    state succeeds and changes nothing, saying why."""
    _require_firewalld()
    with FirewallSandbox() as sandbox:
        node = Minion(sandbox, str(tmp_path))
        ret = node.state(ports=PORTS, env=NO_BUS)
        assert ret["result"] is True and ret["changes"] == {}
        assert ret["comment"] == (
            "no firewall manager is active (firewalld: Error: DBUS_ERROR: Failed to connect to socket "
            "/run/dbus/system_bus_socket: No such file or directory; ufw: Status: inactive); "
            "nothing was changed"
        )
        assert sandbox.run(["ufw", "status"]).stdout.strip() == "Status: inactive"


def test_no_firewall_tool_installed_changes_nothing(tmp_path):
    hide = [path for path in (shutil.which("firewall-cmd"), shutil.which("ufw")) if path]
    with FirewallSandbox(hide=hide) as sandbox:
        node = Minion(sandbox, str(tmp_path))
        ret = node.state(ports=PORTS)
        assert ret["result"] is True and ret["changes"] == {}
        assert ret["comment"] == (
            "no firewall manager is active (firewall-cmd not installed; ufw not installed); "
            "nothing was changed"
        )
        ret = node.state(ports=PORTS, tool="ufw")
        assert ret["result"] is False
        assert ret["comment"] == "tool ufw: ufw is not installed; nothing was changed"
