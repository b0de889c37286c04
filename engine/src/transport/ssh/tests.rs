//! The SSH transport against real OpenSSH sshd processes (see `test_sshd`): the shared
//! conformance suite, unreachable hosts, reconnects, one connection shared by many
//! commands, latency. Authentication, become and routes are in the sibling test files.

use std::sync::Arc;
use std::time::Instant;

use modules::runtime::Remote;

use super::test_sshd::{self, ADDRESS, Sshd};
use super::{SshPool, SshRemote};
use crate::transport::conformance;
use crate::transport::connect::HostConnection;

pub(super) fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

pub(super) async fn connect(hc: &HostConnection) -> Result<SshRemote, String> {
    SshPool::new().connect_ssh(hc).await.map_err(|e| e.message)
}

/// Runs one conformance check over SSH against a fresh sshd and scratch dir.
fn conform<F, Fut>(check: F)
where
    F: FnOnce(SshRemote, String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    test_sshd::ensure_password_user();
    let sshd = Sshd::start();
    let dir = tempfile::tempdir().unwrap();
    let scratch = dir.path().to_str().unwrap().to_string();
    let status = std::process::Command::new("chown")
        .args([test_sshd::PASSWORD_USER, &scratch])
        .status()
        .unwrap();
    assert!(status.success());
    let hc = HostConnection {
        user: Some(test_sshd::PASSWORD_USER.into()),
        ..sshd.host("id_ed25519")
    };
    rt().block_on(async {
        let r = connect(&hc).await.unwrap();
        check(r, scratch).await;
    });
}

#[test]
fn conformance_exit_codes_and_streams() {
    conform(|r, _| async move { conformance::exit_codes_and_streams(&r).await });
}

#[test]
fn conformance_stdin() {
    conform(|r, _| async move { conformance::stdin_is_passed_and_optional(&r).await });
}

#[test]
fn conformance_large_output() {
    conform(|r, _| async move { conformance::large_output_is_whole(&r).await });
}

#[test]
fn conformance_hostile_words() {
    conform(|r, _| async move { conformance::hostile_words_survive_quoting(&r).await });
}

#[test]
fn conformance_files_round_trip() {
    conform(|r, s| async move { conformance::files_round_trip_atomically(&r, &s).await });
}

#[test]
fn conformance_failed_puts() {
    conform(|r, s| async move { conformance::failed_puts_leave_nothing(&r, &s).await });
}

#[test]
fn conformance_concurrent_execs() {
    conform(|r, _| async move { conformance::concurrent_execs_stay_apart(&r).await });
}

#[test]
fn conformance_many_execs_at_once_on_one_connection() {
    conform(|r, _| async move { conformance::many_execs_at_once(&r).await });
}

#[test]
fn conformance_host_dying_mid_command() {
    let mut sshd = Sshd::start();
    rt().block_on(async {
        let r = connect(&sshd.host("id_ed25519")).await.unwrap();
        conformance::a_host_dying_mid_command_fails_promptly(&r, || sshd.kill()).await;
    });
}

#[test]
fn a_host_that_is_down_at_start_is_unreachable_in_openssh_words() {
    let mut sshd = Sshd::start();
    let hc = sshd.host("id_ed25519");
    sshd.kill();
    let err = rt().block_on(connect(&hc)).unwrap_err();
    assert_eq!(
        err,
        format!(
            "Failed to connect to the host via ssh: ssh: connect to host {ADDRESS} port {}: \
             Connection refused",
            sshd.port
        )
    );
}

#[test]
fn a_signal_killed_command_reports_minus_signal_as_local_does() {
    conform(|r, _| async move {
        assert_eq!(r.exec("kill -9 $$", None).await.unwrap().rc, -9);
    });
}
#[test]
fn a_restarted_host_is_reconnected_on_the_next_command() {
    let mut sshd = Sshd::start();
    rt().block_on(async {
        let r = connect(&sshd.host("id_ed25519")).await.unwrap();
        let before = r.exec("echo $PPID", None).await.unwrap().stdout_text();
        sshd.restart();
        let out = r.exec("echo $PPID", None).await.unwrap();
        assert_eq!(out.rc, 0);
        assert_ne!(out.stdout_text(), before);
    });
}

#[test]
fn concurrent_first_use_opens_one_connection_that_later_connects_reuse() {
    let sshd = Sshd::start();
    let hc = sshd.host("id_ed25519");
    rt().block_on(async {
        let pool = Arc::new(SshPool::new());
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..20 {
            let (pool, hc) = (pool.clone(), hc.clone());
            tasks.spawn(async move { pool.connect_ssh(&hc).await.unwrap() });
        }
        let remotes: Vec<SshRemote> = tasks.join_all().await;
        let first = remotes[0].link.connection().await.unwrap();
        for r in &remotes {
            assert!(Arc::ptr_eq(&r.link, &remotes[0].link));
            assert!(Arc::ptr_eq(&r.link.connection().await.unwrap(), &first));
        }
        // Every command's sshd session process hangs off one connection process.
        let parents: std::collections::BTreeSet<String> = futures_all(&remotes).await;
        assert_eq!(parents.len(), 1, "{parents:?}");
    });
}

