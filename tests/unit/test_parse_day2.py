"""Day-2 parsers of ``_utils/gluster_xml.py`` (rebalance, remove-brick, volume tasks, heal info)
against output captured from real gluster 10.3, and gluster's error answers for those commands
through ``gluster_cli.check_xml``."""

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import saltext_gluster_utils.gluster_cli as gcli
import saltext_gluster_utils.gluster_xml as gx
from salt.exceptions import CommandExecutionError

DATA = Path(__file__).parent.parent / "data"

# the capture_lifecycle.py cluster: node1 (127.1.8.1, "localhost" in rebalance status) .. node3
NODE1_UUID = "63be7ca4-2c00-41f9-bd10-e2d8ea8f574a"
NODE2_UUID = "bbaa7fef-444a-4272-8d75-5110a5b1744d"
NODE3_UUID = "d5260c7d-8728-4139-999c-77f2d8dae519"
BRICK_ROOT = "/tmp/gcapl-wmpwnyj5"

REBALANCE_ID = "4d754347-d3f5-4765-8ce3-1da386f7ddbe"
FIX_LAYOUT_ID = "d80ae9fe-cfed-43ed-a189-322280d02147"
REMOVE_ID = "3e68660c-2230-4298-965d-aff833da9cb7"
REMOVE_FAILED_ID = "5f01f71b-d1df-47da-ab08-bc987c72369b"

NOT_DISTRIBUTE = "Volume rep is not a distribute volume or contains only 1 brick.\nNot performing rebalance"


def read(name):
    return (DATA / name).read_text(encoding="utf-8")


def brick(node, name):
    return f"127.1.8.{node}:{BRICK_ROOT}/node{node}/bricks/{name}"


def counts(status, status_str, files=0, size=0, lookups=0, failures=0, runtime=0.0):
    return {
        "files": files,
        "size": size,
        "lookups": lookups,
        "failures": failures,
        "skipped": 0,
        "status": status,
        "status_str": status_str,
        "runtime": runtime,
    }


# --------------------------------------------------------------------------- rebalance / remove-brick status


@pytest.mark.parametrize(
    "filename, task_id, running, completed, failures",
    [
        ("rebalance_status_started.xml", REBALANCE_ID, True, False, 0),
        ("rebalance_status_completed.xml", REBALANCE_ID, False, True, 0),
        ("rebalance_status_fix_layout.xml", FIX_LAYOUT_ID, False, True, 0),
        ("remove_brick_status_started.xml", REMOVE_ID, True, False, 0),
        ("remove_brick_status_completed.xml", REMOVE_ID, False, True, 0),
        ("remove_brick_status_failures.xml", REMOVE_FAILED_ID, False, True, 1),
        ("remove_brick_stop.xml", REMOVE_FAILED_ID, False, True, 1),
    ],
)
def test_migration_status_flags(filename, task_id, running, completed, failures):
    status = gx.parse_migration_status(read(filename))
    assert status["task_id"] == task_id
    assert status["running"] is running
    assert status["completed"] is completed
    assert status["failed"] is False
    assert status["stopped"] is False
    assert status["failures"] == failures


def test_rebalance_completed_per_node():
    status = gx.parse_migration_status(read("rebalance_status_completed.xml"))
    # nodeCount says 4, but gluster lists only the three nodes that hold bricks
    assert [(n["node"], n["uuid"], n["files"], n["size"], n["lookups"]) for n in status["nodes"]] == [
        ("127.1.8.2", NODE2_UUID, 7, 6500, 45),
        ("127.1.8.3", NODE3_UUID, 5, 4500, 45),
        ("localhost", NODE1_UUID, 9, 7000, 40),
    ]
    assert status["nodes"][0] == dict(
        {"node": "127.1.8.2", "uuid": NODE2_UUID},
        **counts(3, "completed", files=7, size=6500, lookups=45, runtime=2.0),
    )
    assert status["aggregate"] == counts(3, "completed", files=21, size=18000, lookups=130, runtime=2.0)
    assert sum(n["files"] for n in status["nodes"]) == status["aggregate"]["files"]
    assert all(isinstance(n["runtime"], float) for n in status["nodes"])


