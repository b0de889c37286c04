//! The service modules against recorded replies (`systemctl show` output in
//! tests/fixtures/service) and a scripted host; the real-host tests run on the fleet
//! with a SysV init script (tests/service.rs) and against real systemd
//! (tests/systemd.rs).

use std::sync::Mutex;

use serde_json::{Value, json};

use super::probe::{HostTools, InitSystem, probe_command};
use super::systemd::{SystemdArgs, UnitQuery, parse_systemctl_show, plan_unit, query_command};
use super::sysv;
use super::{ServiceModule, SystemdModule};
use crate::runtime::{
    BoxFuture, Controller, ExecOutput, Module, Outcome, Remote, RemoteError, ShellKind, TaskCx,
};

const SHOW_ACTIVE: &str =
    include_str!("../../../tests/fixtures/service/systemctl-show-nginx-active.txt");
const SHOW_INACTIVE: &str =
    include_str!("../../../tests/fixtures/service/systemctl-show-nginx-inactive.txt");
const SHOW_NOT_FOUND: &str =
    include_str!("../../../tests/fixtures/service/systemctl-show-not-found.txt");

const SYSTEMD_PROBE: &str = "systemctl=/usr/bin/systemctl\nservice=/usr/sbin/service\nupdate-rc.d=/usr/sbin/update-rc.d\ninsserv=\nchkconfig=\nrc-service=\ninitctl=\nbooted=yes\npid1=systemd\n";
/// A fleet host: sshd is PID 1, Debian's `service` and `update-rc.d`, no systemctl.
const SSHD_PROBE: &str = "systemctl=\nservice=/usr/sbin/service\nupdate-rc.d=/usr/sbin/update-rc.d\ninsserv=\nchkconfig=\nrc-service=\ninitctl=\npid1=sshd\n";

fn query_reply(show: &str, enabled: &str, enabled_rc: i32) -> String {
    format!("{show}\n@@show_rc=0\n{enabled}\n@@enabled_rc={enabled_rc}\n")
}

fn args(v: Value) -> serde_json::Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => panic!("object expected"),
    }
}

fn systemd_args(v: Value) -> SystemdArgs {
    serde_json::from_value(v).unwrap()
}

#[test]
fn systemctl_show_parses_into_the_status_dict() {
    let status = parse_systemctl_show(SHOW_ACTIVE);
    assert_eq!(status["ActiveState"], "active");
    assert_eq!(status["SubState"], "running");
    assert_eq!(status["MainPID"], "612");
    assert_eq!(status["Documentation"], "\"man:nginx(8)\"");
    assert!(status["ExecStart"].starts_with("{ path=/usr/sbin/nginx ;"));
    assert_eq!(status.len(), 94);
    // Only Exec* values span lines; a Description starting with '{' does not swallow
    // the rest (the bug the module's comment describes).
    let multi = "ExecStart={ path=/bin/sh ; argv[]=/bin/sh -c 'a\nb' ; status=0/0 }\nDescription={odd\nActiveState=active\n";
    let status = parse_systemctl_show(multi);
    assert_eq!(
        status["ExecStart"],
        "{ path=/bin/sh ; argv[]=/bin/sh -c 'a\nb' ; status=0/0 }"
    );
    assert_eq!(status["Description"], "{odd");
    assert_eq!(status["ActiveState"], "active");
}

#[test]
fn the_query_reply_splits_into_its_sections() {
    let q = UnitQuery::parse(&format!(
        "{}\n@@show_rc=0\nenabled\n@@enabled_rc=0\n@@initd=yes\n@@sysv_enabled=yes\n",
        SHOW_ACTIVE
    ));
    assert_eq!(q.show_rc, 0);
    assert_eq!(q.enabled_out, "enabled");
    assert!(q.initd && q.sysv_enabled);
    assert_eq!(parse_systemctl_show(&q.show).len(), 94);
    let cmd = query_command("/usr/bin/systemctl", "my unit;rm");
    assert!(
        cmd.starts_with("/usr/bin/systemctl show 'my unit;rm'; r=$?;"),
        "{cmd}"
    );
}

