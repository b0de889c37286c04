//! `validate`'s checks from fixture replies: parsing (with the errors users see), the
//! host command each check sends, and the verdict on recorded replies.

use serde_json::json;

use super::checks::{Amount, Kind, host_command, parse_amount, parse_check};
use super::http_client::parse_http_reply;
use super::judge::{df_free, judge, listening_ports};
use crate::runtime::ExecOutput;

fn out(rc: i32, stdout: &str, stderr: &str) -> ExecOutput {
    ExecOutput {
        rc,
        stdout: stdout.as_bytes().to_vec(),
        stderr: stderr.as_bytes().to_vec(),
    }
}

fn kind(v: serde_json::Value) -> Kind {
    parse_check(0, &v).unwrap().kind
}

#[test]
fn checks_parse_with_labels_retries_and_clear_errors() {
    let c = parse_check(0, &json!({"port": 22, "retries": 3, "delay": 1})).unwrap();
    assert_eq!(
        (c.name.as_str(), c.retries, c.delay.as_secs()),
        ("port 22", 3, 1)
    );
    let c = parse_check(0, &json!({"name": "web up", "http": "http://x/"})).unwrap();
    assert_eq!(c.name, "web up");

    let err = |v| parse_check(2, &v).unwrap_err();
    assert_eq!(
        err(json!({"prot": 22})),
        "checks[2]: no check type; expected one of: service, port, http, command, package, file, reboot_pending, disk_free, process, uptime"
    );
    assert_eq!(
        err(json!({"port": 22, "http": "http://x"})),
        "checks[2]: one check type per entry, got port and http"
    );
    assert_eq!(
        err(json!({"port": 22, "stat": "open"})),
        "checks[2] (port): unknown key 'stat'; expected one of: name, retries, delay, host, from, state"
    );
    assert_eq!(
        err(json!({"port": 70000})),
        "checks[2] (port): 'port' must be a port number (1-65535), got 70000"
    );
    assert_eq!(
        err(json!({"service": "nginx", "state": "up"})),
        "checks[2] (service): 'state' must be one of started, active, running, stopped, inactive, got 'up'"
    );
    assert_eq!(
        err(json!({"package": "openssl", "version": ">="})),
        "checks[2] (package): '>=' is not a version requirement (expected e.g. '>= 1.2-1')"
    );
    assert!(
        err(json!({"command": "true", "stdout": "(["})).contains("not a valid regular expression")
    );
    assert_eq!(
        err(json!("port 22")),
        "checks[2]: expected a mapping like {port: 22}, got \"port 22\""
    );
}

#[test]
fn amounts_read_sizes_and_percentages() {
    assert_eq!(parse_amount("500MB").unwrap(), Amount::Bytes(500 << 20));
    assert_eq!(parse_amount("2G").unwrap(), Amount::Bytes(2 << 30));
    assert_eq!(parse_amount("4096").unwrap(), Amount::Bytes(4096));
    assert_eq!(parse_amount("10%").unwrap(), Amount::Percent(10.0));
    assert!(parse_amount("10 parsecs").is_err());
    assert!(parse_amount("150%").is_err());
}

/// `/proc/net/tcp` as Linux prints it: sshd on 22 (LISTEN), a connection on 22
/// (ESTABLISHED), 8080 in TIME_WAIT; tcp6 listening on 80.
const PROC_NET_TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0
   1: 0100007F:0016 0100007F:A1B2 01 00000000:00000000 02:000A7D3A 00000000     0        0 12346 4 0000000000000000 20 4 30 10 -1
   2: 0100007F:1F90 0100007F:A1B3 06 00000000:00000000 03:00001234 00000000     0        0 0 3 0000000000000000
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2222 1 0000000000000000 100 0 0 10 0
";

#[test]
fn ports_listening_are_read_from_proc_net_tcp() {
    assert_eq!(listening_ports(PROC_NET_TCP), vec![22, 80]);
    let reply = out(0, PROC_NET_TCP, "");
    assert!(judge(&kind(json!({"port": 22})), &reply).ok);
    let v = judge(&kind(json!({"port": 8080})), &reply);
    assert_eq!(
        (v.ok, v.msg.as_str()),
        (false, "port 8080 is not listening")
    );
    assert!(judge(&kind(json!({"port": 8080, "state": "closed"})), &reply).ok);
}