def test_rebalance_started_in_progress():
    status = gx.parse_migration_status(read("rebalance_status_started.xml"))
    assert [(n["status"], n["status_str"]) for n in status["nodes"]] == [(1, "in progress")] * 3
    assert [n["lookups"] for n in status["nodes"]] == [0, 0, 40]
    assert status["aggregate"] == counts(1, "in progress", lookups=40)


def test_rebalance_fix_layout_completed():
    status = gx.parse_migration_status(read("rebalance_status_fix_layout.xml"))
    assert [n["status"] for n in status["nodes"]] == [7, 7, 7]
    assert {n["status_str"] for n in status["nodes"]} == {"fix-layout completed"}
    assert status["aggregate"] == counts(7, "fix-layout completed")
    assert sum(n["files"] for n in status["nodes"]) == 0


def test_remove_brick_completed_per_node():
    status = gx.parse_migration_status(read("remove_brick_status_completed.xml"))
    assert [(n["node"], n["files"], n["runtime"]) for n in status["nodes"]] == [
        ("127.1.8.2", 7, 3.0),
        ("127.1.8.3", 5, 3.0),
        ("localhost", 9, 3.0),
    ]
    assert status["aggregate"] == counts(3, "completed", files=21, size=18000, lookups=130, runtime=3.0)


def test_remove_brick_completed_with_failures():
    """Completed, yet one file failed to migrate: ``completed`` alone must not be trusted."""
    status = gx.parse_migration_status(read("remove_brick_status_failures.xml"))
    assert status["nodes"] == [
        dict(
            {"node": "127.1.8.2", "uuid": NODE2_UUID},
            **counts(3, "completed", files=14, size=23, lookups=15, failures=1, runtime=1.0),
        )
    ]
    assert status["aggregate"]["failures"] == 1
    assert status["completed"] is True
    assert status["failures"] == 1


def test_remove_brick_stop_answers_the_last_status():
    # "remove-brick ... stop" of a finished task answers that task's final status
    assert gx.parse_migration_status(read("remove_brick_stop.xml")) == gx.parse_migration_status(
        read("remove_brick_status_failures.xml")
    )


def test_migration_status_accepts_an_element():
    text = read("rebalance_status_completed.xml")
    assert gx.parse_migration_status(ET.fromstring(text)) == gx.parse_migration_status(text)


@pytest.mark.parametrize(
    "status, status_str, flags",
    [
        (2, "stopped", {"running": False, "completed": False, "failed": False, "stopped": True}),
        (4, "failed", {"running": False, "completed": False, "failed": True, "stopped": False}),
        (
            5,
            "fix-layout in progress",
            {"running": True, "completed": False, "failed": False, "stopped": False},
        ),
        (8, "fix-layout failed", {"running": False, "completed": False, "failed": True, "stopped": False}),
    ],
)
def test_migration_status_other_states_from_status_number(status, status_str, flags):
    """Without <statusStr> the text comes from gluster's gf_defrag_status_t numbering."""
    xml = (
        "<cliOutput><opRet>0</opRet><volRebalance><task-id>t-1</task-id>"
        f"<node><nodeName>h1</nodeName><id>u1</id><files>2</files><status>{status}</status></node>"
        f"<node><nodeName>h2</nodeName><id>u2</id><status>3</status></node>"
        "</volRebalance></cliOutput>"
    )
    result = gx.parse_migration_status(xml)
    assert result["nodes"][0]["status_str"] == status_str
    assert result["nodes"][0]["files"] == 2
    assert result["nodes"][1]["status_str"] == "completed"
    assert result["aggregate"] is None
    assert {key: result[key] for key in flags} == flags


def test_migration_status_aggregate_only():
    xml = (
        "<cliOutput><volRemoveBrick><task-id>t-2</task-id><aggregate><files>3</files>"
        "<failures>2</failures><status>3</status><statusStr>completed</statusStr>"
        "<runtime>4.50</runtime></aggregate></volRemoveBrick></cliOutput>"
    )
    result = gx.parse_migration_status(xml)
    assert result["nodes"] == []
    assert result["aggregate"] == counts(3, "completed", files=3, failures=2, runtime=4.5)
    assert (result["completed"], result["running"], result["failures"]) == (True, False, 2)


# --------------------------------------------------------------------------- task ids


