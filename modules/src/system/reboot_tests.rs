//! The reboot algorithm against a scripted host (time paused, so back-off sleeps are
//! instant): the real-host tests run on the fleet (tests/reboot.rs).

use std::sync::Mutex;

use serde_json::json;

use super::*;
use crate::runtime::{RemoteError, ShellKind};

/// A host that is up with boot id `boot`, goes down when `shutdown` runs, refuses
/// `down_for` commands, then comes back with boot id `next`.
struct ScriptedHost {
    state: Mutex<State>,
}

struct State {
    boot: String,
    next: String,
    down_for: u32,
    down: Option<u32>,
    log: Vec<String>,
    resets: u32,
    shutdown_rc: i32,
}

impl ScriptedHost {
    fn new(down_for: u32) -> Self {
        ScriptedHost {
            state: Mutex::new(State {
                boot: "boot-A".into(),
                next: "boot-B".into(),
                down_for,
                down: None,
                log: Vec::new(),
                resets: 0,
                shutdown_rc: 0,
            }),
        }
    }
}

impl Remote for ScriptedHost {
    fn exec<'a>(
        &'a self,
        cmd: &'a str,
        _stdin: Option<&'a [u8]>,
    ) -> BoxFuture<'a, Result<ExecOutput, RemoteError>> {
        Box::pin(async move {
            let mut s = self.state.lock().unwrap();
            s.log.push(cmd.to_string());
            if let Some(left) = s.down {
                if left > 0 {
                    s.down = Some(left - 1);
                    return Err(RemoteError {
                        message: "Connection refused".into(),
                    });
                }
                s.down = None;
                s.boot = s.next.clone();
            }
            let stdout = if cmd.starts_with("for d in") {
                "/usr/sbin/shutdown\n".to_string()
            } else if cmd.starts_with("/usr/sbin/shutdown") {
                if s.shutdown_rc != 0 {
                    return Ok(ExecOutput {
                        rc: s.shutdown_rc,
                        stdout: Vec::new(),
                        stderr: b"Failed to talk to init daemon.".to_vec(),
                    });
                }
                s.down = Some(s.down_for);
                String::new()
            } else if cmd == DEFAULT_BOOT_TIME_COMMAND {
                format!("{}\n", s.boot)
            } else if cmd == REBOOT_REQUIRED_COMMAND {
                "none\n".to_string()
            } else {
                "root\n".to_string()
            };
            Ok(ExecOutput {
                rc: 0,
                stdout: stdout.into_bytes(),
                stderr: Vec::new(),
            })
        })
    }
    fn put<'a>(
        &'a self,
        _data: &'a [u8],
        _path: &'a str,
        _mode: Option<u32>,
    ) -> BoxFuture<'a, Result<(), RemoteError>> {
        Box::pin(async { Ok(()) })
    }
    fn get<'a>(&'a self, _path: &'a str) -> BoxFuture<'a, Result<Vec<u8>, RemoteError>> {
        Box::pin(async { Ok(Vec::new()) })
    }
    fn shell_kind(&self) -> ShellKind {
        ShellKind::Posix
    }
    fn reset(&self) -> BoxFuture<'_, ()> {
        self.state.lock().unwrap().resets += 1;
        Box::pin(async {})
    }
}

fn args(v: serde_json::Value) -> RebootArgs {
    RebootArgs::parse(v.as_object().unwrap()).unwrap()
}