#[test]
fn service_verdicts_cover_systemd_init_scripts_and_no_init() {
    let k = kind(json!({"service": "nginx", "enabled": true}));
    assert!(judge(&k, &out(0, "active=active\nenabled=enabled\n", "")).ok);
    let v = judge(&k, &out(0, "active=failed\nenabled=enabled\n", ""));
    assert_eq!(v.msg, "service nginx is failed (expected active)");
    let v = judge(&k, &out(0, "active=active\nenabled=disabled\n", ""));
    assert_eq!(v.msg, "service nginx is disabled (expected enabled)");
    let v = judge(&k, &out(0, "no-init-system\n", ""));
    assert!(!v.ok && v.msg.contains("neither systemd nor an init script"));
    let stopped = kind(json!({"service": "cups", "state": "stopped"}));
    assert!(judge(&stopped, &out(0, "active=inactive\nenabled=disabled\n", "")).ok);
}

#[test]
fn package_versions_compare_as_the_package_manager_does() {
    let k = kind(json!({"package": "acme-agent", "version": ">= 1.1-1"}));
    let v = judge(&k, &out(0, "scheme=debian\ninstalled 1.1-1\n", ""));
    assert!(v.ok, "{v:?}");
    assert_eq!(v.details["version"], "1.1-1");
    let v = judge(&k, &out(0, "scheme=debian\ninstalled 1.1~rc1-1\n", ""));
    assert_eq!(
        v.msg,
        "acme-agent 1.1~rc1-1 is installed, which is not >= 1.1-1"
    );
    let v = judge(&k, &out(0, "scheme=debian\n", ""));
    assert_eq!(v.msg, "acme-agent is not installed");
    let rpm = kind(json!({"package": "openssl", "version": ">= 3.0.7-25.el9"}));
    assert!(judge(&rpm, &out(0, "scheme=rpm\ninstalled 1:3.0.7-27.el9\n", "")).ok);
    assert!(!judge(&rpm, &out(0, "scheme=rpm\ninstalled 0:3.0.7-24.el9\n", "")).ok);
    let absent = kind(json!({"package": "telnetd", "state": "absent"}));
    assert!(judge(&absent, &out(0, "scheme=debian\n", "")).ok);
    // dpkg-query prints "config-files" etc. for removed packages: only "installed" counts.
    assert!(judge(&absent, &out(0, "scheme=debian\nconfig-files 1.0\n", "")).ok);
}

#[test]
fn file_disk_process_uptime_reboot_and_command_verdicts() {
    let f = kind(json!({"file": "/etc/app.conf", "checksum": "sha1:ABC"}));
    assert!(judge(&f, &out(0, "present\nabc  -\n", "")).ok);
    assert_eq!(
        judge(&f, &out(0, "present\nabd  -\n", "")).msg,
        "/etc/app.conf has sha1 abd (expected abc)"
    );
    assert_eq!(
        judge(&f, &out(0, "absent\n", "")).msg,
        "/etc/app.conf does not exist"
    );

    let df = "Filesystem     1024-blocks    Used Available Capacity Mounted on\n/dev/vda1        263174212 21000000 70000000      24% /\n";
    assert_eq!(df_free(df), Some((70_000_000 * 1024, 263_174_212 * 1024)));
    assert!(
        judge(
            &kind(json!({"disk_free": "/", "min": "10G"})),
            &out(0, df, "")
        )
        .ok
    );
    assert!(
        !judge(
            &kind(json!({"disk_free": "/", "min": "30%"})),
            &out(0, df, "")
        )
        .ok
    );
    let v = judge(
        &kind(json!({"disk_free": "/nope"})),
        &out(1, "", "df: /nope: No such file or directory\n"),
    );
    assert_eq!(
        v.msg,
        "cannot read free space of /nope: df: /nope: No such file or directory"
    );

    let procs = "systemd\nsshd\nsshd\nbash\n";
    let v = judge(&kind(json!({"process": "sshd"})), &out(0, procs, ""));
    assert_eq!((v.ok, v.details["count"].as_u64()), (true, Some(2)));
    assert!(!judge(&kind(json!({"process": "nginx"})), &out(0, procs, "")).ok);
    // comm is cut at 15 bytes.
    assert!(
        judge(
            &kind(json!({"process": "unattended-upgrade-shutdown"})),
            &out(0, "unattended-upgr\n", "")
        )
        .ok
    );

    assert!(
        judge(
            &kind(json!({"uptime": 60})),
            &out(0, "3600.12 7000.00\n", "")
        )
        .ok
    );
    assert!(!judge(&kind(json!({"uptime": 60})), &out(0, "12.50 20.00\n", "")).ok);

    let reboot = kind(json!({"reboot_pending": false}));
    assert!(judge(&reboot, &out(0, "none\n", "")).ok);
    assert_eq!(
        judge(&reboot, &out(0, "required\n", "")).msg,
        "a reboot is pending"
    );

    let cmd = kind(json!({"command": "app --health", "stdout": "^OK"}));
    assert!(judge(&cmd, &out(0, "OK all good\n", "")).ok);
    assert_eq!(
        judge(&cmd, &out(0, "DEGRADED\n", "")).msg,
        "output does not match '^OK'"
    );
    assert_eq!(
        judge(&cmd, &out(2, "", "boom\n")).msg,
        "exit code 2 (expected 0): boom"
    );
}