@pytest.mark.parametrize(
    "filename, task_id",
    [
        ("rebalance_start.xml", REBALANCE_ID),
        ("rebalance_fix_layout_start.xml", FIX_LAYOUT_ID),
        ("remove_brick_start.xml", REMOVE_ID),
        ("remove_brick_commit.xml", REMOVE_ID),
        # "remove-brick replica N ... force" runs no task: an empty <volRemoveBrick/>
        ("remove_brick_replica.xml", ""),
        ("volume_start.xml", ""),
    ],
)
def test_task_id(filename, task_id):
    assert gx.parse_task_id(read(filename)) == task_id


def test_task_id_matches_the_status_of_the_same_task():
    assert (
        gx.parse_task_id(read("rebalance_start.xml"))
        == gx.parse_migration_status(read("rebalance_status_completed.xml"))["task_id"]
    )
    assert (
        gx.parse_task_id(read("rebalance_fix_layout_start.xml"))
        == gx.parse_migration_status(read("rebalance_status_fix_layout.xml"))["task_id"]
    )
    assert (
        gx.parse_task_id(read("remove_brick_start.xml"))
        == gx.parse_migration_status(read("remove_brick_status_started.xml"))["task_id"]
    )


# --------------------------------------------------------------------------- volume status tasks


def test_volume_tasks_none():
    assert gx.parse_volume_tasks(read("volume_status_tasks_none.xml")) == {"rep": []}


def test_volume_tasks_rebalance():
    assert gx.parse_volume_tasks(read("volume_status_tasks_rebalance.xml")) == {
        "rep": [
            {"type": "Rebalance", "id": REBALANCE_ID, "status": 3, "status_str": "completed", "bricks": []}
        ]
    }


def test_volume_tasks_remove_brick():
    (task,) = gx.parse_volume_tasks(read("volume_status_tasks_remove_brick.xml"))["rep"]
    assert task == {
        "type": "Remove brick",
        "id": REMOVE_ID,
        "status": 3,
        "status_str": "completed",
        "bricks": [brick(1, "r1"), brick(2, "r1"), brick(3, "r1")],
    }
    assert task["id"] == gx.parse_task_id(read("remove_brick_start.xml"))


def test_volume_tasks_of_a_plain_volume_status():
    # "volume status rep3" carries an empty <tasks/> as well
    assert gx.parse_volume_tasks(read("volume_status_rep3.xml")) == {"rep3": []}


# --------------------------------------------------------------------------- heal info


def test_heal_info_healthy():
    bricks = gx.parse_heal_info(read("heal_info_healthy.xml"))
    assert bricks == [
        {
            "name": brick(node, "r0"),
            "host": f"127.1.8.{node}",
            "path": f"{BRICK_ROOT}/node{node}/bricks/r0",
            "host_uuid": uuid,
            "connected": True,
            "status": "Connected",
            "entries": 0,
        }
        for node, uuid in ((1, NODE1_UUID), (2, NODE2_UUID), (3, NODE3_UUID))
    ]


PENDING_FILES = [
    "/file48",
    "/file41",
    "/",
    "/file42",
    "/file45",
    "/file44",
    "/file46",
    "/file49",
    "/file43",
    "/file47",
    "/file40",
]

DOWN_BRICK = {
    "name": brick(3, "r0"),
    "host": "127.1.8.3",
    "path": f"{BRICK_ROOT}/node3/bricks/r0",
    "host_uuid": None,
    "connected": False,
    "status": "Transport endpoint is not connected",
    "entries": None,
}


def test_heal_info_brick_down_lists_pending_files():
    first, second, down = gx.parse_heal_info(read("heal_info_brick_down.xml"))
    for entry, uuid in ((first, NODE1_UUID), (second, NODE2_UUID)):
        assert entry["host_uuid"] == uuid
        assert entry["connected"] is True
        assert entry["status"] == "Connected"
        assert entry["entries"] == 11
        assert entry["files"] == PENDING_FILES
        assert len(entry["files"]) == entry["entries"]
    assert first["name"] == brick(1, "r0")
    assert second["name"] == brick(2, "r0")
    assert down == DOWN_BRICK


