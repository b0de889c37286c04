//! Loader tests. Expected values were obtained from ansible-core 2.19's AnsibleLoader
//! (PyYAML 6.0.3 with libyaml) in /opt/ansible-venv.