#[test]
fn systemd_plans_only_what_differs() {
    let running = UnitQuery::parse(&query_reply(SHOW_ACTIVE, "enabled", 0));
    let stopped = UnitQuery::parse(&query_reply(SHOW_INACTIVE, "disabled", 1));
    let verbs = |a: Value, q: &UnitQuery| -> Vec<String> {
        plan_unit(&systemd_args(a), "nginx", q)
            .unwrap()
            .actions
            .into_iter()
            .map(|a| a.verb)
            .collect()
    };
    let none: Vec<String> = Vec::new();
    assert_eq!(
        verbs(json!({"state": "started", "enabled": true}), &running),
        none
    );
    assert_eq!(
        verbs(json!({"state": "started", "enabled": true}), &stopped),
        ["enable", "start"]
    );
    assert_eq!(verbs(json!({"state": "stopped"}), &running), ["stop"]);
    assert_eq!(verbs(json!({"state": "stopped"}), &stopped), none);
    assert_eq!(verbs(json!({"state": "restarted"}), &running), ["restart"]);
    assert_eq!(verbs(json!({"state": "reloaded"}), &running), ["reload"]);
    // Restarting or reloading a stopped unit starts it.
    assert_eq!(verbs(json!({"state": "reloaded"}), &stopped), ["start"]);
    assert_eq!(verbs(json!({"enabled": false}), &running), ["disable"]);
    assert_eq!(verbs(json!({"masked": true}), &running), ["mask"]);
    let masked = UnitQuery::parse(&query_reply(SHOW_INACTIVE, "masked", 1));
    assert_eq!(verbs(json!({"masked": false}), &masked), ["unmask"]);
    assert_eq!(verbs(json!({"masked": true}), &masked), none);
    // Masking an enabled unit leaves nothing to disable; unmasking then enabling does both.
    assert_eq!(
        verbs(json!({"masked": true, "enabled": false}), &running),
        ["mask"]
    );
    assert_eq!(
        verbs(json!({"masked": false, "enabled": true}), &masked),
        ["unmask", "enable"]
    );
    // enabled-runtime is re-enabled permanently.
    let runtime = UnitQuery::parse(&query_reply(SHOW_ACTIVE, "enabled-runtime", 0));
    assert_eq!(verbs(json!({"enabled": true}), &runtime), ["enable"]);
}

#[test]
fn systemd_result_carries_status_enabled_and_state() {
    let q = UnitQuery::parse(&query_reply(SHOW_INACTIVE, "disabled", 1));
    let plan = plan_unit(
        &systemd_args(json!({"state": "restarted", "enabled": true})),
        "nginx",
        &q,
    )
    .unwrap();
    assert_eq!(plan.data["enabled"], json!(true));
    assert_eq!(plan.data["state"], json!("started"));
    assert_eq!(plan.data["status"]["ActiveState"], json!("inactive"));
    let keys: Vec<&String> = plan.data.keys().collect();
    assert_eq!(keys, ["status", "enabled", "state"]);
}

