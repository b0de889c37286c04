//! `patch`, `apt` and `package_facts` on real hosts of the test fleet with real apt: tiny
//! `.deb`s built here with `dpkg-deb`, published into the fleet's apt repository (a
//! normal suite `main/` and a security suite `security/` whose Release says
//! `Label: Debian-Security`, `Suite: bookworm-security`), installed and upgraded on the
//! hosts. Every claim is checked independently with the OpenSSH client and dpkg-query.
//!
//! Until the SSH transport is on this branch the modules run through [`SshRemote`], a
//! test `Remote` that runs each command with the OpenSSH client.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use modules::runtime::{
    BoxFuture, Controller, ExecOutput, Module, Outcome, Remote, RemoteError, ShellKind, TaskCx,
};
use serde_json::{Value, json};

use crate::fleet::Fleet;

/// A `Remote` over the OpenSSH client (one `ssh` process per command, sharing the
/// fleet's ControlMaster).
struct SshRemote<'a> {
    fleet: &'a Fleet,
    host: usize,
}

impl SshRemote<'_> {
    fn exec_blocking(&self, cmd: &str, stdin: Option<&[u8]>) -> Result<ExecOutput, RemoteError> {
        let mut child = self
            .fleet
            .ssh_command(self.host)
            .arg("--")
            .arg(cmd)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| RemoteError {
                message: format!("ssh: {e}"),
            })?;
        if let (Some(data), Some(mut pipe)) = (stdin, child.stdin.take()) {
            let _ = pipe.write_all(data);
        }
        let out = child.wait_with_output().map_err(|e| RemoteError {
            message: format!("ssh: {e}"),
        })?;
        match out.status.code() {
            Some(255) | None => Err(RemoteError {
                message: String::from_utf8_lossy(&out.stderr).into_owned(),
            }),
            Some(rc) => Ok(ExecOutput {
                rc,
                stdout: out.stdout,
                stderr: out.stderr,
            }),
        }
    }
}

impl Remote for SshRemote<'_> {
    fn exec<'a>(
        &'a self,
        cmd: &'a str,
        stdin: Option<&'a [u8]>,
    ) -> BoxFuture<'a, Result<ExecOutput, RemoteError>> {
        Box::pin(async move { self.exec_blocking(cmd, stdin) })
    }

    fn put<'a>(
        &'a self,
        data: &'a [u8],
        path: &'a str,
        mode: Option<u32>,
    ) -> BoxFuture<'a, Result<(), RemoteError>> {
        Box::pin(async move {
            let q = modules::runtime::quote(path);
            let chmod = mode.map_or(String::new(), |m| format!(" && chmod {m:o} {q}.tmp"));
            let out = self.exec_blocking(
                &format!("cat > {q}.tmp{chmod} && mv {q}.tmp {q}"),
                Some(data),
            )?;
            if out.rc == 0 {
                Ok(())
            } else {
                Err(RemoteError {
                    message: out.stderr_text(),
                })
            }
        })
    }

    fn get<'a>(&'a self, path: &'a str) -> BoxFuture<'a, Result<Vec<u8>, RemoteError>> {
        Box::pin(async move {
            Ok(self
                .exec_blocking(&format!("cat {}", modules::runtime::quote(path)), None)?
                .stdout)
        })
    }

    fn shell_kind(&self) -> ShellKind {
        ShellKind::Posix
    }
}

struct NoController;

impl Controller for NoController {
    fn find_file(&self, _kind: &str, name: &str) -> Result<PathBuf, String> {
        Err(format!("no controller files in this test ({name})"))
    }
    fn render_template(&self, _path: &Path) -> Result<String, String> {
        Err("no templates in this test".into())
    }
}

