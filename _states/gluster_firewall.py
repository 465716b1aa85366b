"""State module: the firewall ports a GlusterFS node needs, opened with firewalld or ufw.

.. code-block:: yaml

    glusterfs:
      gluster_firewall.ports_open:
        - ports: [24007-24008/tcp, 49152-60999/tcp]
        - sources: [10.0.0.0/24]      # optional: only from these networks (default: anywhere)
        - tool: auto                  # firewalld if running, else ufw if active, else nothing
        - zone: public                # firewalld only (default: its default zone)

The formula's ``gluster.firewall`` (``gluster:firewall:manage: true``) computes the ports from
glusterd.vol's settings (see ``_utils/gluster_firewall.py``). ``changes`` is ``{"tool", "zone",
"opened", "operations": [{"op", "argv"}]}``: the exact commands, the same with ``test=True``
as in the real run. Rules are only ever added, never removed; a rule already allowing a port
(the same or a wider range, from the same or a wider network) counts. A host with no active
firewall manager is left alone: that is not an error.
"""

import os
import sys
import types

import salt.utils.path
from salt.exceptions import CommandExecutionError
from salt.exceptions import SaltInvocationError

__virtualname__ = "gluster_firewall"

UTILS_PACKAGE = "saltext_gluster_utils"


def _register_utils_package():
    """Make ``_utils`` importable as ``saltext_gluster_utils`` (as ``_modules/gluster.py`` does:
    a Salt loader module cannot import another). pip / checkout: ``<root>/_states`` beside
    ``<root>/_utils``; ``saltutil.sync_all``: ``<extmods>/states`` beside ``<extmods>/utils``."""
    here = os.path.dirname(os.path.abspath(__file__))
    paths = [os.path.normpath(os.path.join(here, "..", d)) for d in ("_utils", "utils")]
    path = next((p for p in paths if os.path.isfile(os.path.join(p, "gluster_firewall.py"))), None)
    if path is None:
        raise ImportError(f"saltext-gluster: no _utils/gluster_firewall.py beside {here}")
    package = sys.modules.get(UTILS_PACKAGE)
    if package is None or list(package.__path__) != [path]:
        package = types.ModuleType(UTILS_PACKAGE)
        package.__path__ = [path]
        sys.modules[UTILS_PACKAGE] = package


_register_utils_package()

# pylint: disable=wrong-import-position
from saltext_gluster_utils import gluster_firewall as firewall  # noqa: E402


def __virtual__():
    return __virtualname__


TOOL_TIMEOUT = 120  # seconds a firewall-cmd / ufw call may take (a firewalld reload is the slowest)


def _run(argv, check=True):
    result = __salt__["cmd.run_all"](argv, python_shell=False, ignore_retcode=True, output_loglevel="debug",
                                     timeout=TOOL_TIMEOUT)  # fmt: skip
    if check and result["retcode"] != 0:
        message = (result.get("stderr") or result.get("stdout") or "").strip()
        raise CommandExecutionError(f"{' '.join(argv)} failed (exit {result['retcode']}): {message}")
    return result


def _probe(tool):
    """``None`` when the tool's command is not installed, else ``(active, detail, output)``."""
    if not salt.utils.path.which(firewall.BINARIES[tool]):
        return None
    if tool == "firewalld":
        result = _run(firewall.firewalld_state_argv(), check=False)
        return (*firewall.firewalld_running(result), None)
    result = _run(firewall.ufw_status_argv(), check=False)
    return (*firewall.ufw_active(result), result.get("stdout") or "")


def _choose(requested):
    """``(decision, probes)``: probes only as far as needed (firewalld first)."""
    probes = {}
    for tool in firewall.PROBE_ORDER:
        if requested not in ("auto", tool):
            continue
        probes[tool] = _probe(tool)
        if probes[tool] is not None and probes[tool][0]:
            break
    decision = firewall.tool_decision(requested, {t: p and p[:2] for t, p in probes.items()})
    return decision, probes


