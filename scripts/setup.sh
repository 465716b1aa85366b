#!/usr/bin/env bash
# Install what the demo and the tests need on a Debian/Ubuntu machine, as root:
#   - Debian packages: glusterfs-server, glusterfs-client, attr, xfsprogs, e2fsprogs, parted,
#     python3-venv, ufw, nftables, iproute2, lvm2 (gluster disables snapshots without
#     /sbin/lvcreate), openssh-server and rsync (the geo-replication test runs its own sshd per
#     secondary node), firewalld on hosts without systemd, and for the lab of real hosts
#     (tests/lab) systemd-container, debootstrap, dpkg-dev and gpg
#   - a virtualenv (default .venv in the checkout) with Salt 3008, pytest, pytest-salt-factories and pytest-xdist
# Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-$PWD/.venv}"
PYTHON="${PYTHON:-python3}"

if [ "$(id -u)" -ne 0 ]; then
    echo "scripts/setup.sh: run as root (it installs Debian packages, and glusterd needs root)" >&2
    exit 1
fi

# The firewall tests run ufw and firewalld for real in a private network namespace (ufw needs
# iptables, the tests read nft). firewalld only where no systemd runs: its package enables and
# starts the daemon under systemd, which would put a firewall on this machine; without systemd
# (containers, CI) it stays an idle package. ufw stays off until `ufw enable` either way.
packages=(glusterfs-server glusterfs-client attr xfsprogs e2fsprogs parted procps ufw nftables iproute2 lvm2
          openssh-server rsync
          systemd-container debootstrap dpkg-dev gpg)   # the lab: systemd-nspawn, a base root, a signed local apt repo
if [ ! -d /run/systemd/system ]; then
    packages+=(firewalld ipset)   # ipset: what firewalld recommends, as tested
fi
need=()
for pkg in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if ! "$PYTHON" -m venv --help >/dev/null 2>&1 || ! "$PYTHON" -c 'import ensurepip' 2>/dev/null; then
    need+=(python3-venv)
fi
if [ "${#need[@]}" -gt 0 ]; then
    echo "==> apt-get install ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating virtualenv $VENV"
    "$PYTHON" -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c 'import salt, saltfactories, pytest' 2>/dev/null \
   || [ requirements-test.txt -nt "$VENV/.requirements-installed" ]; then
    echo "==> pip install -r requirements-test.txt into $VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -r requirements-test.txt
    touch "$VENV/.requirements-installed"
fi
echo "==> ready: $("$VENV/bin/salt-call" --version), $(gluster --version | head -1)"
