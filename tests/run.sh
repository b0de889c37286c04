#!/usr/bin/env bash
# The whole test suite, as CI runs it (`.ci/run` calls this). Installs what the tests
# need on a fresh Debian machine, then runs every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

# The SSH test fleet (tests/fleet), the SSH transport's tests (sshd, sudo), the snapshot
# tests (btrfs, virsh with libvirt's test driver), validate's HTTPS test (openssl's
# s_server, curl), the systemd host (systemd-nspawn) and the RPM package tests (rpmbuild,
# createrepo_c, modifyrepo_c build their repository) need root and these Debian packages;
# install only what is missing, so a repeated run costs a few dpkg queries.
fleet_packages=(
    openssh-server openssh-client debootstrap dpkg-dev btrfs-progs iproute2 util-linux
    mount procps sudo libvirt-clients
    openssl curl ca-certificates
    # systemd-nspawn: the fleet's systemd hosts (tests/fleet/systemd_host.rs)
    systemd-container
    # rpmbuild, createrepo_c, modifyrepo_c: the fleet's rpm repository (tests/patch/rpm_harness.rs)
    rpm createrepo-c
)
missing=()
for package in "${fleet_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    if [ "$(id -u)" != 0 ]; then
        echo "the test fleet needs these packages (install them as root): ${missing[*]}" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    # No service may start during the install: a system sshd on 0.0.0.0:22 would take
    # port 22 from every fleet address (the fleet then falls back to port 2222).
    own_policy=
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        own_policy=1
    fi
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}"
    if [ -n "$own_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
fi

if ! command -v cargo >/dev/null 2>&1; then
    echo "cargo not found: install Rust (https://rustup.rs) first" >&2
    exit 1
fi

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