#[test]
fn systemd_unknown_units_fail_with_ansibles_messages() {
    let q = UnitQuery::parse(&query_reply(SHOW_NOT_FOUND, "", 1));
    for a in [json!({"state": "started"}), json!({"enabled": true})] {
        assert_eq!(
            plan_unit(&systemd_args(a), "acme-nothere", &q).unwrap_err(),
            "Could not find the requested service acme-nothere: host"
        );
    }
    // An init script systemd does not know still counts, with the module's warning.
    let mut with_script = q.clone();
    with_script.initd = true;
    let plan = plan_unit(
        &systemd_args(json!({"state": "stopped"})),
        "acme-nothere",
        &with_script,
    )
    .unwrap();
    assert!(plan.actions.is_empty());
    assert_eq!(
        plan.warnings,
        [
            "The service (acme-nothere) is actually an init script but the system is managed by systemd"
        ]
    );
    // systemd not running (a container, a chroot): `show` fails, but `is-enabled -l`
    // still answers offline, its state first, then alias paths — systemd knows the unit.
    let offline = UnitQuery {
        show_rc: 1,
        enabled_out: "enabled\n  /etc/systemd/system/sshd.service\n".into(),
        initd: true,
        ..UnitQuery::default()
    };
    let plan = plan_unit(&systemd_args(json!({"name": "ssh"})), "ssh", &offline).unwrap();
    assert!(
        plan.found && plan.warnings.is_empty(),
        "{:?}",
        plan.warnings
    );
    // A unit that fails to load.
    let broken = UnitQuery::parse(&query_reply(
        "LoadState=bad-setting\nActiveState=inactive\nLoadError=org.freedesktop.systemd1.BadUnitSetting \"Unit x.service has a bad unit file setting.\"",
        "bad",
        1,
    ));
    assert_eq!(
        plan_unit(&systemd_args(json!({"state": "started"})), "x", &broken).unwrap_err(),
        "Error loading unit file 'x': org.freedesktop.systemd1.BadUnitSetting \"Unit x.service has a bad unit file setting.\""
    );
}

#[test]
fn systemd_argument_checks() {
    let err = |v: Value| systemd_args(v).check().unwrap_err();
    // Recorded (ansible-core 2.19): `systemd_service: name=ssh` alone is ok, with status.
    assert_eq!(systemd_args(json!({"name": "x"})).check(), Ok(()));
    assert_eq!(
        err(json!({"state": "started"})),
        "missing parameter(s) required by 'state': name"
    );
    assert_eq!(
        err(json!({"name": "web*", "state": "started"})),
        "This module does not currently support using glob patterns, found '*' in service name: web*"
    );
    assert!(
        systemd_args(json!({"daemon-reload": "yes"}))
            .check()
            .is_ok()
    );
    let user =
        systemd_args(json!({"name": "x", "state": "started", "scope": "user", "no_block": true}));
    assert_eq!(
        user.systemctl("/usr/bin/systemctl"),
        "XDG_RUNTIME_DIR=\"${XDG_RUNTIME_DIR:-/run/user/$(id -u)}\" /usr/bin/systemctl --user --no-block"
    );
}

#[test]
fn the_probe_tells_the_init_system() {
    assert_eq!(
        HostTools::parse(SYSTEMD_PROBE).init_system(),
        InitSystem::Systemd
    );
    let fleet = HostTools::parse(SSHD_PROBE);
    assert_eq!(fleet.init_system(), InitSystem::None);
    assert_eq!(fleet.pid1, "sshd");
    let with_script = HostTools::parse(&format!("{SSHD_PROBE}initscript=yes\ns_links=yes\n"));
    assert_eq!(with_script.init_system(), InitSystem::SysV);
    assert!(with_script.s_links && !with_script.k_links);
    // systemctl installed but systemd not booted (a container): not systemd.
    let container = HostTools::parse("systemctl=/usr/bin/systemctl\npid1=bash\ninitscript=yes\n");
    assert_eq!(container.init_system(), InitSystem::SysV);
    let openrc = HostTools::parse("rc-service=/sbin/rc-service\npid1=init\n");
    assert_eq!(openrc.init_system(), InitSystem::OpenRc);
    let cmd = probe_command(Some("a b"));
    assert!(cmd.contains("/etc/init.d/'a b'"), "{cmd}");
    assert!(cmd.contains("/etc/rc?.d/S??'a b'"), "{cmd}");
}

