#!/bin/sh
# Executable inventory: --list prints every group, --host H the vars of one host.
if [ "$1" = "--list" ]; then
    cat <<'JSON'
{
  "web": {"hosts": ["sweb1", "sweb2"], "vars": {"role": "web"}},
  "db": ["sdb1"],
  "app": {"children": ["web", "db"]},
  "_meta": {"hostvars": {"sweb1": {"ansible_host": "10.9.0.1"}}}
}
JSON
else
    echo '{}'
fi
