"""Execution module for GlusterFS: read and change a trusted storage pool and its volumes.

Configuration (minion config, falling back to pillar), all optional::

    gluster:
      binary: gluster                  # the gluster CLI
      socket: /var/run/glusterd.socket # glusterd socket of the node to talk to
      remote_host: null                # or talk to a remote glusterd (--remote-host)
      timeout: 120                     # seconds per gluster call
      lock_retries: 5                  # retries on "Another transaction is in progress"
      lock_backoff: 0.5                # first back-off in seconds, doubled per retry

Every call goes through one runner (``_utils/gluster_cli.py``): argv lists, ``--mode=script``,
``--xml``, gluster's ``opRet`` checked. Reads are cached in ``__context__`` for the run (and dropped when
glusterd was restarted meanwhile: its socket is re-created) and the
cache is dropped by every write, so a read after a write always sees the write.
"""

import copy
import logging
import os
import re
import socket
import sys
import threading
import time
import types
from xml.etree import ElementTree

from salt.exceptions import CommandExecutionError
from salt.exceptions import SaltInvocationError

log = logging.getLogger(__name__)

__virtualname__ = "gluster"

CACHE_KEY = "gluster.reads"
# gluster's errno for a volume that does not exist (volume info)
NO_SUCH_VOLUME = 30806
STATS_KEY = "gluster.stats"
TIMEOUT_KEY = "gluster.call_timeout"  # seconds each gluster call of one look may take (health)
RESOLVE_TIMEOUT = 10  # seconds a name lookup may take
META_TIMEOUT = 10  # seconds the reads of a FUSE mount's .meta files may take
IDENTITY = ("glusterd identity",)  # a key no gluster argv tuple can equal
VOLUMES = "volumes"  # parsed volume info of every volume, from one ``volume info``
STALE = "stale"  # volumes whose cached info a write made stale
# options whose ``volume set``/``reset`` changes more of the volume info than that one option
SET_SIDE_EFFECTS = frozenset(
    {
        "group",
        "features.quota",
        "features.inode-quota",
        "features.uss",
        "cluster.enable-shared-storage",
        "config.transport",
        "features.shard",
    }
)
# the run cache is shared by the threads of gluster.volumes_converged (one volume's states per
# thread): every look at or change of it holds this lock; the writes themselves run outside it
CACHE_LOCK = threading.RLock()


UTILS_PACKAGE = "saltext_gluster_utils"


def _register_utils_package():
    """Make this project's ``_utils`` folder importable as the package ``saltext_gluster_utils``.

    pip install / checkout: ``<root>/_modules/gluster.py`` beside ``<root>/_utils/``;
    ``saltutil.sync_all``: ``<extmods>/modules/gluster.py`` beside ``<extmods>/utils/``.
    (The same few lines open ``_states/gluster.py``: a Salt loader module cannot import another.)
    """
    here = os.path.dirname(os.path.abspath(__file__))
    paths = [os.path.normpath(os.path.join(here, "..", d)) for d in ("_utils", "utils")]
    path = next((p for p in paths if os.path.isfile(os.path.join(p, "gluster_cli.py"))), None)
    if path is None:
        raise ImportError(f"saltext-gluster: no _utils/gluster_cli.py beside {here}")
    package = sys.modules.get(UTILS_PACKAGE)
    if package is None or list(package.__path__) != [path]:
        package = types.ModuleType(UTILS_PACKAGE)
        package.__path__ = [path]
        sys.modules[UTILS_PACKAGE] = package


_register_utils_package()

# pylint: disable=wrong-import-position
from saltext_gluster_utils import gluster_brick_restart as brick_restarts  # noqa: E402
from saltext_gluster_utils import gluster_cli as cli  # noqa: E402
from saltext_gluster_utils import gluster_health as health_conditions  # noqa: E402
from saltext_gluster_utils import gluster_layout as layouts  # noqa: E402
from saltext_gluster_utils import gluster_options as options_diff  # noqa: E402
from saltext_gluster_utils import gluster_pillar as pillar_model  # noqa: E402
from saltext_gluster_utils import gluster_poll as poll  # noqa: E402
from saltext_gluster_utils import gluster_reshape as reshape  # noqa: E402
from saltext_gluster_utils import gluster_storage as storage  # noqa: E402
from saltext_gluster_utils import gluster_status_view as status_view  # noqa: E402
from saltext_gluster_utils import gluster_validate as validate  # noqa: E402
from saltext_gluster_utils import gluster_xml as parse  # noqa: E402


def __virtual__():
    # Always loaded: cluster_model and brick_layout serve the formula on minions without the
    # gluster CLI (clients); gluster calls there fail with a clear "CLI not found" error.
    return __virtualname__


def _config():
    minion = __opts__.get("gluster") if isinstance(__opts__.get("gluster"), dict) else None
    pillar = globals().get("__pillar__") or {}
    pillar_config = pillar.get("gluster") if isinstance(pillar.get("gluster"), dict) else None
    config = cli.make_config(minion, pillar_config)
    if __context__.get(TIMEOUT_KEY):  # a caller's shorter bound (the beacon's look)
        config["timeout"] = min(float(config["timeout"]), __context__[TIMEOUT_KEY])
    return config


def _stats():
    return __context__.setdefault(STATS_KEY, {"calls": 0, "lock_retries": 0})


# test=True on a bare host, where this run installs glusterfs-server before any gluster state
# runs: the reads answer what a glusterd with no peers and no volumes answers, so that the states
# predict everything they would do. Any other read raises, saying why. A real run never gets here.
NOT_INSTALLED = object()
NOT_INSTALLED_ANSWERS = {
    "parse_peer_status": list,
    "parse_volume_info": dict,
    "parse_volume_list": list,
    "parse_snapshot_list": list,
}


def _ask(args):
    """A read-only gluster command's answer (``NOT_INSTALLED`` in test mode without a CLI)."""
    try:
        return cli.run(_config(), args, counter=_stats(), read_only=True)
    except cli.GlusterNotInstalledError:
        if not __opts__.get("test"):
            raise
        return NOT_INSTALLED


def _parsed(function, root):
    if root is NOT_INSTALLED:
        if function.__name__ in NOT_INSTALLED_ANSWERS:
            return NOT_INSTALLED_ANSWERS[function.__name__]()
        raise CommandExecutionError(
            "glusterfs-server is not installed yet (this run would install it first): "
            f"nothing to read for {function.__name__[len('parse_') :].replace('_', ' ')}"
        )
    try:
        return function(root)
    except parse.GlusterParseError as exc:
        command = cli.answered_command(root) or "gluster"
        raise CommandExecutionError(f"{command}: could not read gluster's answer: {exc}") from exc


def _cache():
    """This run's cache of gluster reads, emptied when glusterd was restarted since it was
    filled (see ``gluster_cli.glusterd_identity``)."""
    identity = cli.glusterd_identity(_config())
    with CACHE_LOCK:
        cache = __context__.get(CACHE_KEY)
        if cache is None or cache.get(IDENTITY) != identity:
            if cache is not None:
                log.info("gluster: glusterd was restarted since the last read; cached reads dropped")
            cache = __context__[CACHE_KEY] = {IDENTITY: identity}
        return cache


def _read(*args):
    """Run a read-only gluster command, cached for the rest of this run.

    The cache belongs to one glusterd: when the socket shows glusterd was restarted since the
    cache was filled, every cached answer is dropped (see ``gluster_cli.glusterd_identity``).
    Reads hold ``CACHE_LOCK``: threads asking the same thing wait for one answer."""
    with CACHE_LOCK:
        cache = _cache()
        if args not in cache:
            cache[args] = _ask(args)
        return cache[args]


# the reads a write to one volume cannot change
POOL_READS = (("pool", "list"), ("peer", "status"))


def _write(*args, volume=None, effect=None):
    """Run a changing gluster command and drop the cached reads it can change.

    A write to one ``volume`` keeps the pool reads and the other volumes' info. That volume's
    cached info is updated with ``effect(info)`` when the write succeeded, its effect is known
    (``effect`` given) and the info was current before and is still the same cached object
    (no other thread read it again meanwhile); otherwise it is marked stale and the
    next read of it asks gluster for that volume alone. Any other write drops every cached read.
    The write runs outside ``CACHE_LOCK``, so that writes to different volumes overlap.
    """
    with CACHE_LOCK:
        cache = __context__.get(CACHE_KEY)
        volumes = (cache or {}).get(VOLUMES)
        fresh = volumes is not None and volume in volumes and volume not in cache.get(STALE, ())
        before = volumes[volume] if fresh else None
    done = False
    try:
        answer = cli.run(_config(), args, counter=_stats())
        done = True
        return answer
    finally:
        with CACHE_LOCK:
            if volume is None or cache is None or cache is not __context__.get(CACHE_KEY):
                __context__.pop(CACHE_KEY, None)
            else:
                for key in [
                    k for k in cache if isinstance(k, tuple) and k != IDENTITY and k not in POOL_READS
                ]:
                    del cache[key]
                current = cache.get(VOLUMES) or {}
                # the same info object: no read of this volume since (a read of another one alone
                # copies the dict but keeps this volume's info; a read of every volume does not)
                if done and fresh and effect is not None and current.get(volume) is before:
                    # copy on write: a thread holding the old info keeps a whole one
                    updated = copy.deepcopy(before)
                    effect(updated)
                    current[volume] = updated
                else:
                    cache.setdefault(STALE, set()).add(volume)


def _check(problems, what):
    validate.raise_if_problems(problems, what)


def clear_cache():
    """
    Forget the gluster reads cached for this run (the next read asks glusterd again).

    CLI Example:

    .. code-block:: bash

        salt '*' gluster.clear_cache
    """
    with CACHE_LOCK:
        __context__.pop(CACHE_KEY, None)
    return True


def _read_xml_problems(args):
    """What is wrong with ``args`` as one of the reads ``read_xml`` answers."""
    words = [str(a) for a in args]
    shape = tuple(words[:2])
    if shape in (("peer", "status"), ("pool", "list"), ("volume", "list")) and len(words) == 2:
        return []
    if shape == ("volume", "info") and len(words) in (2, 3):
        return validate.volume_name_problems(words[2]) if len(words) == 3 else []
    if shape == ("volume", "status") and len(words) == 3:
        return validate.volume_name_problems(words[2])
    if shape == ("volume", "quota") and len(words) == 4 and words[3] == "list":
        return validate.volume_name_problems(words[2])
    if shape == ("volume", "get") and len(words) == 4:
        volume = [] if words[2] == "all" else validate.volume_name_problems(words[2])
        return volume + validate.option_key_problems(words[3])
    return [
        f"{' '.join(words)!r} is not a read read_xml answers: peer status, pool list, volume list, "
        "volume info [VOLUME], volume status VOLUME, volume quota VOLUME list, volume get VOLUME|all OPTION"
    ]


def read_xml(*args):
    """
    gluster's own XML answer (the ``cliOutput`` document, as text) to one read-only command:
    ``peer status``, ``pool list``, ``volume list``, ``volume info [VOLUME]``, ``volume status
    VOLUME``, ``volume quota VOLUME list`` or ``volume get VOLUME|all OPTION``. It goes through
    the same runner and run cache as every other read, so an error is raised in gluster's words.
    For callers that need gluster's fields as gluster names them (the ``glusterfs`` drop-in).

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.read_xml volume info gv0
    """
    _check(_read_xml_problems(args), "read_xml")
    root = _read(*[str(a) for a in args])
    if root is NOT_INSTALLED:
        raise CommandExecutionError("glusterfs-server is not installed yet: nothing to read")
    return ElementTree.tostring(root, encoding="unicode")


def call_stats():
    """
    How many gluster processes this run has started, and how many lock retries it made.

    CLI Example:

    .. code-block:: bash

        salt '*' gluster.call_stats
    """
    return dict(_stats())


def version():
    """
    The installed GlusterFS version.

    Returns ``{"version": "10.3", "major": 10, "minor": 3}``.

    CLI Example:

    .. code-block:: bash

        salt '*' gluster.version
    """
    cache = __context__.setdefault("gluster.version", {})
    if "text" not in cache:
        config = dict(_config(), socket=None, remote_host=None)
        cache["text"] = cli.run(config, ["--version"], xml=False, counter=_stats(), read_only=True)
    try:
        return parse.parse_version(cache["text"])
    except parse.GlusterParseError as exc:
        raise CommandExecutionError(str(exc)) from exc


def op_version():
    """
    The cluster operating version in force and the highest the pool supports.

    Returns ``{"current": 100000, "max": 100000}``.

    CLI Example:

    .. code-block:: bash

        salt '*' gluster.op_version
    """
    versions = _parsed(parse.parse_op_version, _read("volume", "get", "all", "all"))
    names = {"current": "cluster.op-version", "max": "cluster.max-op-version"}
    missing = [option for key, option in names.items() if key not in versions]
    if missing:  # the callers need both
        raise CommandExecutionError(
            f"gluster volume get all all: could not read gluster's answer: "
            f"it holds no {' and no '.join(missing)}"
        )
    return versions


