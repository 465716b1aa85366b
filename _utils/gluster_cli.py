"""The one way this project runs the gluster CLI.

* argv lists only, never a shell, never the interactive prompt: every call gets ``--mode=script``;
* ``--xml`` wherever gluster supports it; gluster exits 0 on failure in that mode, so the
  ``opRet`` of the answer is checked and a failure becomes a ``CommandExecutionError`` carrying
  gluster's own ``opErrstr`` and ``opErrno``;
* transient cluster-lock failures ("Another transaction is in progress", "Locking failed on ...")
  are retried a bounded number of times with exponential back-off;
* "glusterd is not running" and other plain-text failures become one error that names the
  socket or remote host that was tried.

This module is plain Python (standard library plus ``salt.exceptions``) so that it travels both
in the pip package and through ``saltutil.sync_utils``.
"""

import logging
import os
import subprocess
import threading
import time
import weakref
import xml.etree.ElementTree as ET

from salt.exceptions import CommandExecutionError

log = logging.getLogger(__name__)

DEFAULTS = {
    "binary": "gluster",
    "socket": None,  # gluster's default: /var/run/glusterd.socket
    "remote_host": None,  # gluster's default: the local glusterd
    "timeout": 120,
    "lock_retries": 5,
    "lock_backoff": 0.5,
    "glfsheal": None,  # found in GLFSHEAL_PATHS when needed
    "groups_dir": "/var/lib/glusterd/groups",  # gluster's option group files (tuning profiles)
    "georep_dir": "/var/lib/glusterd/geo-replication",  # where gsec_create leaves the keys
}

# where distributions install glfsheal, the helper behind ``gluster volume heal NAME info``
GLFSHEAL_PATHS = (
    "/usr/lib/x86_64-linux-gnu/glusterfs/glfsheal",
    "/usr/lib/aarch64-linux-gnu/glusterfs/glfsheal",
    "/usr/libexec/glusterfs/glfsheal",
    "/usr/lib/glusterfs/glfsheal",
    "/usr/sbin/glfsheal",
)
HEAL_INFO_KINDS = {"info": (), "summary": ("info-summary",), "split-brain": ("split-brain-info",)}
SPLIT_BRAIN_POLICIES = ("bigger-file", "latest-mtime", "source-brick")

# glusterd runs a cluster-wide command in phases: lock, stage, commit, unlock. A failure to take
# the lock means nothing was done: the command may simply be run again. A failure to release it
# ("Unlocking failed on PEER") comes after the commit phase: the change may have been made.
LOCKING_ERRORS = (
    "Another transaction is in progress",
    "Locking failed on",
    "another transaction could be in progress",
)
UNLOCKING_ERRORS = ("Unlocking failed on",)
LOCK_ERRORS = LOCKING_ERRORS + UNLOCKING_ERRORS

CONNECTION_ERRORS = (
    "Connection failed",
    "Please check if gluster daemon is operational",
)


class GlusterLockError(CommandExecutionError):
    """Gluster refused a command because another transaction held the cluster lock."""


class GlusterNotInstalledError(CommandExecutionError):
    """The gluster CLI is not on this host (yet): glusterfs-server is not installed."""


class GlusterUnknownOutcomeError(GlusterLockError):
    """Gluster could not release the cluster lock after the commit phase: the command may have
    taken effect. A write is never run again on this error; read before deciding."""


def make_config(minion_config=None, pillar_config=None):
    """Merge the ``gluster:`` minion config over the ``gluster:`` pillar over the defaults."""
    config = dict(DEFAULTS)
    for source in (pillar_config, minion_config):
        if isinstance(source, dict):
            for key in DEFAULTS:
                if source.get(key) is not None:
                    config[key] = source[key]
    return config


DEFAULT_SOCKET = "/var/run/glusterd.socket"


def glusterd_identity(config):
    """Something that changes whenever the local glusterd is restarted: its socket file's
    device, inode and change time (glusterd unlinks and re-creates the socket at start-up).

    Cached reads are only valid for the glusterd that answered them; a restart between two
    states of one run (a package upgrade, an admin, a crash) must not let the second state see
    the first one's answers (brick pids and ports, peer connections). ``None`` when there is no
    socket to look at (a remote host, or glusterd not running)."""
    if config.get("remote_host"):
        return None
    try:
        found = os.stat(config.get("socket") or DEFAULT_SOCKET)
    except OSError:
        return None
    return (found.st_dev, found.st_ino, found.st_ctime_ns)


