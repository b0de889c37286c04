#!/usr/bin/env bash
# The whole test suite, as CI runs it (`.ci/run` calls this). Installs what the tests
# need on a fresh Debian machine, then runs every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

# Rust is on the machine (rustup); nothing else is needed by the tests yet. Later issues
# add the SSH test fleet here (openssh-server, debootstrap, ...).
if ! command -v cargo >/dev/null 2>&1; then
    echo "cargo not found: install Rust (https://rustup.rs) first" >&2
    exit 1
fi

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
