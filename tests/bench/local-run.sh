#!/usr/bin/env bash
# Benchmark: 50 local hosts x 20 tasks (command /bin/true, set_fact, template), ringmaster
# vs ansible-playbook (pipelining on, forks 50), same machine, same run. Prints a table.
# Needs ansible-core in a venv: ANSIBLE_VENV (default /opt/ansible-venv).
set -euo pipefail
cd "$(dirname "$0")/../.."
HOSTS=${HOSTS:-50}
VENV=${ANSIBLE_VENV:-/opt/ansible-venv}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

{
    echo "[bench]"
    for i in $(seq -w 1 "$HOSTS"); do echo "h$i"; done
    echo "[bench:vars]"
    echo "ansible_connection=local"
    echo "ansible_python_interpreter=$VENV/bin/python"
} > "$work/hosts.ini"
mkdir -p "$work/templates"
echo 'host {{ inventory_hostname }} step {{ step }}' > "$work/templates/t.j2"
{
    echo "- hosts: bench"
    echo "  gather_facts: false"
    echo "  tasks:"
    for i in $(seq 1 7); do
        echo "    - command: /bin/true"
        echo "    - set_fact: {step: $i}"
        [ "$i" -le 6 ] && echo "    - template: {src: t.j2, dest: \"$work/out-{{ inventory_hostname }}-$i\"}"
    done
} > "$work/site.yml"
tasks=$(grep -c '^    - ' "$work/site.yml")

cargo build --release -q
rm_bin=target/release/ringmaster

time_run() { # prints seconds
    local start end
    start=$(date +%s.%N)
    "$@" > "$work/out.txt" 2>&1 || { echo "run failed: $*" >&2; tail -20 "$work/out.txt" >&2; exit 1; }
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}

rm_s=$(time_run "$rm_bin" -i "$work/hosts.ini" "$work/site.yml" -f "$HOSTS")
if [ -x "$VENV/bin/ansible-playbook" ]; then
    rm -f "$work"/out-*
    ans_s=$(ANSIBLE_PIPELINING=1 ANSIBLE_HOST_KEY_CHECKING=0 time_run "$VENV/bin/ansible-playbook" -i "$work/hosts.ini" "$work/site.yml" -f "$HOSTS")
else
    ans_s=""
fi
th=$((HOSTS * tasks))
printf '| engine | wall s | ms per task-host |\n| --- | --- | --- |\n'
printf '| ringmaster | %.2f | %.2f |\n' "$rm_s" "$(echo "$rm_s * 1000 / $th" | bc -l)"
if [ -n "$ans_s" ]; then
    printf '| ansible-playbook 2.19 (pipelining, forks %s) | %.2f | %.2f |\n' "$HOSTS" "$ans_s" "$(echo "$ans_s * 1000 / $th" | bc -l)"
    printf 'ratio: ringmaster is %.1fx faster (%s hosts x %s tasks)\n' "$(echo "$ans_s / $rm_s" | bc -l)" "$HOSTS" "$tasks"
fi
