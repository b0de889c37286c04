#!/usr/bin/env python3
import json
import sys

if len(sys.argv) > 1 and sys.argv[1] == "--list":
    print(json.dumps({
        "web": {"hosts": ["sweb1", "sweb2"], "vars": {"role": "web"}},
        "db": ["sdb1"],
        "app": {"children": ["web", "db"]},
        "_meta": {"hostvars": {"sweb1": {"ansible_host": "10.9.0.1"}}},
    }))
else:
    print(json.dumps({}))
