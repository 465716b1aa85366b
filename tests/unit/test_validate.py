"""Validators of ``_utils/gluster_validate.py``."""

import pytest
import saltext_gluster_utils.gluster_validate as gv
from salt.exceptions import SaltInvocationError

# --------------------------------------------------------------------------- volume names


@pytest.mark.parametrize("name", ["vol1", "a-b_c", "V", "0vol", "x" * 128, "allx", "my-all"])
def test_volume_name_good(name):
    assert gv.volume_name_problems(name) == []


@pytest.mark.parametrize(
    "name, fragment",
    [
        ("", "must be a non-empty string"),
        (None, "must be a non-empty string"),
        (5, "must be a non-empty string"),
        ("a b", "is not allowed"),
        ("a;b", "is not allowed"),
        ("$x", "is not allowed"),
        ("../x", "is not allowed"),
        ("a/b", "is not allowed"),
        ("a.b", "is not allowed"),
        ("-lead", "is not allowed"),
        ("_lead", "is not allowed"),
        ("x" * 129, "129 characters long; at most 128 allowed"),
        ("all", "is reserved"),
        ("ALL", "is reserved"),
        ("help", "is reserved"),
        ("status", "is reserved"),
        ("vol\x00", "is not allowed"),
        ("\u0432\u043el", "is not allowed"),
        ("v\u043el", "is not allowed"),  # Cyrillic 'о' (U+043E) instead of Latin 'o'
    ],
)
def test_volume_name_bad(name, fragment):
    problems = gv.volume_name_problems(name)
    assert len(problems) == 1
    assert problems[0].startswith("volume name ")
    assert fragment in problems[0]


def test_volume_name_trailing_newline():
    assert gv.volume_name_problems("vol\n") != []


def test_volume_name_where_prefix():
    assert gv.volume_name_problems("a b", where="pillar gluster:volumes:x")[0].startswith(
        "pillar gluster:volumes:x 'a b'"
    )


# --------------------------------------------------------------------------- hostnames


@pytest.mark.parametrize(
    "host",
    [
        "gfs1",
        "gfs1.example.com",
        "gfs1.example.com.",
        "127.1.1.1",
        "::1",
        "[::1]",
        "fe80::1",
        "a" * 63,
        ".".join(["a" * 63] * 3) + "." + "a" * 61,  # 253 characters
    ],
)
def test_hostname_good(host):
    assert gv.hostname_problems(host) == []


@pytest.mark.parametrize(
    "host, fragment",
    [
        ("", "must be a non-empty hostname"),
        (None, "must be a non-empty hostname"),
        ("-x", "is not a valid hostname"),
        ("x-", "is not a valid hostname"),
        ("a b", "is not a valid hostname"),
        ("a;rm", "is not a valid hostname"),
        ("a..b", "is not a valid hostname"),
        ("a_b", "is not a valid hostname"),
        ("$(id)", "is not a valid hostname"),
        ("a" * 64, "is not a valid hostname"),
        ("x" * 300, "is longer than 253 characters"),
    ],
)
def test_hostname_bad(host, fragment):
    problems = gv.hostname_problems(host)
    assert len(problems) == 1
    assert problems[0].startswith("host ")
    assert fragment in problems[0]


def test_hostname_trailing_newline():
    assert gv.hostname_problems("gfs1\n") != []


# --------------------------------------------------------------------------- bricks


@pytest.mark.parametrize(
    "spec",
    [
        "h:/bricks/b1",
        "gfs1.example.com:/data/glusterfs/vol1/brick1",
        "127.1.1.1:/tmp/b",
        "[::1]:/b",
        "fe80::1:/b",
        "h:/a.b/c_d/e-f/g+h=i,j@k",
    ],
)
def test_brick_good(spec):
    assert gv.brick_problems(spec) == []


@pytest.mark.parametrize(
    "spec, fragment",
    [
        ("h:relative", "must be an absolute path"),
        ("h:", "must be an absolute path"),
        ("h:/a/../b", "must not contain '.' or '..'"),
        ("h:/a/./b", "must not contain '.' or '..'"),
        ("h:/a//b", "is not a normalised directory path"),
        ("h:/a/", "is not a normalised directory path"),
        ("h:/", "is not a normalised directory path"),
        ("/no/host", "must be written host:/absolute/path"),
        ("h:/a b", "holds characters that are not allowed"),
        ("h:/a;b", "holds characters that are not allowed"),
        ("h:/a$(x)", "holds characters that are not allowed"),
        ("h:/a`x`", "holds characters that are not allowed"),
        ("h:/a\nb", "holds characters that are not allowed"),
        ("h:/" + "a" * 4000, "4001 characters long; at most 4000 allowed"),
        (":/b", "host must be a non-empty hostname"),
        ("-h:/b", "is not a valid hostname"),
        ("a;b:/b", "is not a valid hostname"),
        (None, "must be written host:/absolute/path"),
    ],
)
def test_brick_bad(spec, fragment):
    problems = gv.brick_problems(spec)
    assert len(problems) == 1
    assert problems[0].startswith("brick ")
    assert fragment in problems[0]