#[test]
fn http_replies_from_curl_wget_and_raw_sockets() {
    let k = kind(json!({"http": "http://localhost/health", "body": "ok"}));
    assert!(judge(&k, &out(0, "{\"status\": \"ok\"}\n200", "")).ok);
    assert_eq!(
        judge(&k, &out(0, "oops\n500", "")).msg,
        "status 500 (expected 200)"
    );
    assert_eq!(
        judge(
            &k,
            &out(
                7,
                "\n000",
                "curl: (7) Failed to connect to localhost port 80\n"
            )
        )
        .msg,
        "no HTTP response: curl: (7) Failed to connect to localhost port 80"
    );
    let wget = out(
        0,
        "ok",
        "via=wget\n  HTTP/1.1 301 Moved\n  HTTP/1.1 200 OK\n  Server: x\n",
    );
    assert!(judge(&k, &wget).ok);
    let k204 = kind(json!({"http": "http://x/", "status": [200, 204]}));
    assert!(judge(&k204, &out(0, "\n204", "")).ok);

    let raw =
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nheal\r\n3\r\nthy\r\n0\r\n\r\n";
    assert_eq!(parse_http_reply(raw).unwrap(), (200, "healthy".to_string()));
    assert_eq!(
        parse_http_reply(b"HTTP/1.0 503 Busy\r\n\r\nlater").unwrap(),
        (503, "later".to_string())
    );
    assert!(parse_http_reply(b"garbage").is_err());
}

#[test]
fn host_commands_quote_hostile_names() {
    let cmd = host_command(&kind(json!({"service": "x; rm -rf /"}))).unwrap();
    assert!(cmd.contains("'x; rm -rf /'"), "{cmd}");
    assert!(!cmd.contains(" x; rm"), "{cmd}");
    let cmd = host_command(&kind(json!({"file": "/tmp/$(reboot)"}))).unwrap();
    assert!(cmd.contains("'/tmp/$(reboot)'"), "{cmd}");
    assert!(host_command(&kind(json!({"port": 22, "from": "controller"}))).is_none());
}

#[test]
fn https_from_the_host_passes_the_trust_options_to_curl_and_wget() {
    let url = "https://app/health";
    let cmd = host_command(&kind(json!({"http": url, "ca_path": "/etc/my ca.pem"}))).unwrap();
    assert!(cmd.contains("curl -sS --cacert '/etc/my ca.pem' "), "{cmd}");
    assert!(cmd.contains("--ca-certificate='/etc/my ca.pem' "), "{cmd}");
    let cmd = host_command(&kind(json!({"http": url, "validate_certs": false}))).unwrap();
    assert!(cmd.contains("curl -sS -k ") && cmd.contains("--no-check-certificate"));
    let cmd = host_command(&kind(json!({"http": url}))).unwrap();
    assert!(!cmd.contains(" -k ") && !cmd.contains("--cacert"), "{cmd}");
}

mod snapshots {
    use serde_json::json;

    use super::out;
    use crate::rollout::snapshot::{State, parse_args};
    use crate::rollout::snapshot_providers::{plan_btrfs, plan_libvirt, plan_lvm};

    fn args(v: serde_json::Value) -> crate::rollout::snapshot::SnapshotArgs {
        parse_args(v.as_object().unwrap()).unwrap().1
    }

    #[test]
    fn arguments_are_checked_with_clear_messages() {
        let err = |v: serde_json::Value| parse_args(v.as_object().unwrap()).unwrap_err();
        assert_eq!(
            err(json!({"name": "s"})),
            "snapshot: missing required argument: provider (btrfs, lvm, libvirt or command)"
        );
        assert_eq!(
            err(json!({"provider": "btrfs"})),
            "snapshot: 'name' is required unless state is list"
        );
        assert!(err(json!({"provider": "btrfs", "name": "../etc"})).contains("plain name"));
        assert!(err(json!({"provider": "lvm", "name": "s", "state": "gone"})).contains("'state'"));
    }

