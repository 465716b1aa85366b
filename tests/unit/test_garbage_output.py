"""Garbage from gluster (and from the storage tools) becomes one clear ``CommandExecutionError``.

Whatever gluster prints -- an answer cut off anywhere, an element missing or unexpected, wrong
text in a field, plain text where XML was asked, nothing at all, binary junk -- goes the way
``_modules/gluster.py`` reads it: ``gluster_cli.check_xml(text, args, config)``, then the parser
of ``_utils/gluster_xml.py`` wrapped by the module's own ``_parsed``. The result is either
parsed data or a ``CommandExecutionError`` that names the gluster command whose answer could not
be read; any other exception is a defect. (A parsed result that is semantically odd, e.g. an
unknown element ignored, is fine.)

Every captured answer in ``tests/data`` is cut at many offsets, has each of its elements deleted
in turn, and is mutated by hypothesis (an element deleted, renamed, duplicated, emptied, its text
replaced, an unknown element inserted). The execution module's read functions are then driven
with such answers end to end (the runner faked), and the storage parsers of
``_utils/gluster_storage.py`` and the wipefs/LVM JSON readers of ``_modules/gluster_storage.py``
with junk of their own. ``run`` itself is pointed at fake binaries printing junk.
"""

import json
import re
import stat
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import saltext_gluster_utils.gluster_cli as gcli
import saltext_gluster_utils.gluster_storage as gs
import saltext_gluster_utils.gluster_xml as gx
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from salt.exceptions import CommandExecutionError

from conftest import load_loader_module

