#!/usr/bin/env bash
# Re-record the ansible-playbook corpus in tests/corpus/ (idempotent).
#
# Needs ansible-core 2.19 in a venv at /opt/ansible-venv (override with ANSIBLE_VENV):
#   python3 -m venv /opt/ansible-venv && /opt/ansible-venv/bin/pip install 'ansible-core>=2.19,<2.20'
#
# Usage: tests/tools/record_corpus.sh [CASE_NAME...]   (default: every case)
#
# Each case dir holds `args` (one line, POSIX-shell quoted words, relative paths, run from
# inside the case dir). We write `stdout`, `stderr`, `rc` next to it. The environment is
# clean: no inherited ANSIBLE_* vars, HOME is a fresh temp dir, ANSIBLE_NOCOLOR=1,
# ANSIBLE_LOCAL_TEMP inside that temp dir, no ansible.cfg unless the case dir holds one.
#
# PYTHONHASHSEED=0: ansible-playbook prints `--list-hosts` host lists and play-level TAGS
# by iterating a Python set, so their order changes from run to run. The fixed seed only
# makes re-recording reproducible; the order itself means nothing (see tests/corpus/README.md).
#
# Normalisation (the Rust test must apply the same substitutions to ringmaster's output
# before comparing): in stdout and stderr, in this order,
#   <absolute path of the case dir>   -> <CASE>
#   <absolute path of the repo root>  -> <REPO>
#   <the temp HOME dir>               -> <HOME>
# and a Python traceback (only when ansible crashes, rc 250) is cut from its
# "Traceback (most recent call last):" line to the end and replaced by "<TRACEBACK>".
# Nothing else is changed.
set -euo pipefail

ANSIBLE_VENV=${ANSIBLE_VENV:-/opt/ansible-venv}
PLAYBOOK="$ANSIBLE_VENV/bin/ansible-playbook"
ROOT=$(cd "$(dirname "$0")/../.." && pwd -P)
CORPUS="$ROOT/tests/corpus"

version=$("$PLAYBOOK" --version 2>/dev/null || true)
if [[ "$version" != *"[core 2.19."* ]]; then
    echo "need ansible-core 2.19 at $PLAYBOOK" >&2
    exit 1
fi

if [ $# -gt 0 ]; then
    cases=("$@")
else
    cases=()
    for d in "$CORPUS"/*/; do
        [ -f "$d/args" ] && cases+=("$(basename "$d")")
    done
fi

for name in "${cases[@]}"; do
    dir="$CORPUS/$name"
    [ -f "$dir/args" ] || { echo "no args in $dir" >&2; exit 1; }
    tmp=$(mktemp -d)
    eval "set -- $(head -n1 "$dir/args")"
    set +e
    (
        cd "$dir" &&
        env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$tmp" LANG=C.UTF-8 LC_ALL=C.UTF-8 \
            ANSIBLE_NOCOLOR=1 ANSIBLE_LOCAL_TEMP="$tmp/tmp" PYTHONHASHSEED=0 \
            "$PLAYBOOK" "$@" >"$tmp/out" 2>"$tmp/err"
    )
    rc=$?
    set -e
    for f in out err; do
        python3 - "$tmp/$f" "$dir" "$ROOT" "$tmp" <<'PY'
import sys
path, case, root, home = sys.argv[1:5]
text = open(path, encoding="utf-8", errors="surrogateescape").read()
text = text.replace(case, "<CASE>").replace(root, "<REPO>").replace(home, "<HOME>")
# A Python traceback (ansible crashed, rc 250) names files of this machine's Python
# install; keep the first error line and replace the traceback with one marker line.
start = text.find("\nTraceback (most recent call last):")
if start != -1:
    text = text[:start] + "\n<TRACEBACK>\n"
open(path, "w", encoding="utf-8", errors="surrogateescape").write(text)
PY
    done
    mv "$tmp/out" "$dir/stdout"
    mv "$tmp/err" "$dir/stderr"
    echo "$rc" >"$dir/rc"
    rm -rf "$tmp"
    echo "$name: rc=$rc"
done
