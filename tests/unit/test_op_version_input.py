"""An op-version from the command line or an SLS is ASCII digits or ``max``: Python's ``int``
also reads fullwidth and other Unicode digits, underscores and signs, which no operator means."""

import pytest
from salt.exceptions import SaltInvocationError

from conftest import answer_gluster_with
from conftest import load_loader_module

GLUSTER = load_loader_module("gluster_op_version_input_unit", "gluster.py")
STATES = load_loader_module("gluster_op_version_input_states_unit", "gluster.py", folder="_states")

NOT_NUMBERS = [
    "\uff11\uff10\uff10\uff10\uff10\uff10",
    "\u0661\u0660",
    "100_000",
    "+100000",
    "-1",
    "0",
    "1e5",
    "",
    "max2",
    True,
]


@pytest.mark.parametrize("version", NOT_NUMBERS)
def test_the_module_refuses_it_before_asking_gluster(monkeypatch, version):
    calls = []
    answer_gluster_with(monkeypatch, GLUSTER, lambda config, args, **kwargs: calls.append(args))
    with pytest.raises(SaltInvocationError, match="op-version must be a number or 'max'"):
        GLUSTER.op_version_set(version)
    assert calls == []


@pytest.mark.parametrize("version", NOT_NUMBERS)
def test_the_state_refuses_it_before_asking_gluster(monkeypatch, version):
    calls = []
    monkeypatch.setattr(
        STATES, "__salt__", {"gluster.op_version": lambda: calls.append("read")}, raising=False
    )
    monkeypatch.setattr(STATES, "__opts__", {"test": False}, raising=False)
    ret = STATES.op_version(version)
    assert ret["result"] is False and ret["changes"] == {}
    assert "op-version must be a number or 'max'" in ret["comment"]
    assert calls == []


@pytest.mark.parametrize("version", [100000, "100000", "max", "MAX"])
def test_numbers_and_max_still_reach_gluster(monkeypatch, version):
    monkeypatch.setattr(
        STATES, "__salt__", {"gluster.op_version": lambda: {"current": 100000, "max": 100000}}, raising=False
    )
    monkeypatch.setattr(STATES, "__opts__", {"test": False}, raising=False)
    ret = STATES.op_version(version)
    assert ret["result"] is True, ret
    assert ret["comment"] == "cluster op-version is 100000"
