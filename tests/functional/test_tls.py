"""TLS on the I/O path, for real: a volume given ``tls`` in the pillar (the formula sets
client.ssl, server.ssl and auth.ssl-allow: every node's certificate name, the clients that mount
it, ``allow``) is mounted and written by a client whose CA-signed certificate is allowed, and is
refused to a client whose CA-signed certificate is not listed, to one with a self-signed
certificate of an allowed name, and to one without TLS. A started volume switches TLS only with
``restart: true``. The formula writes a minion's TLS files with their modes.

Several glusterd on one host: gluster reads its certificate from a fixed place (/usr/lib/ssl on
Debian), so each node of this cluster (127.1.7.x) runs in its own mount namespace with its own
files bound there (``GlusterNode.binds``). Clients here run the glusterfs binary directly with
their files given by ``--xlator-option`` (same TLS, no namespace needed), and once with
``mount -t glusterfs`` in a namespace where the files the formula wrote are bound over
/usr/lib/ssl, as on a real client."""

import copy
import logging
import os
import subprocess
import uuid

import pytest
from cluster import _pid_alive
from cluster import _read_pid
from cluster import _wait_for
from cluster import in_mount_table
from cluster import temporary_cluster
from cluster import terminate
from formula_root import formula_root
from node_loaders import node_loaders
from saltfactories.utils.functional import Loaders
from secret_scan import assert_no_secrets

pytestmark = pytest.mark.cluster

SUBNET = "127.1.7"
DEBIAN_SSL = "/usr/lib/ssl"
NODES = ("tls1", "tls2", "tls3")


def _ssl_dir(path, cert, key, ca):
    """What gluster finds in /usr/lib/ssl: glusterfs.pem/.key/.ca, and Debian's own entries
    (OpenSSL's config) so that binding this directory there hides nothing OpenSSL needs."""
    os.makedirs(path, exist_ok=True)
    for filename, text, mode in (
        ("glusterfs.pem", cert, 0o644),
        ("glusterfs.key", key, 0o600),
        ("glusterfs.ca", ca, 0o644),
    ):
        if text is not None:
            with open(os.path.join(path, filename), "w", encoding="utf-8") as handle:
                handle.write(text)
            os.chmod(os.path.join(path, filename), mode)
    for entry in os.listdir(DEBIAN_SSL):
        if not entry.startswith("glusterfs.") and not os.path.lexists(os.path.join(path, entry)):
            os.symlink(os.path.join(DEBIAN_SSL, entry), os.path.join(path, entry))
    return path


@pytest.fixture(scope="module")
def pki(loaders, tmp_path_factory):
    """A CA and certificates made with Salt's own x509 module (the README's way): one per node,
    web1 (allowed), rogue (signed, not allowed), impostor (self-signed, the allowed name web1)."""
    x509 = loaders.modules.x509
    base = tmp_path_factory.mktemp("pki")

    def make(name, common_name, signed=True, **extra):
        key, cert = str(base / f"{name}.key"), str(base / f"{name}.pem")
        x509.create_private_key(path=key, algo="ec")
        signer = (
            {"signing_private_key": str(base / "ca.key"), "signing_cert": str(base / "ca.pem")}
            if signed
            else {}
        )
        x509.create_certificate(path=cert, private_key=key, CN=common_name, days_valid=2,
                                **(signer or {"signing_private_key": key}), **extra)  # fmt: skip
        return (base / f"{name}.pem").read_text(), (base / f"{name}.key").read_text()

    ca_cert, _ca_key = make(
        "ca", "saltext-gluster test CA", signed=False, basicConstraints="critical, CA:true"
    )
    pairs = {name: make(name, name) for name in (*NODES, "web1", "rogue")}
    pairs["impostor"] = make("impostor", "web1", signed=False)
    return {"ca": ca_cert, **pairs}