def op_version_set(version="max"):
    """
    Raise the cluster op-version to ``version`` (a number, or ``max`` for the highest the pool
    supports). Setting the version already in force changes nothing; gluster cannot lower it.

    Returns ``{"old": int, "new": int, "changed": bool}``.

    CLI Example:

    .. code-block:: bash

        salt 'gfs1' gluster.op_version_set max
        salt 'gfs1' gluster.op_version_set 100000
    """
    if str(version).lower() != "max":
        if validate.count_problems(version, "op-version", 1):  # ASCII digits only: no "１", no "1_0"
            raise SaltInvocationError(f"op-version must be a number or 'max', got {version!r}")
        target = int(version)
    versions = op_version()
    if str(version).lower() == "max":
        target = versions["max"]
    if target == versions["current"]:
        return {"old": versions["current"], "new": target, "changed": False}
    if target < versions["current"]:
        raise SaltInvocationError(
            f"op-version {target} is lower than the cluster's {versions['current']}; "
            "gluster cannot lower the op-version"
        )
    _write("volume", "set", "all", "cluster.op-version", str(target))
    return {"old": versions["current"], "new": op_version()["current"], "changed": True}


def peer_status():
    """
    The other nodes of the trusted pool as this node sees them.

    Each peer: ``uuid``, ``hostname``, ``hostnames`` (every name it is known by), ``connected``
    (bool), ``state`` (3 is "Peer in Cluster"), ``state_str``.

    CLI Example:

    .. code-block:: bash

        salt '*' gluster.peer_status
    """
    peers = _parsed(parse.parse_peer_status, _read("peer", "status"))
    for peer in peers:
        peer.pop("self", None)
    return peers


def pool_list():
    """
    Every node of the trusted pool including this one (``self: True``, with its own UUID).

    CLI Example:

    .. code-block:: bash

        salt '*' gluster.pool_list
    """
    return _parsed(parse.parse_peer_status, _read("pool", "list"))


def _addresses(host):
    """The addresses ``host`` resolves to (``set()`` when it does not, or not within
    ``RESOLVE_TIMEOUT`` seconds: a resolver that hangs must not hang the state run)."""
    try:
        found = cli.bounded(lambda: socket.getaddrinfo(host, None), RESOLVE_TIMEOUT, f"resolving {host}")
        return {info[4][0] for info in found}
    except (OSError, UnicodeError):
        return set()
    except CommandExecutionError as exc:
        log.warning("gluster: %s", exc)
        return set()


def peer_find(host, settle=0):
    """
    The pool member that ``host`` names, matched by any of its names or, failing that, by
    resolved address, so ``gfs2``, ``gfs2.example.com`` and its IP find the same peer.
    Returns the peer (as in ``pool_list``) or ``None``.

    settle
        Seconds to keep asking when glusterd answers ``pool list`` with a bare failure, as it
        can while another node's probe of this one is in flight (default 0: fail at once).
        An unreachable glusterd fails at once either way.

    CLI Example:

    .. code-block:: bash

        salt 'gfs1' gluster.peer_find gfs2.example.com
    """
    _check(validate.hostname_problems(host), "peer_find")
    settle = validate.seconds(settle or 0)
    if settle is None:
        raise SaltInvocationError("peer_find: settle must be a number of seconds from 0 to 86400")
    wait = poll.Backoff(settle, first=0.25, cap=2.0, floor=0.05, clock=time.monotonic, sleep=time.sleep)
    while True:
        try:
            pool = pool_list()
            break
        except CommandExecutionError as exc:
            if not _transient(exc) or wait.expired:
                raise
            log.info("gluster: %s; asking again", exc)
        wait.pause()
        clear_cache()
    for peer in pool:
        if not peer["self"] and host in peer["hostnames"]:
            return peer
    wanted = _addresses(host)
    if not wanted:
        return None
    for peer in pool:
        if peer["self"]:
            continue
        for name in peer["hostnames"]:
            if _addresses(name) & wanted:
                return peer
    return None


def peer_probe(host):
    """
    Add ``host`` to the trusted pool (run it on one node only: concurrent probes from several
    nodes can split a pool).

    Returns ``{"host": host, "uuid": <peer uuid or None while the handshake runs>,
    "already_in_pool": bool}``.

    CLI Example:

    .. code-block:: bash

        salt 'gfs1' gluster.peer_probe gfs2.example.com
    """
    _check(validate.hostname_problems(host), "peer_probe")
    root = _write("peer", "probe", host)
    already = _parsed(parse.parse_op_errno, root) == 2 or "already in peer list" in _parsed(
        parse.parse_output_text, root
    )
    peer = peer_find(host)
    return {"host": host, "uuid": peer["uuid"] if peer else None, "already_in_pool": already}


def peer_detach(host, force=False):
    """
    Remove ``host`` from the trusted pool.

    Refused while the peer hosts a brick of any volume, naming those volumes. (gluster 10
    itself lets a peer go when it holds *every* brick of a volume, and that volume then vanishes
    from the pool; this function does not.) ``force=True`` is gluster's ``detach force``, for a
    peer that is unreachable; it does not lift the brick check.

    CLI Example:

    .. code-block:: bash

        salt 'gfs1' gluster.peer_detach gfs3.example.com
    """
    _check(validate.hostname_problems(host), "peer_detach")
    peer = peer_find(host)
    if peer is not None:
        using = sorted(
            name
            for name, volume in _volumes().items()
            if any(brick["host_uuid"] == peer["uuid"] for brick in volume["bricks"])
        )
        if using:
            raise CommandExecutionError(
                f"refusing to detach peer {host} (uuid {peer['uuid']}): it hosts bricks of "
                f"volume(s) {', '.join(using)}; move or remove those bricks first"
            )
    args = ["peer", "detach", host]
    if force:
        args.append("force")
    _write(*args)
    return {"host": host, "detached": True}


def volume_list():
    """
    The names of all volumes.

    CLI Example:

    .. code-block:: bash

        salt '*' gluster.volume_list
    """
    return _parsed(parse.parse_volume_list, _read("volume", "list"))


def _volumes(name=None):
    """The run's parsed info of every volume (from one ``volume info``), made current for
    ``name`` (or for all when ``name`` is None) after writes marked it stale: a stale volume
    alone is read alone, several are read all at once. The dict is the cache itself: callers
    that hand it out copy it, and nobody changes it in place (a write replaces a volume's info,
    a read of one volume replaces the dict), so a caller may go through it while other threads
    write."""
    with CACHE_LOCK:
        return _volumes_locked(name)


def _volumes_locked(name):
    cache = _cache()
    volumes = cache.get(VOLUMES)
    stale = cache.setdefault(STALE, set())
    # several stale (e.g. after creating them one after the other): one read for all of them
    if volumes is None or (stale and (name is None or (name in stale and len(stale) > 1))):
        volumes = cache[VOLUMES] = _parsed(parse.parse_volume_info, _ask(["volume", "info"]))
        stale.clear()
    elif name is not None and name in stale:
        try:
            answer = cli.run(_config(), ["volume", "info", name], counter=_stats(), read_only=True)
            one = _parsed(parse.parse_volume_info, answer)
        except CommandExecutionError as exc:
            if not (isinstance(exc.info, dict) and exc.info.get("errno") == NO_SUCH_VOLUME):
                raise
            one = {}
        # copy on write: a thread going through the volumes it was given is not disturbed
        volumes = cache[VOLUMES] = {key: value for key, value in volumes.items() if key != name}
        volumes.update({key: value for key, value in one.items() if key == name})
        stale.discard(name)
    return volumes


def volume_info(name=None):
    """
    Volume definitions: all as ``{name: volume}``, or one volume when ``name`` is given.

    A volume holds ``name``, ``id``, ``status``, ``started``, ``type``, the counts
    (``brick_count``, ``distribute_count``, ``replica_count``, ``arbiter_count``,
    ``disperse_count``, ``redundancy_count``), ``transport``, ``bricks`` (each with ``name``,
    ``host``, ``path``, ``host_uuid`` and ``arbiter``) and ``options`` (the ones set).
    All volumes come from one cached ``volume info`` call.

    CLI Example:

    .. code-block:: bash

        salt '*' gluster.volume_info
        salt '*' gluster.volume_info myvol
    """
    if name is not None:
        _check(validate.volume_name_problems(name), "volume_info")  # before asking gluster
    volumes = _volumes(name)
    if name is None:
        return copy.deepcopy(volumes)
    if name not in volumes:
        raise CommandExecutionError(f"Volume {name} does not exist", info={"errno": NO_SUCH_VOLUME})
    return copy.deepcopy(volumes[name])


def volume_exists(name):
    """
    Whether a volume called ``name`` exists.

    CLI Example:

    .. code-block:: bash

        salt '*' gluster.volume_exists myvol
    """
    _check(validate.volume_name_problems(name), "volume_exists")
    return name in _volumes(name)


def volume_status(name=None, detail=False):
    """
    Runtime status of started volumes: ``{name: {"bricks": [...], "daemons": [...]}}``; with
    ``name``, that volume's ``{"bricks": [...], "daemons": [...]}`` alone.

    Bricks carry ``name``, ``host``, ``path``, ``peer_uuid``, ``online``, ``port`` and ``pid``
    (with ``detail=True`` also size, free space, inodes, device, filesystem, mount options).
    Daemons (self-heal, NFS, quota...) are listed apart with ``name``, ``host``, ``online``,
    ``port`` and ``pid``. Stopped volumes are not in the answer for ``name=None``; naming a
    stopped volume is an error ("Volume X is not started").

    CLI Example:

    .. code-block:: bash

        salt '*' gluster.volume_status
        salt '*' gluster.volume_status myvol detail=True
    """
    args = ["volume", "status", "all" if name is None else name]
    if name is not None:
        _check(validate.volume_name_problems(name), "volume_status")
    if detail:
        args.append("detail")
    volumes = _parsed(parse.parse_volume_status, _read(*args))
    if name is None:
        return _status_of_left_out(volumes, detail)
    return volumes.get(name, {"bricks": [], "daemons": []})


def _status_of_left_out(volumes, detail):
    """``volume status all`` with every started volume in it. While another transaction holds
    a volume's lock (a ``start force``, a ``volume set``), gluster leaves that volume out of
    ``status all`` and still answers opRet 0 (about one read in five under a ``start force``
    loop, tests/data/capture_status_race.py); read alone, the same volume says "Another
    transaction is in progress", which the runner waits out like any lock. So each volume that
    ``volume info`` calls started but ``status all`` left out is read alone; one stopped or
    deleted in between is left out, as ``status all`` would."""
    info = _volumes()
    for name in sorted(name for name, volume in info.items() if volume["started"] and name not in volumes):
        try:
            alone = _parsed(
                parse.parse_volume_status, _read("volume", "status", name, *(["detail"] if detail else []))
            )
        except CommandExecutionError as exc:
            # gluster's errno here (30800) is the same for a held lock: its words tell them apart
            if not isinstance(exc, cli.GlusterLockError) and any(
                f"Volume {name} {words}" in str(exc) for words in ("is not started", "does not exist")
            ):
                continue
            raise
        volumes.update({key: value for key, value in alone.items() if key == name})
    return volumes


def volume_get(name, option="all", include_defaults=True):
    """
    Effective option values of a volume (``gluster volume get``): ``{option: value}``.

    With ``include_defaults=False`` only options changed from gluster's defaults are returned.
    ``name`` may be ``all`` for the cluster-wide options.

    CLI Example:

    .. code-block:: bash

        salt '*' gluster.volume_get myvol
        salt '*' gluster.volume_get myvol performance.cache-size
        salt '*' gluster.volume_get myvol include_defaults=False
    """
    if name != "all":
        _check(validate.volume_name_problems(name), "volume_get")
    if option != "all":
        _check(validate.option_key_problems(option), "volume_get")
    options = _parsed(parse.parse_volume_get, _read("volume", "get", name, option))
    return {key: entry["value"] for key, entry in options.items() if include_defaults or not entry["default"]}


def _bricks_list(bricks):
    if isinstance(bricks, str):
        bricks = [b for b in bricks.replace(",", " ").split() if b]
    if bricks is not None and not isinstance(bricks, (list, tuple)):
        raise SaltInvocationError(f"bricks must be a list of host:/path, not {bricks!r}")
    return list(bricks or [])


def volume_create(
    name,
    bricks,
    replica=None,
    arbiter=None,
    disperse=None,
    redundancy=None,
    transport="tcp",
    force=False,
    start=False,
):
    """
    Create a volume. The type follows from the counts:

    - distribute: no counts;
    - replicate / distributed-replicate: ``replica`` (bricks a multiple of it);
    - arbiter: ``replica=3 arbiter=1`` (every third brick is the arbiter);
    - disperse / distributed-disperse: ``disperse`` and optionally ``redundancy``.

    ``bricks`` is a list (or comma/space separated string) of ``host:/path``. ``force`` lets
    bricks sit on the root filesystem. ``start=True`` starts the volume afterwards.
    Everything is validated before gluster is called, and every problem is reported at once.

    Returns ``{"name": name, "id": <volume uuid>, "started": bool}``.

    CLI Example:

    .. code-block:: bash

        salt 'gfs1' gluster.volume_create myvol \\
            bricks='[gfs1:/bricks/b1, gfs2:/bricks/b1, gfs3:/bricks/b1]' replica=3
        salt 'gfs1' gluster.volume_create ec bricks=gfs1:/b/e,gfs2:/b/e,gfs3:/b/e \\
            disperse=3 redundancy=1 start=True
    """
    bricks = _bricks_list(bricks)
    problems = validate.volume_name_problems(name) + validate.layout_problems(
        bricks, replica, arbiter, disperse, redundancy, transport, where=f"volume {name}"
    )
    _check(problems, f"cannot create volume {name!r}")
    args = ["volume", "create", name]
    if replica:
        args += ["replica", str(int(replica))]
        if arbiter:
            args += ["arbiter", str(int(arbiter))]
    if disperse:
        args += ["disperse", str(int(disperse))]
        if redundancy:
            args += ["redundancy", str(int(redundancy))]
    if transport and transport != "tcp":
        args += ["transport", transport]
    args += bricks
    if force:
        args.append("force")
    created = _parsed(parse.parse_volume_created, _write(*args, volume=name))
    result = {"name": name, "id": created.get("id", ""), "started": False}
    if start:
        volume_start(name)
        result["started"] = True
    return result