def _observe(tool, wanted, zone, name, ufw_status=None):
    """``(plan, zone name)`` for ``tool`` against what it allows now."""
    if tool == "firewalld":
        permanent = firewall.parse_firewalld_zone(
            _run(firewall.firewalld_list_argv(zone, permanent=True))["stdout"]
        )
        runtime = firewall.parse_firewalld_zone(_run(firewall.firewalld_list_argv(zone))["stdout"])
        return firewall.firewalld_plan(wanted, permanent, runtime, zone), zone or runtime["zone"]
    if ufw_status is None:
        ufw_status = _run(firewall.ufw_status_argv())["stdout"]
    return firewall.ufw_plan(wanted, firewall.parse_ufw_status(ufw_status), comment=name), None


def _where(tool, zone):
    return f"{tool} (zone {zone})" if zone else tool


def _opened(plan, after):
    """Of what ``plan`` found missing, what the firewall allows in ``after`` (read again once
    commands ran); nothing is claimed when it could not be read (``after`` None)."""
    return [m for m in plan["missing"] if after is not None and m not in after["missing"]]


def _observe_again(chosen, wanted, zone, name):
    """The firewall read again after a command failed part way, or None when it cannot be."""
    try:
        return _observe(chosen, wanted, zone, name)[0]
    except (CommandExecutionError, SaltInvocationError):
        return None


def ports_open(name, ports, tool="auto", zone=None, sources=None):
    """
    The firewall accepts ``ports`` (``24007-24008/tcp``, ``49152-60999/tcp`` ...; tcp when no
    protocol is given), from ``sources`` (networks or addresses) or from anywhere.

    ``tool``: ``auto`` uses firewalld when ``firewall-cmd --state`` says it is running, else
    ufw when ``ufw status`` says it is active, else changes nothing (result True: many hosts
    have no firewall). ``firewalld`` / ``ufw`` insist on that tool and fail when it is not
    installed or not running.

    firewalld: the missing ports (and, with ``sources``, rich rules) are added to ``zone``'s
    permanent configuration in one ``firewall-cmd --permanent`` call, then ``firewall-cmd
    --reload`` (which also drops runtime-only changes, as every firewalld reload does).
    ufw: one ``ufw allow proto P from SRC to any port LOW:HIGH comment NAME`` per missing rule.
    """
    ret = {"name": name, "result": True, "changes": {}, "comment": ""}
    found = firewall.problems(ports, sources, tool, zone, where=name)
    if found:
        ret["result"] = False
        ret["comment"] = "; ".join(found)
        return ret
    wanted = firewall.requirements(ports, sources)
    ports_text = ", ".join(firewall.requirement_text(r) for r in wanted)
    try:
        decision, probes = _choose(tool)
        if decision["error"]:
            ret["result"] = False
            ret["comment"] = f"{decision['error']}; nothing was changed"
            return ret
        chosen = decision["tool"]
        if chosen is None:
            ret["comment"] = decision["comment"]
            return ret
        ufw_status = probes["ufw"][2] if chosen == "ufw" else None
        plan, zone_name = _observe(chosen, wanted, zone, name, ufw_status)
        where = _where(chosen, zone_name)
        if not plan["operations"]:
            ret["comment"] = f"{ports_text} already open with {where}"
            return ret
        changes = {
            "tool": chosen,
            "zone": zone_name,
            "opened": plan["missing"],
            "operations": plan["operations"],
        }
        if chosen != "firewalld":
            del changes["zone"]
        if __opts__["test"]:
            ret["result"] = None
            ret["changes"] = changes
            ret["comment"] = f"would open {', '.join(plan['missing'])} with {where}"
            return ret
        done = []
        try:
            for operation in plan["operations"]:
                _run(operation["argv"])
                done.append(operation)
        except (CommandExecutionError, SaltInvocationError):
            if done:  # the commands that ran, and what the firewall allows now of what was missing
                ret["changes"] = {
                    **changes,
                    "opened": _opened(plan, _observe_again(chosen, wanted, zone, name)),
                    "operations": done,
                }
            raise
        after, _zone = _observe(chosen, wanted, zone, name)
        if after["operations"]:
            ret["changes"] = {**changes, "opened": _opened(plan, after), "operations": done}
            ret["result"] = False
            ret["comment"] = (
                f"{where} still does not allow {', '.join(after['missing'])} after {len(done)} command(s)"
            )
            return ret
        ret["changes"] = changes
        ret["comment"] = f"opened {', '.join(plan['missing'])} with {where}"
        return ret
    except (CommandExecutionError, SaltInvocationError) as exc:
        ret["result"] = False
        ret["comment"] = str(exc)
        return ret
