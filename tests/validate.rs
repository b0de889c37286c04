//! `validate` end to end: a playbook on the implicit localhost checks real ports, files,
//! processes, packages and HTTP endpoints; the console shows every failed check and the
//! registered result lists each one.

use std::io::{Read as _, Write as _};
use std::net::TcpListener;

use crate::util::{ringmaster, run_on_localhost};

/// A one-page HTTP server on a free loopback port, answering `body` with `status`.
fn http_server(status: &'static str, body: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

#[test]
fn validate_passes_healthy_checks_and_names_every_failed_one() {
    let healthy = http_server("200 OK", "{\"status\": \"healthy\"}");
    let broken = http_server("503 Service Unavailable", "down");
    let listening = TcpListener::bind("127.0.0.1:0").unwrap();
    let lport = listening.local_addr().unwrap().port();
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut sleeper = std::process::Command::new("sleep")
        .arg("300")
        .spawn()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.conf"), "setting=on\n").unwrap();
    // Not the file's checksum: the broken host's file check must fail on it.
    let sum = "e6be1ba4aeb8e5c31c1b7ca4a8ae93f5a5185c62e8a60f7da1f39c73b10c4f3";
    let real_sum = {
        use sha2::Digest as _;
        format!("{:x}", sha2::Sha256::digest(b"setting=on\n"))
    };
    let conf = dir.path().join("app.conf");
    let playbook = format!(
        r#"- hosts: localhost
  gather_facts: false
  tasks:
    - name: healthy host
      validate:
        checks:
          - port: {lport}
          - port: {closed}
            state: closed
          - name: health endpoint
            http: http://127.0.0.1:{healthy}/health
            body: healthy
          - http: http://127.0.0.1:{healthy}/health
            from: controller
          - file: {conf}
            checksum: "sha256:{real_sum}"
          - command: echo OK
            stdout: "^OK$"
          - process: sleep
          - package: dpkg
            version: ">= 1.0"
          - disk_free: /
            min: 1MB
          - uptime: 1
    - name: broken host
      validate:
        checks:
          - port: {closed}
          - http: http://127.0.0.1:{broken}/
            from: controller
          - file: {conf}
            checksum: "sha256:{sum}0"
          - package: no-such-package-xyz
          - command: "false"
            retries: 2
            delay: 0
      register: broken
      ignore_errors: true
    - debug:
        msg: "{{{{ broken.failed_checks }}}} {{{{ broken.checks | map(attribute='attempts') | list }}}}"
"#,
        conf = conf.display()
    );
    std::fs::write(dir.path().join("site.yml"), playbook).unwrap();
    let home = tempfile::tempdir().unwrap();
    let run = ringmaster(dir.path(), &["site.yml".to_string()], home.path());
    let _ = sleeper.kill();
    let _ = sleeper.wait();
    drop(listening);
    assert_eq!(run.rc, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("ok: [localhost]"), "{}", run.stdout);
    let fatal = run
        .stdout
        .lines()
        .find(|l| l.starts_with("[ERROR]: Task failed: Module failed: 5 of 5 checks failed"))
        .unwrap_or_else(|| panic!("no failure summary:\n{}", run.stdout));
    for expected in [
        &format!("port {closed}: port {closed} is not listening"),
        "status 503 (expected 200)",
        "(expected e6be1ba",
        "package no-such-package-xyz: no-such-package-xyz is not installed",
        "command false: exit code 1 (expected 0)",
    ] {
        assert!(fatal.contains(expected), "missing '{expected}' in: {fatal}");
    }
    assert!(run.stdout.contains("...ignoring"), "{}", run.stdout);
    // Registered: the failed checks by name, and the retried command ran 3 times.
    assert!(
        run.stdout.contains(&format!(
            "\"msg\": \"['port {closed}', 'http http://127.0.0.1:{broken}/', 'file {}', 'package no-such-package-xyz', 'command false'] [1, 1, 1, 1, 3]\"",
            conf.display()
        )),
        "{}",
        run.stdout
    );
}

#[test]
fn validate_reports_bad_checks_naming_the_check_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let run = run_on_localhost(
        dir.path(),
        "    - validate:\n        checks:\n          - port: 22\n            stat: open\n",
        &[],
    );
    assert_eq!(run.rc, 2, "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "checks[0] (port): unknown key 'stat'; expected one of: name, retries, delay, host, from, state"
        ),
        "{}",
        run.stdout
    );
}