def volume_start(name, force=False):
    """
    Start a volume. ``force=True`` also restarts bricks that are down on a started volume.

    CLI Example:

    .. code-block:: bash

        salt 'gfs1' gluster.volume_start myvol
    """
    _check(validate.volume_name_problems(name), "volume_start")
    args = ["volume", "start", name] + (["force"] if force else [])
    _write(*args, volume=name, effect=lambda info: info.update(status="Started", started=True))
    return {"name": name, "started": True}


def volume_stop(name, force=False):
    """
    Stop a volume (clients lose access until it is started again).

    CLI Example:

    .. code-block:: bash

        salt 'gfs1' gluster.volume_stop myvol
    """
    _check(validate.volume_name_problems(name), "volume_stop")
    args = ["volume", "stop", name] + (["force"] if force else [])
    _write(*args, volume=name, effect=lambda info: info.update(status="Stopped", started=False))
    return {"name": name, "started": False}


def brick_event_target(tag, data):
    """
    What the example reactor (``salt/gluster/reactor/brick_offline.sls``) may act on for a
    ``brick/offline`` event: ``{"minion", "volume", "brick"}``, or ``{}`` (and a warning in the
    log saying why) when the event is not one to act on. Runs on the master, where the reactor
    renders; nothing from the event is trusted.

    The minion is the one the tag ``salt/beacon/<minion>/gluster/brick/offline`` names; the
    event's top-level ``id`` (the sender's id, verified by the master for ``event.send``) must
    name it too, and it must be a plain minion id (Salt's rules, and no target characters). The
    volume and the brick must pass the module's volume name and brick rules.

    CLI Example:

    .. code-block:: bash

        salt-call gluster.brick_event_target salt/beacon/gfs1/gluster/brick/offline \\
            '{"id": gfs1, "volume": gv0, "brick": "gfs1:/data/gv0/brick"}'
    """
    import salt.utils.verify  # pylint: disable=import-outside-toplevel

    target, problems = brick_restarts.event_target(tag, data)
    if target is not None and not salt.utils.verify.valid_id(__opts__, target["minion"]):
        target, problems = None, [f"{target['minion']!r} is not a minion id Salt accepts"]
    if target is None:
        log.warning("gluster: the brick/offline event %.120r is not acted on: %s", tag, "; ".join(problems))
        return {}
    return target


def brick_restart(volume, brick, limit=3, window=3600):
    """
    Start ``brick`` of ``volume`` again (``gluster volume start VOLUME force``) when gluster,
    asked now, says it should run: the volume exists and is Started (a stopped volume is left
    alone), the brick is one of its bricks, on this node (by peer UUID) and offline; and it was
    restarted fewer than ``limit`` times in the last ``window`` seconds (counted per brick in
    ``<cachedir>/gluster/brick_restarts.json``, 0600). ``start force`` is volume-wide: other
    bricks of the volume that are down start too.

    Returns ``{"volume", "brick", "restarted", "comment", "restarts"}`` (restarts: how many
    in the window, this one included) and ``pid`` once the brick runs again; a refusal is
    ``restarted: False`` with the reason in ``comment``. What the example reactor calls on the
    node whose beacon saw the brick go offline.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.brick_restart gv0 gfs1:/data/gv0/brick
        salt gfs1 gluster.brick_restart gv0 gfs1:/data/gv0/brick limit=5 window=600
    """
    problems = validate.volume_name_problems(volume, "volume") + validate.brick_problems(brick, "brick")
    _check(problems + brick_restarts.bound_problems(limit, window), "brick_restart")
    result = {"volume": volume, "brick": brick, "restarted": False}
    restarts = brick_restarts.RestartLog(os.path.join(__opts__["cachedir"], "gluster"))
    try:
        return _brick_restart(restarts, volume, brick, limit, window, result)
    except (TimeoutError, ValueError) as exc:  # the lock held too long, a log it cannot read
        raise CommandExecutionError(f"brick_restart {volume} {brick}: {exc}") from exc


def _brick_restart(restarts, volume, brick, limit, window, result):
    with restarts.locked():
        clear_cache()
        info = _volumes(volume).get(volume)
        own = next((peer["uuid"] for peer in pool_list() if peer.get("self")), None)
        status = volume_status(volume)["bricks"] if info and info["started"] else []
        entries = restarts.load()
        key = f"{volume} {brick}"
        count = len(brick_restarts.recent(entries.get(key, []), time.time(), window))
        reason = brick_restarts.refusal(volume, brick, info, status, own) or brick_restarts.over_bound(
            brick, count, limit, window
        )
        if reason:
            log.warning("gluster.brick_restart: %s", reason)
            return dict(result, comment=reason, restarts=count)
        restarts.record(entries, key, time.time())  # before the start: a start that fails counts too
        result["restarts"] = count + 1
        volume_start(volume, force=True)
        path = brick.rpartition(":")[2]
        wait = poll.Backoff(
            15, first=0.5, cap=0.5, factor=1, floor=0.5, clock=time.monotonic, sleep=time.sleep
        )
        while True:
            clear_cache()
            running = [
                b
                for b in volume_status(volume)["bricks"]
                if b["peer_uuid"] == own and b["path"] == path and b["online"]
            ]
            if running or wait.expired:
                break
            wait.pause()
    if not running:
        return dict(
            result,
            comment=(
                f"ran gluster volume start {volume} force, but brick {brick} is still offline 15 s later: "
                "see its brick log"
            ),
        )
    log.warning(
        "gluster.brick_restart: brick %s of volume %s restarted (%s in the last %s s)",
        brick,
        volume,
        result["restarts"],
        window,
    )
    return dict(
        result,
        restarted=True,
        pid=running[0]["pid"],
        comment=f"brick {brick} started again (gluster volume start {volume} force)",
    )


def volume_delete(name):
    """
    Delete a stopped volume. The data on its bricks stays on disk; gluster refuses to delete a
    started volume.

    CLI Example:

    .. code-block:: bash

        salt 'gfs1' gluster.volume_delete myvol
    """
    _check(validate.volume_name_problems(name), "volume_delete")
    _write("volume", "delete", name, volume=name)
    return {"name": name, "deleted": True}


def volume_set(name, options=None, **kwargs):
    """
    Set several volume options in one gluster call. Options come as a mapping in ``options``
    (or as keyword arguments, for option names that are valid Python identifiers); booleans
    become ``on``/``off``. ``name`` may be ``all`` for cluster-wide options (one gluster call
    per option: gluster ignores all but the first of several there).

    Returns ``{"name": name, "set": {option: value}}``.

    CLI Example:

    .. code-block:: bash

        salt 'gfs1' gluster.volume_set myvol '{performance.cache-size: 256MB, features.read-only: off}'
    """
    options = dict(options or {})
    options.update({k: v for k, v in kwargs.items() if not k.startswith("__")})
    problems = [] if name == "all" else validate.volume_name_problems(name)
    problems += validate.options_problems(options, where=f"volume {name} option")
    _check(problems, f"cannot set options on volume {name!r}")
    values = {key: validate.option_value(value) for key, value in options.items()}
    if name == "all":
        # gluster 10.3 takes one cluster-wide option per call: given two, it sets the first,
        # answers "Set volume successful" and drops the second (cluster_options_set_two.xml)
        for key, value in values.items():
            _write("volume", "set", "all", key, value)
        return {"name": name, "set": values}
    args = ["volume", "set", name]
    for key, value in values.items():
        args += [key, value]
    if any(
        key in SET_SIDE_EFFECTS or "." not in key for key in values
    ):  # short names: gluster stores the full key
        _write(*args, volume=name)  # gluster sets more than these: read the volume again
    else:
        _write(*args, volume=name, effect=lambda info: info["options"].update(values))
    return {"name": name, "set": values}


def volume_reset(name, option=None, force=False):
    """
    Reset one option (or, with no ``option``, every option) of a volume to gluster's default.

    CLI Example:

    .. code-block:: bash

        salt 'gfs1' gluster.volume_reset myvol performance.cache-size
        salt 'gfs1' gluster.volume_reset myvol
    """
    problems = validate.volume_name_problems(name)
    if option is not None:
        problems += validate.option_key_problems(option)
    _check(problems, f"cannot reset options on volume {name!r}")
    args = ["volume", "reset", name] + ([option] if option else []) + (["force"] if force else [])
    if option and option not in SET_SIDE_EFFECTS and "." in option:
        _write(*args, volume=name, effect=lambda info: info["options"].pop(option, None))
    else:
        _write(*args, volume=name)
    return {"name": name, "reset": option or "all"}


def cluster_model(minion_id=None, secrets=False):
    """
    The ``gluster`` pillar validated and turned into the desired cluster: nodes and addresses,
    leader, volumes with their computed brick lists, clients and mounts, and what this minion
    (or ``minion_id``) has to do. The formula renders from it.

    Every problem in the pillar is reported at once, each with its pillar path, and nothing is
    changed (the error stops the run at render time).

    Secrets (the TLS private key of ``gluster:tls:key``) are replaced by a marker naming their
    pillar key: a return is kept in the master's job cache. ``secrets=True`` leaves them in, for
    the formula's own rendering on the minion (``map.jinja``); don't use it from the master.

    CLI Example:

    .. code-block:: bash

        salt '*' gluster.cluster_model
    """
    model, problems = pillar_model.build_model(__pillar__.get("gluster"), minion_id or __opts__["id"])
    if problems:
        raise SaltInvocationError(
            f"the gluster pillar has {len(problems)} problem(s); nothing was changed:\n- "
            + "\n- ".join(problems)
        )
    return model if secrets is True else pillar_model.redacted(model)


def brick_layout(nodes, brick_path, bricks_per_node=1, set_size=1, layout="simple"):
    """
    The brick list for ``nodes`` (addresses, in order) so that every set of ``set_size``
    (replica or disperse count) spans distinct hosts. ``layout`` is ``simple`` or ``chained``.

    CLI Example:

    .. code-block:: bash

        salt-call gluster.brick_layout '[gfs1, gfs2, gfs3]' /data/gv0/brick{n} bricks_per_node=2 set_size=3
    """
    try:
        return layouts.automatic_bricks(list(nodes), brick_path, int(bricks_per_node), int(set_size), layout)
    except ValueError as exc:
        raise SaltInvocationError(str(exc)) from exc


def _host_uuids():
    """name -> peer UUID for every name the pool knows, plus ``None`` -> our own UUID."""
    mapping = {}
    for peer in pool_list():
        if peer["self"]:
            mapping[None] = peer["uuid"]
        else:
            for name in peer["hostnames"]:
                mapping[name] = peer["uuid"]
    return mapping


def is_this_node(host):
    """
    ``host`` names this node itself rather than a peer, as gluster's own probe decides it: not
    a name of any peer, and ``localhost``, this host's name or FQDN, or a name that resolves to
    an address of one of this host's interfaces (the ``ipv4``/``ipv6`` grains). One cached
    ``pool list`` and a lookup of ``host``: no volume read, so the formula's peer states cost
    nothing more. (On the tests' loopback clusters a node's 127.1.1.x address is not an
    interface address: there only the host's names count.)

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.is_this_node gfs1.example.com
    """
    _check(validate.hostname_problems(host), "is_this_node")
    if host in _host_uuids():
        return False
    if host in {"localhost", socket.gethostname(), socket.getfqdn()}:
        return True
    local = {str(a) for a in (__grains__.get("ipv4") or []) + (__grains__.get("ipv6") or [])}
    return bool(_addresses(host) & local)


def _brick_uuid(host, uuids):
    """The UUID of brick host ``host``; resolved once per host (``uuids`` remembers it), since
    the fallback resolves the addresses of every peer.

    A name that no volume brick and no peer uses is this node when it resolves to an address
    of a name this node's bricks use; otherwise it is unknown (a node not probed yet) and gets
    a key of its own, ``unresolved:<host>``, so it never passes for this node's brick.
    """
    if host not in uuids:
        for volume in _volumes().values():
            for brick in volume["bricks"]:
                if brick["host_uuid"]:
                    uuids.setdefault(brick["host"], brick["host_uuid"])
    if host not in uuids:
        peer = peer_find(host)
        if peer is not None:
            uuids[host] = peer["uuid"]
        else:
            own = {name for name, uuid in uuids.items() if name and uuid == uuids.get(None)}
            own.update({"localhost", socket.gethostname(), socket.getfqdn()})
            addresses = _addresses(host)
            mine = host in own or any(addresses & _addresses(name) for name in own)
            uuids[host] = uuids.get(None) if mine else f"unresolved:{host}"
    return uuids[host]