def test_heal_split_brain_brick_down():
    bricks = gx.parse_heal_info(read("heal_split_brain_brick_down.xml"))
    assert [(b["name"], b["entries"], b["connected"]) for b in bricks] == [
        (brick(1, "r0"), 0, True),
        (brick(2, "r0"), 0, True),
        (brick(3, "r0"), None, False),
    ]
    assert bricks[2] == DOWN_BRICK
    assert not any("files" in b for b in bricks)


def summary_counts(entry):
    return entry["entries"], entry["pending"], entry["split_brain"], entry["possibly_healing"]


def test_heal_summary_healthy():
    bricks = gx.parse_heal_info(read("heal_summary_healthy.xml"))
    assert [b["host_uuid"] for b in bricks] == [NODE1_UUID, NODE2_UUID, NODE3_UUID]
    for entry in bricks:
        assert entry["connected"] is True
        assert summary_counts(entry) == (0, 0, 0, 0)
        assert "files" not in entry


def test_heal_summary_brick_down():
    first, second, down = gx.parse_heal_info(read("heal_summary_brick_down.xml"))
    for entry in (first, second):
        assert entry["connected"] is True
        assert summary_counts(entry) == (11, 11, 0, 0)
    assert down["name"] == brick(3, "r0")
    assert down["connected"] is False
    assert down["host_uuid"] is None
    assert down["entries"] is None
    # glfsheal 10.3 printed "...not connected)totalNumberOfEntries0": the junk is cut off
    assert down["status"] == "Failed to process entries completely. (Transport endpoint is not connected)"
    assert "totalNumberOfEntries" not in down["status"]
    for key in ("pending", "split_brain", "possibly_healing"):
        assert down.get(key) is None


def test_heal_info_gfid_only_entries():
    xml = (
        "<cliOutput><healInfo><bricks><brick hostUuid='u1'><name>h1:/b/1</name>"
        "<file gfid='aaaa-1'>/dir/f</file><file gfid='bbbb-2'/><file gfid='cccc-3'>  </file>"
        "<status>Connected</status><numberOfEntries>3</numberOfEntries></brick>"
        "</bricks></healInfo></cliOutput>"
    )
    (entry,) = gx.parse_heal_info(xml)
    assert entry["files"] == ["/dir/f", "<gfid:bbbb-2>", "<gfid:cccc-3>"]
    assert entry["host_uuid"] == "u1"


def test_heal_info_accepts_an_element():
    text = read("heal_info_brick_down.xml")
    assert gx.parse_heal_info(ET.fromstring(text)) == gx.parse_heal_info(text)


# --------------------------------------------------------------------------- malformed input


