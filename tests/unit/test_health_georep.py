"""The ``georep`` health condition and its events on real answers of gluster 10.3: a session
whose workers went Faulty because its secondary volume was stopped (captured by
tests/data/study_georep_faulty.py) and a healthy Active one (tests/data/capture_georep.py)."""

from pathlib import Path

import saltext_gluster_utils.gluster_health as gh
import saltext_gluster_utils.gluster_xml as gx

DATA = Path(__file__).parent.parent / "data" / "georep"
KEY = "georep:primvol:127.1.11.1::secvol"


def conditions(name):
    return gh.georep_conditions(gx.parse_georep_status((DATA / name).read_text(encoding="utf-8")))


def test_a_session_with_faulty_workers_is_a_problem_naming_them():
    (session,) = gx.parse_georep_status((DATA / "status_faulty.xml").read_text(encoding="utf-8"))
    assert [p["status"] for p in session["pairs"]] == ["Faulty", "Faulty"]
    assert all(
        p["crawl_status"] is None and p["last_synced"] is None and p["entry"] is None
        for p in session["pairs"]
    )
    assert conditions("status_faulty.xml") == {
        KEY: {
            "kind": "georep",
            "problem": True,
            "volume": "primvol",
            "secondary": "127.1.11.1::secvol",
            "faulty": [
                "127.1.10.1:/tmp/study-georep-faulty/run/prim/node1/bricks/b1",
                "127.1.10.2:/tmp/study-georep-faulty/run/prim/node2/bricks/b1",
            ],
        }
    }


def test_an_active_session_is_no_problem():
    assert conditions("status_active.xml") == {
        KEY: {
            "kind": "georep",
            "problem": False,
            "volume": "primvol",
            "secondary": "127.1.11.1::secvol",
            "faulty": [],
        }
    }


def test_the_status_of_all_sessions_gives_the_same_condition():
    """``gluster.health`` reads the status of all sessions, where gluster writes a root session's
    secondary ``ssh://host::volume`` (``host::volume`` in a session's own status): the condition
    is the same either way, as the beacon keys and reports it."""
    (session,) = gx.parse_georep_status((DATA / "status_all_sessions.xml").read_text(encoding="utf-8"))
    assert session["secondary"] == "127.1.11.1::secvol" and session["secondary_user"] == "root"
    assert conditions("status_all_sessions.xml") == conditions("status_active.xml")


def test_going_faulty_and_back_fires_one_event_each_way():
    healthy, faulty = conditions("status_active.xml"), conditions("status_faulty.xml")
    went_bad = gh.events(healthy, faulty)
    assert [(e["tag"], e["condition"]) for e in went_bad] == [("georep/faulty", KEY)]
    assert went_bad[0]["faulty"] == faulty[KEY]["faulty"]
    assert [(e["tag"], e["condition"], e["faulty"]) for e in gh.events(faulty, healthy)] == [
        ("georep/healthy", KEY, [])
    ]
    assert gh.events(faulty, faulty) == []  # still Faulty, the same workers: not announced again
    assert [e["tag"] for e in gh.events(None, faulty)] == ["georep/faulty"]  # the beacon's first look
    assert gh.events(None, healthy) == []