@pytest.fixture(scope="module")
def tls_cluster(pki):
    """Three glusterd on 127.1.7.1-3, each with its own certificate bound over /usr/lib/ssl."""
    if not os.path.isdir(DEBIAN_SSL):
        pytest.fail(
            f"{DEBIAN_SSL} missing: this test binds each node's TLS files where Debian's glusterfs reads them"
        )

    def own_certificates(cluster):
        for node, name in zip(cluster.nodes, NODES, strict=True):
            cert, key = pki[name]
            node.binds = [(_ssl_dir(os.path.join(node.root, "ssl"), cert, key, pki["ca"]), DEBIAN_SSL)]

    with temporary_cluster("sgt-", subnet=SUBNET, pool=True, prepare=own_certificates) as cluster:
        yield cluster


@pytest.fixture
def tls_loaders(tls_cluster, minion_opts, tmp_path):
    with node_loaders(
        minion_opts, "tls1", tls_cluster[0], tmp_path, f"{__name__}.{tmp_path.name}"
    ) as loaders:
        yield loaders
        tls_cluster.delete_all_volumes()


class Clients:
    """glusterfs clients started by pid file, each checked by writing through its mount and
    looking for the file on the bricks; unmounted and stopped by path and pid."""

    def __init__(self, base, cluster, volume, bricks):
        self.base, self.cluster, self.volume = base, cluster, volume
        self.brick_paths = [brick.rpartition(":")[2] for brick in bricks]
        self.started = []

    def try_client(self, name, files=None, plain=False):
        """Whether client ``name`` (its cert, key, CA files, or ``plain``: no TLS) can write a
        file that reaches every brick; returns (works, its log)."""
        mountpoint = os.path.join(self.base, f"mnt-{name}")
        os.makedirs(mountpoint, exist_ok=True)
        log, pid_file = os.path.join(self.base, f"{name}.log"), os.path.join(self.base, f"{name}.pid")
        argv = ["glusterfs", f"--volfile-server={self.cluster[0].address}", f"--volfile-id={self.volume}",
                f"--log-file={log}", f"--pid-file={pid_file}"]  # fmt: skip
        prefix = f"--xlator-option={self.volume}-client-*.transport.socket."
        if plain:
            argv.append(f"{prefix}ssl-enabled=off")
        else:
            cert, key, ca = files
            argv += [
                f"{prefix}ssl-own-cert={cert}",
                f"{prefix}ssl-private-key={key}",
                f"{prefix}ssl-ca-list={ca}",
            ]
        subprocess.run([*argv, mountpoint], check=False, stdin=subprocess.DEVNULL, timeout=60)
        self.started.append((mountpoint, pid_file))
        try:
            return self._writes(mountpoint, name), _tail(log)
        finally:
            self.stop(mountpoint, pid_file)

    def _writes(self, mountpoint, name):
        if not os.path.ismount(mountpoint):  # a refused client may exit and leave the plain directory
            return False
        text = uuid.uuid4().hex
        try:
            with open(os.path.join(mountpoint, f"from-{name}"), "w", encoding="utf-8") as handle:
                handle.write(text)
            with open(os.path.join(mountpoint, f"from-{name}"), encoding="utf-8") as handle:
                if handle.read() != text:
                    return False
        except OSError:
            return False
        return all(self._on_brick(brick, f"from-{name}", text) for brick in self.brick_paths)

    @staticmethod
    def _on_brick(path, filename, text):
        try:
            with open(os.path.join(path, filename), encoding="utf-8") as handle:
                return handle.read() == text
        except OSError:
            return False

    def stop(self, mountpoint, pid_file):
        """Unmount and stop the client, then unmount again once it is gone: a refused client
        can mount a moment after the first look (before its pid file is even written, under
        load), and a FUSE mount outlives its killed process. The client is found by its pid file
        and by this test's own mount point in its argv."""
        if in_mount_table(mountpoint):
            subprocess.run(["umount", mountpoint], check=False, stdin=subprocess.DEVNULL)
        pids = set(_clients_of(mountpoint))
        pid = _read_pid(pid_file)
        if pid and _pid_alive(pid):
            pids.add(pid)
        terminate(sorted(pids), timeout=10)
        if in_mount_table(mountpoint):  # also a dead client's mount, which ismount misses
            subprocess.run(["umount", "-l", mountpoint], check=False, stdin=subprocess.DEVNULL)

    def stop_all(self):
        for mountpoint, pid_file in self.started:
            self.stop(mountpoint, pid_file)