def volume_layout_differences(
    name, bricks, replica=None, arbiter=None, disperse=None, redundancy=None, transport="tcp"
):
    """
    How the existing volume ``name`` differs in layout from the one described: a list of
    sentences (empty when they match), or ``None`` when the volume does not exist. Bricks are
    compared by host UUID and path, so ``gfs2:/b`` and ``10.0.0.2:/b`` are the same brick.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.volume_layout_differences gv0 '[gfs1:/b/gv0, gfs2:/b/gv0, gfs3:/b/gv0]' replica=3
    """
    bricks = _bricks_list(bricks)
    problems = validate.volume_name_problems(name) + validate.layout_problems(
        bricks, replica, arbiter, disperse, redundancy, transport, where=f"volume {name}"
    )
    _check(problems, "volume_layout_differences")  # before any gluster call: bricks, counts, transport
    volumes = _volumes(name)
    if name not in volumes:
        return None
    current = volumes[name]
    differences = []
    wanted = {
        "replica_count": int(replica or 1),
        "arbiter_count": int(arbiter or 0),
        "disperse_count": int(disperse or 0),
        "redundancy_count": int(redundancy or 0) if disperse else 0,
    }
    if disperse and not redundancy:
        wanted.pop("redundancy_count")  # gluster picks the default redundancy
    for key, value in wanted.items():
        if current[key] != value:
            differences.append(f"{key.replace('_', ' ')} is {current[key]}, the pillar says {value}")
    if (transport or "tcp") != current["transport"]:
        differences.append(f"transport is {current['transport']}, the pillar says {transport}")
    uuids = _host_uuids()
    have = [(b["host_uuid"], b["path"]) for b in current["bricks"]]
    want = []
    for spec in bricks:
        host, _sep, path = spec.rpartition(":")
        want.append((_brick_uuid(host, uuids), path))
    if have != want:
        by_key = {(b["host_uuid"], b["path"]): b["name"] for b in current["bricks"]}
        missing = [spec for spec, key in zip(bricks, want, strict=True) if key not in by_key]
        extra = [by_key[key] for key in have if key not in want]
        if missing:
            differences.append(f"bricks in the pillar but not in the volume: {', '.join(missing)}")
        if extra:
            differences.append(f"bricks in the volume but not in the pillar: {', '.join(extra)}")
        if not missing and not extra:
            differences.append(
                "the same bricks in another order (order decides the replica/disperse sets): "
                f"volume has {', '.join(b['name'] for b in current['bricks'])}"
            )
    return differences


def profiles():
    """
    The tuning profiles gluster ships on this node: ``{name: {option: value}}`` read from the
    option group files in ``gluster:groups_dir`` (``/var/lib/glusterd/groups``: ``virt``,
    ``metadata-cache``, ``db-workload``, ...). A file that cannot be read as ``key=value``
    lines is left out and logged.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.profiles
    """
    directory = _config()["groups_dir"]
    found = {}
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return found
    for name in names:
        if validate.profile_name_problems(name):
            continue
        try:
            found[name] = profile_options(name)
        except (CommandExecutionError, SaltInvocationError) as exc:
            log.warning("gluster: tuning profile %s left out: %s", name, exc)
    return found


def profile_options(name):
    """
    The options of gluster's tuning profile (option group) ``name`` on this node, from
    ``<gluster:groups_dir>/<name>``: ``{option: value}``.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.profile_options virt
    """
    _check(validate.profile_name_problems(name), "profile_options")
    directory = _config()["groups_dir"]
    path = os.path.join(directory, name)
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read(1 << 20)
    except FileNotFoundError:
        try:
            known = ", ".join(
                sorted(n for n in os.listdir(directory) if not validate.profile_name_problems(n))
            )
        except OSError:
            known = ""
        raise CommandExecutionError(
            f"tuning profile {name!r} is neither in the pillar (gluster:profiles) "
            "nor a gluster group file in "
            f"{directory} (there: {known or 'none'})"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandExecutionError(f"tuning profile {name!r}: cannot read {path}: {exc}") from None
    options, problems = options_diff.parse_group(text)
    if options:
        problems += validate.options_problems(options, where="option")
    if problems or not options:
        raise CommandExecutionError(
            f"tuning profile {name!r} ({path}): {'; '.join(problems) or 'no options'}"
        )
    return options


def _profile_options(name, profile_list):
    """``profile_list`` (names of gluster group files, or ``{name: {option: value}}`` defined
    in the pillar) -> (merged options, ``{option: profile}``, problems); later profiles win."""
    merged, sources, problems = {}, {}, []
    if profile_list is None:
        return merged, sources, problems
    if not isinstance(profile_list, list):
        return (
            merged,
            sources,
            [f"volume {name} profiles must be a list of profile names, got {type(profile_list).__name__}"],
        )
    for index, entry in enumerate(profile_list, 1):
        where = f"volume {name} profile {index}"
        if isinstance(entry, dict) and len(entry) == 1:
            ((profile, options),) = entry.items()
            found = validate.profile_name_problems(profile, where)
            if not found:
                found = validate.options_problems(options, where=f"{where} ({profile}) option")
            if found:
                problems += found
                continue
            options = {key: validate.option_value(value) for key, value in options.items()}
        else:
            profile = entry
            found = validate.profile_name_problems(entry, where)
            if found:
                problems += found
                continue
            try:
                options = profile_options(entry)
            except CommandExecutionError as exc:
                problems.append(f"{where}: {exc}")
                continue
        merged.update(options)
        sources.update(dict.fromkeys(options, profile))
    return merged, sources, problems


def volume_options_plan(name, options, reset_unmanaged=False, profiles=None):  # pylint: disable=redefined-outer-name
    """
    What ``volume_options`` would change on volume ``name``: ``{"set": {option: value},
    "reset": [option], "current": {option: value}, "profiles": {option: profile}}``. Values are
    compared after normalisation (``on``/``enable``/``true`` are one value; ``64MB`` equals
    ``67108864``). ``reset`` lists options set on the volume but not wanted (only with
    ``reset_unmanaged``; gluster's own creation defaults are never reset). A volume that does
    not exist yet has no options.

    ``profiles`` is a list of tuning profiles applied before ``options`` (which win over them),
    each the name of a gluster option group file on this node (``virt``, ``metadata-cache``,
    see ``gluster.profiles``) or ``{name: {option: value}}``; a later profile wins over an
    earlier one. ``profiles`` in the answer says which profile each wanted option came from.

    A plan never turns ``features.shard`` off once it is on (files written in shards would be
    readable only in pieces): that is an error naming the volume. ``restart`` lists the
    options that a started volume's bricks only take up when restarted (``client.ssl``,
    ``server.ssl``).

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.volume_options_plan gv0 '{performance.cache-size: 64MB}' reset_unmanaged=True
        salt gfs1 gluster.volume_options_plan gv0 '{}' profiles='[virt]'
    """
    problems = validate.volume_name_problems(name)
    if options:
        problems += validate.options_problems(options, where=f"volume {name} option")
    merged, sources, found = _profile_options(name, profiles)
    problems += found
    _check(problems, f"cannot plan options of volume {name!r}")
    volumes = _volumes(name)
    current = dict(volumes[name]["options"]) if name in volumes else {}
    desired = dict(merged)
    desired.update({key: validate.option_value(value) for key, value in (options or {}).items()})
    for key in options or {}:
        sources.pop(key, None)
    to_set, to_reset = options_diff.diff(desired, current, reset_unmanaged)
    _check(
        options_diff.one_way_problems(name, current, to_set, to_reset),
        f"refusing to change options of volume {name!r}",
    )
    started = name in volumes and volumes[name]["started"]
    restart = options_diff.restart_needed(to_set, to_reset) if started else []
    return {"set": to_set, "reset": to_reset, "current": current, "profiles": sources, "restart": restart}


def _mounted_glusterfs(mountpoint):
    """Whether ``mountpoint`` is a GlusterFS FUSE mount (from /proc/self/mountinfo)."""
    with open("/proc/self/mountinfo", encoding="utf-8") as handle:
        mounts = storage.parse_mountinfo(handle.read())
    return any(m["mountpoint"] == mountpoint and m["fstype"] == "fuse.glusterfs" for m in mounts)


def mount_connections(mountpoint):
    """
    The bricks a GlusterFS FUSE mount on this minion is connected to, from the client's own
    view (its ``.meta/graphs/active``): ``{client: {"brick": "host:/path", "connected":
    bool}}``, one entry per brick of the volume. A mount answers as soon as its graph is up, a
    few seconds before every brick connection may be: files that hash to a brick not connected
    yet fail with EIO meanwhile.

    CLI Example:

    .. code-block:: bash

        salt web1 gluster.mount_connections /mnt/gv0
    """
    _check(validate.brick_path_problems(mountpoint, "mount point"), "mount_connections")
    if not _mounted_glusterfs(mountpoint):
        raise CommandExecutionError(f"{mountpoint} is not a GlusterFS mount")
    active = os.path.join(mountpoint, ".meta", "graphs", "active")
    # a hung mount blocks these reads in the kernel: all of them get META_TIMEOUT seconds
    return cli.bounded(lambda: _read_mount_clients(active), META_TIMEOUT, f"reading {active}")


def _read_mount_clients(active):
    clients = {}
    try:
        names = sorted(os.listdir(active))
    except OSError as exc:
        raise CommandExecutionError(f"cannot read {active}: {exc}") from None
    for name in names:
        try:
            with open(os.path.join(active, name, "type"), encoding="utf-8") as handle:
                if handle.read().strip() != "protocol/client":
                    continue
            with open(os.path.join(active, name, "private"), encoding="utf-8") as handle:
                private = handle.read()
            options = {}
            for option in ("remote-host", "remote-subvolume"):  # one file per option
                with open(os.path.join(active, name, "options", option), encoding="utf-8") as handle:
                    options[option] = handle.read().strip()
        except OSError:
            continue
        connected = re.search(r"^connected = (\d+)", private, re.MULTILINE)
        clients[name] = {"brick": f"{options['remote-host']}:{options['remote-subvolume']}",
                         "connected": bool(connected and connected.group(1) == "1")}  # fmt: skip
    return clients


def health(checks=("bricks", "peers"), heal_threshold=0, previous=None, timeout=None):
    """
    This node's look at the cluster's health, as conditions that are or are not a problem, and
    the events between ``previous`` (the conditions of an earlier look) and now; what the
    ``gluster`` beacon fires. Returns ``{"conditions": {key: {"kind", "problem", ...}},
    "events": [{"tag", "condition", ...}]}``.

    ``checks``: ``bricks`` (this node's own bricks online), ``peers`` (the other nodes
    connected, as this one sees them), and cluster-wide ``heal`` (entries waiting above
    ``heal_threshold``, per replicated or dispersed started volume), ``split_brain``, ``quota``
    (soft/hard limits exceeded, per volume with quotas) and ``georep`` (sessions with a Faulty
    worker). A glusterd that does not answer is the one condition ``glusterd``. gluster can tell
    a split-brain only with every copy at hand: while a brick is unreachable, a split-brain
    check that finds none keeps the previous look's answer (no false ``split_brain/resolved``).
    Reads are fresh (the run's cache is dropped first). ``timeout``: seconds each gluster call
    of this look may take (the beacon passes a short one: it runs in the minion's main loop);
    a glusterd that does not answer in time counts as down.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.health
        salt gfs1 gluster.health checks='[bricks, peers, heal, split_brain, quota, georep]'
    """
    checks = [checks] if isinstance(checks, str) else list(checks or [])
    unknown = [check for check in checks if check not in health_conditions.CHECKS]
    if (
        unknown
        or isinstance(heal_threshold, bool)
        or not isinstance(heal_threshold, int)
        or heal_threshold < 0
    ):
        raise SaltInvocationError(
            f"health: checks must be among {', '.join(health_conditions.CHECKS)} (got {unknown}) and "
            f"heal_threshold a whole number >= 0 (got {heal_threshold!r})"
        )
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 3600
    ):
        raise SaltInvocationError(
            f"health: timeout must be a number of seconds from 0 to 3600, got {timeout!r}"
        )
    clear_cache()
    if timeout is not None:
        __context__[TIMEOUT_KEY] = float(timeout)
    try:
        return _health(checks, heal_threshold, previous)
    finally:
        __context__.pop(TIMEOUT_KEY, None)


def _health(checks, heal_threshold, previous):
    conditions = {}
    try:
        own = [peer["uuid"] for peer in pool_list() if peer.get("self")]
        conditions["glusterd"] = {"kind": "glusterd", "problem": False}
        if "bricks" in checks:
            conditions.update(health_conditions.brick_conditions(volume_status(), own[0] if own else None))
        if "peers" in checks:
            conditions.update(health_conditions.peer_conditions(peer_status()))
        started = {name: volume for name, volume in _volumes().items() if volume["started"]}
        for name, volume in sorted(started.items()):
            if {"heal", "split_brain"} & set(checks) and (
                volume["replica_count"] > 1 or volume["disperse_count"] > 0
            ):
                found = health_conditions.heal_conditions(name, heal_summary(name), heal_threshold)
                conditions.update({key: c for key, c in found.items() if c["kind"] in checks})
            if (
                "quota" in checks
                and options_diff.normalise(volume["options"].get("features.quota", "off")) == "on"
            ):
                conditions.update(health_conditions.quota_conditions(name, quota_list(name)))
        if "georep" in checks:
            conditions.update(health_conditions.georep_conditions(georep_status()))
    except CommandExecutionError as exc:
        if conditions:  # glusterd answered: a read failed on the way, which is no health fact
            raise
        conditions = {"glusterd": {"kind": "glusterd", "problem": True, "error": str(exc).splitlines()[0]}}
    conditions = health_conditions.carry_unknown(previous, conditions)
    return {"conditions": conditions, "events": health_conditions.events(previous, conditions)}