async fn futures_all(remotes: &[SshRemote]) -> std::collections::BTreeSet<String> {
    let mut set = std::collections::BTreeSet::new();
    for r in remotes {
        // The parent of this command's sshd session process: the connection's.
        let out = r
            .exec("read -r _ _ _ ppid _ < /proc/$PPID/stat; echo $ppid", None)
            .await
            .unwrap();
        set.insert(out.stdout_text().trim().to_string());
    }
    set
}
#[test]
#[ignore]
fn latency() {
    // As the test user, whose shell is plain /bin/sh (the test sshd's authorized keys
    // hold for every user): root's login shell here runs a slow ~/.bashrc (pyenv) for
    // every command, which is not the transport's time.
    test_sshd::ensure_password_user();
    let sshd = Sshd::start();
    let hc = HostConnection {
        user: Some(test_sshd::PASSWORD_USER.into()),
        ..sshd.host("id_ed25519")
    };
    rt().block_on(async {
        let mut setups = Vec::new();
        for _ in 0..10 {
            let t = Instant::now();
            let r = connect(&hc).await.unwrap();
            setups.push(t.elapsed());
            drop(r);
        }
        let r = connect(&hc).await.unwrap();
        r.exec("true", None).await.unwrap();
        let n = 200;
        let t = Instant::now();
        for _ in 0..n {
            r.exec("true", None).await.unwrap();
        }
        let per_exec = t.elapsed() / n;
        setups.sort();
        let t = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..100 {
            let r = r.clone();
            tasks.spawn(async move { r.exec("true", None).await.unwrap() });
        }
        tasks.join_all().await;
        let parallel = t.elapsed();
        let t = Instant::now();
        let out = r.exec("head -c 104857600 /dev/zero", None).await.unwrap();
        assert_eq!(out.stdout.len(), 100 << 20);
        let download = t.elapsed();
        eprintln!(
            "connection setup (median of 10): {:?}; sequential exec round trip: {:?}; \
             100 MB of output: {download:?}; 100 concurrent execs: {parallel:?}",
            setups[5], per_exec
        );
    });
}

/// Recorded from OpenSSH 9.2's client against the same kinds of servers.
#[test]
fn a_port_that_is_not_ssh_is_unreachable_in_openssh_words() {
    let silent = std::net::TcpListener::bind((ADDRESS, 0)).unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let closing = std::net::TcpListener::bind((ADDRESS, 0)).unwrap();
    let closing_port = closing.local_addr().unwrap().port();
    let closer = std::thread::spawn(move || {
        let (mut c, _) = closing.accept().unwrap();
        std::io::Write::write_all(&mut c, b"HTTP/1.0 200 OK\r\n\r\n").unwrap();
    });
    let host = |port: u16| HostConnection {
        port: Some(port),
        timeout: std::time::Duration::from_secs(1),
        ..Sshd::host_without_server(ADDRESS)
    };
    rt().block_on(async {
        assert_eq!(
            connect(&host(silent_port)).await.unwrap_err(),
            format!(
                "Failed to connect to the host via ssh: Connection timed out during banner \
                 exchange\r\nConnection to {ADDRESS} port {silent_port} timed out"
            )
        );
        assert_eq!(
            connect(&host(closing_port)).await.unwrap_err(),
            format!(
                "Failed to connect to the host via ssh: kex_exchange_identification: \
                 Connection closed by remote host\r\nConnection closed by {ADDRESS} port \
                 {closing_port}"
            )
        );
    });
    closer.join().unwrap();
    drop(silent);
}

#[test]
fn a_host_allowing_fewer_sessions_than_asked_for_queues_them() {
    test_sshd::ensure_password_user();
    let sshd = Sshd::start_with("MaxSessions 2");
    let hc = HostConnection {
        user: Some(test_sshd::PASSWORD_USER.into()),
        ..sshd.host("id_ed25519")
    };
    rt().block_on(async {
        let r = connect(&hc).await.unwrap();
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..20 {
            let r = r.clone();
            tasks.spawn(async move { r.exec(&format!("sleep 0.05; echo {i}"), None).await });
        }
        let outs = tasks.join_all().await;
        let mut got: Vec<String> = outs
            .into_iter()
            .map(|o| o.unwrap().stdout_text().trim().to_string())
            .collect();
        got.sort_by_key(|s| s.parse::<u32>().unwrap());
        assert_eq!(got, (0..20).map(|i| i.to_string()).collect::<Vec<_>>());
    });
}