def _clients_of(mountpoint):
    """Pids of the glusterfs clients whose argv ends with ``mountpoint`` (a path of this test's
    own tmp directory, so never somebody else's client)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                argv = handle.read().decode(errors="replace").split("\0")
        except OSError:
            continue
        argv = [arg for arg in argv if arg]
        if argv and os.path.basename(argv[0]) == "glusterfs" and argv[-1] == mountpoint:
            pids.append(int(entry))
    return pids


def _tail(path, size=40000):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()[-size:]
    except OSError:
        return ""


def _files(base, name, pki):
    cert, key = pki[name]
    directory = _ssl_dir(os.path.join(base, f"client-{name}"), cert, key, pki["ca"])
    return [os.path.join(directory, f) for f in ("glusterfs.pem", "glusterfs.key", "glusterfs.ca")]


def _pillar(cluster, bricks, pki, tls, ssl_dir):
    cert, key = pki["tls1"]
    return {
        "gluster": {
            "nodes": {name: node.address for name, node in zip(NODES, cluster.nodes, strict=True)},
            "peer_timeout": 30,
            "server": {"manage_packages": False, "manage_service": False},
            "lookup": {"ssl_dir": ssl_dir},
            "tls": {"ca": pki["ca"], "certificate": cert, "key": key},
            "volumes": {"tv": {"replica": 3, "bricks": bricks, "force": True, "tls": tls}},
            "clients": {"web1": {"mounts": {"/mnt/tv": {"volume": "tv"}}}},
        }
    }


def _run(loaders, pillar, sls="gluster.volumes", **kwargs):
    result = loaders.modules.state.sls(sls, pillar=pillar, **kwargs).raw
    assert isinstance(result, dict), result  # a list holds render errors
    # no return, change or comment shows a private key (the pillar's own, or any other)
    assert_no_secrets(result, _keys(pillar), f"state.sls {sls}")
    return {key.split("_|-")[1]: value for key, value in result.items()}


def _keys(pillar):
    key = ((pillar.get("gluster") or {}).get("tls") or {}).get("key")
    return [key] if key else []


def test_only_an_allowed_certificate_gets_in(tls_cluster, tls_loaders, pki, tmp_path):
    cluster = tls_cluster
    bricks = [node.new_brick(f"tv-{tmp_path.name}") for node in cluster.nodes]
    written = str(tmp_path / "leader-ssl")
    pillar = _pillar(cluster, bricks, pki, {"allow": ["backup.example.com"]}, written)

    predicted = _run(tls_loaders, pillar, test=True)["gluster-volume-tv-options"]
    assert predicted["result"] is None, predicted
    applied = _run(tls_loaders, pillar)
    failed = {sid: r["comment"] for sid, r in applied.items() if r["result"] is not True}
    assert not failed, failed
    options = tls_loaders.modules.gluster.volume_info("tv")["options"]
    assert options["client.ssl"] == "on" and options["server.ssl"] == "on"
    assert options["auth.ssl-allow"] == "tls1,tls2,tls3,web1,backup.example.com"  # nodes, its client, allow
    assert applied["gluster-volume-tv-options"]["changes"] == predicted["changes"]
    again = _run(tls_loaders, pillar)
    assert all(r["result"] is True and r["changes"] == {} for r in again.values()), again

    clients = Clients(str(tmp_path), cluster, "tv", bricks)
    try:
        works, log = clients.try_client("web1", _files(str(tmp_path), "web1", pki))
        assert works, log
        works, log = clients.try_client("rogue", _files(str(tmp_path), "rogue", pki))
        assert not works and "authentication failed" in log.lower(), log  # signed by the CA, name not allowed
        works, log = clients.try_client("impostor", _files(str(tmp_path), "impostor", pki))
        assert not works, log  # the allowed name, not signed by the CA
        works, log = clients.try_client("plain", plain=True)
        assert not works, log  # no TLS at all
    finally:
        clients.stop_all()


def test_the_formula_writes_the_files_and_a_real_mount_uses_them(tls_cluster, tls_loaders, pki, tmp_path):
    cluster = tls_cluster
    bricks = [node.new_brick(f"tw-{tmp_path.name}") for node in cluster.nodes]
    leader_dir = str(tmp_path / "leader-ssl")
    pillar = _pillar(cluster, bricks, pki, True, leader_dir)
    applied = _run(tls_loaders, pillar)
    assert all(r["result"] is True for r in applied.values()), applied

    # the client's files, written by gluster.tls from its pillar (its own certificate and key)
    client_dir = _ssl_dir(str(tmp_path / "web1-ssl"), None, None, None)  # OpenSSL's entries only
    client_pillar = copy.deepcopy(pillar)
    client_pillar["gluster"]["lookup"]["ssl_dir"] = client_dir
    client_pillar["gluster"]["tls"].update(dict(zip(("certificate", "key"), pki["web1"], strict=True)))
    predicted = _run(tls_loaders, client_pillar, sls="gluster.tls", test=True)
    assert {sid for sid, r in predicted.items() if r["result"] is None} == {
        "gluster-tls-ca",
        "gluster-tls-certificate",
        "gluster-tls-key",
    }
    written = _run(tls_loaders, client_pillar, sls="gluster.tls")
    assert all(r["result"] is True for r in written.values()), written
    modes = {
        f: oct(os.stat(os.path.join(client_dir, f)).st_mode & 0o777)
        for f in ("glusterfs.ca", "glusterfs.pem", "glusterfs.key")
    }
    assert modes == {"glusterfs.ca": "0o644", "glusterfs.pem": "0o644", "glusterfs.key": "0o600"}
    assert "glusterfs.key" not in str(written["gluster-tls-key"]["changes"].get("diff", ""))
    assert all(r["changes"] == {} for r in _run(tls_loaders, client_pillar, sls="gluster.tls").values())

    # management: true writes secure-access into the working directory, false removes it
    workdir = str(tmp_path / "varlib")
    client_pillar["gluster"]["lookup"]["working_directory"] = workdir
    for management, exists in ((True, True), (False, False)):
        client_pillar["gluster"]["tls"]["management"] = management
        done = _run(tls_loaders, client_pillar, sls="gluster.tls")
        assert (
            done["gluster-tls-secure-access"]["result"] is True
            and done["gluster-tls-secure-access"]["changes"]
        ), done
        assert os.path.exists(os.path.join(workdir, "secure-access")) is exists

    # mount -t glusterfs, in a namespace where those files are where gluster reads them
    mountpoint, log = str(tmp_path / "mnt"), str(tmp_path / "mount.log")
    os.makedirs(mountpoint)
    script = (
        'set -e; mount --bind "$1" /usr/lib/ssl; trap \'umount "$3" 2>/dev/null || umount -l "$3"\' EXIT; '
        'mount -t glusterfs -o log-file="$4" "$2" "$3"; mountpoint -q "$3"; '
        'echo via-formula > "$3/formula"; cat "$3/formula"'
    )
    proc = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script, "sh",
         client_dir, f"{cluster[0].address}:/tv", mountpoint, log],
        capture_output=True, text=True, timeout=90, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.returncode == 0 and proc.stdout.strip() == "via-formula", (
        proc.stdout,
        proc.stderr,
        _tail(log),
    )
    assert all(Clients._on_brick(b.rpartition(":")[2], "formula", "via-formula\n") for b in bricks)
    assert not os.path.ismount(mountpoint)


def test_a_started_volume_switches_tls_only_with_restart(tls_cluster, tls_loaders, pki, tmp_path):
    cluster = tls_cluster
    bricks = [node.new_brick(f"tr-{tmp_path.name}") for node in cluster.nodes]
    ssl_dir = str(tmp_path / "leader-ssl")
    on = _run(tls_loaders, _pillar(cluster, bricks, pki, True, ssl_dir))
    assert all(r["result"] is True for r in on.values()), on
    gluster = tls_loaders.modules.gluster
    pid_before = {b["path"]: b["pid"] for b in gluster.volume_status("tv")["bricks"]}
    assert len(pid_before) == 3 and all(pid_before.values()), pid_before

    refused = _run(tls_loaders, _pillar(cluster, bricks, pki, False, ssl_dir))["gluster-volume-tv-options"]
    assert refused["result"] is False and "restart: true" in refused["comment"], refused
    gluster.clear_cache()
    assert gluster.volume_info("tv")["options"]["server.ssl"] == "on", "nothing changed"

    pillar = _pillar(cluster, bricks, pki, {"enabled": False, "restart": True}, ssl_dir)
    predicted = _run(tls_loaders, pillar, test=True)["gluster-volume-tv-options"]
    assert predicted["result"] is None and "restart the volume" in predicted["comment"], predicted
    assert set(predicted["changes"]) == {"client.ssl", "server.ssl", "restarted"}
    off = _run(tls_loaders, pillar)["gluster-volume-tv-options"]
    assert off["result"] is True and set(off["changes"]) == set(predicted["changes"]), off
    gluster.clear_cache()
    pid_after = {b["path"]: b["pid"] for b in gluster.volume_status("tv")["bricks"]}
    assert set(pid_after.values()).isdisjoint(pid_before.values()), "the bricks were restarted"

    clients = Clients(str(tmp_path), cluster, "tv", bricks)
    try:
        works, log = clients.try_client("plain", plain=True)
        assert works, log  # TLS off took effect
    finally:
        clients.stop_all()


def test_management_tls_switched_on_by_the_formula(pki, minion_opts, tmp_path):
    """``gluster:tls:management: true``: gluster.tls writes secure-access where glusterd reads it
    (here each node's working directory, bound over /var/lib/glusterd in its namespace); after
    the restart gluster.server's service watch does on a real host, the peers connect again over
    TLS, a client with secure-access and its certificate mounts, one without secure-access cannot
    even fetch the volume's description."""

    def prepare(cluster):
        for node, name in zip(cluster.nodes, NODES, strict=True):
            cert, key = pki[name]
            os.makedirs(node.workdir, exist_ok=True)
            node.binds = [(_ssl_dir(os.path.join(node.root, "ssl"), cert, key, pki["ca"]), DEBIAN_SSL),
                          (node.workdir, "/var/lib/glusterd")]  # fmt: skip

    with temporary_cluster("sgm-", subnet="127.1.12", pool=True, prepare=prepare) as cluster:
        for node, name in zip(cluster.nodes, NODES, strict=True):
            opts = copy.deepcopy(minion_opts)
            opts["file_roots"] = {"base": [formula_root(str(tmp_path / f"formula-{name}"))]}
            loaders = Loaders(opts, loaded_base_name=f"{__name__}.mgmt{name}")
            cert, key = pki[name]
            pillar = {"gluster": {
                "lookup": {"ssl_dir": os.path.join(node.root, "ssl"), "working_directory": node.workdir},
                "tls": {"ca": pki["ca"], "certificate": cert, "key": key, "management": True},
            }}  # fmt: skip
            try:
                done = _run(loaders, pillar, sls="gluster.tls")
            finally:
                loaders.reset_state()
            assert (
                done["gluster-tls-secure-access"]["result"] is True
                and done["gluster-tls-secure-access"]["changes"]
            ), done
            assert os.path.exists(os.path.join(node.workdir, "secure-access"))
        for node in cluster.nodes:  # all at once: a node in the other mode cannot reach its peers
            node.stop()
        for node in cluster.nodes:
            node.start()
        _wait_for(cluster.pool_connected, 90, "the peers connected again over TLS")
        with open(cluster[0].log_file, encoding="utf-8", errors="replace") as handle:
            assert "SSL support for MGMT is ENABLED" in handle.read()

        bricks = [node.new_brick("mv") for node in cluster.nodes]
        cluster[0].cli("volume", "create", "mv", "replica", "3", *bricks, "force")
        cluster[0].cli("volume", "start", "mv")
        client_ssl = _ssl_dir(str(tmp_path / "web1-ssl"), *pki["web1"], pki["ca"])
        with_access = tmp_path / "web1-varlib"
        with_access.mkdir()
        (with_access / "secure-access").write_text("")
        without_access = tmp_path / "plain-varlib"
        without_access.mkdir()
        for varlib, works in ((with_access, True), (without_access, False)):
            mountpoint, log = str(tmp_path / f"mnt-{varlib.name}"), str(tmp_path / f"{varlib.name}.log")
            os.makedirs(mountpoint)
            script = (
                'mount --bind "$1" /usr/lib/ssl; mount --bind "$2" /var/lib/glusterd; '
                'trap \'umount "$4" 2>/dev/null || umount -l "$4" 2>/dev/null\' EXIT; '
                'mount -t glusterfs -o log-file="$5" "$3" "$4" || exit 3; mountpoint -q "$4" || exit 4; '
                'echo managed > "$4/$6" && cat "$4/$6"'
            )
            proc = subprocess.run(
                ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script, "sh",
                 client_ssl, str(varlib), f"{cluster[0].address}:/mv", mountpoint, log, varlib.name],
                capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL,
            )  # fmt: skip
            on_bricks = all(Clients._on_brick(b.rpartition(":")[2], varlib.name, "managed\n") for b in bricks)
            assert (proc.returncode == 0 and on_bricks) is works, (
                varlib.name,
                proc.returncode,
                proc.stderr,
                _tail(log),
            )
            if not works:  # refused at the mount itself (the volfile fetch), not later
                assert proc.returncode in (3, 4), (proc.returncode, proc.stderr, _tail(log))
            assert not os.path.ismount(mountpoint)


