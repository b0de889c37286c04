//! Resolving ssh settings: arguments, ssh config, Ansible's variables.

use super::*;

fn hc(common: &str) -> HostConnection {
    HostConnection {
        inventory_name: "web1".into(),
        connection: "ssh".into(),
        address: "10.0.0.5".into(),
        port: None,
        user: None,
        private_key_file: None,
        password: None,
        ssh_common_args: Some(common.into()),
        ssh_extra_args: None,
        host_key_checking: true,
        timeout: Duration::from_secs(10),
        become_: None,
    }
}

#[test]
fn ssh_arguments_are_split_like_a_shell_and_unknown_ones_ignored() {
    let cl = CommandLine::parse(
        "-C -o ControlMaster=auto -o 'ControlPersist 60s' -o \"UserKnownHostsFile /k h\" \
         -i ~/.ssh/a -p2222 -F cfg -J jump@bastion:2200 -q -o StrictHostKeyChecking=no",
    )
    .unwrap();
    assert_eq!(
        cl.options,
        [
            ("controlmaster".to_string(), "auto".to_string()),
            ("controlpersist".into(), "60s".into()),
            ("userknownhostsfile".into(), "/k h".into()),
            ("stricthostkeychecking".into(), "no".into()),
        ]
    );
    assert_eq!(cl.identity_files, ["~/.ssh/a"]);
    assert_eq!(cl.port.as_deref(), Some("2222"));
    assert_eq!(cl.config_file.as_deref(), Some("cfg"));
    assert_eq!(cl.jump.as_deref(), Some("jump@bastion:2200"));
    assert!(CommandLine::parse("-o 'unbalanced").is_err());
}

#[test]
fn jump_specs_take_user_host_and_port() {
    assert_eq!(
        parse_jump("admin@bastion:2200"),
        (Some("admin".into()), "bastion".into(), Some(2200))
    );
    assert_eq!(parse_jump("bastion"), (None, "bastion".into(), None));
    assert_eq!(parse_jump("[::1]:22"), (None, "::1".into(), Some(22)));
}

#[test]
fn ansible_variables_win_over_ssh_arguments_and_checking_off_accepts_all() {
    let mut h = hc(
        "-F /dev/null -p 2200 -o User=fromargs -o StrictHostKeyChecking=accept-new \
                    -o UserKnownHostsFile=/tmp/kh -J a@b:1,c",
    );
    h.port = Some(22);
    h.user = Some("deploy".into());
    h.private_key_file = Some("~/keys/k".into());
    let t = resolve(&h).unwrap();
    assert_eq!((t.endpoint.port, t.endpoint.user.as_str()), (22, "deploy"));
    assert_eq!(t.endpoint.identity_files, [home().join("keys/k")]);
    assert_eq!(t.known_hosts[0], PathBuf::from("/tmp/kh"));
    assert_eq!(t.known_hosts[1], PathBuf::from("/etc/ssh/ssh_known_hosts"));
    assert_eq!(t.strictness, Strictness::AcceptNew);
    assert_eq!(
        t.jumps
            .iter()
            .map(|j| (j.user.as_str(), j.host.as_str(), j.port))
            .collect::<Vec<_>>()[0],
        ("a", "b", 1)
    );
    assert_eq!(t.jumps[1].host, "c");
    h.host_key_checking = false;
    assert_eq!(resolve(&h).unwrap().strictness, Strictness::No);
    let t = resolve(&hc("-F /dev/null -p 2200 -o User=fromargs")).unwrap();
    assert_eq!(
        (t.endpoint.port, t.endpoint.user.as_str()),
        (2200, "fromargs")
    );
}

#[test]
fn a_missing_config_file_given_with_dash_f_is_an_error() {
    let err = resolve(&hc("-F /no/such/ssh_config")).unwrap_err();
    assert!(err.contains("/no/such/ssh_config"), "{err}");
}

#[test]
fn configs_with_match_blocks_and_unknown_options_still_load() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    std::fs::write(
        &path,
        "Host web*\n  User deploy\n  Port 2222\n  SomeFutureOption yes\n\
         Match host db*\n  User dba\n\
         Host *\n  ServerAliveInterval 5\n  ControlMaster auto\n",
    )
    .unwrap();
    let config = load_config(Some(&path)).unwrap();
    let params = config.query("web1");
    assert_eq!(params.user.as_deref(), Some("deploy"));
    assert_eq!(params.port, Some(2222));
    assert_eq!(
        params.server_alive_interval,
        Some(std::time::Duration::from_secs(5))
    );
    // As OpenSSH: the first value of an option wins, within a block too.
    std::fs::write(&path, "Host a\n  User first\n  User second\n").unwrap();
    let config = load_config(Some(&path)).unwrap();
    assert_eq!(config.query("a").user.as_deref(), Some("first"));
}