#[tokio::test(start_paused = true)]
async fn waits_through_the_outage_until_the_boot_id_changes_then_tests() {
    let host = ScriptedHost::new(3);
    let start = tokio::time::Instant::now();
    let o = reboot(&host, &args(json!({"msg": "patching"}))).await;
    let j = o.to_json();
    assert_eq!(
        (j["changed"].clone(), j["rebooted"].clone(), j.get("failed")),
        (json!(true), json!(true), None),
        "{j:?}"
    );
    let s = host.state.lock().unwrap();
    assert_eq!(s.log[0], DEFAULT_BOOT_TIME_COMMAND);
    assert!(s.log[1].starts_with("for d in /sbin /bin /usr/sbin /usr/bin /usr/local/sbin;"));
    assert_eq!(s.log[2], "/usr/sbin/shutdown -r 0 patching");
    assert_eq!(s.log.last().unwrap(), "whoami");
    // Three refused attempts, each followed by a reset, after the reset before polling.
    assert_eq!(s.resets, 4);
    // Back-off: 1, 2, 4 s (+ jitter < 1 s each) before the boot id was read again.
    let waited = start.elapsed().as_secs_f64();
    assert!((7.0..10.0).contains(&waited), "waited {waited}");
}

#[tokio::test(start_paused = true)]
async fn a_host_that_never_comes_back_times_out_as_ansible_words_it() {
    let host = ScriptedHost::new(u32::MAX);
    let o = reboot(&host, &args(json!({"reboot_timeout": 60}))).await;
    let j = o.to_json();
    assert_eq!(j["failed"], json!(true));
    assert_eq!(j["rebooted"], json!(true));
    assert_eq!(
        j["msg"],
        json!("Timed out waiting for last boot time check (timeout=60)")
    );
    // Polls stop at the cap: 1+2+4+8+12+12+12+... within 60 s is 9 attempts at most.
    let polls = host.state.lock().unwrap().log.len() - 3;
    assert!((5..=9).contains(&polls), "{polls} polls");
}

#[tokio::test(start_paused = true)]
async fn a_failing_shutdown_command_is_reported_and_nothing_is_awaited() {
    let host = ScriptedHost::new(0);
    host.state.lock().unwrap().shutdown_rc = 1;
    let o = reboot(&host, &args(json!({}))).await;
    let j = o.to_json();
    assert_eq!(
        j["msg"],
        json!("Reboot command failed. Error was: ', Failed to talk to init daemon.'")
    );
    assert_eq!(
        (j["rebooted"].clone(), j["changed"].clone()),
        (json!(false), json!(false))
    );
}

#[test]
fn arguments_shape_the_shutdown_command() {
    let a = args(json!({"pre_reboot_delay": 130, "msg": "it's time"}));
    assert_eq!(
        a.shutdown_parts(),
        ("shutdown".into(), "-r 2 'it'\"'\"'s time'".into())
    );
    let a = args(json!({"reboot_command": "/sbin/reboot -f"}));
    assert_eq!(a.shutdown_parts(), ("/sbin/reboot".into(), "-f".into()));
    let a = args(json!({"search_paths": "/opt/bin", "pre_reboot_delay": "-5"}));
    assert_eq!(
        (a.search_paths.clone(), a.pre_reboot_delay),
        (vec!["/opt/bin".to_string()], 0)
    );
    assert!(RebootArgs::parse(json!({"reboot_timeout": "soon"}).as_object().unwrap()).is_err());
    assert!(RebootArgs::parse(json!({"search_paths": [["/a"]]}).as_object().unwrap()).is_err());
}

#[test]
fn start_is_python_isoformat_in_utc_and_failures_read_action_failed() {
    use std::time::{Duration, UNIX_EPOCH};
    assert_eq!(
        iso_utc(UNIX_EPOCH + Duration::from_micros(1_795_377_315_110_484)),
        "2026-11-22T19:55:15.110484+00:00"
    );
    assert_eq!(
        iso_utc(UNIX_EPOCH + Duration::from_secs(1)),
        "1970-01-01T00:00:01+00:00"
    );
    let failed = action_failure(Outcome::failed("Timed out waiting for x (timeout=1)"));
    assert_eq!(
        failed.data[ERROR_SUMMARY_KEY],
        json!("Task failed: Action failed: Timed out waiting for x (timeout=1)")
    );
    let raised = action_failure(Outcome::failed("Task failed: Unable to find command"));
    assert!(!raised.data.contains_key(ERROR_SUMMARY_KEY));
}