def test_brick_bad_host_and_path_both_reported():
    problems = gv.brick_problems("a b:/x/../y")
    assert len(problems) == 2
    assert "host" in problems[0] and "is not a valid hostname" in problems[0]
    assert "path" in problems[1] and "'..'" in problems[1]


def test_brick_leading_double_slash():
    assert gv.brick_problems("h://a") != []


def test_brick_trailing_newline():
    assert gv.brick_problems("h:/a\n") != []


# --------------------------------------------------------------------------- options


@pytest.mark.parametrize(
    "value, expected",
    [
        (True, "on"),
        (False, "off"),
        (0, "0"),
        (64, "64"),
        (1.5, "1.5"),
        ("64MB", "64MB"),
    ],
)
def test_option_value_conversion(value, expected):
    assert gv.option_value(value) == expected
    assert gv.option_value_problems("k", value) == []


@pytest.mark.parametrize(
    "value, fragment",
    [
        ("", "has an empty value; use volume_reset"),
        ("a\nb", "contains a newline or control character"),
        ("a\tb", "contains a newline or control character"),
        ("a\x7fb", "contains a newline or control character"),
        ("--x", "must not start with '--'"),
        ("x" * 4097, "4097 characters long; at most 4096 allowed"),
        (None, "must be a string, number or boolean, got NoneType"),
        (["a"], "must be a string, number or boolean, got list"),
    ],
)
def test_option_value_bad(value, fragment):
    problems = gv.option_value_problems("performance.cache-size", value)
    assert len(problems) == 1
    assert problems[0].startswith("option performance.cache-size ")
    assert fragment in problems[0]


@pytest.mark.parametrize("key", ["performance.cache-size", "nfs.disable", "cluster.op-version", "a_b"])
def test_option_key_good(key):
    assert gv.option_key_problems(key) == []


@pytest.mark.parametrize(
    "key, fragment",
    [
        ("", "must be a non-empty string"),
        (None, "must be a non-empty string"),
        ("--x", "is not allowed"),
        ("-x", "is not allowed"),
        (".x", "is not allowed"),
        ("a b", "is not allowed"),
        ("a;b", "is not allowed"),
        ("a=b", "is not allowed"),
        ("a" * 257, "is not allowed"),
    ],
)
def test_option_key_bad(key, fragment):
    problems = gv.option_key_problems(key)
    assert len(problems) == 1
    assert fragment in problems[0]


def test_option_key_trailing_newline():
    assert gv.option_key_problems("nfs.disable\n") != []


def test_options_problems_collects_all():
    assert gv.options_problems({"nfs.disable": True, "performance.cache-size": "64MB"}) == []
    problems = gv.options_problems({"a b": "x", "ok.key": "", "k": "--z"})
    assert len(problems) == 3
    assert "'a b'" in problems[0]
    assert "empty value" in problems[1]
    assert "'--z'" in problems[2]


@pytest.mark.parametrize("options", [{}, None, [("a", "b")], "a=b"])
def test_options_problems_not_a_mapping(options):
    assert gv.options_problems(options) == ["options must be a non-empty mapping of option name to value"]


# --------------------------------------------------------------------------- layouts


def bricks(count, prefix="b"):
    return [f"gfs{i % 3 + 1}:/bricks/{prefix}{i}" for i in range(count)]


@pytest.mark.parametrize(
    "count, kwargs",
    [
        (1, {}),
        (2, {}),
        (3, {"replica": 3}),
        (6, {"replica": 3}),
        (4, {"replica": 2}),
        (3, {"replica": 3, "arbiter": 1}),
        (6, {"replica": 3, "arbiter": 1}),
        (3, {"disperse": 3}),
        (3, {"disperse": 3, "redundancy": 1}),
        (6, {"disperse": 3, "redundancy": 1}),
        (6, {"disperse": 6, "redundancy": 2}),
        (3, {"replica": "3"}),
        (3, {"transport": "rdma"}),
        (3, {"transport": "tcp,rdma"}),
    ],
)
def test_layout_good(count, kwargs):
    assert gv.layout_problems(bricks(count), **kwargs) == []