def cluster_report(heal=True):
    """
    This node's report of the whole cluster, for ``salt-run gluster.status``: the trusted pool
    as this node sees it, and every volume's view: type, state (``ok``, ``degraded``,
    ``unavailable``, ``stopped``), bricks online, each replica / disperse set with its bricks,
    hosts and availability, the hosts the layout cannot lose one of, usable size and free space,
    and (``heal``) the self-heal counts of replicated and dispersed volumes. Fresh reads: one
    ``pool list``, one ``volume info``, one ``volume status all detail`` and a heal summary per
    such started volume.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.cluster_report
    """
    clear_cache()
    pool = pool_list()
    volumes = _volumes()
    status = volume_status(detail=True) if any(v["started"] for v in volumes.values()) else {}
    views = {}
    for name, volume in sorted(volumes.items()):
        summary = None
        if heal and volume["started"] and (volume["replica_count"] > 1 or volume["disperse_count"] > 0):
            try:
                summary = heal_summary(name)
            except CommandExecutionError as exc:
                log.warning("cluster_report: heal summary of %s: %s", name, exc)
        views[name] = status_view.volume_view(volume, status.get(name), summary)
    return {"pool": pool, "volumes": views}


def state_runs_wait(timeout=600):
    """
    Wait until no other state run (``state.*``: a highstate, ``state.sls``, ...) is running on
    this minion, polling with back-off for at most ``timeout`` seconds. Returns the seconds
    waited; on timeout raises an error naming the runs still going.

    Salt refuses a second state run on a minion while one is running, and in Salt 3008
    ``queue=True`` answers "Job queued for execution" at once, which an orchestrate step cannot
    wait for. ``gluster.orch.deploy`` therefore calls this before each of its steps, so an
    orchestrate started while a highstate runs waits for it instead of failing.

    CLI Example:

    .. code-block:: bash

        salt 'gfs*' gluster.state_runs_wait timeout=300
    """
    wait = poll.Backoff(float(timeout), first=0.5, cap=5.0, floor=0.1, clock=time.monotonic, sleep=time.sleep)
    while True:
        running = __salt__["saltutil.is_running"]("state.*")
        if not running:
            return round(wait.elapsed, 1)
        if wait.expired:
            runs = ", ".join(
                f"{run.get('fun')} (jid {run.get('jid')}, pid {run.get('pid')})" for run in running
            )
            raise CommandExecutionError(f"another state run is still running after {timeout}s: {runs}")
        wait.pause()


def _transient(exc):
    """Whether ``exc`` is a failure glusterd itself answered (``opRet`` non-zero) that is not a
    lock conflict: worth asking again while waiting for the pool to settle. An unreachable
    glusterd, a refused name or unreadable output are not."""
    info = getattr(exc, "info", None)
    return isinstance(info, dict) and "opRet" in info and not isinstance(exc, cli.GlusterLockError)


def peer_wait(hosts, timeout=120):
    """
    Wait until every host in ``hosts`` is a connected member of the pool ("Peer in Cluster")
    or a name of this node itself, polling with back-off for at most ``timeout`` seconds.
    Returns ``{host: uuid}``; on timeout raises an error naming the hosts still missing or
    disconnected.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.peer_wait '[gfs2, gfs3]' timeout=60
    """
    hosts = [hosts] if isinstance(hosts, str) else list(hosts)
    _check([p for host in hosts for p in validate.hostname_problems(host)], "peer_wait")
    wait = poll.Backoff(
        float(timeout), first=0.25, cap=2.0, floor=0.05, clock=time.monotonic, sleep=time.sleep
    )
    while True:
        found, waiting = {}, []
        try:
            uuids = _host_uuids()
            for host in hosts:
                peer = peer_find(host)
                if peer is None and _brick_uuid(host, uuids) == uuids.get(None):
                    found[host] = uuids[None]  # this node itself
                elif peer and peer["connected"] and peer["state"] == 3:
                    found[host] = peer["uuid"]
                elif peer:
                    waiting.append(f"{host} ({peer['state_str'] or 'state ' + str(peer['state'])}, "
                                   f"{'connected' if peer['connected'] else 'disconnected'})")  # fmt: skip
                else:
                    waiting.append(f"{host} (not in the pool)")
        except CommandExecutionError as exc:
            if not _transient(exc):
                raise
            # glusterd answered a read with a bare failure (seen while another node's probe of
            # this one was in flight): the pool is changing, so look again until the deadline
            waiting = [f"{host} (unknown: {exc})" for host in hosts if host not in found]
        if not waiting:
            return found
        if wait.expired:
            raise CommandExecutionError(
                f"peers not ready after {timeout}s: {', '.join(waiting)}",
                info={"waiting": waiting},
            )
        wait.pause()
        clear_cache()


# ---- day-2: grow, shrink, replace, rebalance, heal ------------------------------------------


def _brick_args(name, bricks, what, replica=None, arbiter=None):
    bricks = _bricks_list(bricks)
    problems = validate.volume_name_problems(name)
    problems += validate.count_problems(replica, "replica", 1) + validate.count_problems(
        arbiter, "arbiter", 1
    )
    for index, spec in enumerate(bricks):
        problems += validate.brick_problems(spec, f"brick {index + 1}")
    if not bricks:
        problems.append("no bricks given")
    _check(problems, f"cannot {what} on volume {name!r}")
    return bricks


def volume_add_brick(name, bricks, replica=None, arbiter=None, force=False):
    """
    Add bricks to the volume ``name``: whole replica/disperse sets to grow it, or with a higher
    ``replica`` (and ``arbiter=1``) one brick per set to raise its redundancy.
    It does not rebalance: see ``volume_rebalance``.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.volume_add_brick gv0 '[gfs1:/b/2, gfs2:/b/2, gfs3:/b/2]' force=True
        salt gfs1 gluster.volume_add_brick gv0 '[gfs3:/b/arbiter]' replica=3 arbiter=1
    """
    bricks = _brick_args(name, bricks, "add bricks", replica, arbiter)
    args = ["volume", "add-brick", name]
    if replica:
        args += ["replica", str(int(replica))]
        if arbiter:
            args += ["arbiter", str(int(arbiter))]
    args += bricks
    if force:
        args.append("force")
    _write(*args)
    return {"name": name, "added": bricks}


REMOVE_BRICK_ACTIONS = ("start", "status", "stop", "commit", "force")


def volume_remove_brick(name, bricks, action="start", replica=None, ignore_health=False):
    """
    Remove bricks from the volume ``name``.

    ``action``: ``start`` (begin migrating their data to the other bricks), ``status``,
    ``stop``, ``commit`` (only once ``status`` says completed with no failures: files not
    migrated stay behind on the removed bricks) or ``force`` (remove at once, no migration:
    with a lower ``replica`` this drops one brick per set; on a distribute volume it makes the
    files on those bricks unreachable). Returns the migration status for start/status/stop.

    ``force`` is refused unless each set losing a brick keeps the rest of its bricks online
    and has nothing in split-brain or waiting for self-heal (see ``reshape_refusals``);
    ``ignore_health=True`` skips that check: the operator's decision, for a set that lost
    more bricks than it can heal from.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.volume_remove_brick gv0 '[gfs1:/b/2, gfs2:/b/2, gfs3:/b/2]' start
        salt gfs1 gluster.volume_remove_brick gv0 '[gfs1:/b/2, gfs2:/b/2, gfs3:/b/2]' status
        salt gfs1 gluster.volume_remove_brick gv0 '[gfs3:/b/1]' force replica=2
    """
    bricks = _brick_args(name, bricks, "remove bricks", replica)
    if action not in REMOVE_BRICK_ACTIONS:
        raise SaltInvocationError(f"action must be one of {', '.join(REMOVE_BRICK_ACTIONS)}, not {action!r}")
    args = ["volume", "remove-brick", name]
    if replica:
        args += ["replica", str(int(replica))]
    args += [*bricks, action]
    if action == "force" and not ignore_health:
        _refuse_unhealthy(name, [{"op": "remove-brick", "bricks": bricks, "migrate": False}], "remove bricks")
    if action == "status":
        return _parsed(
            parse.parse_migration_status, cli.run(_config(), args, counter=_stats(), read_only=True)
        )
    root = _write(*args)
    if action in ("commit", "force"):
        return {"name": name, "removed": bricks}
    if action == "start":
        return {"name": name, "task_id": _parsed(parse.parse_task_id, root)}
    return _parsed(parse.parse_migration_status, root)


def volume_replace_brick(name, old, new, allow_replace=False, ignore_health=False):
    """
    Replace brick ``old`` of the volume ``name`` by ``new`` (``commit force``, the only form
    gluster supports): the new brick starts empty and self-heal fills it from the rest of its
    replica or disperse set. Follow with ``volume_heal`` and wait for ``heal_summary`` to reach
    zero.

    Refused unless the rest of the set is online and has nothing in split-brain or waiting for
    self-heal (but for the writes an offline ``old`` missed), as gluster reports it now; an
    ``old`` that is online and working is replaced only with ``allow_replace=True`` (see
    ``reshape_refusals``). ``ignore_health=True`` skips the check: the operator's decision, for
    a set that lost more bricks than it can heal from.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.volume_replace_brick gv0 gfs3:/b/gv0 gfs4:/b/gv0
        salt gfs1 gluster.volume_replace_brick gv0 gfs3:/b/gv0 gfs3:/b2/gv0 allow_replace=True
    """
    _brick_args(name, [old, new], "replace a brick")
    if not ignore_health:
        operation = {"op": "replace-brick", "old": old, "new": new}
        _refuse_unhealthy(name, [operation], "replace a brick", allow_replace=allow_replace)
    _retry_xattr_probe(lambda: _write("volume", "replace-brick", name, old, new, "commit", "force"))
    return {"name": name, "old": old, "new": new}


def reshape_refusals(name, operations, allow_replace=False):
    """
    Why the reshape ``operations`` (as ``volume_reshape_plan`` returns them) must not run on
    the volume ``name`` now: a list of sentences, empty when they may. Judged are the
    operations that take a brick out of its set, ``replace-brick`` and ``remove-brick``
    without migration (a lower replica): every other brick of that set must be online and
    answer the heal, and the set must have no entry in split-brain and none waiting for
    self-heal, but for the writes a leaving brick that is offline missed (the entries every
    other brick of the set lists). A replaced brick that is online and working needs
    ``allow_replace=True``. A stopped volume is refused: gluster reports no health for it.
    Fresh reads: volume info, ``volume status``, the heal summary, and ``heal info`` when
    the entries must be compared.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.reshape_refusals gv0 '[{op: replace-brick, old: gfs3:/b/gv0, new: gfs4:/b/gv0}]'
    """
    problems = validate.volume_name_problems(name)
    if not isinstance(operations, list) or not all(isinstance(op, dict) for op in operations):
        problems.append("operations must be a list of operations as volume_reshape_plan returns them")
        operations = []
    for index, op in enumerate(operations):
        named = [op.get("old"), op.get("new")] if op.get("op") == "replace-brick" else op.get("bricks") or []
        for spec in named if isinstance(named, list) else [named]:
            problems += validate.brick_problems(spec, f"operation {index + 1}")
    _check(problems, "reshape_refusals")
    clear_cache()  # what gluster reports now
    current = _volumes(name).get(name)
    if current is None:
        raise CommandExecutionError(f"volume {name} does not exist")
    operations = _named_as_in_volume(current, operations)
    given = {op["old"] for op in operations if op.get("op") == "replace-brick"}
    given |= {spec for op in operations if op.get("op") == "remove-brick" for spec in op["bricks"]}
    strangers = sorted(given - {brick["name"] for brick in current["bricks"]})
    if strangers:
        return [
            f"volume {name}: {', '.join(strangers)} "
            f"{'is' if len(strangers) == 1 else 'are'} not a brick of it"
        ]
    return _health_refusals(name, current, reshape.leaving_sets(current, operations), allow_replace)


def _named_as_in_volume(current, operations):
    """``operations`` with each brick named as the volume names it (``gfs3:/b`` given, the
    volume has ``10.0.0.3:/b``: the same host by UUID); a brick not in the volume keeps its name."""
    names = {b["name"] for b in current["bricks"]}
    given = [op.get("old") for op in operations] + [b for op in operations for b in op.get("bricks") or []]
    if all(spec is None or spec in names for spec in given):
        return operations
    uuids = _host_uuids()
    by_key = {
        (b["host_uuid"] or _brick_uuid(b["host"], uuids), b["path"]): b["name"] for b in current["bricks"]
    }

    def rename(spec):
        host, _sep, path = spec.rpartition(":")
        return by_key.get((_brick_uuid(host, uuids), path), spec)

    renamed = []
    for op in operations:
        op = dict(op)
        if op.get("old"):
            op["old"] = rename(op["old"])
        if op.get("bricks"):
            op["bricks"] = [rename(spec) for spec in op["bricks"]]
        renamed.append(op)
    return renamed


def _health_refusals(name, current, sets, allow_replace=False):
    """:func:`gluster_reshape.health_refusals` of ``sets`` of the volume ``current``, on
    ``volume status`` and heal reads of now."""
    if not sets:
        return []
    if not current["started"]:
        return [
            f"volume {name} is stopped: gluster reports neither its bricks nor its heals, so nothing "
            "shows that the rest of each set is online and healed; start it, then run again"
        ]
    online = {brick["name"]: bool(brick["online"]) for brick in volume_status(name)["bricks"]}
    heal = {}
    if current["replica_count"] > 1 or current["disperse_count"] > 0:
        heal = {brick["name"]: brick for brick in _heal(name, "summary")}
    listed = None
    if reshape.listing_needed(sets, online, heal):
        listed = {brick["name"]: brick.get("files") or [] for brick in heal_info(name)}
    return reshape.health_refusals(name, sets, online, heal, listed, allow_replace=allow_replace)


def _refuse_unhealthy(name, operations, what, allow_replace=False):
    problems = reshape_refusals(name, operations, allow_replace=allow_replace)
    if problems:
        raise CommandExecutionError(f"refusing to {what} on volume {name}: {'; '.join(problems)}")


