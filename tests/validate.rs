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

/// OpenSSL's own HTTPS server (`s_server -WWW`, serving `dir`'s files) on a free loopback
/// port, with a certificate for 127.0.0.1 and localhost signed by a throw-away CA whose
/// certificate is `dir/ca.pem`. The child is killed when the guard drops.
struct HttpsServer {
    port: u16,
    child: std::process::Child,
}

impl Drop for HttpsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn openssl(dir: &std::path::Path, args: &[&str]) {
    let out = std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is installed by tests/run.sh");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn https_server(dir: &std::path::Path) -> HttpsServer {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509", "-keyout", "ca.key", "-out", "ca.pem"];
    ca.extend(ec);
    ca.extend(["-days", "2", "-subj", "/CN=ringmaster test CA"]);
    openssl(dir, &ca);
    let mut csr = vec!["req", "-keyout", "srv.key", "-out", "srv.csr"];
    csr.extend(ec);
    csr.extend(["-subj", "/CN=127.0.0.1"]);
    openssl(dir, &csr);
    std::fs::write(
        dir.join("san.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "srv.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "srv.pem",
            "-days",
            "2",
            "-extfile",
            "san.ext",
        ],
    );
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new("openssl")
        .args([
            "s_server", "-quiet", "-WWW", "-cert", "srv.pem", "-key", "srv.key",
        ])
        .args(["-accept", &format!("127.0.0.1:{port}")])
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let server = HttpsServer { port, child };
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return server;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("openssl s_server did not listen on {port}");
}

#[test]
fn validate_checks_https_endpoints_and_their_certificates() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("health"), "status: healthy\n").unwrap();
    let server = https_server(dir.path());
    let (port, ca) = (server.port, dir.path().join("ca.pem"));
    let ca = ca.display();
    let playbook = format!(
        r#"- hosts: localhost
  gather_facts: false
  tasks:
    - name: trusted through ca_path
      validate:
        checks:
          - http: https://127.0.0.1:{port}/health
            from: controller
            ca_path: {ca}
            body: healthy
          - http: https://localhost:{port}/health
            from: controller
            ca_path: {ca}
          - http: https://127.0.0.1:{port}/health
            from: controller
            validate_certs: false
          - http: https://127.0.0.1:{port}/health
            ca_path: {ca}
            body: healthy
    - name: untrusted
      validate:
        checks:
          - http: https://127.0.0.1:{port}/health
            from: controller
          - http: https://127.0.0.1:{port}/missing
            from: controller
            validate_certs: false
            body: healthy
      register: untrusted
      ignore_errors: true
    - debug:
        msg: "{{{{ untrusted.failed_checks | length }}}}"
"#
    );
    std::fs::write(dir.path().join("site.yml"), playbook).unwrap();
    let home = tempfile::tempdir().unwrap();
    let run = ringmaster(dir.path(), &["site.yml".to_string()], home.path());
    drop(server);
    assert_eq!(run.rc, 0, "{}{}", run.stdout, run.stderr);
    let fatal = run
        .stdout
        .lines()
        .find(|l| l.contains("2 of 2 checks failed"))
        .unwrap_or_else(|| panic!("no failure summary:\n{}", run.stdout));
    assert!(
        fatal.contains("TLS certificate verify failed")
            && fatal.contains("trust its CA with ca_path"),
        "{fatal}"
    );
    // s_server answers a missing file with 200 and an error text: the body decides.
    assert!(
        fatal.contains("/missing: status 200, but the body does not match 'healthy'"),
        "{fatal}"
    );
    assert!(run.stdout.contains("\"msg\": 2"), "{}", run.stdout);
}

#[test]
fn port_checks_from_the_controller_go_to_the_hosts_ansible_host() {
    let listening = TcpListener::bind("127.0.0.2:0").unwrap();
    let port = listening.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let run = crate::util::run_playbook(
        dir.path(),
        "app-server ansible_connection=local ansible_host=127.0.0.2\n\
         db-server ansible_connection=local ansible_host=127.0.0.3\n",
        &format!(
            "- hosts: all\n  gather_facts: false\n  tasks:\n    - validate:\n        \
             checks:\n          - port: {port}\n            from: controller\n"
        ),
        &[],
    );
    drop(listening);
    assert_eq!(run.rc, 2, "{}", run.stdout);
    assert!(run.stdout.contains("ok: [app-server]"), "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!(
            "fatal: [db-server]: FAILED! => {{\"changed\": false, \"checks\": [{{\"attempts\": 1, \"msg\": \"127.0.0.3:{port} is not reachable\""
        )),
        "{}",
        run.stdout
    );
}