#[test]
fn sysv_status_follows_lsb_codes_then_keywords() {
    assert_eq!(
        sysv::sysv_running("acme-agent", 3, "acme-agent is not running\n"),
        Some(false)
    );
    assert_eq!(
        sysv::sysv_running("acme-agent", 0, "acme-agent is running\n"),
        Some(true)
    );
    assert_eq!(sysv::sysv_running("x", 0, " * x is stopped\n"), Some(false));
    assert_eq!(sysv::sysv_running("x", 0, "\n\n\n"), Some(true));
    assert_eq!(sysv::sysv_running("x", 127, "many\nlines\nhere\n"), None);
    assert!(sysv::ps_running(
        "sleep 100000",
        "root 12 0.0 sleep 100000\n"
    ));
    assert!(!sysv::ps_running("sleep", "root 12 ps pattern=sleep\n"));
}

#[test]
fn sysv_state_and_enable_decisions() {
    assert_eq!(sysv::state_action("started", true), None);
    assert_eq!(sysv::state_action("started", false), Some("start"));
    assert_eq!(sysv::state_action("stopped", false), None);
    assert_eq!(sysv::state_action("restarted", false), Some("restart"));
    assert_eq!(sysv::state_action("reloaded", false), Some("start"));
    let cmds =
        |enable, s, k| sysv::update_rc_d_commands("/usr/sbin/update-rc.d", "acme", enable, s, k);
    assert_eq!(
        cmds(true, false, false),
        [
            "/usr/sbin/update-rc.d acme defaults",
            "/usr/sbin/update-rc.d acme enable"
        ]
    );
    assert_eq!(
        cmds(true, false, true),
        ["/usr/sbin/update-rc.d acme enable"]
    );
    assert!(cmds(true, true, true).is_empty());
    assert_eq!(
        cmds(false, true, true),
        ["/usr/sbin/update-rc.d acme disable"]
    );
    assert!(cmds(false, false, true).is_empty());
    let control =
        sysv::SysvControl::new(Some("/usr/sbin/service"), "acme", Some("--fast 'a b'")).unwrap();
    let cmd = control.command("start");
    assert!(
        cmd.contains("( /usr/sbin/service acme start --fast 'a b' ) </dev/null"),
        "{cmd}"
    );
    assert_eq!(
        sysv::merge_restart((1, "a".into(), "e1".into()), (0, "b".into(), String::new())),
        (0, "b".into(), String::new())
    );
}

/// A host answering the probe and the unit query from fixtures; every other command
/// succeeds and is logged.
struct ScriptedHost {
    probe: String,
    query: String,
    log: Mutex<Vec<String>>,
}

impl ScriptedHost {
    fn new(probe: &str, query: &str) -> Self {
        ScriptedHost {
            probe: probe.into(),
            query: query.into(),
            log: Mutex::new(Vec::new()),
        }
    }