def volumes_healthy(names=None):
    """
    Every started volume (or each of ``names``) is healthy as gluster reports it now: each
    brick online, and in a replicated or dispersed volume every brick answers the heal with no
    entry in split-brain or waiting for self-heal (the check made before a replace-brick, with
    no brick leaving). Returns ``{volume: "healthy" or "stopped"}``; otherwise raises an error
    naming every brick down and every count pending, with its volume. ``gluster.orch.rolling``
    runs it before the first node is stopped.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.volumes_healthy
        salt gfs1 gluster.volumes_healthy '[gv0, gv1]'
    """
    names = [names] if isinstance(names, str) else names
    if names is not None:
        _check([p for volume in names for p in validate.volume_name_problems(volume)], "volumes_healthy")
    clear_cache()
    volumes = _volumes()
    missing = sorted(set(names or ()) - set(volumes))
    if missing:
        raise CommandExecutionError(f"volumes_healthy: no volume {', '.join(missing)}")
    answer, problems = {}, []
    for volume in sorted(volumes) if names is None else names:
        current = volumes[volume]
        answer[volume] = "healthy" if current["started"] else "stopped"
        if current["started"]:
            sets = [
                {"members": members, "leaving": [], "replaced": []} for members in reshape.all_sets(current)
            ]
            problems += _health_refusals(volume, current, sets)
    if problems:
        raise CommandExecutionError("not healthy: " + "; ".join(problems), info={"problems": problems})
    return answer


def _retry_xattr_probe(write, attempts=3):
    """Run ``write``; retry (twice, after 1 and 2 s) when only gluster's pre-validation probe of
    the new brick failed (set and remove a test xattr). That probe changes nothing, and it fails
    when two glusterd probe the same path at once: several glusterd on one machine all count a
    loopback brick as their own (seen for reset-brick and replace-brick in this test harness)."""
    wait = poll.Backoff(
        first=1.0, cap=float(attempts), factor=1, step=1.0, clock=time.monotonic, sleep=time.sleep
    )
    for attempt in range(attempts):
        try:
            return write()
        except CommandExecutionError as exc:
            text = str(exc)
            if (
                "Pre Validation failed" not in text
                or "test extended attribute" not in text
                or attempt == attempts - 1
            ):
                raise
            wait.pause()  # 1 s, 2 s, 3 s ...
    return None


def volume_reset_brick(name, brick):
    """
    Reset brick ``brick`` of the volume ``name`` in place (``reset-brick start`` then
    ``commit force``): for a disk replaced under the same host and path. Self-heal then fills it.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.volume_reset_brick gv0 gfs3:/b/gv0
    """
    _brick_args(name, [brick], "reset a brick")
    _write("volume", "reset-brick", name, brick, "start")
    _retry_xattr_probe(lambda: _write("volume", "reset-brick", name, brick, brick, "commit", "force"))
    return {"name": name, "reset": brick}


REBALANCE_ACTIONS = ("start", "fix-layout", "status", "stop")


def volume_rebalance(name, action="start", force=False):
    """
    Rebalance the volume ``name``: ``start`` (fix the layout and move data to the bricks where
    it now belongs), ``fix-layout`` (only the layout: new files spread over every brick,
    existing ones stay), ``status`` or ``stop``. Returns ``{"task_id"}`` for start and
    fix-layout, the per-node progress (as ``volume_remove_brick`` status) otherwise.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.volume_rebalance gv0
        salt gfs1 gluster.volume_rebalance gv0 status
    """
    _check(validate.volume_name_problems(name), "volume_rebalance")
    if action not in REBALANCE_ACTIONS:
        raise SaltInvocationError(f"action must be one of {', '.join(REBALANCE_ACTIONS)}, not {action!r}")
    args = ["volume", "rebalance", name]
    args += ["fix-layout", "start"] if action == "fix-layout" else [action]
    if force and action == "start":
        args.append("force")
    if action == "status":
        return _parsed(
            parse.parse_migration_status, cli.run(_config(), args, counter=_stats(), read_only=True)
        )
    root = _write(*args)
    if action in ("start", "fix-layout"):
        return {"name": name, "task_id": _parsed(parse.parse_task_id, root)}
    return _parsed(parse.parse_migration_status, root)


def volume_tasks(name):
    """
    The rebalance and remove-brick tasks gluster remembers for the started volume ``name``:
    a list of ``{"type", "id", "status", "status_str", "bricks"}``.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.volume_tasks gv0
    """
    _check(validate.volume_name_problems(name), "volume_tasks")
    root = cli.run(_config(), ["volume", "status", name, "tasks"], counter=_stats(), read_only=True)
    return _parsed(parse.parse_volume_tasks, root).get(name, [])


def _heal(name, kind):
    _check(validate.volume_name_problems(name), f"heal info of {name!r}")
    return _parsed(parse.parse_heal_info, cli.run_heal_info(_config(), name, kind, counter=_stats()))


def heal_info(name):
    """
    The entries waiting for self-heal on each brick of the volume ``name``: a list of
    ``{"name", "host", "path", "host_uuid", "connected", "status", "entries", "files"}``;
    ``entries`` is ``None`` for a brick that could not be asked.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.heal_info gv0
    """
    return _heal(name, "info")


def heal_split_brain(name):
    """
    The entries in split-brain on each brick of the volume ``name`` (same shape as
    ``heal_info``).

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.heal_split_brain gv0
    """
    return _heal(name, "split-brain")


def heal_summary(name):
    """
    Heal counts of the volume ``name``: ``{"bricks": [...], "pending": int, "split_brain":
    int, "possibly_healing": int, "entries": int, "unreachable": [brick, ...], "healed":
    bool}``: gluster's counts summed over the bricks (a file in split-brain on both copies of
    a replica-2 set counts 2). ``healed`` means every brick answered and none has an entry
    left.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.heal_summary gv0
    """
    return parse.summarize_heal(_heal(name, "summary"))


def split_brain_resolve(name, path=None, policy="bigger-file", source_brick=None):
    """
    Resolve a split-brain in the volume ``name`` by one of gluster's policies: keep the bigger
    copy (``bigger-file``) or the newest (``latest-mtime``) of the file ``path``, or the copies
    on ``source_brick`` (``source-brick``: of ``path``, or of every file in split-brain when no
    path is given). ``path`` is from the volume's root (``/dir/file``) or ``gfid:<GFID>``
    (also as ``gluster.heal_split_brain`` lists it: ``<gfid:...>``). Returns gluster's message
    (``Healed /dir/file.``); gluster's refusal (``File not in split-brain``, no such brick) is
    an error. The other copies are overwritten: this is the operator's decision that self-heal
    cannot make.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.split_brain_resolve gv0 /dir/file
        salt gfs1 gluster.split_brain_resolve gv0 /dir/file policy=latest-mtime
        salt gfs1 gluster.split_brain_resolve gv0 policy=source-brick source_brick=gfs2:/data/gv0/brick
    """
    problems = validate.volume_name_problems(name)
    if policy not in cli.SPLIT_BRAIN_POLICIES:
        problems.append(f"policy {policy!r} must be one of {', '.join(cli.SPLIT_BRAIN_POLICIES)}")
    elif policy == "source-brick":
        problems += validate.brick_problems(source_brick, "source_brick")
    elif path is None:
        problems.append(f"policy {policy} needs the file's path")
    if isinstance(path, str) and path.startswith("<gfid:") and path.endswith(">"):
        path = path[1:-1]  # as heal info lists a file it cannot name
    if path is not None:
        problems += validate.volume_file_problems(path)
    _check(problems, f"split_brain_resolve of {name!r}")
    __context__.pop(CACHE_KEY, None)
    return cli.run_split_brain(
        _config(), name, policy, path, source_brick if policy == "source-brick" else None, counter=_stats()
    )


def volume_heal(name, full=False):
    """
    Ask the self-heal daemons to heal the volume ``name`` now (``full=True``: crawl every
    file, not only the ones marked). Returns gluster's message.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.volume_heal gv0
    """
    _check(validate.volume_name_problems(name), "volume_heal")
    args = ["volume", "heal", name] + (["full"] if full else [])
    __context__.pop(CACHE_KEY, None)
    return cli.run(_config(), args, xml=False, counter=_stats())


def volume_reshape_plan(
    name,
    bricks,
    replica=None,
    arbiter=None,
    disperse=None,
    redundancy=None,
    allow_shrink=False,
):
    """
    The gluster operations that turn the existing volume ``name`` into the layout described:
    ``{"operations": [...], "problems": [...]}`` (``None`` when the volume does not exist).
    Operations, in the order to run them: ``replace-brick`` (``old``, ``new``), ``add-brick``
    (``bricks``, optional ``replica``/``arbiter``), ``remove-brick`` (``bricks``, ``migrate``,
    optional ``replica``). Nothing is changed.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.volume_reshape_plan gv0 \\
            '[gfs1:/b/1, gfs2:/b/1, gfs3:/b/1, gfs1:/b/2, gfs2:/b/2, gfs3:/b/2]' replica=3
    """
    bricks = _bricks_list(bricks)
    problems = validate.volume_name_problems(name) + validate.layout_problems(
        bricks, replica, arbiter, disperse, redundancy, where=f"volume {name}"
    )
    _check(problems, "volume_reshape_plan")
    current = _volumes(name).get(name)
    if current is None:
        return None
    uuids = _host_uuids()
    current_keys = [(b["host_uuid"] or _brick_uuid(b["host"], uuids), b["path"]) for b in current["bricks"]]
    wanted_keys = []
    for spec in bricks:
        host, _sep, path = spec.rpartition(":")
        wanted_keys.append((_brick_uuid(host, uuids), path))
    wanted = {
        "bricks": bricks,
        "replica": replica,
        "arbiter": arbiter,
        "disperse": disperse,
        "redundancy": redundancy,
    }
    return reshape.plan_reshape(current, current_keys, wanted, wanted_keys, allow_shrink=allow_shrink)


def migration_failures(name, log_dir="/var/log/glusterfs"):
    """
    The files whose migration failed in the latest rebalance or remove-brick of the volume
    ``name`` *on this node*, read from ``<log_dir>/<name>-rebalance.log`` (gluster logs them
    only on the node that ran the migration; the status gives the count per node). Empty when
    the log is missing.

    CLI Example:

    .. code-block:: bash

        salt 'gfs*' gluster.migration_failures gv0
    """
    _check(validate.volume_name_problems(name), "migration_failures")
    path = os.path.join(log_dir, f"{name}-rebalance.log")
    failed = []
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if "gf_defrag_total_file_size" in line or "Total size files" in line:
                    failed = []  # a new crawl started: only the latest one counts
                marker = "migrate-data failed for "
                if marker in line:
                    file_part = line.split(marker, 1)[1].strip()
                    path_only = file_part.rsplit(" [", 1)[0] if file_part.endswith("]") else file_part
                    if path_only not in failed:
                        failed.append(path_only)
    except OSError:
        return []
    return failed


# ---- quotas ---------------------------------------------------------------------------------

QUOTA_NOT_CONFIGURED = ("No quota configured on volume", "No inode quota configured on volume")


def quota_enabled(name):
    """
    Whether directory quotas are enabled on volume ``name`` (``features.quota``), from the
    run's cached ``volume info``.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.quota_enabled gv0
    """
    _check(validate.volume_name_problems(name), "quota_enabled")
    volumes = _volumes(name)
    if name not in volumes:
        raise CommandExecutionError(f"Volume {name} does not exist", info={"errno": NO_SUCH_VOLUME})
    return options_diff.normalise(volumes[name]["options"].get("features.quota", "off")) == "on"


def quota_enable(name, enabled=True):
    """
    Enable (or with ``enabled=False`` disable) directory quotas on volume ``name``. Disabling
    drops every limit set on the volume (gluster's behaviour).

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.quota_enable gv0
        salt gfs1 gluster.quota_enable gv0 enabled=False
    """
    _check(validate.volume_name_problems(name), "quota_enable")
    _write("volume", "quota", name, "enable" if enabled else "disable", volume=name)
    return {"name": name, "quota": bool(enabled)}


def quota_list(name, objects=False, paths=None):
    """
    The quota limits of volume ``name`` with their usage: ``[{"path", "hard_limit",
    "soft_limit_percent", "soft_limit", "used", "available", "soft_exceeded",
    "hard_exceeded"}]`` (bytes); with ``objects=True`` the object (inode) limits, with
    ``files``, ``dirs`` and ``available`` instead of bytes. ``paths`` limits the answer to those
    directories. No limit set: an empty list.

    ``gluster volume quota ... list`` reads the limits through an auxiliary mount of the volume
    that glusterd makes on this node, and asks the quota daemon: run it on a server node.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.quota_list gv0
        salt gfs1 gluster.quota_list gv0 objects=True
    """
    paths = [paths] if isinstance(paths, str) else list(paths or [])
    problems = validate.volume_name_problems(name)
    for index, path in enumerate(paths):
        problems += validate.quota_path_problems(path, f"path {index + 1}")
    _check(problems, "quota_list")
    try:
        root = _read("volume", "quota", name, "list-objects" if objects else "list", *paths)
    except CommandExecutionError as exc:
        if any(marker in str(exc) for marker in QUOTA_NOT_CONFIGURED):
            return []
        raise
    return _parsed(parse.parse_quota_list, root)