/// Runs `module` with `args` on host `i` (check mode if `check`), as the engine would.
fn run_module(fleet: &Fleet, i: usize, module: &dyn Module, args: Value, check: bool) -> Outcome {
    let remote = SshRemote { fleet, host: i };
    let cx = TaskCx {
        remote: &remote,
        controller: &NoController,
        check_mode: check,
        diff: false,
        host: &fleet.hosts()[i].name,
    };
    let Value::Object(args) = args else {
        panic!("module args are a mapping")
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(module.run(&cx, &args))
        .unwrap_or_else(|e| panic!("{} failed to run: {e}", module.name()))
}

fn patch(fleet: &Fleet, i: usize, args: Value, check: bool) -> Value {
    Value::Object(run_module(fleet, i, &modules::PatchModule, args, check).to_json())
}

fn apt(fleet: &Fleet, i: usize, args: Value, check: bool) -> Value {
    Value::Object(run_module(fleet, i, &modules::AptModule, args, check).to_json())
}

/// Runs `cmd` on host `i` with OpenSSH (the independent checker); panics unless rc 0.
fn sh(fleet: &Fleet, i: usize, cmd: &str) -> String {
    let out = fleet.exec_ssh(i, cmd);
    assert!(
        out.status.success(),
        "{cmd}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `name version` of each acme-* package dpkg has installed on host `i`.
fn acme_versions(fleet: &Fleet, i: usize) -> String {
    sh(
        fleet,
        i,
        "dpkg-query -W -f='${Package} ${Version} ${db:Status-Abbrev}\\n' 'acme-*' 2>/dev/null \
         | grep ' ii' | cut -d' ' -f1,2 | sort || true",
    )
}

#[derive(Clone, Copy)]
enum Suite {
    Main,
    Security,
}

/// The fleet's repository with two flat suites, `main/` and `security/`.
struct Repo {
    dir: PathBuf,
    build: tempfile::TempDir,
}

impl Repo {
    fn new(fleet: &Fleet) -> Repo {
        let repo = Repo {
            dir: fleet.repo_dir().to_path_buf(),
            build: tempfile::tempdir().unwrap(),
        };
        for s in ["main", "security"] {
            std::fs::create_dir_all(repo.dir.join(s)).unwrap();
        }
        repo.index();
        repo
    }

    /// Builds `name_version_all.deb` (with `postinst` as its configure script) into a suite.
    fn publish(&self, suite: Suite, name: &str, version: &str, postinst: Option<&str>) {
        let root = self.build.path().join(format!("{name}_{version}"));
        std::fs::create_dir_all(root.join("DEBIAN")).unwrap();
        std::fs::create_dir_all(root.join(format!("usr/share/{name}"))).unwrap();
        std::fs::write(
            root.join("DEBIAN/control"),
            format!(
                "Package: {name}\nVersion: {version}\nArchitecture: all\nMaintainer: t <t@example.org>\n\
                 Section: admin\nPriority: optional\nDescription: ringmaster test package\n"
            ),
        )
        .unwrap();
        std::fs::write(root.join(format!("usr/share/{name}/version")), version).unwrap();
        if let Some(script) = postinst {
            let path = root.join("DEBIAN/postinst");
            std::fs::write(&path, format!("#!/bin/sh\nset -e\n{script}\n")).unwrap();
            run_ok(Command::new("chmod").arg("755").arg(&path));
        }
        let dest = self
            .suite_dir(suite)
            .join(format!("{name}_{version}_all.deb"));
        run_ok(
            Command::new("dpkg-deb")
                .args(["--root-owner-group", "-Zgzip", "--build"])
                .arg(&root)
                .arg(&dest),
        );
    }

    fn suite_dir(&self, suite: Suite) -> PathBuf {
        self.dir.join(match suite {
            Suite::Main => "main",
            Suite::Security => "security",
        })
    }

    /// Regenerates both suites' `Packages` and `Release` (with hashes and a date, so that
    /// `apt-get update` notices every change).
    fn index(&self) {
        for (suite, header) in [
            (
                Suite::Main,
                "Origin: Acme\nLabel: Acme\nSuite: bookworm\nCodename: bookworm\n",
            ),
            (
                Suite::Security,
                "Origin: Debian\nLabel: Debian-Security\nSuite: bookworm-security\nCodename: bookworm-security\n",
            ),
        ] {
            let dir = self.suite_dir(suite);
            let out = Command::new("dpkg-scanpackages")
                .args(["-m", "."])
                .current_dir(&dir)
                .stderr(Stdio::null())
                .output()
                .unwrap();
            assert!(out.status.success());
            std::fs::write(dir.join("Packages"), &out.stdout).unwrap();
            let sum = {
                use sha2::Digest as _;
                format!("{:x}", sha2::Sha256::digest(&out.stdout))
            };
            let date = Command::new("date")
                .args(["-u", "-R"])
                .env("LC_ALL", "C")
                .output()
                .unwrap();
            std::fs::write(
                dir.join("Release"),
                format!(
                    "{header}Date: {}SHA256:\n {sum} {} Packages\n",
                    String::from_utf8_lossy(&date.stdout),
                    out.stdout.len()
                ),
            )
            .unwrap();
        }
    }
}

fn run_ok(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Points every host at both suites and refreshes its lists.
fn use_repo(fleet: &Fleet) {
    for i in 0..fleet.hosts().len() {
        sh(
            fleet,
            i,
            "printf 'deb [trusted=yes] file:/srv/repo/main ./\\ndeb [trusted=yes] file:/srv/repo/security ./\\n' \
             > /etc/apt/sources.list.d/acme.list && apt-get -q update >/dev/null 2>&1",
        );
    }
}

/// What update-notifier's `notify-reboot-required` does, run on upgrades only.
const FLAG_REBOOT: &str = "if [ \"$1\" = configure ] && [ -n \"$2\" ]; then \
     echo '*** System restart required ***' > /var/run/reboot-required; \
     echo \"$DPKG_MAINTSCRIPT_PACKAGE\" >> /var/run/reboot-required.pkgs; fi";

fn start(n: usize) -> (Fleet, Repo) {
    let fleet = Fleet::start(n).unwrap_or_else(|e| panic!("fleet: {e}"));
    let repo = Repo::new(&fleet);
    (fleet, repo)
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|p| format!("{} {}->{}", p["name"].as_str().unwrap(), p["from"], p["to"]))
        .collect()
}

#[test]
fn patch_plans_applies_exactly_and_is_idempotent() {
    let t = Instant::now();
    let (fleet, repo) = start(2);
    for name in ["acme-agent", "acme-tools", "acme-kernel"] {
        repo.publish(Suite::Main, name, "1.0-1", None);
    }
    repo.index();
    use_repo(&fleet);
    sh(
        &fleet,
        0,
        "apt-get install -y -q acme-agent acme-tools acme-kernel >/dev/null",
    );
    sh(
        &fleet,
        1,
        "apt-get install -y -q acme-agent acme-tools >/dev/null",
    );
    // New versions: two security updates (one flags a reboot) and a normal one.
    repo.publish(Suite::Security, "acme-agent", "1.1-1", None);
    repo.publish(Suite::Security, "acme-kernel", "1.1-1", Some(FLAG_REBOOT));
    repo.publish(Suite::Main, "acme-tools", "1.1-1", None);
    repo.index();

    // Check mode: the exact pending plan, nothing changes (the lists are refreshed
    // first: check mode, like Ansible's apt, does not update them).
    sh(&fleet, 0, "apt-get -q update >/dev/null 2>&1");
    let before = acme_versions(&fleet, 0);
    let r = patch(&fleet, 0, json!({"state": "latest"}), true);
    assert_eq!(r["changed"], true, "{r}");
    assert_eq!(
        names(&r["pending"]),
        [
            "acme-agent \"1.0-1\"->\"1.1-1\"",
            "acme-kernel \"1.0-1\"->\"1.1-1\"",
            "acme-tools \"1.0-1\"->\"1.1-1\""
        ]
    );
    assert_eq!(names(&r["packages"]), Vec::<String>::new());
    assert_eq!(
        acme_versions(&fleet, 0),
        before,
        "check mode changed the host"
    );

    // Security only, on host 1: the normal update of acme-tools stays pending.
    let r = patch(
        &fleet,
        1,
        json!({"state": "security", "update_cache": true}),
        false,
    );
    assert_eq!(r["changed"], true, "{r}");
    assert_eq!(names(&r["packages"]), ["acme-agent \"1.0-1\"->\"1.1-1\""]);
    assert_eq!(r["reboot_required"], false);
    assert_eq!(
        acme_versions(&fleet, 1),
        "acme-agent 1.1-1\nacme-tools 1.0-1\n"
    );

    // Everything on host 0: exactly the new versions, with a reboot flagged.
    let r = patch(
        &fleet,
        0,
        json!({"state": "latest", "update_cache": true}),
        false,
    );
    assert_eq!(r["changed"], true, "{r}");
    assert_eq!(r["backend"], "apt");
    assert_eq!(
        names(&r["packages"]),
        [
            "acme-agent \"1.0-1\"->\"1.1-1\"",
            "acme-kernel \"1.0-1\"->\"1.1-1\"",
            "acme-tools \"1.0-1\"->\"1.1-1\""
        ]
    );
    assert_eq!(r["reboot_required"], true);
    assert_eq!(
        acme_versions(&fleet, 0),
        "acme-agent 1.1-1\nacme-kernel 1.1-1\nacme-tools 1.1-1\n"
    );
    assert_eq!(
        sh(&fleet, 0, "cat /var/run/reboot-required.pkgs"),
        "acme-kernel\n"
    );

    // Again: nothing to do.
    let r = patch(&fleet, 0, json!({"state": "latest"}), false);
    assert_eq!(
        (r["changed"].clone(), r["packages"].clone()),
        (json!(false), json!([])),
        "{r}"
    );
    assert_eq!(
        r["reboot_required"], true,
        "the flag stays until the reboot"
    );

    // Host 1: exclude leaves acme-tools alone, name picks it.
    let r = patch(
        &fleet,
        1,
        json!({"state": "latest", "exclude": ["acme-t*"]}),
        false,
    );
    assert_eq!(r["changed"], false, "{r}");
    let r = patch(
        &fleet,
        1,
        json!({"name": ["acme-tools", "acme-kernel"]}),
        false,
    );
    assert_eq!(names(&r["packages"]), ["acme-tools \"1.0-1\"->\"1.1-1\""]);
    assert_eq!(r["reboot_required"], false, "acme-kernel is not on host 1");
    assert!(
        fleet
            .exec_ssh(1, "test -e /var/run/reboot-required")
            .status
            .code()
            == Some(1)
    );
    eprintln!(
        "patch_plans_applies_exactly_and_is_idempotent: {:?}",
        t.elapsed()
    );
}

#[test]
fn patch_pinned_installs_the_given_versions_only() {
    let t = Instant::now();
    let (fleet, repo) = start(1);
    repo.publish(Suite::Main, "acme-agent", "1.0-1", None);
    repo.publish(Suite::Main, "acme-tools", "1.0-1", None);
    repo.index();
    use_repo(&fleet);
    sh(
        &fleet,
        0,
        "apt-get install -y -q acme-agent acme-tools >/dev/null",
    );
    for v in ["1.1-1", "1.2-1"] {
        repo.publish(Suite::Main, "acme-agent", v, None);
        repo.publish(Suite::Main, "acme-tools", v, None);
    }
    repo.index();
    // Ring 0 got acme-agent 1.1-1; this ring gets the same, not the newer 1.2-1, and a
    // pin for a package the host lacks installs nothing.
    let pins = json!({"pinned": ["acme-agent=1.1-1", "acme-absent=9.9"], "update_cache": true});
    let r = patch(&fleet, 0, pins.clone(), true);
    assert_eq!(
        names(&r["pending"]),
        ["acme-agent \"1.0-1\"->\"1.1-1\""],
        "{r}"
    );
    let r = patch(&fleet, 0, pins.clone(), false);
    assert_eq!(
        names(&r["packages"]),
        ["acme-agent \"1.0-1\"->\"1.1-1\""],
        "{r}"
    );
    assert_eq!(
        acme_versions(&fleet, 0),
        "acme-agent 1.1-1\nacme-tools 1.0-1\n"
    );
    let r = patch(&fleet, 0, pins, false);
    assert_eq!(r["changed"], false, "{r}");
    // Security only, when a newer normal update is the candidate: the security version.
    repo.publish(Suite::Main, "acme-lib", "1.0-1", None);
    repo.index();
    sh(
        &fleet,
        0,
        "apt-get -q update >/dev/null 2>&1 && apt-get install -y -q acme-lib >/dev/null",
    );
    repo.publish(Suite::Security, "acme-lib", "1.1-1", None);
    repo.publish(Suite::Main, "acme-lib", "1.2-1", None);
    repo.index();
    let r = patch(
        &fleet,
        0,
        json!({"state": "security", "update_cache": true}),
        false,
    );
    assert_eq!(
        names(&r["packages"]),
        ["acme-lib \"1.0-1\"->\"1.1-1\""],
        "{r}"
    );
    // A pinned version the repository does not have fails with apt's message.
    let r = patch(&fleet, 0, json!({"pinned": ["acme-tools=7.0-1"]}), false);
    assert_eq!(r["failed"], true, "{r}");
    assert!(
        r["msg"]
            .as_str()
            .unwrap()
            .contains("Version '7.0-1' for 'acme-tools' was not found"),
        "{r}"
    );
    eprintln!(
        "patch_pinned_installs_the_given_versions_only: {:?}",
        t.elapsed()
    );
}

#[test]
fn patch_broken_package_fails_with_apt_error_and_reports_dpkg_state() {
    let t = Instant::now();
    let (fleet, repo) = start(1);
    repo.publish(Suite::Main, "acme-agent", "1.0-1", None);
    repo.publish(Suite::Main, "acme-broken", "1.0-1", None);
    repo.index();
    use_repo(&fleet);
    sh(
        &fleet,
        0,
        "apt-get install -y -q acme-agent acme-broken >/dev/null",
    );
    repo.publish(Suite::Security, "acme-agent", "1.1-1", None);
    repo.publish(
        Suite::Security,
        "acme-broken",
        "1.1-1",
        Some("echo 'acme-broken: cannot migrate its data' >&2; exit 1"),
    );
    repo.index();
    let r = patch(
        &fleet,
        0,
        json!({"state": "security", "update_cache": true}),
        false,
    );
    assert_eq!(r["failed"], true, "{r}");
    let msg = r["msg"].as_str().unwrap();
    assert!(msg.starts_with("apt-get install failed: "), "{msg}");
    assert!(msg.contains("acme-broken"), "{msg}");
    assert!(
        msg.contains("E: Sub-process /usr/bin/dpkg returned an error code (1)"),
        "{msg}"
    );
    // Reported consistently: dpkg's own audit names the half-configured package, and the
    // result lists what did change.
    let audit = sh(&fleet, 0, "dpkg --audit || true");
    assert!(audit.contains("acme-broken"), "{audit}");
    assert!(msg.contains("dpkg --audit reports"), "{msg}");
    assert_eq!(r["dpkg_audit"].as_str().unwrap().trim(), audit.trim());
    let changed = names(&r["packages"]);
    assert!(
        changed.contains(&"acme-agent \"1.0-1\"->\"1.1-1\"".to_string()),
        "{r}"
    );
    eprintln!("patch_broken_package: {:?}", t.elapsed());
}

/// Holds dpkg's frontend lock on host `i` for `secs` seconds, as a running apt would.
fn hold_dpkg_lock(fleet: &Fleet, i: usize, secs: u32) {
    sh(
        fleet,
        i,
        &format!(
            "nohup python3 -c 'import fcntl,time; f=open(\"/var/lib/dpkg/lock-frontend\",\"w\"); \
             fcntl.lockf(f, fcntl.LOCK_EX); open(\"/tmp/locked\",\"w\").close(); time.sleep({secs})' \
             >/dev/null 2>&1 & while [ ! -e /tmp/locked ]; do sleep 0.05; done; rm /tmp/locked"
        ),
    );
}

#[test]
fn patch_waits_for_the_package_lock_then_fails_naming_it() {
    let t = Instant::now();
    let (fleet, repo) = start(1);
    repo.publish(Suite::Main, "acme-agent", "1.0-1", None);
    repo.index();
    use_repo(&fleet);
    sh(&fleet, 0, "apt-get install -y -q acme-agent >/dev/null");
    repo.publish(Suite::Main, "acme-agent", "1.1-1", None);
    repo.publish(Suite::Main, "acme-agent", "1.2-1", None);
    repo.index();
    sh(&fleet, 0, "apt-get -q update >/dev/null 2>&1");
    // Held longer than lock_timeout: fails with apt's message naming the lock.
    hold_dpkg_lock(&fleet, 0, 6);
    let started = Instant::now();
    let r = patch(
        &fleet,
        0,
        json!({"pinned": ["acme-agent=1.1-1"], "lock_timeout": 2}),
        false,
    );
    assert!(started.elapsed().as_secs_f64() >= 2.0, "did not wait");
    assert_eq!(r["failed"], true, "{r}");
    let msg = r["msg"].as_str().unwrap();
    assert!(msg.contains("lock_timeout"), "{msg}");
    assert!(msg.contains("/var/lib/dpkg/lock-frontend"), "{msg}");
    assert_eq!(acme_versions(&fleet, 0), "acme-agent 1.0-1\n");
    // Released within lock_timeout: waits, then patches.
    sh(
        &fleet,
        0,
        "while fuser /var/lib/dpkg/lock-frontend >/dev/null 2>&1; do sleep 0.1; done; true",
    );
    hold_dpkg_lock(&fleet, 0, 2);
    let r = patch(
        &fleet,
        0,
        json!({"state": "latest", "lock_timeout": 20}),
        false,
    );
    assert_eq!(
        names(&r["packages"]),
        ["acme-agent \"1.0-1\"->\"1.2-1\""],
        "{r}"
    );
    eprintln!("patch_waits_for_the_package_lock: {:?}", t.elapsed());
}

#[test]
fn apt_states_are_idempotent_and_package_facts_lists_packages() {
    let t = Instant::now();
    let (fleet, repo) = start(1);
    repo.publish(Suite::Main, "acme-agent", "1.0-1", None);
    repo.publish(Suite::Main, "acme-tools", "1.0-1", None);
    repo.index();
    use_repo(&fleet);
    // update_cache alone: changed when the lists changed (Ansible compares the lists'
    // mtime, in seconds), then fresh within cache_valid_time: unchanged.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    repo.publish(Suite::Security, "acme-extra", "1.0-1", None);
    repo.index();
    let r = apt(&fleet, 0, json!({"update_cache": true}), false);
    assert_eq!(
        (r["changed"].clone(), r["cache_updated"].clone()),
        (json!(true), json!(true)),
        "{r}"
    );
    let r = apt(
        &fleet,
        0,
        json!({"update_cache": true, "cache_valid_time": 3600}),
        false,
    );
    assert_eq!(r["changed"], false, "{r}");

    let present = json!({"name": ["acme-agent", "acme-tools=1.0-1"], "state": "present"});
    let r = apt(&fleet, 0, present.clone(), true);
    assert_eq!(r["changed"], true, "{r}");
    assert_eq!(
        acme_versions(&fleet, 0),
        "",
        "check mode installed something"
    );
    let r = apt(&fleet, 0, present.clone(), false);
    assert_eq!(r["changed"], true, "{r}");
    assert_eq!(
        acme_versions(&fleet, 0),
        "acme-agent 1.0-1\nacme-tools 1.0-1\n"
    );
    let r = apt(&fleet, 0, present, false);
    assert_eq!(r["changed"], false, "{r}");

    repo.publish(Suite::Main, "acme-agent", "1.1-1", None);
    repo.index();
    let latest = json!({"name": "acme-agent,acme-tools", "state": "latest", "update_cache": true});
    let r = apt(&fleet, 0, latest.clone(), false);
    assert_eq!(r["changed"], true, "{r}");
    assert_eq!(
        acme_versions(&fleet, 0),
        "acme-agent 1.1-1\nacme-tools 1.0-1\n"
    );
    let r = apt(&fleet, 0, latest, false);
    assert_eq!(r["changed"], false, "{r}");

    let facts = run_module(&fleet, 0, &modules::PackageFactsModule, json!({}), false).to_json();
    let packages = &facts["ansible_facts"]["packages"];
    assert_eq!(
        packages["acme-agent"],
        json!([{"name": "acme-agent", "version": "1.1-1", "arch": "all", "category": "admin", "source": "apt"}])
    );
    assert!(packages["openssh-server"].is_array(), "{packages}");

    let absent = json!({"name": "acme-tools", "state": "absent", "purge": true});
    let r = apt(&fleet, 0, absent.clone(), true);
    assert_eq!(r["changed"], true, "{r}");
    assert_eq!(
        acme_versions(&fleet, 0),
        "acme-agent 1.1-1\nacme-tools 1.0-1\n"
    );
    let r = apt(&fleet, 0, absent.clone(), false);
    assert_eq!(r["changed"], true, "{r}");
    assert_eq!(acme_versions(&fleet, 0), "acme-agent 1.1-1\n");
    let r = apt(&fleet, 0, absent, false);
    assert_eq!(r["changed"], false, "{r}");

    // Options ringmaster does not implement fail naming the option.
    let err = run_module_err(&fleet, json!({"name": "acme-agent", "policy_rc_d": 101}));
    assert!(err.contains("policy_rc_d"), "{err}");
    eprintln!("apt_states: {:?}", t.elapsed());
}

fn run_module_err(fleet: &Fleet, args: Value) -> String {
    let remote = SshRemote { fleet, host: 0 };
    let cx = TaskCx {
        remote: &remote,
        controller: &NoController,
        check_mode: false,
        diff: false,
        host: "h001",
    };
    let Value::Object(args) = args else { panic!() };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    match rt.block_on(modules::AptModule.run(&cx, &args)) {
        Ok(o) => panic!("expected an argument error, got {:?}", o.to_json()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn patch_playbook_over_ssh_reports_every_host() {
    let t = Instant::now();
    let (fleet, repo) = start(2);
    repo.publish(Suite::Main, "acme-agent", "1.0-1", None);
    repo.publish(Suite::Main, "acme-kernel", "1.0-1", None);
    repo.index();
    use_repo(&fleet);
    sh(
        &fleet,
        0,
        "apt-get install -y -q acme-agent acme-kernel >/dev/null",
    );
    sh(&fleet, 1, "apt-get install -y -q acme-agent >/dev/null");
    repo.publish(Suite::Security, "acme-agent", "1.1-1", None);
    repo.publish(Suite::Security, "acme-kernel", "1.1-1", Some(FLAG_REBOOT));
    repo.index();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hosts.ini"), fleet.inventory_ini()).unwrap();
    std::fs::write(
        dir.path().join("site.yml"),
        r#"- hosts: fleet
  gather_facts: false
  tasks:
    - name: refresh
      apt:
        update_cache: true
    - name: preview
      ringmaster.builtin.patch:
        state: security
      check_mode: true
      register: preview
    - name: apply
      ringmaster.builtin.patch:
        state: security
      register: applied
    - name: again
      ringmaster.builtin.patch:
        state: security
      register: again
    - package_facts:
    - debug:
        msg: "pending={{ preview.pending | map(attribute='name') | join(',') }} changed={{ applied.packages | map(attribute='name') | join(',') }} to={{ applied.packages | map(attribute='to') | join(',') }} reboot={{ applied.reboot_required }} again={{ again.changed }} facts={{ ansible_facts.packages['acme-agent'][0].version }}"
"#,
    )
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let args: Vec<String> = ["-i", "hosts.ini", "site.yml"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let run = crate::util::ringmaster(dir.path(), &args, home.path());
    assert_eq!(run.rc, 0, "{}{}", run.stdout, run.stderr);
    for expected in [
        "\"msg\": \"pending=acme-agent,acme-kernel changed=acme-agent,acme-kernel to=1.1-1,1.1-1 reboot=True again=False facts=1.1-1\"",
        "\"msg\": \"pending=acme-agent changed=acme-agent to=1.1-1 reboot=False again=False facts=1.1-1\"",
        "changed: [h001]",
        "changed: [h002]",
    ] {
        assert!(
            run.stdout.contains(expected),
            "missing {expected} in:\n{}",
            run.stdout
        );
    }
    assert_eq!(
        acme_versions(&fleet, 0),
        "acme-agent 1.1-1\nacme-kernel 1.1-1\n"
    );
    assert_eq!(acme_versions(&fleet, 1), "acme-agent 1.1-1\n");
    eprintln!("patch_playbook_over_ssh: {:?}", t.elapsed());
}