    fn changes(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

impl Remote for ScriptedHost {
    fn exec<'a>(
        &'a self,
        cmd: &'a str,
        _stdin: Option<&'a [u8]>,
    ) -> BoxFuture<'a, Result<ExecOutput, RemoteError>> {
        Box::pin(async move {
            let stdout = if cmd.starts_with("b() {") {
                self.probe.clone()
            } else if cmd.contains(" show ") {
                self.query.clone()
            } else {
                self.log.lock().unwrap().push(cmd.to_string());
                String::new()
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
        _: &'a [u8],
        _: &'a str,
        _: Option<u32>,
    ) -> BoxFuture<'a, Result<(), RemoteError>> {
        Box::pin(async { Ok(()) })
    }
    fn get<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<Vec<u8>, RemoteError>> {
        Box::pin(async { Ok(Vec::new()) })
    }
    fn shell_kind(&self) -> ShellKind {
        ShellKind::Posix
    }
}

struct NoController;

impl Controller for NoController {
    fn find_file(&self, _: &str, name: &str) -> Result<std::path::PathBuf, String> {
        Err(name.into())
    }
    fn render_template(&self, _: &std::path::Path) -> Result<String, String> {
        Err("no templates".into())
    }
}

fn run(module: &dyn Module, host: &ScriptedHost, check_mode: bool, a: Value) -> Outcome {
    let cx = TaskCx {
        remote: host,
        controller: &NoController,
        check_mode,
        diff: false,
        host: "h1",
    };
    let a = args(a);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(module.run(&cx, &a)).unwrap()
}

#[test]
fn systemd_module_runs_the_planned_commands_unless_in_check_mode() {
    let reply = query_reply(SHOW_INACTIVE, "disabled", 1);
    let host = ScriptedHost::new(SYSTEMD_PROBE, &reply);
    let a = json!({"name": "nginx", "state": "started", "enabled": true, "daemon_reload": true});
    let o = run(&SystemdModule, &host, false, a.clone());
    assert!(o.changed && !o.failed, "{o:?}");
    assert_eq!(
        host.changes(),
        [
            "/usr/bin/systemctl daemon-reload",
            "/usr/bin/systemctl enable nginx",
            "/usr/bin/systemctl start nginx"
        ]
    );
    let json = o.to_json();
    let keys: Vec<&str> = json.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["name", "changed", "status", "enabled", "state"],
        "ansible's order (recorded on a systemd host)"
    );
    assert_eq!(json["changed"], true);
    assert_eq!(json["name"], "nginx");
    assert_eq!(json["state"], "started");
    assert_eq!(json["enabled"], true);
    assert_eq!(json["status"]["SubState"], "dead");

    let host = ScriptedHost::new(SYSTEMD_PROBE, &reply);
    let o = run(&SystemdModule, &host, true, a);
    assert!(o.changed);
    assert!(host.changes().is_empty(), "check mode runs nothing");

    // Already as asked: unchanged, nothing run.
    let host = ScriptedHost::new(SYSTEMD_PROBE, &query_reply(SHOW_ACTIVE, "enabled", 0));
    let o = run(
        &SystemdModule,
        &host,
        false,
        json!({"name": "nginx", "state": "started", "enabled": true}),
    );
    assert!(!o.changed && !o.failed, "{o:?}");
    assert!(host.changes().is_empty());
}

#[test]
fn service_on_a_systemd_host_acts_as_the_systemd_module() {
    let host = ScriptedHost::new(SYSTEMD_PROBE, &query_reply(SHOW_ACTIVE, "enabled", 0));
    let o = run(
        &ServiceModule,
        &host,
        false,
        json!({"name": "nginx", "state": "restarted", "sleep": 2}),
    );
    assert!(o.changed);
    assert_eq!(host.changes(), ["/usr/bin/systemctl restart nginx"]);
    let json = o.to_json();
    assert_eq!(json["status"]["ActiveState"], "active");
    assert_eq!(
        json["warnings"],
        json!(["Ignoring \"sleep\" as it is not used in \"systemd\""])
    );
}

#[test]
fn hosts_without_an_init_system_fail_clearly() {
    let host = ScriptedHost::new(SSHD_PROBE, "");
    let o = run(
        &ServiceModule,
        &host,
        false,
        json!({"name": "acme-agent", "state": "started"}),
    );
    assert!(o.failed);
    assert_eq!(
        o.msg.as_deref(),
        Some("Could not find the requested service acme-agent: host")
    );
    let o = run(&SystemdModule, &host, false, json!({"daemon_reload": true}));
    assert!(o.failed);
    assert_eq!(
        o.msg.as_deref(),
        Some(
            "Failed to find required executable \"systemctl\" in paths: /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin (this host does not run systemd: PID 1 is 'sshd')"
        )
    );
    let bare = ScriptedHost::new("pid1=sshd\n", "");
    let o = run(
        &ServiceModule,
        &bare,
        false,
        json!({"name": "x", "enabled": true}),
    );
    assert_eq!(
        o.msg.as_deref(),
        Some(
            "Could not find the requested service x: host (the host runs no init system: PID 1 is 'sshd')"
        )
    );
    assert!(host.changes().is_empty() && bare.changes().is_empty());
}
