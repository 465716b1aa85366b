"""gluster:repo and gluster:version: validated with the rest of the pillar, each problem at its key."""

import pytest
import saltext_gluster_utils.gluster_pillar as gp

NODES = {"gfs1": "gfs1.lab.test", "gfs2": "gfs2.lab.test"}


def problems(**keys):
    return gp.build_model({"nodes": NODES, **keys}, "gfs1")[1]


def model(**keys):
    built, found = gp.build_model({"nodes": NODES, **keys}, "gfs1")
    assert found == []
    return built


def test_no_repo_no_version_by_default():
    built = model()
    assert built["repo"] is None and built["version"] is None


def test_a_signed_upstream_repository():
    url = "https://download.gluster.org/pub/gluster/glusterfs/11/LATEST/Debian/bookworm/amd64/apt"
    key = "https://download.gluster.org/pub/gluster/glusterfs/11/rsa.pub"
    repo = model(repo={"url": url, "suite": "bookworm", "key_url": key}, version="11.1-1")["repo"]
    assert repo == {
        "url": url,
        "suite": "bookworm",
        "components": ["main"],
        "key_url": key,
        "trusted": False,
        "signed_by": "/etc/apt/keyrings/glusterfs.asc",
        "file": "/etc/apt/sources.list.d/glusterfs.list",
    }


def test_a_flat_trusted_mirror():
    repo = model(repo={"url": "file:/srv/lab-repo", "suite": "./", "trusted": True})["repo"]
    assert repo["components"] == [] and repo["trusted"] is True and repo["suite"] == "./"


@pytest.mark.parametrize(
    "repo, key, words",
    [
        ({"url": "ftp://mirror/debian"}, "gluster:repo:url", "http, https or file"),
        ({"url": "http://mirror/debian main\n"}, "gluster:repo:url", "http, https or file"),
        ({"url": "http://mirror/../etc"}, "gluster:repo:url", "http, https or file"),
        ({"url": "http://mirror/debian\n"}, "gluster:repo:url", "http, https or file"),
        ({"url": "http://m/d", "suite": "bookworm\n"}, "gluster:repo:suite", "suite name"),
        ({"url": "http://m/d", "key_url": "https://k/key\n"}, "gluster:repo:key_url", "URL"),
        ({"url": "http://m/d", "suite": "bookworm main"}, "gluster:repo:suite", "suite name"),
        ({"url": "http://m/d", "suite": "../x"}, "gluster:repo:suite", "suite name"),
        (
            {"url": "http://m/d", "components": ["main", "contrib;rm"]},
            "gluster:repo:components",
            "component names",
        ),
        ({"url": "http://m/d", "components": []}, "gluster:repo:components", "at least one"),
        ({"url": "http://m/d", "suite": "./", "components": ["main"]}, "gluster:repo:components", "flat"),
        ({"url": "http://m/d", "trusted": "yes"}, "gluster:repo:trusted", "true or false"),
        ({"url": "http://m/d", "key_url": "gopher://k"}, "gluster:repo:key_url", "URL"),
        (
            {"url": "http://m/d", "trusted": True, "key_url": "https://k/key"},
            "gluster:repo",
            "exclude each other",
        ),
        (
            {"url": "http://m/d", "file": "/etc/apt/sources.list.d/../../shadow.list"},
            "gluster:repo:file",
            "directly in",
        ),
        ({"url": "http://m/d", "file": "/etc/apt/sources.list.d/gluster.txt"}, "gluster:repo:file", ".list"),
        ({"url": "http://m/d", "signed_by": "/root/key.asc"}, "gluster:repo:signed_by", "directly in"),
        ({"url": "http://m/d", "mirror": "x"}, "gluster:repo:mirror", "unknown"),
        ("http://m/d", "gluster:repo", "mapping"),
    ],
)
def test_a_bad_repo_is_refused_at_its_key(repo, key, words):
    found = problems(repo=repo)
    assert any(p.startswith(f"{key}:") and words in p for p in found), found


@pytest.mark.parametrize("version", ["10.3-5", "1:10.3-5", "11.1-1~bpo12+1", "10.3"])
def test_package_versions(version):
    assert model(version=version)["version"] == version


@pytest.mark.parametrize(
    "version, words",
    [
        (10.3, "must be quoted"),
        (11, "must be quoted"),
        ("\uff11\uff10.3", "package version"),
        ("10.3 ; rm -rf /", "package version"),
        ("10.3-5\n", "package version"),
        ("", "package version"),
        (True, "package version"),
        (["10.3"], "package version"),
    ],
)
def test_bad_versions_are_refused(version, words):
    found = problems(version=version)
    assert any(p.startswith("gluster:version:") and words in p for p in found), found