def _quota_specs(wanted, objects, where):
    """The pillar form of limits (``{path: "10GB"}`` or ``{path: {"hard", "soft"}}``) checked:
    (``{path: {"hard": bytes or count, "soft": percent or None}}``, problems)."""
    specs, problems = {}, []
    if wanted is None:
        return specs, problems
    if not isinstance(wanted, dict):
        return specs, [f"{where} must be a mapping of directory to limit, got {type(wanted).__name__}"]
    for path, spec in wanted.items():
        here = f"{where} {path!r}"
        path_problems = validate.quota_path_problems(path, f"{where} directory")
        spec = spec if isinstance(spec, dict) else {"hard": spec}
        unknown = sorted(str(key) for key in spec if key not in ("hard", "soft"))
        hard, soft = spec.get("hard"), spec.get("soft")
        found = path_problems + (
            [f"{here}: unknown keys {', '.join(unknown)} (hard, soft)"] if unknown else []
        )
        found += validate.quota_limit_problems(hard, soft, objects, here)
        problems += found
        if not found:
            specs[path] = {
                "hard": int(hard) if objects else validate.quota_size(hard),
                "soft": None if soft is None else validate.soft_percent(soft),
            }
    return specs, problems


def quota_plan(name, limits=None, object_limits=None, reset_unmanaged=False):
    """
    What ``gluster.volume_quota`` would change on volume ``name``, after checking every limit:
    ``{"enabled": bool, "limits": {...}, "object_limits": {...}}``, each of the two with
    ``set`` (``{path: {"hard", "soft"}}``, hard in bytes or a count, soft in percent or None
    for gluster's default), ``remove`` (paths, only with ``reset_unmanaged``), ``unmanaged``
    (set on the volume but not wanted, left alone) and ``current`` (``{path: {"hard", "soft"}}``).
    A limit whose soft percent is not given accepts any soft limit already set. The volume
    must exist and be started (``quota list`` needs its bricks).

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.quota_plan gv0 limits='{"/projects": "100GB"}'
    """
    problems = validate.volume_name_problems(name)
    kinds = {}
    for key, objects, wanted in (("limits", False, limits), ("object_limits", True, object_limits)):
        kinds[key], found = _quota_specs(wanted, objects, f"volume {name} quota {key}")
        problems += found
    _check(problems, f"cannot plan quotas of volume {name!r}")
    volumes = _volumes(name)
    if name not in volumes:
        raise CommandExecutionError(f"volume {name} does not exist", info={"errno": NO_SUCH_VOLUME})
    if not volumes[name]["started"]:
        raise CommandExecutionError(f"volume {name} is not started: quotas need a started volume")
    enabled = quota_enabled(name)
    plan = {"enabled": enabled}
    for key, objects in (("limits", False), ("object_limits", True)):
        current = {}
        if enabled:
            for entry in quota_list(name, objects=objects):
                current[entry["path"]] = {"hard": entry["hard_limit"], "soft": entry["soft_limit_percent"]}
        wanted = kinds[key]
        to_set = {
            path: spec for path, spec in wanted.items()
            if path not in current or current[path]["hard"] != spec["hard"]
            or (spec["soft"] is not None and current[path]["soft"] != spec["soft"])
        }  # fmt: skip
        others = sorted(set(current) - set(wanted))
        plan[key] = {
            "set": to_set,
            "remove": others if reset_unmanaged else [],
            "unmanaged": [] if reset_unmanaged else others,
            "current": current,
        }
    return plan


def quota_limit(name, path, hard, soft=None, objects=False):
    """
    Set the quota limit of directory ``path`` (from the volume's root) on volume ``name``:
    ``hard`` in bytes with an optional unit (``10GB``), or with ``objects=True`` a number of
    files and directories; ``soft`` in percent of ``hard`` (gluster's default soft limit when
    not given). The directory need not exist yet: the limit applies once it does.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.quota_limit gv0 /projects/a 100GB soft=80
        salt gfs1 gluster.quota_limit gv0 /projects/a 100000 objects=True
    """
    problems = validate.volume_name_problems(name) + validate.quota_path_problems(path)
    if objects:
        problems += (
            validate.count_problems(hard, "object limit", 1)
            if hard is not None
            else ["object limit is missing"]
        )
    else:
        problems += validate.quota_size_problems(hard, "hard limit")
    if soft is not None:
        problems += validate.soft_percent_problems(soft)
    _check(problems, f"cannot set a quota limit on volume {name!r}")
    hard = str(int(hard)) if objects else str(hard).strip()
    args = ["volume", "quota", name, "limit-objects" if objects else "limit-usage", path, hard]
    if soft is not None:
        args.append(f"{validate.soft_percent(soft)}%")
    _write(*args, volume=name)
    return {
        "name": name,
        "path": path,
        "hard": hard,
        "soft": None if soft is None else validate.soft_percent(soft),
    }


def quota_remove(name, path, objects=False):
    """
    Remove the usage limit (or with ``objects=True`` the object limit) of directory ``path``
    on volume ``name``.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.quota_remove gv0 /projects/a
    """
    _check(validate.volume_name_problems(name) + validate.quota_path_problems(path), "quota_remove")
    _write("volume", "quota", name, "remove-objects" if objects else "remove", path, volume=name)
    return {"name": name, "path": path, "removed": "objects" if objects else "usage"}


# ---- snapshots --------------------------------------------------------------------------------
# gluster snapshots need every brick of the volume on a thinly provisioned LVM logical volume
# (and /sbin/lvcreate on the nodes, or gluster answers "snapshot functionality is disabled").


def snapshot_config(volume=None):
    """
    The snapshot settings: ``{"system": {"hard_limit", "soft_limit_percent", "auto_delete",
    "activate_on_create"}, "volumes": {name: {"hard_limit", "effective_hard_limit",
    "soft_limit"}}}``; with ``volume``, that volume alone under ``volumes``.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.snapshot_config
        salt gfs1 gluster.snapshot_config gv0
    """
    args = ["snapshot", "config"]
    if volume is not None:
        _check(validate.volume_name_problems(volume), "snapshot_config")
        args.append(volume)
    return _parsed(parse.parse_snapshot_config, _read(*args))


def _snapshot_setting_problems(volume, hard_limit, soft_limit, auto_delete, activate_on_create):
    where = f"volume {volume}" if volume is not None else "snapshot config"
    problems = [] if volume is None else validate.volume_name_problems(volume)
    if hard_limit is not None:
        problems += validate.count_problems(hard_limit, f"{where} hard_limit", 1)
        if not problems and int(hard_limit) > validate.SNAPSHOT_HARD_LIMIT_MAX:
            problems.append(
                f"{where} hard_limit {hard_limit} is above gluster's {validate.SNAPSHOT_HARD_LIMIT_MAX}"
            )
    if soft_limit is not None:
        problems += validate.soft_percent_problems(soft_limit, f"{where} soft_limit")
    for key, value in (("auto_delete", auto_delete), ("activate_on_create", activate_on_create)):
        if value is not None and not isinstance(value, bool):
            problems.append(f"{where} {key} must be true or false, got {value!r}")
    if volume is not None and (soft_limit, auto_delete, activate_on_create) != (None, None, None):
        problems.append(
            f"{where}: soft_limit, auto_delete and activate_on_create are cluster-wide (no volume)"
        )
    return problems


def snapshot_config_plan(
    volume=None, hard_limit=None, soft_limit=None, auto_delete=None, activate_on_create=None
):
    """
    What ``gluster.snapshot_config`` (the state) would change, after checking the values:
    ``{"current": {setting: value}, "set": {setting: value}}`` for the cluster-wide settings,
    or with ``volume`` for that volume's ``hard_limit``. Settings given as None are left out.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.snapshot_config_plan hard_limit=100 auto_delete=True
    """
    _check(_snapshot_setting_problems(volume, hard_limit, soft_limit, auto_delete, activate_on_create),
           "cannot plan snapshot settings")  # fmt: skip
    config = snapshot_config(volume)
    if volume is None:
        current = dict(config["system"])
        current["soft_limit"] = current.pop("soft_limit_percent")
    else:
        current = {"hard_limit": config["volumes"].get(volume, {}).get("hard_limit")}
    wanted = {
        "hard_limit": None if hard_limit is None else int(hard_limit),
        "soft_limit": None if soft_limit is None else validate.soft_percent(soft_limit),
        "auto_delete": auto_delete,
        "activate_on_create": activate_on_create,
    }
    to_set = {key: value for key, value in wanted.items() if value is not None and current.get(key) != value}
    return {"current": current, "set": to_set}


def snapshot_config_set(
    volume=None, hard_limit=None, soft_limit=None, auto_delete=None, activate_on_create=None
):
    """
    Change snapshot settings, one gluster call per setting: ``hard_limit`` (most snapshots, 1
    to 256) cluster-wide or for ``volume``; cluster-wide only: ``soft_limit`` (percent of the
    hard limit at which gluster warns, or with ``auto_delete`` deletes the oldest),
    ``auto_delete`` and ``activate_on_create`` (booleans; skipped when they already have the
    value, which gluster would refuse). Returns ``{"volume", "set"}``.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.snapshot_config_set gv0 hard_limit=50
        salt gfs1 gluster.snapshot_config_set soft_limit=80 auto_delete=True
    """
    _check(_snapshot_setting_problems(volume, hard_limit, soft_limit, auto_delete, activate_on_create),
           "cannot change snapshot settings")  # fmt: skip
    target = [] if volume is None else [volume]
    if auto_delete is not None or activate_on_create is not None:
        # gluster refuses to set these two to the value they have ("already disabled")
        system = snapshot_config()["system"]
        auto_delete = None if auto_delete is system["auto_delete"] else auto_delete
        activate_on_create = (
            None if activate_on_create is system["activate_on_create"] else activate_on_create
        )
    done = {}
    for key, args in (
        ("hard_limit", None if hard_limit is None else ["snap-max-hard-limit", str(int(hard_limit))]),
        (
            "soft_limit",
            None if soft_limit is None else ["snap-max-soft-limit", str(validate.soft_percent(soft_limit))],
        ),
        (
            "auto_delete",
            None if auto_delete is None else ["auto-delete", "enable" if auto_delete else "disable"],
        ),
        (
            "activate_on_create",
            None
            if activate_on_create is None
            else ["activate-on-create", "enable" if activate_on_create else "disable"],
        ),
    ):
        if args:
            _write("snapshot", "config", *target, *args)
            done[key] = args[1]
    return {"volume": volume, "set": done}


def snapshot_list(volume=None):
    """
    Snapshot names (of ``volume``, or all).

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.snapshot_list gv0
    """
    args = ["snapshot", "list"]
    if volume is not None:
        _check(validate.volume_name_problems(volume), "snapshot_list")
        args.append(volume)
    return _parsed(parse.parse_snapshot_list, _read(*args))


def snapshot_count(volume):
    """
    How many snapshots ``volume`` has and how many more its hard limit allows:
    ``{"volume", "count", "remaining"}``.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.snapshot_count gv0
    """
    _check(validate.volume_name_problems(volume), "snapshot_count")
    return _parsed(parse.parse_snapshot_volume_info, _read("snapshot", "info", "volume", volume))


def snapshot_create(name, volume, description=None, timestamp=False, force=False):
    """
    Take snapshot ``name`` of ``volume`` (every brick must be on a thinly provisioned LV).
    gluster appends ``_GMT-<date>`` to the name unless told not to: here only with
    ``timestamp=True``, so the name is the one given. ``force`` takes it even when some bricks
    are down.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.snapshot_create before-upgrade gv0 description="before the 11.1 upgrade"
    """
    problems = validate.snapshot_name_problems(name) + validate.volume_name_problems(volume)
    if description is not None:
        problems += validate.snapshot_description_problems(description)
    _check(problems, f"cannot snapshot volume {volume!r}")
    args = ["snapshot", "create", name, volume]
    if not timestamp:
        args.append("no-timestamp")
    if description is not None:
        args += ["description", description]
    if force:
        args.append("force")
    _write(*args)
    return {"name": name, "volume": volume}


def _snapshot_action(action, name, *extra):
    _check(validate.snapshot_name_problems(name), f"snapshot_{action}")
    _write("snapshot", action, name, *extra)
    return {"name": name, action: True}


def snapshot_delete(name):
    """
    Delete snapshot ``name``.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.snapshot_delete before-upgrade
    """
    return _snapshot_action("delete", name)


def snapshot_activate(name, force=False):
    """
    Activate snapshot ``name`` (starts its bricks; clients can then mount it read-only as
    ``/snaps/<name>/<volume>``).

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.snapshot_activate before-upgrade
    """
    return _snapshot_action("activate", name, *(["force"] if force else []))


def snapshot_deactivate(name):
    """
    Deactivate snapshot ``name`` (stops its bricks).

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.snapshot_deactivate before-upgrade
    """
    return _snapshot_action("deactivate", name)


def snapshot_restore(name):
    """
    Restore the volume of snapshot ``name`` to it: the volume's current content is replaced and
    the snapshot is used up. gluster requires the volume stopped.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.snapshot_restore before-upgrade
    """
    result = _snapshot_action("restore", name)
    clear_cache()  # the volume's bricks changed
    return result


def snapshot_clone(clone, snapshot):
    """
    A new volume ``clone`` from snapshot ``snapshot`` (writable, shares blocks with it).

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.snapshot_clone gv0-test before-upgrade
    """
    _check(
        validate.volume_name_problems(clone, "clone name") + validate.snapshot_name_problems(snapshot),
        "snapshot_clone",
    )
    _write("snapshot", "clone", clone, snapshot)
    return {"name": clone, "snapshot": snapshot}