def test_no_return_or_log_line_shows_the_private_key(pki, minion_opts, tmp_path, caplog):
    """``gluster.cluster_model`` (its docstring suggests ``salt '*'``, whose returns the master's
    job cache keeps) shows a marker in place of the TLS key; ``secrets=True`` (what map.jinja
    asks) still has it. Writing the key with the formula logs none of it, at debug level."""
    cert, key = pki["tls1"]
    pillar = {"gluster": {
        "nodes": {name: f"{SUBNET}.{i}" for i, name in enumerate(NODES, 1)},
        "lookup": {"ssl_dir": str(tmp_path / "ssl")},
        "tls": {"ca": pki["ca"], "certificate": cert, "key": key},
    }}  # fmt: skip
    opts = copy.deepcopy(minion_opts)
    opts.update(
        id="tls1",
        pillar=copy.deepcopy(pillar),
        file_roots={"base": [formula_root(str(tmp_path / "formula"))]},
    )
    loaders = Loaders(opts, loaded_base_name=f"{__name__}.secrets")
    try:
        with caplog.at_level(logging.DEBUG):
            model = loaders.modules.gluster.cluster_model()
            assert model["tls"]["key"] == "<secret from gluster:tls:key: not shown>"
            assert model["tls"]["certificate"] == cert  # a certificate is public
            assert_no_secrets(model, [key], "gluster.cluster_model")
            assert loaders.modules.gluster.cluster_model(secrets=True)["tls"]["key"] == key
            written = _run(loaders, pillar, sls="gluster.tls")  # scanned by _run
            assert written["gluster-tls-key"]["result"] is True and written["gluster-tls-key"]["changes"], (
                written
            )
        with open(tmp_path / "ssl" / "glusterfs.key", encoding="utf-8") as handle:
            assert handle.read() == key
        assert_no_secrets([record.getMessage() for record in caplog.records], [key], "the minion's log")
    finally:
        loaders.reset_state()