@pytest.mark.parametrize(
    "count, kwargs, fragment",
    [
        (4, {"replica": 3}, "4 bricks cannot be split into replica sets of 3"),
        (5, {"replica": 2}, "5 bricks cannot be split into replica sets of 2"),
        (2, {"replica": 2, "arbiter": 1}, "arbiter needs replica 3"),
        (3, {"arbiter": 1}, "arbiter needs replica 3"),
        (4, {"disperse": 3, "redundancy": 1}, "4 bricks cannot be split into disperse sets of 3"),
        (3, {"disperse": 3, "redundancy": 2}, "redundancy 2 must be less than half of disperse 3"),
        (4, {"disperse": 4, "redundancy": 2}, "redundancy 2 must be less than half of disperse 4"),
        (3, {"redundancy": 1}, "redundancy is only valid with disperse"),
        (3, {"transport": "udp"}, "transport 'udp' must be one of tcp, rdma, tcp,rdma"),
        (3, {"replica": 1}, "replica must be a whole number of at least 2"),
        (3, {"replica": "three"}, "replica must be a whole number, got 'three'"),
        (3, {"replica": True}, "replica must be a whole number, got True"),
        (3, {"replica": 3.0}, "replica must be a whole number of at least 2, got 3.0"),
        (2, {"disperse": 2}, "disperse must be a whole number of at least 3"),
        (3, {"disperse": 3, "redundancy": 0}, "redundancy must be a whole number of at least 1"),
    ],
)
def test_layout_bad(count, kwargs, fragment):
    problems = gv.layout_problems(bricks(count), **kwargs)
    assert any(fragment in p for p in problems), problems
    assert all(p.startswith("volume") for p in problems)


def test_layout_arbiter_must_be_one():
    problems = gv.layout_problems(bricks(3), replica=3, arbiter=2)
    assert problems == ["volume: arbiter must be 1 (one arbiter brick per replica set)"]


def test_layout_replica_and_disperse():
    problems = gv.layout_problems(bricks(6), replica=3, disperse=3)
    assert problems == ["volume: replica and disperse cannot both be set; choose one volume type"]


def test_layout_duplicate_bricks():
    specs = ["gfs1:/b/1", "gfs2:/b/1", "gfs1:/b/1", "gfs3:/b/1", "gfs2:/b/1", "gfs3:/b/2"]
    problems = gv.layout_problems(specs, replica=3)
    assert problems == ["volume: bricks listed twice: gfs1:/b/1, gfs2:/b/1"]


@pytest.mark.parametrize("value", [[], None, "gfs1:/b", ()])
def test_layout_no_bricks(value):
    assert gv.layout_problems(value, where="vol1") == [
        "vol1: bricks must be a non-empty list of host:/path entries"
    ]


def test_layout_reports_several_problems_at_once():
    specs = ["gfs1:/b/1", "gfs1:/b/1", "bad host:/b", "gfs2:relative"]
    problems = gv.layout_problems(specs, replica=3, disperse=3, redundancy=2, transport="udp", where="v")
    assert len(problems) > 1
    joined = "\n".join(problems)
    for fragment in (
        "v brick 3 'bad host:/b' host",
        "v brick 4 'gfs2:relative' path",
        "bricks listed twice: gfs1:/b/1",
        "transport 'udp'",
        "replica and disperse cannot both be set",
        "redundancy 2 must be less than half of disperse 3",
        "4 bricks cannot be split into disperse sets of 3",
        "4 bricks cannot be split into replica sets of 3",
    ):
        assert fragment in joined, fragment
    assert len(problems) == 8


# --------------------------------------------------------------------------- raise_if_problems


def test_raise_if_problems_quiet_when_empty():
    assert gv.raise_if_problems([]) is None
    assert gv.raise_if_problems([], "whatever") is None


def test_raise_if_problems_joins_all_messages():
    problems = gv.volume_name_problems("a b") + gv.hostname_problems("-x") + gv.brick_problems("h:/a/")
    assert len(problems) == 3
    with pytest.raises(SaltInvocationError) as excinfo:
        gv.raise_if_problems(problems, "bad pillar")
    message = str(excinfo.value)
    assert message == "bad pillar: " + "; ".join(problems)
    for problem in problems:
        assert problem in message


def test_raise_if_problems_default_prefix():
    with pytest.raises(SaltInvocationError, match="^invalid input: one; two$"):
        gv.raise_if_problems(["one", "two"])


@pytest.mark.parametrize("value", ["--remote-host=10.0.0.9", "--log-file=/tmp/pwned", "--"])
def test_free_text_for_gluster_never_starts_with_two_dashes(value):
    """One rule (cli_word_problems) for every free-text value placed in a gluster argv."""
    for problems in (
        gv.option_value_problems("auth.allow", value),
        gv.snapshot_description_problems(value),
        gv.georep_config_problems({"log-level": value}),
    ):
        assert problems and "must not start with '--'" in problems[0], problems
    # the same words inside a value are plain text to gluster
    assert gv.snapshot_description_problems(f"before {value}") == []
    assert gv.georep_config_problems({"log-level": f"x{value}"}) == []