def truncated(name):
    text = read(name)
    return text[: len(text) // 2]


def replaced(name, old, new):
    text = read(name)
    assert old in text, old
    return text.replace(old, new, 1)


MALFORMED = [
    pytest.param(
        gx.parse_migration_status, truncated("rebalance_status_completed.xml"), id="status-truncated"
    ),
    pytest.param(gx.parse_migration_status, read("volume_start.xml"), id="status-no-volRebalance"),
    pytest.param(
        gx.parse_migration_status, read("remove_brick_replica.xml"), id="status-empty-volRemoveBrick"
    ),
    pytest.param(
        gx.parse_migration_status,
        replaced("rebalance_status_completed.xml", "<failures>0</failures>", "<failures>lots</failures>"),
        id="status-failures-not-a-number",
    ),
    pytest.param(
        gx.parse_migration_status,
        replaced("remove_brick_status_failures.xml", "<status>3</status>", "<status>done</status>"),
        id="status-status-not-a-number",
    ),
    pytest.param(gx.parse_task_id, truncated("rebalance_start.xml"), id="task-id-truncated"),
    pytest.param(
        gx.parse_volume_tasks, truncated("volume_status_tasks_remove_brick.xml"), id="tasks-truncated"
    ),
    pytest.param(gx.parse_volume_tasks, read("rebalance_start.xml"), id="tasks-no-volStatus"),
    pytest.param(
        gx.parse_volume_tasks,
        replaced("volume_status_tasks_rebalance.xml", "<status>3</status>", "<status>x</status>"),
        id="tasks-status-not-a-number",
    ),
    pytest.param(gx.parse_heal_info, truncated("heal_info_brick_down.xml"), id="heal-truncated"),
    pytest.param(gx.parse_heal_info, read("volume_status_rep3.xml"), id="heal-no-healInfo"),
    pytest.param(gx.parse_heal_info, "", id="heal-empty"),
    pytest.param(
        gx.parse_heal_info,
        replaced(
            "heal_info_healthy.xml",
            "<numberOfEntries>0</numberOfEntries>",
            "<numberOfEntries>many</numberOfEntries>",
        ),
        id="heal-entries-not-a-number",
    ),
    pytest.param(
        gx.parse_heal_info,
        replaced(
            "heal_summary_healthy.xml", "<numberOfEntriesInSplitBrain>0<", "<numberOfEntriesInSplitBrain>?<"
        ),
        id="heal-summary-count-not-a-number",
    ),
    pytest.param(
        gx.parse_heal_info,
        replaced("heal_info_healthy.xml", f"<name>{brick(1, 'r0')}</name>", "<name>no-colon</name>"),
        id="heal-brick-not-host-path",
    ),
]


@pytest.mark.parametrize("parser, text", MALFORMED)
def test_malformed_input_raises_parse_error(parser, text):
    with pytest.raises(gx.GlusterParseError):
        parser(text)


def test_parse_error_names_what_is_missing():
    with pytest.raises(gx.GlusterParseError, match="no <healInfo/bricks> in <cliOutput>"):
        gx.parse_heal_info(read("volume_status_rep3.xml"))
    with pytest.raises(gx.GlusterParseError, match="<volRemoveBrick> has neither <node> nor <aggregate>"):
        gx.parse_migration_status(read("remove_brick_replica.xml"))
    with pytest.raises(gx.GlusterParseError, match=r"<numberOfEntries> is not a number: 'many'"):
        gx.parse_heal_info(replaced("heal_info_healthy.xml", "<numberOfEntries>0<", "<numberOfEntries>many<"))


def test_migration_status_runtime_not_a_number_is_a_parse_error():
    text = replaced("rebalance_status_completed.xml", "<runtime>2.00</runtime>", "<runtime>fast</runtime>")
    with pytest.raises(gx.GlusterParseError, match="runtime"):
        gx.parse_migration_status(text)


def test_migration_status_runtime_not_available_reads_as_zero():
    text = replaced("rebalance_status_completed.xml", "<runtime>2.00</runtime>", "<runtime>N/A</runtime>")
    parsed = gx.parse_migration_status(text)
    runtimes = [node["runtime"] for node in parsed["nodes"]] + [parsed["aggregate"]["runtime"]]
    assert 0.0 in runtimes and 2.0 in runtimes


# --------------------------------------------------------------------------- error answers via check_xml


BRICK_SPEC = brick(1, "r1")


@pytest.mark.parametrize(
    "filename, args, errstr, errno",
    [
        ("rebalance_status_never.xml", ["volume", "rebalance", "rep", "status"], NOT_DISTRIBUTE, 30800),
        (
            "remove_brick_status_none.xml",
            ["volume", "remove-brick", "rep", BRICK_SPEC, "status"],
            NOT_DISTRIBUTE,
            30800,
        ),
        (
            "add_brick_wrong_count.xml",
            ["volume", "add-brick", "rep", BRICK_SPEC],
            "Incorrect number of bricks supplied 1 with count 3",
            0,
        ),
    ],
)
def test_error_answers_raise_command_execution_error(filename, args, errstr, errno):
    config = gcli.make_config(minion_config={"socket": "/run/day2/glusterd.socket"})
    command = "gluster " + " ".join(args)
    with pytest.raises(CommandExecutionError) as excinfo:
        gcli.check_xml(read(filename), args, config)
    exc = excinfo.value
    assert not isinstance(exc, gcli.GlusterLockError)
    assert exc.info == {"command": command, "errno": errno, "opRet": -1, "opErrstr": errstr}
    assert exc.strerror.startswith(
        f"{command} failed on glusterd socket /run/day2/glusterd.socket: {errstr} (errno {errno})"
    )


@pytest.mark.parametrize(
    "filename",
    ["rebalance_status_completed.xml", "remove_brick_status_started.xml", "remove_brick_stop.xml"],
)
def test_successful_answers_pass_check_xml_into_the_parser(filename):
    root = gcli.check_xml(read(filename), ["volume", "rebalance", "rep", "status"], gcli.make_config())
    assert gx.parse_migration_status(root) == gx.parse_migration_status(read(filename))
