"""Which geo-replication lines may reach a secondary node's ``authorized_keys``: exactly what
gluster's ``gsec_create`` writes (``tests/data/georep/common_secret.pem.pub``, captured from
real gsec_create on this machine by ``tests/data/capture_gsec.py``: gsyncd's key and tar's key
for each of two nodes, each with gluster's forced command), at the documented distribution
paths, and nothing else: each forged variant is refused, naming its pillar path or its mine
source. Also which minions a ``geo_replication_from`` source may take keys from (exact minion
ids only), and the ``gluster.georep_authorized_keys`` state's decisions on mine answers (the
mine and ``ssh`` functions are stand-ins here; tests/integration/test_georep_keys.py runs them
for real with a master, a mine and sshd)."""

import base64
import subprocess
from pathlib import Path

import pytest
import saltext_gluster_utils.gluster_pillar as gp
import saltext_gluster_utils.gluster_validate as gv
from salt.exceptions import SaltInvocationError

from conftest import load_loader_module

DATA = Path(__file__).parent.parent / "data" / "georep"
HONEST = (DATA / "common_secret.pem.pub").read_text().splitlines()
CONTAINER = (DATA / "common_secret_container.pem.pub").read_text().splitlines()
GSYNCD_LINE, TAR_LINE = HONEST[0], HONEST[1]
KEY = GSYNCD_LINE.split(" ", 1)[1]  # "ssh-rsa AAAA... root@vm"
OTHER_KEY = HONEST[2].split(" ", 1)[1]
STATES = load_loader_module("gluster_georep_keys_states_unit", "gluster.py", folder="_states")


def problems(line):
    return gv.georep_authorized_key_problems(line, "gluster:geo_replication_from:0:keys:0")


def test_the_captured_lines_are_what_gsec_create_writes_on_debian():
    assert len(HONEST) == 4 and len(CONTAINER) == 4
    assert [line.rsplit(" ", 3)[0] for line in HONEST] == [
        'command="/usr/lib/x86_64-linux-gnu/glusterfs/gsyncd"',
        'command="tar ${SSH_ORIGINAL_COMMAND#* }"',
    ] * 2
    # the container variant is the same keys with no restriction at all
    assert [line.split('" ', 1)[1] for line in HONEST] == CONTAINER