def bounded(function, timeout, what):
    """``function()`` given at most ``timeout`` seconds, for calls that take no timeout of their
    own: name resolution (``getaddrinfo``), reads of a FUSE mount's files (a hung mount blocks
    ``open`` in the kernel). It runs in a daemon thread; when time is up the caller gets a
    ``CommandExecutionError`` naming ``what`` and goes on (the thread is left to finish or hang
    on its own: a thread in the kernel cannot be stopped)."""
    outcome = {}

    def target():
        try:
            outcome["value"] = function()
        except BaseException as exc:  # pylint: disable=broad-except  -- handed to the caller
            outcome["error"] = exc

    worker = threading.Thread(target=target, name=f"gluster bounded: {what}", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise CommandExecutionError(f"{what} did not answer within {timeout:g}s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def target_description(config):
    """Say which glusterd a command went to, for error messages."""
    if config.get("remote_host"):
        return f"glusterd on remote host {config['remote_host']}"
    socket = config.get("socket") or "/var/run/glusterd.socket (gluster's default)"
    return f"glusterd socket {socket}"


# the only '--' words a caller may put among the args: gluster's own options this project asks for
OWN_OPTIONS = ("--version",)


def build_argv(config, args, xml=True):
    """The full argv for ``gluster <args>``: script mode, our socket or host, ``--xml``.

    gluster reads every word starting with ``--`` as one of its own options wherever it stands
    (``--remote-host=H`` would send the command to another glusterd): a word of ``args`` that
    starts so is refused here, whatever validated it before (``OWN_OPTIONS`` apart)."""
    args = [str(arg) for arg in args]
    for arg in args:
        if arg.startswith("--") and arg not in OWN_OPTIONS:
            raise CommandExecutionError(
                f"refusing to run {_describe(args)}: the argument {_readable(arg, 80)!r} starts with '--', "
                "which gluster would read as one of its own options"
            )
    argv = [str(config.get("binary") or "gluster"), "--mode=script"]
    if config.get("remote_host"):
        argv.append(f"--remote-host={config['remote_host']}")
    elif config.get("socket"):
        argv.append(f"--glusterd-sock={config['socket']}")
    if xml:
        argv.append("--xml")
    argv.extend(args)
    return argv


def heal_info_argv(config, volume, kind="info"):
    """The argv for ``gluster volume heal VOLUME info [summary|split-brain]``.

    gluster answers heal info through glfsheal, a helper it starts with the default glusterd
    socket: the CLI does not pass its own ``--glusterd-sock`` on (gluster 10.3). With a
    non-default ``socket`` configured, glfsheal is therefore run directly with that socket,
    which gives the same XML; otherwise the plain CLI is used.
    """
    if kind not in HEAL_INFO_KINDS:
        raise ValueError(f"heal info kind must be one of {', '.join(HEAL_INFO_KINDS)}, not {kind!r}")
    if config.get("socket") and not config.get("remote_host"):
        return [
            _glfsheal(config, "heal info"),
            volume,
            *HEAL_INFO_KINDS[kind],
            "--xml",
            "glusterd-sock",
            str(config["socket"]),
        ]
    extra = {"info": (), "summary": ("summary",), "split-brain": ("split-brain",)}[kind]
    return build_argv(config, ["volume", "heal", volume, "info", *extra])


def _glfsheal(config, what):
    helper = config.get("glfsheal") or next((p for p in GLFSHEAL_PATHS if os.path.exists(p)), None)
    if helper is None:
        raise CommandExecutionError(
            f"{what} with a non-default glusterd socket needs glfsheal, which was not found in "
            f"{', '.join(GLFSHEAL_PATHS)}; set gluster:glfsheal in the minion config"
        )
    return str(helper)


def split_brain_args(policy, path=None, source_brick=None):
    """What follows ``split-brain`` in ``gluster volume heal VOLUME split-brain ...``."""
    if policy not in SPLIT_BRAIN_POLICIES:
        raise ValueError(
            f"split-brain policy must be one of {', '.join(SPLIT_BRAIN_POLICIES)}, not {policy!r}"
        )
    if policy == "source-brick":
        return [policy, source_brick, *([path] if path else [])]
    return [policy, path]


def split_brain_argv(config, volume, policy, path=None, source_brick=None):
    """The argv that resolves a split-brain: ``gluster volume heal VOLUME split-brain POLICY
    ...``, which gluster also answers through glfsheal (plain text, no XML): with a
    non-default ``socket``, glfsheal directly, as for :func:`heal_info_argv`."""
    args = split_brain_args(policy, path, source_brick)
    if config.get("socket") and not config.get("remote_host"):
        return [
            _glfsheal(config, "split-brain resolution"),
            volume,
            *args,
            "glusterd-sock",
            str(config["socket"]),
        ]
    return build_argv(config, ["volume", "heal", volume, "split-brain", *args], xml=False)


# threads (gluster.volumes_converged) share one counter: its increments are not atomic
COUNTER_LOCK = threading.Lock()


def _count(counter, key):
    with COUNTER_LOCK:
        counter[key] = counter.get(key, 0) + 1


def run_split_brain(config, volume, policy, path=None, source_brick=None, counter=None):
    """Resolve (see :func:`split_brain_argv`); gluster's message, e.g. ``Healed /f.``; an error
    with gluster's words (``File not in split-brain``) when it refuses."""
    if counter is not None:
        _count(counter, "calls")
    proc = _execute(
        split_brain_argv(config, volume, policy, path, source_brick), float(config.get("timeout", 120))
    )
    _check_plain(
        proc, ["volume", "heal", volume, "split-brain", *split_brain_args(policy, path, source_brick)], config
    )
    return proc.stdout.strip()


def run_heal_info(config, volume, kind="info", counter=None):
    """Heal info as the ``cliOutput`` element (see :func:`heal_info_argv`)."""
    argv = heal_info_argv(config, volume, kind)
    if counter is not None:
        _count(counter, "calls")
    proc = _execute(argv, float(config.get("timeout", 120)))
    args = ["volume", "heal", volume, "info"] + ([kind] if kind != "info" else [])
    if not proc.stdout.lstrip().startswith("<"):
        _check_plain(proc, args, config)
    return check_xml(proc.stdout, args, config)


def _readable(text, limit):
    """``text`` on one line, at most ``limit`` characters, control characters escaped."""
    line = " ".join(str(text).split())[:limit]
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in line)


def _describe(args):
    return "gluster " + " ".join(str(arg) for arg in args)


def _execute(argv, timeout):
    log.debug("gluster: running %s", argv)
    try:
        return subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",  # bytes that are not UTF-8 must not end the run with UnicodeDecodeError
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        raise GlusterNotInstalledError(
            f"the gluster CLI '{argv[0]}' was not found; install glusterfs-server (or "
            "glusterfs-cli) or set gluster:binary in the minion config"
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise CommandExecutionError(
            f"'{' '.join(argv[argv.index('--mode=script') + 1 :] if '--mode=script' in argv else argv)}' "
            "did not answer within "
            f"{timeout}s"
        ) from exc


def check_xml(text, args, config):
    """Parse gluster's ``--xml`` answer; return the ``cliOutput`` root or raise.

    Raises ``GlusterLockError`` for cluster-lock failures, ``CommandExecutionError`` for every
    other failure, always with gluster's own error text, errno and the command that failed.
    """
    what = _describe(args)
    try:
        root = ET.fromstring(text)
    except (ET.ParseError, ValueError) as exc:  # ValueError: text expat cannot encode (surrogates)
        snippet = _readable(text, 300) or "nothing"
        raise CommandExecutionError(
            f"{what}: expected XML from gluster but got: {snippet}",
            info={"command": what, "output": text},
        ) from exc
    if root.tag != "cliOutput" or root.find("opRet") is None:
        raise CommandExecutionError(
            f"{what}: unexpected XML from gluster (root <{root.tag}>, no <opRet>)",
            info={"command": what, "output": text},
        )
    try:
        op_ret = int(root.findtext("opRet", "0").strip() or 0)
        op_errno = int(root.findtext("opErrno", "0").strip() or 0)
    except ValueError as exc:
        raise CommandExecutionError(
            f"{what}: unreadable opRet/opErrno in gluster's answer",
            info={"command": what, "output": text},
        ) from exc
    if op_ret == 0:
        _ANSWERED[root] = what
        return root
    errstr = (root.findtext("opErrstr") or "").strip()
    if not errstr:
        errstr = (root.findtext("output") or "").strip() or "gluster reported a failure"
    info = {"command": what, "errno": op_errno, "opRet": op_ret, "opErrstr": errstr}
    shown = "".join(
        ch if ch.isprintable() or ch == "\n" else repr(ch)[1:-1] for ch in errstr
    )  # gluster's lines
    message = f"{what} failed on {target_description(config)}: {shown} (errno {op_errno})"
    if any(marker.lower() in errstr.lower() for marker in UNLOCKING_ERRORS):
        raise GlusterUnknownOutcomeError(message, info=info)
    if any(marker.lower() in errstr.lower() for marker in LOCKING_ERRORS):
        raise GlusterLockError(message, info=info)
    raise CommandExecutionError(message, info=info)


# the command each successful answer (a cliOutput element) came from, for parse errors
_ANSWERED = weakref.WeakKeyDictionary()


def answered_command(root):
    """``gluster volume info ...``: the command whose answer :func:`check_xml` returned as
    ``root`` (``None`` for an element that did not come from it)."""
    try:
        return _ANSWERED.get(root)
    except TypeError:
        return None


def _check_plain(proc, args, config):
    output = ((proc.stdout or "") + (proc.stderr or "")).strip()
    what = _describe(args)
    if any(marker in output for marker in CONNECTION_ERRORS):
        raise CommandExecutionError(
            f"{what}: cannot reach {target_description(config)}: is glusterd running there? "
            f"(gluster said: {_readable(output, 200)})",
            info={"command": what, "returncode": proc.returncode},
        )
    if proc.returncode != 0:
        raise CommandExecutionError(
            f"{what} failed (exit {proc.returncode}) on {target_description(config)}: "
            f"{_readable(output, 500)}",
            info={"command": what, "returncode": proc.returncode, "output": output},
        )


def run(config, args, xml=True, counter=None, read_only=False):
    """Run ``gluster <args>`` with the given config.

    Returns the ``cliOutput`` XML element when ``xml`` is true, else the stripped stdout.
    ``counter`` (a dict) gets ``calls`` and ``lock_retries`` incremented, for the callers that
    keep statistics in ``__context__``.

    A command that could not take the cluster lock is run again (bounded back-off). One that
    failed to release it after its commit phase is run again only when ``read_only``; a write
    raises :class:`GlusterUnknownOutcomeError` saying it may have taken effect, and the caller
    reads gluster again before it decides on another write.
    """
    argv = build_argv(config, args, xml=xml)
    retries = max(0, int(config.get("lock_retries", 0)))
    wait = None  # the back-off, made at the first lock retry: every gluster call passes here
    attempt = 0
    while True:
        if counter is not None:
            _count(counter, "calls")
        proc = _execute(argv, float(config.get("timeout", 120)))
        if not xml:
            _check_plain(proc, args, config)
            return proc.stdout.strip()
        if not proc.stdout.lstrip().startswith("<"):
            _check_plain(proc, args, config)
        try:
            return check_xml(proc.stdout, args, config)
        except GlusterLockError as exc:
            if isinstance(exc, GlusterUnknownOutcomeError) and not read_only:
                raise GlusterUnknownOutcomeError(
                    f"{exc} -- gluster failed after its commit phase, so the change may have been made; "
                    "it was not run again: read the volume or pool before retrying (the next state run does)",
                    info=dict(exc.info or {}, outcome="unknown"),
                ) from exc
            if attempt >= retries:
                if attempt:
                    raise GlusterLockError(
                        f"{exc} -- the cluster lock was still held after {attempt} retries",
                        info=dict(exc.info or {}, retries=attempt),
                    ) from exc
                raise
            attempt += 1
            if counter is not None:
                _count(counter, "lock_retries")
            if wait is None:
                # pylint: disable-next=import-outside-toplevel
                from saltext_gluster_utils import (
                    gluster_poll as poll,
                )  # a sibling: Salt may load this file alone

                # bounded by the count of retries, not a deadline: each pause the whole delay
                first = float(config.get("lock_backoff", 0.5))
                wait = poll.Backoff(
                    first=first, cap=max(10.0, first), floor=0.0, clock=time.monotonic, sleep=time.sleep
                )
            log.info(
                "gluster: %s hit a cluster lock; retry %d/%d in %.1fs",
                _describe(args),
                attempt,
                retries,
                wait.delay,
            )
            wait.pause()