    /// `lvs` output as LVM prints it (`--units b`, `|` separator).
    #[test]
    fn lvm_commands_and_listing() {
        let p = plan_lvm(&args(
            json!({"provider": "lvm", "name": "pre", "volume": "vg0/root"}),
        ))
        .unwrap();
        assert_eq!(
            p.action_command(State::Present),
            "lvcreate -s -l 10%ORIGIN -n pre vg0/root"
        );
        assert_eq!(
            p.action_command(State::Reverted),
            "lvconvert --merge -y vg0/pre"
        );
        assert_eq!(p.action_command(State::Absent), "lvremove -y vg0/pre");
        let lvs = "  root|      |2026-11-01 10:00:00 +0000|21474836480B\n  pre |root  |2026-11-22 16:00:00 +0000|2147483648B\n  swap|      |2026-11-01 10:00:00 +0000|1073741824B\n";
        let list = p.parse_list(&out(0, lvs, "")).unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0]["name"], "pre");
        assert_eq!(list[0]["size_bytes"], 2147483648u64);
        let merged = p.after_action(
            State::Reverted,
            &out(0, "  Delaying merge since origin is open.\n  Merging of snapshot vg0/pre will occur on next activation of vg0/root.\n", ""),
        );
        assert_eq!(merged, vec![("reboot_required".to_string(), json!(true))]);
        let sized = plan_lvm(&args(
            json!({"provider": "lvm", "name": "p", "volume": "vg/lv", "size": "2G"}),
        ))
        .unwrap();
        assert_eq!(
            sized.action_command(State::Present),
            "lvcreate -s -L 2G -n p vg/lv"
        );
        assert!(
            plan_lvm(&args(
                json!({"provider": "lvm", "name": "p", "volume": "lv"})
            ))
            .is_err()
        );
    }

    #[test]
    fn libvirt_and_btrfs_commands_quote_their_inputs() {
        let p = plan_libvirt(&args(
            json!({"provider": "libvirt", "name": "pre patch", "domain": "web-1"}),
        ))
        .unwrap();
        assert_eq!(
            p.action_command(State::Present),
            "virsh -q -c qemu:///system snapshot-create-as --domain web-1 --name 'pre patch' --atomic"
        );
        assert_eq!(
            p.parse_list(&out(0, "pre patch\nnightly\n\n", ""))
                .unwrap()
                .len(),
            2
        );
        let b = plan_btrfs(&args(
            json!({"provider": "btrfs", "name": "s1", "path": "/srv/my data/"}),
        ))
        .unwrap();
        assert_eq!(
            b.action_command(State::Present),
            "mkdir -p '/srv/.snapshots/my data' && btrfs subvolume snapshot -r '/srv/my data' '/srv/.snapshots/my data/s1'"
        );
        assert!(
            plan_btrfs(&args(
                json!({"provider": "btrfs", "name": "s", "path": "relative"})
            ))
            .is_err()
        );
    }
}

/// The libvirt provider's commands, run by the real `virsh` against libvirt's test
/// driver. That driver keeps its state only for one connection, so the create / info /
/// list / revert / delete commands run as one `virsh` session (the module runs them as
/// separate commands; tests/snapshot.rs runs the module itself).
#[test]
fn libvirt_commands_are_accepted_by_real_virsh() {
    use crate::rollout::snapshot::State;
    use crate::rollout::snapshot_providers::plan_libvirt;
    let a = parse_args_for(json!({
        "provider": "libvirt", "name": "pre patch", "domain": "test", "uri": "test:///default"
    }));
    let p = plan_libvirt(&a).unwrap();
    let prefix = "virsh -q -c test:///default ";
    let strip = |c: String| c.strip_prefix(prefix).map(str::to_string).unwrap();
    let exists = p.exists_command().unwrap();
    let info = exists
        .strip_prefix(prefix)
        .and_then(|c| c.split(" >/dev/null").next())
        .unwrap()
        .to_string();
    let session = [
        strip(p.action_command(State::Present)),
        info.clone(),
        strip(p.list_command()),
        strip(p.action_command(State::Reverted)),
        strip(p.action_command(State::Absent)),
        strip(p.list_command()),
    ]
    .join(" ; ");
    let out = std::process::Command::new("virsh")
        .args(["-q", "-c", "test:///default", &session])
        .output()
        .expect("virsh is needed (tests/run.sh installs libvirt-clients)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // info names the snapshot; the first list has it, the last (after delete) not.
    assert!(text.contains("Name:           pre patch"), "{text}");
    assert_eq!(text.matches("pre patch").count(), 2, "{text}");
}

fn parse_args_for(v: serde_json::Value) -> crate::rollout::snapshot::SnapshotArgs {
    crate::rollout::snapshot::parse_args(v.as_object().unwrap())
        .unwrap()
        .1
}