def snapshot_info(volume):
    """
    The snapshots of ``volume`` as gluster describes them, in gluster's order:
    ``[{"name", "uuid", "description", "created"}]``, ``created`` being gluster's own creation
    time (``YYYY-MM-DD HH:MM:SS``, UTC unless glusterd logs in local time).

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.snapshot_info gv0
    """
    _check(validate.volume_name_problems(volume), "snapshot_info")
    return _parsed(parse.parse_snapshot_info, _read("snapshot", "info", "volume", volume))


def snapshot_rotation(snapshots, prefix, keep, taken=None):
    """
    Of ``snapshots`` (``gluster.snapshot_info`` entries: ``{"name", "created"}``), those named
    ``<prefix>-<YYYYmmdd-HHMMSS>`` (made by ``snapshot_rotate``) beyond the newest ``keep``, by
    gluster's creation time (then name), oldest first: what a rotation deletes. ``taken``, the
    snapshot the rotation has just made, is never in it, however its name or time sorts (a
    clock stepped back makes both look old), and counts as one of the ``keep`` when listed.
    Other snapshots are never in it.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.snapshot_rotation \\
            '[{name: hourly-20261126-090000, created: "2026-11-26 09:00:00"}]' hourly 1
    """
    problems = validate.snapshot_name_problems(prefix, "prefix") + validate.count_problems(keep, "keep", 1)
    if taken is not None:
        problems += validate.snapshot_name_problems(taken, "taken")
    if not isinstance(snapshots, list):
        problems.append(f"snapshots must be a list of gluster.snapshot_info entries, got {snapshots!r}")
    else:
        for entry in snapshots:
            if not (
                isinstance(entry, dict)
                and isinstance(entry.get("name"), str)
                and isinstance(entry.get("created"), str)
                and parse.SNAPSHOT_TIME.fullmatch(entry["created"])
            ):
                problems.append(
                    f"snapshot {entry!r} is not a gluster.snapshot_info entry "
                    "(name, created 'YYYY-MM-DD HH:MM:SS')"
                )
    _check(problems, "snapshot_rotation")
    pattern = re.compile(re.escape(prefix) + r"-[0-9]{8}-[0-9]{6}")
    ours = [entry for entry in snapshots if pattern.fullmatch(entry["name"])]
    others = sorted(
        (entry for entry in ours if entry["name"] != taken), key=lambda e: (e["created"], e["name"])
    )
    slots = int(keep) - (1 if any(entry["name"] == taken for entry in ours) else 0)
    return [entry["name"] for entry in others[: max(0, len(others) - slots)]]


def snapshot_rotate(volume, prefix, keep):
    """
    Take snapshot ``<prefix>-<UTC YYYYmmdd-HHMMSS>`` of ``volume``, then delete that prefix's
    oldest snapshots (by gluster's creation time) beyond the newest ``keep``; the one just taken
    is never deleted (see ``snapshot_rotation``). Meant for a schedule (Salt's scheduler or cron
    running ``salt-call gluster.snapshot_rotate gv0 hourly 24``). If the snapshot cannot be
    taken, nothing is deleted. Returns ``{"created", "deleted"}``.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.snapshot_rotate gv0 hourly 24
    """
    _check(
        validate.volume_name_problems(volume) + validate.snapshot_name_problems(prefix, "prefix")
        + validate.count_problems(keep, "keep", 1),
        f"cannot rotate the snapshots of volume {volume!r}",
    )  # fmt: skip
    name = f"{prefix}-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}"
    snapshot_create(name, volume, description=f"snapshot_rotate {prefix} keep {keep}")
    deleted = []
    for old in snapshot_rotation(snapshot_info(volume), prefix, keep, taken=name):
        snapshot_delete(old)
        deleted.append(old)
    return {"created": name, "deleted": deleted}


def _formula_schedule_jobs(schedule, volumes, keep=()):
    """Of a minion's ``schedule`` (``schedule.list``, ``return_yaml=False``), the jobs the formula
    made for ``volumes`` -- named ``gluster-snapshot-<volume>-<prefix>`` and running
    ``gluster.snapshot_rotate <volume> <prefix> <keep>`` -- other than those named in ``keep``,
    sorted. Jobs of other volumes, and anyone else's jobs, are never in it."""
    if not isinstance(schedule, dict):
        return []
    found = []
    for job, spec in schedule.items():
        if not isinstance(spec, dict):
            continue
        args = spec.get("args")
        if (
            job not in keep
            and spec.get("function") == "gluster.snapshot_rotate"
            and isinstance(args, list) and len(args) >= 2
            and args[0] in volumes
            and job == f"gluster-snapshot-{args[0]}-{args[1]}"
        ):  # fmt: skip
            found.append(job)
    return sorted(found)


def snapshot_schedule_jobs(volumes, keep=()):
    """
    This minion's scheduler jobs that the formula made for ``volumes`` (other than ``keep``),
    read from the schedule file the minion persists them in (``minion.d/_schedule.conf``:
    the formula's jobs are ``persist: true``) without asking the minion daemon, so a minion
    with none never waits on an event bus.

    CLI Example:

    .. code-block:: bash

        salt gfs2 gluster.snapshot_schedule_jobs '[gv0]'
    """
    if not isinstance(volumes, list) or not isinstance(keep, (list, tuple)):
        _check([f"volumes and keep must be lists, got {volumes!r} and {keep!r}"], "snapshot_schedule_jobs")
    _check([p for volume in volumes for p in validate.volume_name_problems(volume)], "snapshot_schedule_jobs")
    saved = __salt__["schedule.list"](show_all=True, return_yaml=False, offline=True)
    return _formula_schedule_jobs(saved, volumes, keep)


# ---- geo-replication --------------------------------------------------------------------------
# A session copies a primary volume (this cluster) to a secondary volume (``host::volume``,
# usually another cluster) over ssh: one gsyncd worker per primary brick, the Active one of each
# replica set syncing, the Passive ones standing by. Run these on a node of the primary cluster.

GEOREP_NO_SESSION = "geo-replication command failed"  # status with no session: plain text, exit 2
GEOREP_STARTED = ("Active", "Passive", "Initializing...", "Faulty")


def _georep_check(volume, secondary, what):
    _check(
        validate.volume_name_problems(volume, "primary volume")
        + validate.georep_secondary_problems(secondary),
        what,
    )


def georep_status(volume=None, secondary=None, detail=False):
    """
    Geo-replication sessions (of primary ``volume``, to ``secondary``) with one entry per
    primary brick: ``[{"volume", "secondary", "secondary_user", "pairs": [{"primary_node",
    "primary_brick", "status", "crawl_status", "last_synced", "entry", "data", "meta",
    "failures", ...}]}]``. No session: ``[]`` (gluster answers that in plain text).

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.georep_status
        salt gfs1 gluster.georep_status gv0 backup1::gv0-copy detail=True
    """
    if secondary is not None and volume is None:
        raise SaltInvocationError("georep_status: a secondary needs its primary volume")
    args = ["volume", "geo-replication"]
    if volume is not None:
        _check(validate.volume_name_problems(volume, "primary volume"), "georep_status")
        args.append(volume)
    if secondary is not None:
        _georep_check(volume, secondary, "georep_status")
        args.append(secondary)
    args.append("status")
    if detail:
        args.append("detail")
    try:
        return _parsed(parse.parse_georep_status, _read(*args))
    except CommandExecutionError as exc:
        info = getattr(exc, "info", None) or {}
        if info.get("returncode") == 2 and GEOREP_NO_SESSION in str(info.get("output", "")):
            return []
        raise


def georep_session(volume, secondary):
    """
    The geo-replication session from ``volume`` to ``secondary`` (see ``georep_status``) with
    ``state``: ``created``, ``started``, ``paused`` or ``stopped`` (``started`` when any
    worker is Active, Passive, Initializing or Faulty; ``faulty`` lists Faulty bricks); None
    when there is none.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.georep_session gv0 backup1::gv0-copy
    """
    _georep_check(volume, secondary, "georep_session")
    user, _, host_volume = secondary.rpartition("@")
    found = [
        s
        for s in georep_status(volume, secondary)
        if s["volume"] == volume and s["secondary"] == host_volume and s["secondary_user"] == (user or "root")
    ]
    if not found:
        return None
    session = found[0]
    statuses = {pair["status"] for pair in session["pairs"]}
    if statuses & set(GEOREP_STARTED):
        state = "started"
    elif "Paused" in statuses:
        state = "paused"
    elif statuses == {"Created"}:
        state = "created"
    else:
        state = "stopped"
    session["state"] = state
    session["faulty"] = [
        f"{p['primary_node']}:{p['primary_brick']}" for p in session["pairs"] if p["status"] == "Faulty"
    ]
    return session


def georep_create(volume, secondary, ssh_port=None, push_pem=False, force=False):
    """
    Create the geo-replication session from ``volume`` to ``secondary`` (``host::volume``).
    By default ``no-verify``: the primary nodes' keys are expected on the secondary nodes
    already (``georep_secret_create`` then ``georep_public_keys`` on the primary, Salt's
    ``ssh_auth`` on the secondary; see README). ``push_pem=True`` has gluster copy them over
    ssh instead (root ssh from this node to the secondary must work; gluster reports success
    even when that copy fails). ``ssh_port`` for an sshd not on 22 (set it in the config too:
    ``georep_config_set``). ``force`` skips gluster's checks (secondary size, ...).

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.georep_create gv0 backup1::gv0-copy ssh_port=2222
    """
    _georep_check(volume, secondary, "georep_create")
    if ssh_port is not None:
        _check(validate.count_problems(ssh_port, "ssh_port", 1), "georep_create")
    args = ["volume", "geo-replication", volume, secondary, "create"]
    if ssh_port is not None:
        args += ["ssh-port", str(int(ssh_port))]
    args.append("push-pem" if push_pem else "no-verify")
    if force:
        args.append("force")
    _write(*args)
    return {"volume": volume, "secondary": secondary, "created": True}


def georep_config(volume, secondary):
    """
    The configuration of a geo-replication session: ``{option: value}`` with the option names
    ``config`` takes (``sync-jobs``, ``ssh-port``, ``secondary-access-mount``...).

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.georep_config gv0 backup1::gv0-copy
    """
    _georep_check(volume, secondary, "georep_config")
    return _parsed(parse.parse_georep_config, _read("volume", "geo-replication", volume, secondary, "config"))


def georep_config_set(volume, secondary, options):
    """
    Set geo-replication session options, one gluster call each (``{"sync-jobs": 4,
    "ssh-port": 2222}``; booleans become true/false, ``_`` in names become ``-``).

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.georep_config_set gv0 backup1::gv0-copy '{sync-jobs: 4}'
    """
    _georep_check(volume, secondary, "georep_config_set")
    options = {str(k).replace("_", "-"): v for k, v in (options or {}).items()}
    _check(validate.georep_config_problems(options), f"cannot configure geo-replication of {volume!r}")
    done = {}
    for key, value in options.items():
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        _write("volume", "geo-replication", volume, secondary, "config", key, text)
        done[key] = text
    return {"volume": volume, "secondary": secondary, "set": done}


def _georep_action(action, volume, secondary, force=False):
    _georep_check(volume, secondary, f"georep_{action}")
    _write("volume", "geo-replication", volume, secondary, action, *(["force"] if force else []))
    return {"volume": volume, "secondary": secondary, action: True}


def georep_start(volume, secondary, force=False):
    """
    Start the session (``force``: even with some primary nodes down).

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.georep_start gv0 backup1::gv0-copy
    """
    return _georep_action("start", volume, secondary, force)


def georep_stop(volume, secondary, force=False):
    """
    Stop the session (it resumes from where it was when started again).

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.georep_stop gv0 backup1::gv0-copy
    """
    return _georep_action("stop", volume, secondary, force)


def georep_pause(volume, secondary, force=False):
    """
    Pause the session's workers.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.georep_pause gv0 backup1::gv0-copy
    """
    return _georep_action("pause", volume, secondary, force)


def georep_resume(volume, secondary, force=False):
    """
    Resume a paused session.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.georep_resume gv0 backup1::gv0-copy
    """
    return _georep_action("resume", volume, secondary, force)


def georep_delete(volume, secondary):
    """
    Delete a stopped session (its sync state; neither volume's data).

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.georep_delete gv0 backup1::gv0-copy
    """
    return _georep_action("delete", volume, secondary)


def georep_secret_create():
    """
    Make this primary cluster's geo-replication keys (``gluster system:: execute
    gsec_create``): every primary node's key, collected on this node in
    ``common_secret.pem.pub``. Returns ``{"file": path}``.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.georep_secret_create
    """
    text = cli.run(_config(), ["system::", "execute", "gsec_create"], xml=False, counter=_stats())
    found = re.search(r"present at (/\S+)", text)
    return {
        "file": found.group(1) if found else os.path.join(_config()["georep_dir"], "common_secret.pem.pub")
    }


def georep_public_keys():
    """
    The primary nodes' geo-replication public keys, as lines for a secondary node's root
    ``authorized_keys`` (each with gluster's ``command=`` restriction), from
    ``common_secret.pem.pub`` in ``gluster:georep_dir`` on this node (after
    ``georep_secret_create``); ``[]`` when it is not there. Publish them with the Salt mine for
    the secondary nodes' ``ssh_auth`` states.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster.georep_public_keys
    """
    path = os.path.join(_config()["georep_dir"], "common_secret.pem.pub")
    try:
        with open(path, encoding="utf-8") as handle:
            lines = [line.strip() for line in handle if line.strip()]
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise CommandExecutionError(f"cannot read {path}: {exc}") from None
    return [line for line in lines if validate.GEOREP_KEY_RE.fullmatch(line)]
