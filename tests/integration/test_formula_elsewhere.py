"""The formula under another name (a gitfs subpath, a file root of its own): every include, the
orchestrations' ``sls`` and the file sources follow ``tplroot`` (the formula's top directory);
and its template, ``glusterd.vol.jinja``, is overridden the TOFS way: a file under
``files/<minion id>/`` or ``files/<os_family>/`` of the same name wins over ``files/default/``.

``salt-call --local`` on a file root where the formula is ``glusterfs/`` (a link to
``salt/gluster``); no cluster: rendering and the glusterd.vol file only.
"""

import json
import os
import subprocess
import sys

import pytest

from formula_root import LINKS
from formula_root import REPO

pytestmark = pytest.mark.slow
BIN = os.path.dirname(sys.executable)
NAME = "glusterfs"


@pytest.fixture(scope="module")
def roots(tmp_path_factory):
    base = tmp_path_factory.mktemp("elsewhere")
    formula = base / "formula"
    formula.mkdir()
    for link, target in LINKS.items():
        os.symlink(os.path.join(REPO, target), formula / (NAME if link == "gluster" else link))
    override = base / "override" / NAME / "files" / "b1"
    override.mkdir(parents=True)
    (override / "glusterd.vol.jinja").write_text(
        "# b1's own glusterd.vol\nvolume management\n"
        "    option working-directory {{ working_directory }}\nend-volume\n"
    )
    pillar = base / "pillar"
    pillar.mkdir()
    (pillar / "top.sls").write_text("base:\n  '*':\n    - gluster\n")
    gluster = {
        "nodes": {"b1": "127.1.30.1", "b2": "127.1.30.2", "b3": "127.1.30.3"},
        "server": {
            "manage_packages": False,
            "manage_service": False,
            "glusterd_options": {"event-threads": 2},
        },
        "lookup": {"glusterd_vol": str(base / "glusterd-{{ grains['id'] }}.vol")},  # the pillar is Jinja
        "volumes": {
            "gv0": {
                "type": "replicate",
                "replica": 3,
                "brick_path": str(base / "bricks" / "{node}" / "gv0"),
                "force": True,
            }
        },
        "clients": {
            "c1": {"mounts": {str(base / "mnt" / "gv0"): {"volume": "gv0", "fstab": str(base / "fstab")}}}
        },
    }
    (pillar / "gluster.sls").write_text(json.dumps({"gluster": gluster}))
    configs = {}
    for minion in ("b1", "b2", "c1"):
        conf = base / "conf" / minion
        conf.mkdir(parents=True)
        (conf / "minion").write_text(
            json.dumps(
                {
                    "id": minion,
                    "file_client": "local",
                    "root_dir": str(base / "root" / minion),
                    "file_roots": {"base": [str(formula), str(base / "override")]},
                    "pillar_roots": {"base": [str(pillar)]},
                    "gluster": {"socket": str(base / "no-glusterd.sock")},
                }
            )
        )
        configs[minion] = str(conf)
        _call(configs[minion], "saltutil.sync_all")
    return base, configs


def _call(conf, *args):
    proc = subprocess.run(
        [f"{BIN}/salt-call", "--local", "-c", conf, "--out=json", *args],
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(proc.stdout)["local"]


def _sls_names(rendered):
    assert isinstance(rendered, dict), rendered  # a list holds render errors
    return {state["__sls__"] for state in rendered.values()}


def test_every_part_is_included_under_the_formulas_own_name(roots):
    _base, configs = roots
    node = _sls_names(_call(configs["b1"], "state.show_sls", NAME))
    assert {f"{NAME}.bricks", f"{NAME}.server", f"{NAME}.peers", f"{NAME}.volumes"} <= node, node
    assert all(sls.startswith(f"{NAME}.") for sls in node), node
    client = _sls_names(_call(configs["c1"], "state.show_sls", NAME))
    assert client == {f"{NAME}.client"}, client


def test_the_orchestrations_call_the_formula_by_its_own_name(roots):
    _base, configs = roots
    for orch, parts in (
        ("deploy", {"peers", "bricks", "volumes", "client"}),
        ("rolling", {"maintenance", "healed"}),
    ):
        rendered = _call(configs["b1"], "state.show_sls", f"{NAME}.orch.{orch}")
        assert isinstance(rendered, dict), rendered
        called = set()
        for state in rendered.values():
            for arg in state.get("salt", []):
                if isinstance(arg, dict) and "sls" in arg:
                    called.update([arg["sls"]] if isinstance(arg["sls"], str) else arg["sls"])
        assert {f"{NAME}.{part}" for part in parts} <= called, (orch, called)
        assert all(sls.startswith(f"{NAME}.") for sls in called), (orch, called)


def test_a_template_of_your_own_for_one_minion_wins(roots):
    base, configs = roots
    for minion in ("b1", "b2"):
        ret = _call(configs[minion], "state.sls", f"{NAME}.server")
        failed = {sid: r["comment"] for sid, r in ret.items() if r["result"] is not True}
        assert failed == {}, failed
    own = (base / "glusterd-b1.vol").read_text()
    assert own.startswith("# b1's own glusterd.vol\n"), own
    default = (base / "glusterd-b2.vol").read_text()
    assert default.startswith("# Managed by Salt (saltext-gluster formula"), default
    assert "    option event-threads 2\n" in default, default
