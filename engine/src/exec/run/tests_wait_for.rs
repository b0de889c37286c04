//! `wait_for` on a real TCP port of this machine: `search_regex` reads what the
//! server sends; `state: drained` waits for the port's connections to go
//! (`exclude_hosts` leaves some out). Result shapes and messages recorded from
//! ansible-core 2.19 (run corpus 56, 101).

use std::io::Write;
use std::net::{TcpListener, TcpStream};

use super::test_support::run;

/// A server on 127.0.0.1 that greets every connection with `greeting`.
fn greeter(greeting: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let mut conn = conn;
            let _ = conn.write_all(greeting.as_bytes());
            // Closing makes the reader's `cat` finish at once.
        }
    });
    port
}

#[test]
fn search_regex_on_a_port_reads_the_servers_greeting() {
    let port = greeter("SSH-2.0-Test ready 42\n");
    let r = run(
        "h1\n",
        &format!(
            r#"
- hosts: all
  gather_facts: false
  tasks:
    - name: found
      wait_for:
        port: {port}
        search_regex: 'ready (\d+)'
        timeout: 10
      register: w
    - debug: var=w.search_regex
    - name: not found
      wait_for:
        port: {port}
        search_regex: never
        timeout: 2
      ignore_errors: true
      register: n
    - debug: var=n.msg
"#
        ),
    );
    assert_eq!(r.task("found"), vec!["ok h1"]);
    assert_eq!(r.var("h1", "w.search_regex"), "ready (\\d+)");
    assert_eq!(r.task("not found"), vec!["failed h1 ignoring"]);
    assert_eq!(
        r.var("h1", "n.msg"),
        format!("Timeout when waiting for search string never in 127.0.0.1:{port}").as_str()
    );
}

#[test]
fn drained_waits_for_the_ports_connections() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // One established connection that stays open during the test.
    let _client = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let _server_side = listener.accept().unwrap();
    let r = run(
        "h1\n",
        &format!(
            r#"
- hosts: all
  gather_facts: false
  tasks:
    - name: busy
      wait_for:
        port: {port}
        state: drained
        timeout: 2
      ignore_errors: true
      register: b
    - debug: var=b.msg
    - name: excluded client
      wait_for:
        port: {port}
        state: drained
        exclude_hosts: [127.0.0.1]
        timeout: 2
    - name: only TIME_WAIT counts
      wait_for:
        port: {port}
        state: drained
        active_connection_states: [TIME_WAIT]
        timeout: 2
"#
        ),
    );
    assert_eq!(r.task("busy"), vec!["failed h1 ignoring"]);
    assert_eq!(
        r.var("h1", "b.msg"),
        format!("Timeout when waiting for 127.0.0.1:{port} to drain").as_str()
    );
    assert_eq!(r.task("excluded client"), vec!["ok h1"]);
    assert_eq!(r.task("only TIME_WAIT counts"), vec!["ok h1"]);
}