DATA = Path(__file__).parent.parent / "data"
CONFIG = gcli.make_config(minion_config={"socket": "/run/garbage/glusterd.socket"})
BRICK = "127.1.1.1:/tmp/gcap-z4obgcmw/node1/bricks/r1"
SETTINGS = settings(
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


GLUSTER = load_loader_module("gluster_garbage_unit", "gluster.py")
STORAGE = load_loader_module("gluster_storage_garbage_unit", "gluster_storage.py")


def test_the_module_uses_the_same_utils():
    """The loaded module parses with the very modules these tests import (one GlusterParseError)."""
    assert GLUSTER.parse is gx
    assert GLUSTER.cli is gcli


# which parsers read which captured answer, and the command that answer belongs to
VOLUME_STATUS = (gx.parse_volume_status, gx.parse_volume_tasks)
ANSWERS = {
    "peer_status.xml": (["peer", "status"], (gx.parse_peer_status,)),
    "peer_status_disconnected.xml": (["peer", "status"], (gx.parse_peer_status,)),
    "peer_status_node2.xml": (["peer", "status"], (gx.parse_peer_status,)),
    "pool_list.xml": (["pool", "list"], (gx.parse_peer_status,)),
    "pool_list_single.xml": (["pool", "list"], (gx.parse_peer_status,)),
    "pool_list_probe_race.xml": (["pool", "list"], (gx.parse_peer_status,)),
    "quota_list.xml": (["volume", "quota", "qv", "list"], (gx.parse_quota_list,)),
    "quota_list_objects.xml": (["volume", "quota", "qv", "list-objects"], (gx.parse_quota_list,)),
    "quota_list_path.xml": (["volume", "quota", "qv", "list", "/data"], (gx.parse_quota_list,)),
    "snapshot_config_default.xml": (["snapshot", "config", "sv"], (gx.parse_snapshot_config,)),
    "snapshot_config_changed.xml": (["snapshot", "config", "sv"], (gx.parse_snapshot_config,)),
    "snapshot_config_set_hard_limit.xml": (["snapshot", "config", "sv", "snap-max-hard-limit", "10"], ()),
    "snapshot_config_set_soft_limit.xml": (["snapshot", "config", "snap-max-soft-limit", "80"], ()),
    "snapshot_config_set_auto_delete.xml": (["snapshot", "config", "auto-delete", "enable"], ()),
    "snapshot_config_set_activate.xml": (["snapshot", "config", "activate-on-create", "enable"], ()),
    "snapshot_config_out_of_range.xml": (["snapshot", "config", "sv", "snap-max-hard-limit", "300"], ()),
    "snapshot_list_empty.xml": (["snapshot", "list", "sv"], (gx.parse_snapshot_list,)),
    "snapshot_list_no_volume.xml": (["snapshot", "list", "nosuchvol"], (gx.parse_snapshot_list,)),
    "snapshot_info_volume.xml": (
        ["snapshot", "info", "volume", "sv"],
        (gx.parse_snapshot_volume_info, gx.parse_snapshot_info),
    ),
    "snapshot_create_not_thin.xml": (["snapshot", "create", "s1", "sv", "no-timestamp"], ()),
    "snapshot_delete_missing.xml": (["snapshot", "delete", "nosuch"], ()),
    "snapshot_activate_missing.xml": (["snapshot", "activate", "nosuch"], ()),
}
GEOREP = ["volume", "geo-replication", "primvol", "127.1.11.1::secvol"]
ANSWERS.update({
    f"georep/{name}.xml": ([*GEOREP, "status"], (gx.parse_georep_status,))
    for name in ("status_created", "status_just_started", "status_detail_just_started", "status_active",
                 "status_detail_active", "status_active_from_primary_node2", "status_all_sessions",
                 "status_volume_sessions", "status_paused", "status_stopped", "status_faulty")
})  # fmt: skip
ANSWERS["georep/status_mountbroker.xml"] = (
    ["volume", "geo-replication", "primvol", "geoaccount@127.1.14.1::secvol", "status"],
    (gx.parse_georep_status,),
)
ANSWERS.update(
    {
        "georep/config_get_all.xml": ([*GEOREP, "config"], (gx.parse_georep_config,)),
        "georep/config_get_one.xml": ([*GEOREP, "config", "ssh-port"], (gx.parse_georep_config,)),
        "georep/secondary_volume_info.xml": (["volume", "info", "secvol"], (gx.parse_volume_info,)),
        "georep/config_set.xml": ([*GEOREP, "config"], ()),
        "georep/create.xml": ([*GEOREP, "create"], ()),
        "georep/delete.xml": ([*GEOREP, "delete"], ()),
        "georep/pause.xml": ([*GEOREP, "pause"], ()),
        "georep/resume.xml": ([*GEOREP, "resume"], ()),
        "georep/start.xml": ([*GEOREP, "start"], ()),
        "georep/stop.xml": ([*GEOREP, "stop"], ()),
        "georep/error_config_bad_option.xml": ([*GEOREP, "config"], ()),
        "georep/error_create_no_such_secondary_volume.xml": ([*GEOREP, "create"], ()),
        "georep/error_delete_running.xml": ([*GEOREP, "delete"], ()),
        "georep/error_pause_paused.xml": ([*GEOREP, "pause"], ()),
        "georep/error_start_no_session.xml": ([*GEOREP, "start"], ()),
        "georep/error_stop_stopped.xml": ([*GEOREP, "stop"], ()),
    }
)
ANSWERS.update(
    {
        "peer_probe.xml": (["peer", "probe", "127.1.1.2"], (gx.parse_op_errno, gx.parse_output_text)),
        "peer_probe_already.xml": (["peer", "probe", "127.1.1.2"], (gx.parse_op_errno, gx.parse_output_text)),
        "peer_probe_unreachable.xml": (["peer", "probe", "127.1.1.9"], (gx.parse_op_errno,)),
        "peer_detach.xml": (["peer", "detach", "127.1.1.3"], ()),
        "peer_detach_unknown.xml": (["peer", "detach", "127.1.1.9"], ()),
        "peer_detach_with_bricks.xml": (["peer", "detach", "127.1.1.3"], ()),
        "volume_list.xml": (["volume", "list"], (gx.parse_volume_list,)),
        "volume_list_empty.xml": (["volume", "list"], (gx.parse_volume_list,)),
        "volume_info_all.xml": (["volume", "info"], (gx.parse_volume_info,)),
        "volume_info_arbiter_added.xml": (["volume", "info"], (gx.parse_volume_info,)),
        "volume_info_empty.xml": (["volume", "info"], (gx.parse_volume_info,)),
        "volume_info_missing.xml": (["volume", "info", "nope"], (gx.parse_volume_info,)),
        "volume_info_options.xml": (["volume", "info"], (gx.parse_volume_info,)),
        "volume_info_replaced.xml": (["volume", "info"], (gx.parse_volume_info,)),
        "volume_info_started.xml": (["volume", "info"], (gx.parse_volume_info,)),
        "volume_info_stopped.xml": (["volume", "info"], (gx.parse_volume_info,)),
        "volume_status_all.xml": (["volume", "status", "all"], VOLUME_STATUS),
        "status_race_pool_list.xml": (["pool", "list"], (gx.parse_peer_status,)),
        "status_race_volume_info.xml": (["volume", "info"], (gx.parse_volume_info,)),
        "status_race_all_complete.xml": (["volume", "status", "all"], VOLUME_STATUS),
        "status_race_all_left_out.xml": (["volume", "status", "all"], VOLUME_STATUS),
        "status_race_all_detail_left_out.xml": (["volume", "status", "all", "detail"], VOLUME_STATUS),
        "status_race_ra.xml": (["volume", "status", "ra"], VOLUME_STATUS),
        "status_race_ra_detail.xml": (["volume", "status", "ra", "detail"], VOLUME_STATUS),
        "status_race_ra_locked.xml": (["volume", "status", "ra"], VOLUME_STATUS),
        "status_race_ra_stopped.xml": (["volume", "status", "ra"], VOLUME_STATUS),
        "status_race_ra_deleted.xml": (["volume", "status", "ra"], VOLUME_STATUS),
        "volume_status_detail_rep3.xml": (["volume", "status", "rep3", "detail"], VOLUME_STATUS),
        "volume_status_rep3.xml": (["volume", "status", "rep3"], VOLUME_STATUS),
        "volume_status_stopped.xml": (["volume", "status", "dist"], VOLUME_STATUS),
        "volume_status_tasks_none.xml": (["volume", "status", "rep", "tasks"], VOLUME_STATUS),
        "volume_status_tasks_rebalance.xml": (["volume", "status", "rep", "tasks"], VOLUME_STATUS),
        "volume_status_tasks_remove_brick.xml": (["volume", "status", "rep", "tasks"], VOLUME_STATUS),
        "volume_get_all.xml": (["volume", "get", "rep3", "all"], (gx.parse_volume_get,)),
        "volume_get_one.xml": (["volume", "get", "rep3", "performance.cache-size"], (gx.parse_volume_get,)),
        "op_version.xml": (
            ["volume", "get", "all", "cluster.op-version"],
            (gx.parse_volume_get, gx.parse_op_version),
        ),
        "max_op_version.xml": (
            ["volume", "get", "all", "cluster.max-op-version"],
            (gx.parse_volume_get, gx.parse_op_version),
        ),
        "op_version_set_same.xml": (["volume", "set", "all", "cluster.op-version", "100000"], ()),
        "cluster_options_get_default.xml": (
            ["volume", "get", "all", "all"],
            (gx.parse_volume_get, gx.parse_op_version),
        ),
        "cluster_options_get_after.xml": (
            ["volume", "get", "all", "all"],
            (gx.parse_volume_get, gx.parse_op_version),
        ),
        "cluster_options_get_after_reset.xml": (["volume", "get", "all", "all"], (gx.parse_volume_get,)),
        "cluster_options_set_one.xml": (["volume", "set", "all", "cluster.brick-multiplex", "on"], ()),
        "cluster_options_set_two.xml": (["volume", "set", "all", "cluster.max-bricks-per-process", "5"], ()),
        "cluster_options_set_limit.xml": (
            ["volume", "set", "all", "cluster.max-bricks-per-process", "5"],
            (),
        ),
        "cluster_options_set_quorum_ratio.xml": (
            ["volume", "set", "all", "cluster.server-quorum-ratio", "60%"],
            (),
        ),
        "cluster_options_set_volume_option.xml": (
            ["volume", "set", "all", "performance.cache-size", "64MB"],
            (),
        ),
        "cluster_options_set_unknown.xml": (["volume", "set", "all", "cluster.no-such-option", "on"], ()),
        "cluster_options_set_bad_value.xml": (
            ["volume", "set", "all", "cluster.brick-multiplex", "maybe"],
            (),
        ),
        "cluster_options_reset_one.xml": (["volume", "reset", "all", "cluster.brick-multiplex"], ()),
        "cluster_options_volume_info_after.xml": (["volume", "info", "cv"], (gx.parse_volume_info,)),
        "volume_create.xml": (["volume", "create", "dist", BRICK], (gx.parse_volume_created,)),
        "volume_create_replica.xml": (
            ["volume", "create", "rep3", "replica", "3", BRICK],
            (gx.parse_volume_created,),
        ),
        "volume_create_exists.xml": (["volume", "create", "dist", BRICK], (gx.parse_volume_created,)),
        "volume_start.xml": (["volume", "start", "dist"], (gx.parse_volume_created,)),
        "volume_start_already.xml": (["volume", "start", "dist"], (gx.parse_volume_created,)),
        "volume_stop.xml": (["volume", "stop", "dist"], (gx.parse_volume_created,)),
        "volume_stop_already.xml": (["volume", "stop", "dist"], (gx.parse_volume_created,)),
        "volume_delete.xml": (["volume", "delete", "dist"], (gx.parse_volume_created,)),
        "volume_delete_started.xml": (["volume", "delete", "dist"], (gx.parse_volume_created,)),
        "volume_set.xml": (["volume", "set", "rep3", "performance.cache-size", "64MB"], ()),
        "volume_set_bad_option.xml": (["volume", "set", "rep3", "performance.cache-sise", "64MB"], ()),
        "volume_set_bad_value.xml": (["volume", "set", "rep3", "performance.cache-size", "lots"], ()),
        "volume_reset_all.xml": (["volume", "reset", "rep3"], ()),
        "volume_reset_one.xml": (["volume", "reset", "rep3", "performance.cache-size"], ()),
        "lock_error.xml": (["volume", "set", "rep3", "nfs.disable", "on"], ()),
        "add_brick.xml": (["volume", "add-brick", "dist", BRICK], ()),
        "add_brick_arbiter.xml": (["volume", "add-brick", "rep", "replica", "3", "arbiter", "1", BRICK], ()),
        "add_brick_replica.xml": (["volume", "add-brick", "rep", "replica", "3", BRICK], ()),
        "add_brick_wrong_count.xml": (["volume", "add-brick", "rep", BRICK], ()),
        "replace_brick.xml": (["volume", "replace-brick", "rep", BRICK, BRICK + "x", "commit", "force"], ()),
        "reset_brick_start.xml": (["volume", "reset-brick", "rep", BRICK, "start"], ()),
        "reset_brick_commit.xml": (["volume", "reset-brick", "rep", BRICK, BRICK, "commit", "force"], ()),
        "rebalance_start.xml": (["volume", "rebalance", "dist", "start"], (gx.parse_task_id,)),
        "rebalance_fix_layout_start.xml": (
            ["volume", "rebalance", "dist", "fix-layout", "start"],
            (gx.parse_task_id,),
        ),
        "remove_brick_start.xml": (["volume", "remove-brick", "dist", BRICK, "start"], (gx.parse_task_id,)),
        "rebalance_status_completed.xml": (
            ["volume", "rebalance", "dist", "status"],
            (gx.parse_migration_status,),
        ),
        "rebalance_status_fix_layout.xml": (
            ["volume", "rebalance", "dist", "status"],
            (gx.parse_migration_status,),
        ),
        "rebalance_status_started.xml": (
            ["volume", "rebalance", "dist", "status"],
            (gx.parse_migration_status,),
        ),
        "rebalance_status_never.xml": (
            ["volume", "rebalance", "rep", "status"],
            (gx.parse_migration_status,),
        ),
        "remove_brick_status_completed.xml": (
            ["volume", "remove-brick", "dist", BRICK, "status"],
            (gx.parse_migration_status,),
        ),
        "remove_brick_status_failures.xml": (
            ["volume", "remove-brick", "dist", BRICK, "status"],
            (gx.parse_migration_status,),
        ),
        "remove_brick_status_started.xml": (
            ["volume", "remove-brick", "dist", BRICK, "status"],
            (gx.parse_migration_status,),
        ),
        "remove_brick_status_none.xml": (
            ["volume", "remove-brick", "rep", BRICK, "status"],
            (gx.parse_migration_status,),
        ),
        "remove_brick_stop.xml": (
            ["volume", "remove-brick", "dist", BRICK, "stop"],
            (gx.parse_migration_status,),
        ),
        "remove_brick_commit.xml": (["volume", "remove-brick", "dist", BRICK, "commit"], ()),
        "remove_brick_replica.xml": (["volume", "remove-brick", "rep", "replica", "2", BRICK, "force"], ()),
        "heal_info_healthy.xml": (["volume", "heal", "rep", "info"], (gx.parse_heal_info,)),
        "heal_info_brick_down.xml": (["volume", "heal", "rep", "info"], (gx.parse_heal_info,)),
        "heal_split_brain_brick_down.xml": (
            ["volume", "heal", "rep", "info", "split-brain"],
            (gx.parse_heal_info,),
        ),
        "heal_summary_healthy.xml": (["volume", "heal", "rep", "info", "summary"], (gx.parse_heal_info,)),
        "heal_summary_brick_down.xml": (["volume", "heal", "rep", "info", "summary"], (gx.parse_heal_info,)),
        "volume_info_rep3_trouble.xml": (["volume", "info", "rep3"], (gx.parse_volume_info,)),
        "volume_status_detail_rep3_brick_down.xml": (["volume", "status", "rep3", "detail"], VOLUME_STATUS),
        "heal_summary_rep3_brick_down.xml": (
            ["volume", "heal", "rep3", "info", "summary"],
            (gx.parse_heal_info,),
        ),
        "heal_info_split_brain_file.xml": (
            ["volume", "heal", "sb", "info", "split-brain"],
            (gx.parse_heal_info,),
        ),
        "heal_summary_split_brain_file.xml": (
            ["volume", "heal", "sb", "info", "summary"],
            (gx.parse_heal_info,),
        ),
    }
)
ALL_PARSERS = sorted({p for _args, parsers in ANSWERS.values() for p in parsers}, key=lambda p: p.__name__)
# answers gluster gives as plain text (the module runs these without --xml)
PLAIN_TEXT = {
    "volume_heal.xml",
    "volume_heal_brick_down.xml",
    "volume_heal_full.xml",
    "version.txt",
    "no_glusterd.txt",
    "split_brain_healed.txt",
    "split_brain_not_in_split_brain.txt",
    "split_brain_no_such_file.txt",
}


def read(name):
    if name == GET_ALL_ALL:
        return _get_all_all()
    return (DATA / name).read_text(encoding="utf-8")


GET_ALL_ALL = "volume get all all"


def _get_all_all():
    """``volume get all all`` as gluster 10.3 answers it for these two keys: the captured
    answers for cluster.op-version and cluster.max-op-version, joined."""
    root = ET.fromstring((DATA / "op_version.xml").read_text(encoding="utf-8"))
    extra = ET.fromstring((DATA / "max_op_version.xml").read_text(encoding="utf-8")).find("volGetopts/Opt")
    root.find("volGetopts").append(extra)
    root.find("volGetopts/count").text = "2"
    return ET.tostring(root, encoding="unicode")


def test_every_captured_answer_is_covered():
    captured = {p.name for p in DATA.iterdir() if p.is_file() and p.suffix in (".xml", ".txt")}
    captured |= {f"georep/{p.name}" for p in (DATA / "georep").iterdir() if p.suffix == ".xml"}
    assert captured - PLAIN_TEXT == set(ANSWERS)


@pytest.mark.parametrize("filename", sorted(ANSWERS))
def test_captured_answers_read_cleanly(filename):
    """The unbroken answers: each parser gives data, or gluster's own error comes through."""
    args, parsers = ANSWERS[filename]
    for parser in parsers or (None,):
        outcome = read_answer(read(filename), args, parser)
        if "<opRet>0</opRet>" in read(filename):
            assert not isinstance(outcome, CommandExecutionError), outcome


def describe(args):
    return "gluster " + " ".join(args)


def read_answer(text, args, parser):
    """What the module gets from ``text`` as the answer to ``gluster ARGS``: the parsed data, or
    the ``CommandExecutionError`` raised (checked to name the command). Anything else raised
    fails the test with the input that caused it."""
    try:
        root = gcli.check_xml(text, args, CONFIG)
        return root if parser is None else GLUSTER._parsed(parser, root)
    except CommandExecutionError as exc:
        message = exc.error  # the message itself (strerror adds the raw output as info)
        assert describe(args) in message, f"the error does not name the command: {message}"
        assert _readable(message), f"the error holds control characters: {message!r}"
        return exc
    except Exception as exc:  # noqa: BLE001 - the point of the test
        pytest.fail(
            f"{parser.__name__ if parser else 'check_xml'} raised {type(exc).__name__}: {exc} "
            f"on this answer to {describe(args)}:\n{text[:2000]!r}",
            pytrace=False,
        )


def _readable(message):
    """No control characters but gluster's own line breaks (its opErrstr may span lines)."""
    return (
        isinstance(message, str)
        and message
        and all(ch in "\n\t" or unicodedata.category(ch) != "Cc" for ch in message)
    )


def _check_all(text, args, parsers):
    for parser in parsers or (None,):
        read_answer(text, args, parser)


# --------------------------------------------------------------------------- explicit garbage

GARBAGE = {
    "empty": "",
    "whitespace": " \n\t\n",
    "plain-text": "Connection failed. Please check if gluster daemon is operational.\n",
    "no-volumes": "No volumes present\n",
    "binary-junk": bytes(range(256)).decode("latin-1"),
    "undecodable-bytes": b"\xff\xfe<cli\x80Output>".decode("utf-8", errors="surrogateescape"),
    "nul": "<cliOutput>\x00</cliOutput>",
    "html": "<html><body><h1>502 Bad Gateway</h1></body></html>",
    "other-root": "<?xml version='1.0'?><volInfo><volumes/></volInfo>",
    "no-opRet": "<cliOutput><opErrno>0</opErrno></cliOutput>",
    "opRet-words": "<cliOutput><opRet>zero</opRet></cliOutput>",
    "opRet-empty-success": "<cliOutput><opRet></opRet><opErrno/><opErrstr/></cliOutput>",
    "opRet-huge": f"<cliOutput><opRet>{'9' * 5000}</opRet></cliOutput>",
    "opErrno-words": "<cliOutput><opRet>-1</opRet><opErrno>lots</opErrno></cliOutput>",
    "success-without-payload": "<cliOutput><opRet>0</opRet><opErrno>0</opErrno><opErrstr/></cliOutput>",
    "payload-empty": "<cliOutput><opRet>0</opRet><volInfo/><volList/><peerStatus/><volStatus/><volGetopts/>"
    "<volRebalance/><volRemoveBrick/><healInfo/></cliOutput>",
    "payload-text-only": "<cliOutput><opRet>0</opRet><volInfo>x</volInfo><volList>x</volList>"
    "<peerStatus>x</peerStatus><volStatus>x</volStatus><volGetopts>x</volGetopts>"
    "<volRebalance>x</volRebalance><volRemoveBrick>x</volRemoveBrick><healInfo>x</healInfo></cliOutput>",
    "entity-bomb": '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    "<cliOutput><opRet>0</opRet><output>&c;</output></cliOutput>",
    "external-entity": '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><cliOutput><opRet>0</opRet>'
    "<output>&e;</output></cliOutput>",
    "deeply-nested": "<cliOutput><opRet>0</opRet>"
    + "<volInfo>" * 2000
    + "</volInfo>" * 2000
    + "</cliOutput>",
    "two-roots": "<cliOutput><opRet>0</opRet></cliOutput><cliOutput/>",
    "utf16-declared": '<?xml version="1.0" encoding="UTF-16"?><cliOutput><opRet>0</opRet></cliOutput>',
}


@pytest.mark.parametrize("garbage", list(GARBAGE.values()), ids=list(GARBAGE))
@pytest.mark.parametrize("parser", [None, *ALL_PARSERS], ids=lambda p: p.__name__ if p else "check_xml")
def test_explicit_garbage(parser, garbage):
    read_answer(garbage, ["volume", "info"], parser)


# --------------------------------------------------------------------------- truncation


def _offsets(text):
    """~60 cut points spread over the text, plus right after a sample of its tags' ends."""
    size = len(text)
    spread = set(range(0, size, max(1, size // 40)))
    tags = [m.end() for m in re.finditer(">", text)]
    spread |= set(tags[:: max(1, len(tags) // 20)])
    spread |= {1, size - 1, size - 2, max(0, size - 15)}
    return sorted(o for o in spread if 0 <= o < size)


@pytest.mark.parametrize("filename", sorted(ANSWERS))
def test_truncated_answers(filename):
    text = read(filename)
    args, parsers = ANSWERS[filename]
    for offset in _offsets(text):
        outcome = read_answer(text[:offset], args, parsers[0] if parsers else None)
        if text[offset:].strip():  # something that mattered was cut off
            assert isinstance(outcome, CommandExecutionError), (offset, outcome)


# --------------------------------------------------------------------------- every element deleted


def _element_paths(root):
    """Each element below the root as the index path leading to it."""
    paths = []

    def walk(element, path):
        for index, child in enumerate(element):
            paths.append((*path, index))
            walk(child, (*path, index))

    walk(root, ())
    return paths


def _parent_and_child(root, path):
    parent = root
    for index in path[:-1]:
        parent = parent[index]
    return parent, parent[path[-1]]


def _mutated(text, change):
    root = ET.fromstring(text)
    change(root)
    return ET.tostring(root, encoding="unicode")


@pytest.mark.parametrize("filename", sorted(f for f, (_a, parsers) in ANSWERS.items() if parsers))
def test_each_element_deleted(filename):
    text = read(filename)
    args, parsers = ANSWERS[filename]
    paths = _element_paths(ET.fromstring(text))
    if len(paths) > 400:  # volume_get_all: 400 options alike; every 7th of them is enough
        paths = paths[:60] + paths[60::7]
    for path in paths:

        def delete(root, path=path):
            parent, child = _parent_and_child(root, path)
            parent.remove(child)

        _check_all(_mutated(text, delete), args, parsers)


# --------------------------------------------------------------------------- hypothesis mutations

WITH_PARSERS = sorted(f for f, (_a, parsers) in ANSWERS.items() if parsers)
ODD_TEXT = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "-1",
            "-",
            "N/A",
            "(null)",
            "1e5",
            "0x10",
            "nan",
            "inf",
            "1.5",
            "\uff11",
            "\u0663",
            "99999999999999999999999",
            "9" * 5000,
            "abc",
            "127.1.1.1",
            "127.1.1.1:",
            ":/x",
            "/x",
            "localhost",
            "Connected",
            "1 2",
            "<",
            "&amp;",
        ]
    ),
    st.integers().map(str),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
)
TAGS = st.sampled_from(
    ["volume", "brick", "node", "peer", "opRet", "name", "status", "Opt", "task", "file", "x-unknown"]
)


@st.composite
def mutated_answers(draw):
    filename = draw(st.sampled_from(WITH_PARSERS))
    text = read(filename)
    paths = _element_paths(ET.fromstring(text))
    path = draw(st.sampled_from(paths))
    how = draw(
        st.sampled_from(["delete", "text", "insert", "rename", "duplicate", "empty", "attribute", "tail"])
    )
    value = draw(ODD_TEXT)
    tag = draw(TAGS)

    def change(root):
        parent, child = _parent_and_child(root, path)
        if how == "delete":
            parent.remove(child)
        elif how == "text":
            child.text = value
        elif how == "insert":
            extra = ET.SubElement(child, tag)
            extra.text = value
        elif how == "rename":
            child.tag = tag
        elif how == "duplicate":
            parent.insert(path[-1], ET.fromstring(ET.tostring(child)))
        elif how == "empty":
            for grandchild in list(child):
                child.remove(grandchild)
            child.text = None
        elif how == "attribute":
            child.set(draw(st.sampled_from(["uuid", "hostUuid", "gfid"])), value)
        else:
            child.tail = value

    return filename, _mutated(text, change)


@settings(SETTINGS, max_examples=700)
@given(mutated_answers())
def test_mutated_answers(case):
    filename, text = case
    args, parsers = ANSWERS[filename]
    _check_all(text, args, parsers)


# --------------------------------------------------------------------------- the module end to end


class FakeGluster:
    """Stands in for the runner: answers ``gluster ARGS`` from the captured files, one of them
    replaced by garbage; every answer goes through the real ``check_xml``."""

    DEFAULTS = {
        ("volume", "get", "all", "all"): GET_ALL_ALL,
        ("volume", "get", "rep3", "all"): "volume_get_all.xml",
        ("peer", "status"): "peer_status.xml",
        ("pool", "list"): "pool_list.xml",
        ("peer", "probe", "127.1.1.2"): "peer_probe.xml",
        ("volume", "list"): "volume_list.xml",
        ("volume", "info"): "volume_info_all.xml",
        ("volume", "status", "all"): "volume_status_all.xml",
        ("volume", "status", "rep3", "detail"): "volume_status_detail_rep3.xml",
        ("volume", "status", "rep", "tasks"): "volume_status_tasks_remove_brick.xml",
        ("volume", "rebalance", "rep", "status"): "rebalance_status_completed.xml",
        ("volume", "rebalance", "rep", "start"): "rebalance_start.xml",
        ("volume", "remove-brick", "rep", BRICK, "status"): "remove_brick_status_started.xml",
        ("volume", "remove-brick", "rep", BRICK, "start"): "remove_brick_start.xml",
        ("volume", "create", "dist", BRICK): "volume_create.xml",
        ("volume", "heal", "rep", "info"): "heal_info_brick_down.xml",
        ("volume", "heal", "rep", "info", "summary"): "heal_summary_brick_down.xml",
        ("volume", "set", "all", "cluster.op-version", "100000"): "volume_set.xml",
        ("volume", "quota", "qv", "list"): "quota_list.xml",
        ("volume", "quota", "qv", "list-objects"): "quota_list_objects.xml",
        ("snapshot", "config", "sv"): "snapshot_config_default.xml",
        ("snapshot", "list", "sv"): "snapshot_list_empty.xml",
        ("snapshot", "info", "volume", "sv"): "snapshot_info_volume.xml",
        ("volume", "geo-replication", "primvol", "127.1.11.1::secvol", "status"): "georep/status_active.xml",
        ("volume", "geo-replication", "primvol", "127.1.11.1::secvol", "config"): "georep/config_get_all.xml",
    }

    def __init__(self, garbage_for, garbage):
        self.garbage_for, self.garbage = tuple(garbage_for), garbage

    def answer(self, args):
        args = tuple(str(a) for a in args)
        text = self.garbage if args == self.garbage_for else read(self.DEFAULTS[args])
        return gcli.check_xml(text, list(args), CONFIG)

    def run(self, config, args, xml=True, counter=None, read_only=False):
        assert xml
        return self.answer(args)

    def run_heal_info(self, config, volume, kind="info", counter=None):
        return self.answer(["volume", "heal", volume, "info"] + ([kind] if kind != "info" else []))


# module function -> (its call, the command whose answer is replaced, the captured answer mutated)
CALLS = {
    "op_version": (lambda m: m.op_version(), ("volume", "get", "all", "all")),
    "op_version_set": (lambda m: m.op_version_set("max"), ("volume", "get", "all", "all")),
    "peer_status": (lambda m: m.peer_status(), ("peer", "status")),
    "pool_list": (lambda m: m.pool_list(), ("pool", "list")),
    "peer_find": (lambda m: m.peer_find("127.1.1.2"), ("pool", "list")),
    "peer_probe": (lambda m: m.peer_probe("127.1.1.2"), ("peer", "probe", "127.1.1.2")),
    "peer_wait": (lambda m: m.peer_wait(["127.1.1.2"], timeout=0), ("pool", "list")),
    "volume_list": (lambda m: m.volume_list(), ("volume", "list")),
    "volume_info": (lambda m: m.volume_info("rep3"), ("volume", "info")),
    "volume_exists": (lambda m: m.volume_exists("rep3"), ("volume", "info")),
    "volume_status": (lambda m: m.volume_status(), ("volume", "status", "all")),
    "volume_status_detail": (
        lambda m: m.volume_status("rep3", detail=True),
        ("volume", "status", "rep3", "detail"),
    ),
    "volume_get": (lambda m: m.volume_get("rep3"), ("volume", "get", "rep3", "all")),
    "volume_tasks": (lambda m: m.volume_tasks("rep"), ("volume", "status", "rep", "tasks")),
    "volume_rebalance_status": (
        lambda m: m.volume_rebalance("rep", "status"),
        ("volume", "rebalance", "rep", "status"),
    ),
    "volume_rebalance_start": (
        lambda m: m.volume_rebalance("rep", "start"),
        ("volume", "rebalance", "rep", "start"),
    ),
    "volume_remove_brick_status": (
        lambda m: m.volume_remove_brick("rep", [BRICK], "status"),
        ("volume", "remove-brick", "rep", BRICK, "status"),
    ),
    "volume_remove_brick_start": (
        lambda m: m.volume_remove_brick("rep", [BRICK], "start"),
        ("volume", "remove-brick", "rep", BRICK, "start"),
    ),
    "volume_create": (lambda m: m.volume_create("dist", [BRICK]), ("volume", "create", "dist", BRICK)),
    "heal_info": (lambda m: m.heal_info("rep"), ("volume", "heal", "rep", "info")),
    "heal_summary": (lambda m: m.heal_summary("rep"), ("volume", "heal", "rep", "info", "summary")),
    "volume_layout_differences": (
        lambda m: m.volume_layout_differences(
            "rep3", ["127.1.1.1:/b/1", "127.1.1.2:/b/1", "127.1.1.3:/b/1"], replica=3
        ),
        ("volume", "info"),
    ),
    "volume_options_plan": (
        lambda m: m.volume_options_plan("rep3", {"performance.cache-size": "64MB"}, reset_unmanaged=True),
        ("volume", "info"),
    ),
    "brick_facts": (lambda m: STORAGE.brick_facts(), ("pool", "list")),
    "quota_list": (lambda m: m.quota_list("qv"), ("volume", "quota", "qv", "list")),
    "quota_list_objects": (
        lambda m: m.quota_list("qv", objects=True),
        ("volume", "quota", "qv", "list-objects"),
    ),
    "snapshot_config": (lambda m: m.snapshot_config("sv"), ("snapshot", "config", "sv")),
    "snapshot_list": (lambda m: m.snapshot_list("sv"), ("snapshot", "list", "sv")),
    "snapshot_count": (lambda m: m.snapshot_count("sv"), ("snapshot", "info", "volume", "sv")),
    "georep_status": (lambda m: m.georep_status("primvol", "127.1.11.1::secvol"), (*GEOREP, "status")),
    "georep_session": (lambda m: m.georep_session("primvol", "127.1.11.1::secvol"), (*GEOREP, "status")),
    "georep_config": (lambda m: m.georep_config("primvol", "127.1.11.1::secvol"), (*GEOREP, "config")),
}


def call_module(monkeypatch, name, garbage):
    """Call the module function ``name`` with the answer to its command replaced by ``garbage``:
    it returns, or raises ``CommandExecutionError`` naming a gluster command."""
    call, command = CALLS[name]
    fake = FakeGluster(command, garbage)
    monkeypatch.setattr(gcli, "run", fake.run)
    monkeypatch.setattr(gcli, "run_heal_info", fake.run_heal_info)
    monkeypatch.setattr(GLUSTER, "_addresses", lambda host: {host})  # no DNS
    monkeypatch.setattr(GLUSTER, "__opts__", {}, raising=False)
    monkeypatch.setattr(GLUSTER, "__pillar__", {}, raising=False)
    monkeypatch.setattr(GLUSTER, "__context__", {}, raising=False)
    salt = {f"gluster.{n}": getattr(GLUSTER, n) for n in ("pool_list", "volume_info")}
    monkeypatch.setattr(STORAGE, "__salt__", salt, raising=False)
    try:
        return call(GLUSTER)
    except CommandExecutionError as exc:
        if "could not read" in exc.error or "gluster" in exc.error:
            assert re.search(r"\bgluster [a-z]", exc.error), (
                f"{name}: the error names no gluster command: {exc.error}"
            )
        assert _readable(exc.error), f"{name}: the error holds control characters: {exc.error!r}"
        return exc
    except Exception as exc:  # noqa: BLE001 - the point of the test
        pytest.fail(
            f"{name} raised {type(exc).__name__}: {exc} on this answer:\n{garbage[:2000]!r}", pytrace=False
        )


@pytest.mark.parametrize("name", sorted(CALLS))
def test_module_functions_read_their_captured_answer(monkeypatch, name):
    command = CALLS[name][1]
    outcome = call_module(monkeypatch, name, read(FakeGluster.DEFAULTS[command]))
    if name != "peer_wait":  # its peer is in the pool but the timeout is 0
        assert not isinstance(outcome, CommandExecutionError), outcome


@pytest.mark.parametrize("name", sorted(CALLS))
def test_module_functions_with_each_element_deleted(monkeypatch, name):
    text = read(FakeGluster.DEFAULTS[CALLS[name][1]])
    paths = _element_paths(ET.fromstring(text))
    if len(paths) > 400:
        paths = paths[:60] + paths[60::13]
    for path in paths:

        def delete(root, path=path):
            parent, child = _parent_and_child(root, path)
            parent.remove(child)

        call_module(monkeypatch, name, _mutated(text, delete))
    for garbage in (
        "",
        "No volumes present",
        GARBAGE["payload-empty"],
        GARBAGE["binary-junk"],
        text[: len(text) // 2],
    ):
        call_module(monkeypatch, name, garbage)


@st.composite
def module_cases(draw):
    name = draw(st.sampled_from(sorted(CALLS)))
    text = read(FakeGluster.DEFAULTS[CALLS[name][1]])
    path = draw(st.sampled_from(_element_paths(ET.fromstring(text))))
    value = draw(ODD_TEXT)
    how = draw(st.sampled_from(["text", "empty", "duplicate"]))

    def change(root):
        parent, child = _parent_and_child(root, path)
        if how == "text":
            child.text = value
        elif how == "empty":
            for grandchild in list(child):
                child.remove(grandchild)
            child.text = None
        else:
            parent.insert(path[-1], ET.fromstring(ET.tostring(child)))

    return name, _mutated(text, change)


@settings(SETTINGS, max_examples=300)
@given(module_cases())
def test_module_functions_with_odd_text(case):
    name, garbage = case
    with pytest.MonkeyPatch.context() as monkeypatch:
        call_module(monkeypatch, name, garbage)


def test_op_version_without_the_max_is_a_clear_error(monkeypatch):
    """``op_version_set max`` used to fail with KeyError: 'max' on an answer lacking it."""
    text = read(GET_ALL_ALL)
    root = ET.fromstring(text)
    opts = root.find("volGetopts")
    for opt in opts.findall("Opt"):
        if opt.findtext("Option") == "cluster.max-op-version":
            opts.remove(opt)
    outcome = call_module(monkeypatch, "op_version_set", ET.tostring(root, encoding="unicode"))
    assert isinstance(outcome, CommandExecutionError)
    assert "gluster volume get all all" in str(outcome) and "cluster.max-op-version" in str(outcome)


def test_parse_error_names_the_command():
    root = gcli.check_xml(
        read("peer_status.xml").replace("<state>3</state>", "<state>three</state>"),
        ["peer", "status"],
        CONFIG,
    )
    with pytest.raises(
        CommandExecutionError,
        match=r"^gluster peer status: could not read gluster's answer: <state> is not a number: 'three'",
    ):
        GLUSTER._parsed(gx.parse_peer_status, root)


# --------------------------------------------------------------------------- run() with junk binaries


def fake_binary(tmp_path, payload, exit_code=0):
    (tmp_path / "payload").write_bytes(payload)
    script = tmp_path / "gluster"
    script.write_text(f"#!/bin/sh\ncat '{tmp_path / 'payload'}'\nexit {exit_code}\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return gcli.make_config(minion_config={"binary": str(script), "lock_retries": 0})


@pytest.mark.parametrize(
    "payload, exit_code",
    [
        (b"\xff\xfe<\x00c\x00l\x00i\x00\x80", 0),  # not UTF-8: used to raise UnicodeDecodeError
        (b"<cliOutput><opRet>0</opRet><output>caf\xe9</output></cliOutput>", 0),
        (bytes(range(256)), 0),
        (bytes(range(256)), 3),
        (b"", 0),
        (b"<cliOutput><opRet>0</opRet>", 0),
        (read("volume_info_all.xml").encode()[:5000], 0),
        (b"gluster: command not found\n", 127),
    ],
    ids=[
        "utf16-junk",
        "latin1-in-xml",
        "all-bytes",
        "all-bytes-exit-3",
        "empty",
        "truncated",
        "truncated-big",
        "text-127",
    ],
)
def test_run_turns_junk_output_into_command_execution_error(tmp_path, payload, exit_code):
    config = fake_binary(tmp_path, payload, exit_code)
    try:
        root = gcli.run(config, ["volume", "info"])
    except CommandExecutionError as exc:
        assert "gluster volume info" in exc.error and exc.error.isprintable()
        return
    except Exception as exc:  # noqa: BLE001 - the point of the test
        pytest.fail(f"run raised {type(exc).__name__}: {exc}", pytrace=False)
    assert root.findtext("output") == "caf\ufffd"  # the undecodable byte replaced, the rest read


# --------------------------------------------------------------------------- storage tools

STORAGE_TEXT = sorted(
    p.name for p in (DATA / "storage").iterdir() if p.suffix == ".txt" and p.name != "CAPTURE.txt"
)
STORAGE_PARSERS = (gs.parse_blkid_export, gs.parse_mountinfo, gs.parse_fstab)


@settings(SETTINGS, max_examples=300)
@given(
    base=st.sampled_from(STORAGE_TEXT),
    cut=st.floats(0, 1),
    junk=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200),
    where=st.floats(0, 1),
)
def test_storage_text_parsers_never_crash(base, cut, junk, where):
    text = (DATA / "storage" / base).read_text(encoding="utf-8")
    text = text[: int(len(text) * cut)]
    at = int(len(text) * where)
    text = text[:at] + junk + text[at:]
    assert isinstance(gs.parse_blkid_export(text), dict)
    for entry in gs.parse_mountinfo(text):
        assert isinstance(entry["mountpoint"], str) and isinstance(entry["options"], list)
    for entry in gs.parse_fstab(text):
        assert isinstance(entry["file"], str) and isinstance(entry["options"], list)


@pytest.mark.parametrize("parser", STORAGE_PARSERS, ids=lambda p: p.__name__)
@pytest.mark.parametrize(
    "text", ["", "\x00\x00", "= = =", " - ", "a b c d e f - ", "\\777 \\1234 \\", "#\n#", "x" * 10000]
)
def test_storage_text_parsers_explicit_junk(parser, text):
    parser(text)


def _storage_with(answers, monkeypatch):
    """``_modules/gluster_storage.py`` with ``cmd.run_all`` answering ``{command: stdout}``."""

    def run_all(argv, **kwargs):
        assert kwargs["python_shell"] is False
        return {"retcode": 0, "stdout": answers.get(argv[0], ""), "stderr": ""}

    monkeypatch.setattr(STORAGE, "__salt__", {"cmd.run_all": run_all}, raising=False)
    monkeypatch.setattr(STORAGE, "_is_block", lambda path: True)
    monkeypatch.setattr(STORAGE.shutil, "which", lambda name: f"/sbin/{name}")


JSON_JUNK = [
    "not json",
    "[]",
    "[1, 2]",
    "{}",
    "null",
    "42",
    '"text"',
    '{"signatures": 5}',
    '{"signatures": [5]}',
    '{"signatures": [{"offset": "0x0"}]}',
    '{"signatures": [{"type": ["xfs"]}]}',
    '{"signatures": [{"type": null}]}',
    '{"report": 5}',
    '{"report": []}',
    '{"report": {"pv": []}}',
    '{"report": [{"pv": 5}]}',
    '{"report": [{"pv": [5]}]}',
    '{"report": [{"pv": [{"pv_name": "/dev/sdb"}]}]}',
    '{"report": [{"pv": [{"pv_name": ["/dev/sdb"], "vg_name": "vg"}]}]}',
    '{"report": [{"vg": [{"vg_name": {"a": 1}}]}]}',
    '{"report": [{"lv": [{"lv_name": "lv", "vg_name": null}]}]}',
    '{"report": [{"pv": [], "vg": [], "lv": []}',
    (DATA / "storage" / "gpt_disk_wipefs.json").read_text(encoding="utf-8")[:40],
]


@pytest.mark.parametrize("junk", JSON_JUNK)
def test_wipefs_json_junk(tmp_path, monkeypatch, junk):
    device = tmp_path / "disk"
    device.write_bytes(b"")
    _storage_with({"wipefs": junk}, monkeypatch)
    try:
        block = STORAGE._block(str(device))
    except CommandExecutionError as exc:
        assert "wipefs" in str(exc)
        return
    except Exception as exc:  # noqa: BLE001 - the point of the test
        pytest.fail(f"_block raised {type(exc).__name__}: {exc} on wipefs output {junk!r}", pytrace=False)
    assert all(isinstance(sig, str) for sig in block["signatures"])
    gs._signatures(block)  # the planner sorts them: only strings may get there


@pytest.mark.parametrize("junk", JSON_JUNK)
@pytest.mark.parametrize("tool", ["pvs", "vgs", "lvs"])
def test_lvm_json_junk(monkeypatch, tool, junk):
    good = {
        "pvs": '{"report": [{"pv": [{"pv_name": "/dev/sdb", "vg_name": "vg"}]}]}',
        "vgs": '{"report": [{"vg": [{"vg_name": "vg"}]}]}',
        "lvs": '{"report": [{"lv": [{"lv_name": "lv", "vg_name": "vg"}]}]}',
    }
    _storage_with(dict(good, **{tool: junk}), monkeypatch)
    try:
        state = STORAGE._lvm_state()
    except CommandExecutionError as exc:
        assert tool in str(exc)
        return
    except Exception as exc:  # noqa: BLE001 - the point of the test
        pytest.fail(f"_lvm_state raised {type(exc).__name__}: {exc} on {tool} output {junk!r}", pytrace=False)
    json.dumps(state)  # plain data
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in state["pvs"].items())
    assert all(isinstance(vg, str) for vg in state["vgs"])