@pytest.mark.parametrize("line", HONEST)
def test_every_line_gsec_create_wrote_is_accepted(line, tmp_path):
    assert problems(line) == []
    parts = gv.georep_authorized_key(line)
    options, enc, key, comment = line.rsplit(" ", 3)
    assert parts == {
        "options": [options],
        "enc": enc,
        "key": key,
        "comment": comment,
        "fingerprint": parts["fingerprint"],
    }
    assert enc == "ssh-rsa" and comment == "root@vm"
    # the fingerprint reported in changes is the one ssh-keygen shows
    (tmp_path / "key.pub").write_text(f"{enc} {key} {comment}\n")
    shown = subprocess.run(["ssh-keygen", "-l", "-E", "sha256", "-f", str(tmp_path / "key.pub")],
                           capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert shown.split()[1] == parts["fingerprint"], shown


@pytest.mark.parametrize(
    "libexecdir",
    [
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
        "/usr/lib/arm-linux-gnueabihf",
        "/usr/libexec",
        "/usr/lib",
        "/usr/local/libexec",
    ],
)
def test_gsyncd_at_each_distributions_libexecdir_is_accepted(libexecdir):
    assert problems(f'command="{libexecdir}/glusterfs/gsyncd" {KEY}') == []


def test_other_key_types_gluster_may_make_are_accepted(tmp_path):
    for kind in ("ed25519", "ecdsa"):
        subprocess.run(
            ["ssh-keygen", "-q", "-N", "", "-t", kind, "-C", "root@gfs1", "-f", str(tmp_path / kind)],
            check=True,
        )
        public = (tmp_path / f"{kind}.pub").read_text().strip()
        assert problems(f'command="/usr/libexec/glusterfs/gsyncd" {public}') == [], public


BLOB = base64.b64decode(KEY.split()[1])
FORGED = {
    "no restriction (gsec_create container)": (CONTAINER[0], "has no forced command"),
    "a shell as the command": (f'command="/bin/sh" {KEY}', "forces the command '/bin/sh', not gluster's"),
    "a shell behind gsyncd's name": (f'command="/tmp/glusterfs/gsyncd" {KEY}', "not gluster's"),
    "a wrong gsyncd path": (
        f'command="/usr/lib/x86_64-linux-gnu/glusterfs/gsyncd.real" {KEY}',
        "not gluster's",
    ),
    "a path out of libexecdir": (f'command="/usr/lib/../../tmp/glusterfs/gsyncd" {KEY}', "not gluster's"),
    "a command after gsyncd": (f'command="/usr/libexec/glusterfs/gsyncd; sh" {KEY}', "not gluster's"),
    "tar with other arguments": (
        f'command="tar --to-command=sh ${{SSH_ORIGINAL_COMMAND#* }}" {KEY}',
        "not gluster's",
    ),
    "an escaped quote": (f'command="/usr/libexec/glusterfs/gsyncd\\" {KEY}', "unterminated or escaped"),
    "an unterminated command": ('command="/usr/libexec/glusterfs/gsyncd ' + KEY, "unterminated or escaped"),
    "a second option after the command": (
        f'command="/usr/libexec/glusterfs/gsyncd",environment="LD_PRELOAD=/tmp/x" {KEY}',
        "carries options besides",
    ),
    "an option before the command": (
        f'from="10.0.0.1",command="/usr/libexec/glusterfs/gsyncd" {KEY}',
        "starts with options other than",
    ),
    "a second key on the line": (f"{GSYNCD_LINE} {OTHER_KEY}", "exactly one key"),
    "a second key in the comment's place": (
        f'command="/usr/libexec/glusterfs/gsyncd" {KEY.rsplit(" ", 1)[0]} {OTHER_KEY}',
        "exactly one key",
    ),
    "a newline and an unrestricted key": (f"{GSYNCD_LINE}\n{OTHER_KEY}", "line break"),
    "a carriage return": (f"{GSYNCD_LINE}\r{OTHER_KEY}", "line break"),
    "a tab between the fields": (GSYNCD_LINE.replace(" ssh-rsa ", "\tssh-rsa "), "control character"),
    "two spaces": (GSYNCD_LINE.replace(" ssh-rsa ", "  ssh-rsa "), "exactly one key"),
    "a trailing space": (GSYNCD_LINE + " ", "exactly one key"),
    "no key": ('command="/usr/libexec/glusterfs/gsyncd" ssh-rsa', "exactly one key"),
    "an unknown key type": (GSYNCD_LINE.replace(" ssh-rsa ", " ssh-dss "), "key type 'ssh-dss'"),
    "base64 with junk": (GSYNCD_LINE.replace(" AAAA", " AA*A"), "not well-formed base64"),
    "base64 badly padded": (GSYNCD_LINE.replace(" root@vm", "= root@vm"), "not well-formed base64"),
    "a truncated blob": (
        f'command="/usr/libexec/glusterfs/gsyncd" ssh-rsa {base64.b64encode(BLOB[:-9]).decode()} root@vm',
        "not an ssh-rsa public key",
    ),
    "an rsa blob named ed25519": (
        f'command="/usr/libexec/glusterfs/gsyncd" ssh-ed25519 {KEY.split()[1]} root@vm',
        "not an ssh-ed25519 public key",
    ),
    "a comment of shell text": (GSYNCD_LINE.replace("root@vm", "$(reboot)"), "must be one word"),
    "non-ASCII text": (GSYNCD_LINE.replace("root@vm", "root@vm\u2028"), "non-ASCII"),
    "an empty line": ("", "must be one authorized_keys line"),
    "not text": (["ssh-rsa", "AAAA"], "must be one authorized_keys line"),
}


@pytest.mark.parametrize("what", FORGED)
def test_each_forged_line_is_refused_naming_its_place(what):
    line, reason = FORGED[what]
    found = problems(line)
    assert (
        len(found) == 1
        and found[0].startswith("gluster:geo_replication_from:0:keys:0: ")
        and reason in found[0]
    ), found
    with pytest.raises(SaltInvocationError, match="^'|^\\["):
        gv.georep_authorized_key(line)


def test_the_pillar_refuses_forged_keys_by_their_path():
    raw = {
        "nodes": {"gfs1": "10.0.0.1"},
        "geo_replication_from": [
            {"keys": HONEST},
            {"keys": [TAR_LINE, CONTAINER[1], f'command="/bin/sh" {KEY}']},
        ],
    }
    _model, found = gp.build_model(raw, "gfs1")
    assert [p.split(": ", 1)[0] for p in found] == [
        "gluster:geo_replication_from:1:keys:1",
        "gluster:geo_replication_from:1:keys:2",
    ], found
    model, found = gp.build_model(
        {"nodes": {"gfs1": "10.0.0.1"}, "geo_replication_from": [{"keys": HONEST}]}, "gfs1"
    )
    assert found == [] and model["georep_from"] == [
        {"minions": [], "keys": HONEST, "user": "root", "config": None}
    ]


@pytest.mark.parametrize(
    "source, minions",
    [
        ({"minion": "gfs1"}, ["gfs1"]),
        ({"minion": "gfs1.example.com", "tgt_type": "glob"}, ["gfs1.example.com"]),
        ({"minion": ["gfs1", "gfs2"]}, ["gfs1", "gfs2"]),
        ({"minion": "gfs1,gfs2", "tgt_type": "list"}, ["gfs1", "gfs2"]),
        ({"minion": ["gfs1"], "tgt_type": "list"}, ["gfs1"]),
    ],
)
def test_mine_sources_named_by_minion_id_are_kept(source, minions):
    model, found = gp.build_model({"nodes": {"gfs1": "10.0.0.1"}, "geo_replication_from": [source]}, "gfs1")
    assert found == [] and model["georep_from"] == [
        {"minions": minions, "keys": [], "user": "root", "config": None}
    ]


@pytest.mark.parametrize(
    "source, path, reason",
    [
        ({"minion": "gfs*"}, "0:minion", "is a glob pattern"),
        ({"minion": "gfs[12]", "tgt_type": "glob"}, "0:minion", "is a glob pattern"),
        ({"minion": ["gfs1", "prim?"]}, "0:minion:1", "is a glob pattern"),
        ({"minion": "gfs1,gfs2"}, "0:minion", "names several minions: give them as a list"),
        ({"minion": "role:primary", "tgt_type": "grain"}, "0:tgt_type", "'grain' is refused"),
        ({"minion": "role:prim.*", "tgt_type": "grain_pcre"}, "0:tgt_type", "'grain_pcre' is refused"),
        ({"minion": "gfs[0-9]+", "tgt_type": "pcre"}, "0:tgt_type", "'pcre' is refused"),
        ({"minion": "10.0.0.0/24", "tgt_type": "ipcidr"}, "0:tgt_type", "'ipcidr' is refused"),
        ({"minion": "G@role:primary", "tgt_type": "compound"}, "0:tgt_type", "'compound' is refused"),
        ({"minion": "role:primary", "tgt_type": "pillar"}, "0:tgt_type", "'pillar' is refused"),
        ({"minion": "gfs1\nx"}, "0:minion", "must be a minion id"),
        ({"minion": []}, "0:minion", "must be the primary leader's minion id"),
        ({"keys": HONEST, "tgt_type": "list"}, "0:tgt_type", "only with minion"),
    ],
)  # fmt: skip
def test_mine_sources_by_pattern_or_minion_data_are_refused_naming_the_key(source, path, reason):
    _model, found = gp.build_model({"nodes": {"gfs1": "10.0.0.1"}, "geo_replication_from": [source]}, "gfs1")
    assert any(p.startswith(f"gluster:geo_replication_from:{path}: ") and reason in p for p in found), found


class Salt(dict):
    """The mine's answer and an ``authorized_keys`` held in memory (``ssh.check_key`` /
    ``ssh.set_auth_key`` as Salt's ssh module answers them)."""

    def __init__(self, mine, present=()):
        super().__init__()
        self.file = {
            gv.georep_authorized_key(line)["key"]: gv.georep_authorized_key(line)["options"]
            for line in present
        }
        self.calls = []
        self["mine.get"] = self.mine_get
        self["ssh.check_key"] = self.check_key
        self["ssh.set_auth_key"] = self.set_auth_key
        self.mine = mine

    def mine_get(self, tgt, fun, tgt_type="glob"):
        self.calls.append(("mine.get", tgt, fun, tgt_type))
        return self.mine

    def check_key(self, user, key, enc, comment, options, config=".ssh/authorized_keys"):
        return "exists" if self.file.get(key) == options else ("update" if key in self.file else "add")

    def set_auth_key(self, user, key, enc="ssh-rsa", comment="", options=None, config=".ssh/authorized_keys"):
        self.calls.append(("ssh.set_auth_key", user, key, enc, comment, options, config))
        status = self.check_key(user, key, enc, comment, options)
        self.file[key] = options
        return {"add": "new", "update": "replace", "exists": "no change"}[status]


def keys_state(monkeypatch, mine, test=False, present=(), **kwargs):
    salt = Salt(mine, present)
    monkeypatch.setattr(STATES, "__salt__", salt, raising=False)
    monkeypatch.setattr(STATES, "__opts__", {"test": test}, raising=False)
    kwargs.setdefault("minions", ["prim1"])
    return STATES.georep_authorized_keys("gluster:geo_replication_from:0", **kwargs), salt


def labels(lines):
    return [
        " ".join((p["comment"], p["enc"], p["fingerprint"])) for p in map(gv.georep_authorized_key, lines)
    ]


def test_the_state_puts_honest_mine_keys_in_place_predicting_them_first(monkeypatch):
    predicted, salt = keys_state(monkeypatch, {"prim1": HONEST}, test=True)
    assert predicted["result"] is None and predicted["changes"] == {"added": labels(HONEST)}, predicted
    assert salt.calls == [("mine.get", ["prim1"], "gluster.georep_public_keys", "list")]
    applied, salt = keys_state(monkeypatch, {"prim1": HONEST}, config="/srv/keys")
    assert applied["result"] is True and applied["changes"] == predicted["changes"], applied
    written = [c for c in salt.calls if c[0] == "ssh.set_auth_key"]
    assert [(c[5], c[3], c[2], c[4], c[6]) for c in written] == [
        ([line.rsplit(" ", 3)[0]], *line.rsplit(" ", 3)[1:], "/srv/keys") for line in HONEST]  # fmt: skip
    again, salt = keys_state(monkeypatch, {"prim1": HONEST}, present=HONEST)
    assert (
        again["result"] is True
        and again["changes"] == {}
        and not [c for c in salt.calls if c[0] == "ssh.set_auth_key"]
    )


def test_a_key_held_without_the_forced_command_gets_it(monkeypatch):
    """An unrestricted copy of a primary's key already in the file: replaced by the restricted one."""
    salt = Salt({"prim1": HONEST[:2]})
    salt.file[gv.georep_authorized_key(GSYNCD_LINE)["key"]] = []
    monkeypatch.setattr(STATES, "__salt__", salt, raising=False)
    monkeypatch.setattr(STATES, "__opts__", {"test": False}, raising=False)
    ret = STATES.georep_authorized_keys("gluster:geo_replication_from:0", minions=["prim1"])
    assert ret["result"] is True and ret["changes"] == {
        "updated": labels(HONEST[:1]),
        "added": labels(HONEST[1:2]),
    }, ret
    assert salt.file[gv.georep_authorized_key(GSYNCD_LINE)["key"]] == [GSYNCD_LINE.split(" ", 1)[0]]


@pytest.mark.parametrize(
    "mine, reason",
    [
        (
            {"prim1": [*HONEST[:3], CONTAINER[3]]},
            "the Salt mine of prim1 (gluster:geo_replication_from:0), line 4: 'ssh-rsa",
        ),
        ({"prim1": [f'command="/bin/sh" {KEY}']}, 'line 1: \'command="/bin/sh" ssh-rsa'),
        ({"prim1": [f"{GSYNCD_LINE} {OTHER_KEY}"]}, "exactly one key"),
        ({"prim1": [f"{GSYNCD_LINE}\n{OTHER_KEY}"]}, "line break"),
        (
            {"prim1": "ssh-rsa AAAA"},
            "the Salt mine of prim1 (gluster:geo_replication_from:0): gluster.georep_public_keys holds str",
        ),
        (
            {"prim1": HONEST, "rogue": HONEST[:1]},
            "the Salt mine of rogue (gluster:geo_replication_from:0): the mine answered for a minion",
        ),
        (["ssh-rsa AAAA"], "the Salt mine answered list"),
    ],
)
def test_forged_mine_answers_refuse_the_whole_source_writing_nothing(monkeypatch, mine, reason):
    for test in (True, False):
        ret, salt = keys_state(monkeypatch, mine, test=test)
        assert ret["result"] is False and ret["changes"] == {} and reason in ret["comment"], ret
        assert "refused the geo-replication keys of gluster:geo_replication_from:0" in ret["comment"]
        assert not [c for c in salt.calls if c[0] == "ssh.set_auth_key"] and salt.file == {}


def test_a_write_failing_half_way_reports_the_keys_written(monkeypatch):
    salt = Salt({"prim1": HONEST})
    real = salt["ssh.set_auth_key"]
    salt["ssh.set_auth_key"] = lambda user, key, **kw: (
        "fail" if len(salt.file) == 2 else real(user, key, **kw)
    )
    monkeypatch.setattr(STATES, "__salt__", salt, raising=False)
    monkeypatch.setattr(STATES, "__opts__", {"test": False}, raising=False)
    ret = STATES.georep_authorized_keys("gluster:geo_replication_from:0", minions="prim1")
    assert ret["result"] is False and ret["changes"] == {"added": labels(HONEST[:2])}, ret
    assert (
        "could not write key root@vm ssh-rsa SHA256:" in ret["comment"]
        and "ssh.set_auth_key: fail" in ret["comment"]
    )

    def broken(user, key, **kw):
        if salt.file:
            raise STATES.CommandExecutionError("Could not write to key file: disk full")
        return real(user, key, **kw)

    salt.file.clear()
    salt["ssh.set_auth_key"] = broken
    ret = STATES.georep_authorized_keys("gluster:geo_replication_from:0", minions="prim1")
    assert (
        ret["result"] is False
        and ret["changes"] == {"added": labels(HONEST[:1])}
        and "disk full" in ret["comment"]
    ), ret


def test_forged_pillar_keys_are_refused_by_their_path(monkeypatch):
    ret, salt = keys_state(monkeypatch, {}, minions=None, keys=[GSYNCD_LINE, f'command="/bin/sh" {KEY}'])
    assert (
        ret["result"] is False
        and 'gluster:geo_replication_from:0:keys:1: \'command="/bin/sh"' in ret["comment"]
    ), ret
    assert salt.calls == [] and salt.file == {}
    ret, salt = keys_state(monkeypatch, {}, minions=None, keys=HONEST)
    assert (
        ret["result"] is True
        and ret["changes"] == {"added": labels(HONEST)}
        and salt.calls[0][0] == "ssh.set_auth_key"
    )


def test_nothing_published_yet_names_the_primary(monkeypatch):
    ret, _salt = keys_state(monkeypatch, {})
    assert ret["result"] is False and ret["comment"].startswith(
        "no geo-replication keys from prim1 in the Salt mine yet"
    ), ret


@pytest.mark.parametrize(
    "kwargs, reason",
    [
        ({"minions": "prim*"}, "gluster:geo_replication_from:0:minion: 'prim*' is a glob pattern"),
        ({"minions": ["prim1"], "keys": HONEST}, "give minions"),
        ({"user": "root; sh"}, "gluster:geo_replication_from:0:user"),
        ({"config": "../../etc/shadow"}, "gluster:geo_replication_from:0:config"),
    ],
)
def test_bad_arguments_are_refused_before_the_mine_is_read(monkeypatch, kwargs, reason):
    ret, salt = keys_state(monkeypatch, {"prim1": HONEST}, **kwargs)
    assert ret["result"] is False and reason in ret["comment"] and salt.calls == [], ret


class Primary(dict):
    def __init__(self, lines):
        super().__init__()
        self.sent = []
        self["gluster.pool_list"] = lambda: [{"hostname": "a"}, {"hostname": "b"}]
        self["gluster.georep_public_keys"] = lambda: lines
        self["mine.send"] = lambda fun: self.sent.append(fun) or True


def test_the_primary_does_not_publish_keys_without_the_forced_command(monkeypatch):
    for lines, published in ((HONEST, True), (CONTAINER, False)):
        salt = Primary(lines)
        monkeypatch.setattr(STATES, "__salt__", salt, raising=False)
        monkeypatch.setattr(STATES, "__opts__", {"test": False}, raising=False)
        ret = STATES.georep_keys()
        assert ret["result"] is published and (salt.sent == ["gluster.georep_public_keys"]) is published, ret
        if not published:
            assert (
                "not published" in ret["comment"]
                and "common_secret.pem.pub line 1: 'ssh-rsa" in ret["comment"]
            ), ret
