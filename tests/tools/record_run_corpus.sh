#!/usr/bin/env bash
# Re-record the ansible-playbook RUN corpus in tests/run-corpus/ (idempotent).
#
# Needs ansible-core 2.19 in a venv at /opt/ansible-venv (override with ANSIBLE_VENV):
#   python3 -m venv /opt/ansible-venv && /opt/ansible-venv/bin/pip install 'ansible-core>=2.19,<2.20'
# Inventories name /opt/ansible-venv/bin/python as ansible_python_interpreter, so the venv
# must live there.
#
# Usage:
#   tests/tools/record_run_corpus.sh [CASE_NAME...]        record (default: every case)
#   RUN_CORPUS_OUT=DIR tests/tools/record_run_corpus.sh    record into DIR/<case>/ instead
#   tests/tools/record_run_corpus.sh --diff DIR [CASE...]  compare DIR/<case>/ with the
#       corpus after the harness's normalisation (stability check: record twice, diff)
#   tests/tools/record_run_corpus.sh --rerun CASE          record CASE again into its
#       `stdout.rerun` (the harness checks both recordings normalise equal)
#
# Every case really runs: hosts use ansible_connection=local, files are written only under
# /tmp/rm-run-corpus/<case>/, which is wiped and re-created before each run (the test
# harness does the same). The environment is clean as in record_corpus.sh: no inherited
# ANSIBLE_* vars, HOME is a fresh temp dir, ANSIBLE_NOCOLOR=1, ANSIBLE_LOCAL_TEMP inside
# that temp dir, no ansible.cfg unless the case dir holds one, cwd = the case dir.
#
# Normalisation at record time (the harness applies the same to ringmaster's output; it
# is idempotent) is documented in tests/run-corpus/README.md and implemented twice: in
# `normalise` below and in tests/run_corpus.rs. Keep them in step.
set -euo pipefail

ANSIBLE_VENV=${ANSIBLE_VENV:-/opt/ansible-venv}
PLAYBOOK="$ANSIBLE_VENV/bin/ansible-playbook"
ROOT=$(cd "$(dirname "$0")/../.." && pwd -P)
CORPUS="$ROOT/tests/run-corpus"
WORKROOT=/tmp/rm-run-corpus
HERE="$ROOT/tests/tools/record_run_corpus.sh"

# Python: `normalise FILE CASE_DIR ROOT HOME` rewrites FILE in place;
# `canon A B` prints whether two stdout files are equal after set-order canonicalisation.
PYLIB=$(cat <<'PY'
import re, sys

VOLATILE = [
    # command/shell results: wall-clock times and durations.
    (re.compile(r'"(start|end)": "\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+"'), r'"\1": "<TIME>"'),
    (re.compile(r'"delta": "\d+:\d\d:\d\d\.\d+"'), '"delta": "<DELTA>"'),
    # copy/template/lineinfile backups: DEST.<pid>.<date>@<time>~
    (re.compile(r'\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~'), '.<BACKUP>~'),
    # Ansible's remote/local temp dirs and files in them.
    (re.compile(r'ansible-tmp-[0-9.]+-\d+-\d+'), 'ansible-tmp-<ID>'),
    (re.compile(r'ansible-local-[0-9A-Za-z_]+'), 'ansible-local-<ID>'),
    (re.compile(r'(ansible-local-<ID>)/tmp[0-9A-Za-z_]+'), r'\1/tmp<ID>'),
    # ...and wherever that local temp dir is (template diffs name the rendered copy there).
    (re.compile(r'[^\s"]*/ansible-local-<ID>/tmp<ID>/'), '<LOCAL_TMP>/'),
    # `async:` job ids (`j<random>.<pid>`).
    (re.compile(r'\bj\d+\.\d+\b'), 'j<JID>'),
]

def normalise(text, case, root, home):
    text = text.replace(case, "<CASE>").replace(root, "<REPO>").replace(home, "<HOME>")
    for rx, rep in VOLATILE:
        text = rx.sub(rep, text)
    start = text.find("\nTraceback (most recent call last):")
    if start != -1:
        text = text[:start] + "\n<TRACEBACK>\n"
    return text

BANNER = re.compile(r'^(PLAY \[|TASK \[|RUNNING HANDLER \[|PLAY RECAP |NO MORE HOSTS LEFT |PLAYBOOK: )')
HOST_START = re.compile(r'^(ok|changed|skipping|fatal|failed|FAILED - RETRYING): ')
FLOAT_START = re.compile(r'^\[(ERROR|WARNING|DEPRECATION WARNING)\]')
HOST_KEY = re.compile(r'\[([^\]]*)\]')
INCLUDED = re.compile(r'^(included: .* for )(.*?)( => \(item=.*\))?$')

def canon_section(lines):
    """Per-host entries of one banner section in a fixed order (see README)."""
    trailing = 0
    while lines and lines[-1] == "":
        lines = lines[:-1]
        trailing += 1
    head, floats, hosts = [], [], []
    pending, cur = None, None
    for line in lines:
        if FLOAT_START.match(line):
            cur = [line]
            floats.append(cur)
        elif line.startswith("included: "):
            # `included: FILE for h1, h2[ => (item=...)]`: hosts in completion order.
            m = INCLUDED.match(line)
            if m:
                hs = ", ".join(sorted(m.group(2).split(", ")))
                line = m.group(1) + hs + (m.group(3) or "")
            cur = [line]
            hosts.append(("\uffff" + line, cur))
        elif HOST_START.match(line):
            m = HOST_KEY.search(line)
            cur = (pending or []) + [line]
            pending = None
            hosts.append((m.group(1) if m else "", cur))
        elif line.startswith("--- before"):
            pending = [line]
            cur = pending
        elif cur is not None:
            cur.append(line)
        else:
            head.append(line)
    out = list(head)
    for f in sorted("\n".join(f) for f in floats):
        out.append(f)
    hosts.sort(key=lambda kv: kv[0])
    for _, h in hosts:
        out.append("\n".join(h))
    if pending:
        out.extend(pending)
    return out + [""] * trailing

def canon(text):
    out, section = [], []
    for line in text.split("\n"):
        if BANNER.match(line):
            out.extend(canon_section(section))
            out.append(line)
            section = []
        else:
            section.append(line)
    out.extend(canon_section(section))
    return "\n".join(out)

if __name__ == "__main__":
    if sys.argv[1] == "normalise":
        path, case, root, home = sys.argv[2:6]
        text = open(path, encoding="utf-8", errors="surrogateescape").read()
        open(path, "w", encoding="utf-8", errors="surrogateescape").write(normalise(text, case, root, home))
    elif sys.argv[1] == "canon":
        a = canon(open(sys.argv[2], encoding="utf-8").read())
        b = canon(open(sys.argv[3], encoding="utf-8").read())
        if a != b:
            import difflib
            sys.stdout.writelines(difflib.unified_diff(a.splitlines(True), b.splitlines(True), sys.argv[2], sys.argv[3]))
            sys.exit(1)
PY
)

version=$("$PLAYBOOK" --version 2>/dev/null || true)
if [[ "$version" != *"[core 2.19."* ]]; then
    echo "need ansible-core 2.19 at $PLAYBOOK" >&2
    exit 1
fi

list_cases() {
    for d in "$CORPUS"/*/; do
        [ -f "$d/args" ] && basename "$d"
    done
}

mode=record
if [ "${1:-}" = "--diff" ]; then
    mode=diff; other=$2; shift 2
elif [ "${1:-}" = "--rerun" ]; then
    mode=rerun; shift
fi
if [ $# -gt 0 ]; then cases=("$@"); else mapfile -t cases < <(list_cases); fi

if [ "$mode" = diff ]; then
    bad=0
    for name in "${cases[@]}"; do
        if ! cmp -s "$CORPUS/$name/rc" "$other/$name/rc"; then
            echo "$name: rc $(cat "$CORPUS/$name/rc") vs $(cat "$other/$name/rc")"; bad=1
        fi
        python3 -c "$PYLIB" canon "$CORPUS/$name/stdout" "$other/$name/stdout" || { echo "$name: stdout differs"; bad=1; }
    done
    exit $bad
fi

for name in "${cases[@]}"; do
    dir="$CORPUS/$name"
    [ -f "$dir/args" ] || { echo "no args in $dir" >&2; exit 1; }
    if [ "$mode" = rerun ]; then
        out_dir=$(mktemp -d)
    elif [ -n "${RUN_CORPUS_OUT:-}" ]; then
        out_dir="$RUN_CORPUS_OUT/$name"; mkdir -p "$out_dir"
    else
        out_dir=$dir
    fi
    tmp=$(mktemp -d)
    rm -rf "${WORKROOT:?}/$name"
    mkdir -p "$WORKROOT/$name"
    eval "set -- $(head -n1 "$dir/args")"
    start=$(date +%s)
    set +e
    (
        cd "$dir" &&
        env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$tmp" LANG=C.UTF-8 LC_ALL=C.UTF-8 \
            ANSIBLE_NOCOLOR=1 ANSIBLE_LOCAL_TEMP="$tmp/tmp" PYTHONHASHSEED=0 \
            "$PLAYBOOK" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    )
    rc=$?
    set -e
    for f in out err; do
        python3 -c "$PYLIB" normalise "$tmp/$f" "$dir" "$ROOT" "$tmp"
    done
    if [ "$mode" = rerun ]; then
        mv "$tmp/out" "$dir/stdout.rerun"
        rm -rf "$out_dir"
    else
        mv "$tmp/out" "$out_dir/stdout"
        mv "$tmp/err" "$out_dir/stderr"
        echo "$rc" >"$out_dir/rc"
    fi
    rm -rf "$tmp"
    echo "$name: rc=$rc ($(( $(date +%s) - start ))s)"
done
