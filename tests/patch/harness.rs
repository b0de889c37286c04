//! The fleet harness of the package tests: a test `Remote` over the OpenSSH client, the
//! fleet's two-suite apt repository, and checks run independently with OpenSSH.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use modules::runtime::{
    BoxFuture, Controller, ExecOutput, Module, ModuleError, Outcome, Remote, RemoteError,
    ShellKind, TaskCx,
};
use serde_json::Value;

use crate::fleet::Fleet;

/// A `Remote` over the OpenSSH client (one `ssh` process per command, sharing the
/// fleet's ControlMaster).
pub(crate) struct SshRemote<'a> {
    pub(crate) fleet: &'a Fleet,
    pub(crate) host: usize,
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

pub(crate) struct NoController;

impl Controller for NoController {
    fn find_file(&self, _kind: &str, name: &str) -> Result<PathBuf, String> {
        Err(format!("no controller files in this test ({name})"))
    }
    fn render_template(&self, _path: &Path) -> Result<String, String> {
        Err("no templates in this test".into())
    }
}

/// Runs `module` with `args` on host `i` (check mode if `check`), as the engine would.
pub(crate) fn try_module(
    fleet: &Fleet,
    i: usize,
    module: &dyn Module,
    args: Value,
    check: bool,
) -> Result<Outcome, ModuleError> {
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
}

/// [`try_module`] that must produce a result.
pub(crate) fn run_module(
    fleet: &Fleet,
    i: usize,
    module: &dyn Module,
    args: Value,
    check: bool,
) -> Outcome {
    try_module(fleet, i, module, args, check)
        .unwrap_or_else(|e| panic!("{} failed to run: {e}", module.name()))
}

pub(crate) fn patch(fleet: &Fleet, i: usize, args: Value, check: bool) -> Value {
    Value::Object(run_module(fleet, i, &modules::PatchModule, args, check).to_json())
}

pub(crate) fn apt(fleet: &Fleet, i: usize, args: Value, check: bool) -> Value {
    Value::Object(run_module(fleet, i, &modules::AptModule, args, check).to_json())
}

/// Runs `cmd` on host `i` with OpenSSH (the independent checker); panics unless rc 0.
pub(crate) fn sh(fleet: &Fleet, i: usize, cmd: &str) -> String {
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
pub(crate) fn acme_versions(fleet: &Fleet, i: usize) -> String {
    sh(
        fleet,
        i,
        "dpkg-query -W -f='${Package} ${Version} ${db:Status-Abbrev}\\n' 'acme-*' 2>/dev/null \
         | grep ' ii' | cut -d' ' -f1,2 | sort || true",
    )
}

#[derive(Clone, Copy)]
pub(crate) enum Suite {
    Main,
    Security,
}

/// The fleet's repository with two flat suites, `main/` and `security/`.
pub(crate) struct Repo {
    dir: PathBuf,
    build: tempfile::TempDir,
}

impl Repo {
    pub(crate) fn new(fleet: &Fleet) -> Repo {
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
    pub(crate) fn publish(&self, suite: Suite, name: &str, version: &str, postinst: Option<&str>) {
        self.publish_depending(suite, name, version, postinst, None);
    }

    /// [`Repo::publish`] with a `Depends:` field.
    pub(crate) fn publish_depending(
        &self,
        suite: Suite,
        name: &str,
        version: &str,
        postinst: Option<&str>,
        depends: Option<&str>,
    ) {
        let root = self.build.path().join(format!("{name}_{version}"));
        std::fs::create_dir_all(root.join("DEBIAN")).unwrap();
        std::fs::create_dir_all(root.join(format!("usr/share/{name}"))).unwrap();
        std::fs::write(
            root.join("DEBIAN/control"),
            format!(
                "Package: {name}\nVersion: {version}\nArchitecture: all\nMaintainer: t <t@example.org>\n\
                 Section: admin\nPriority: optional\nDescription: ringmaster test package\n{}",
                depends.map_or(String::new(), |d| format!("Depends: {d}\n"))
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
    pub(crate) fn index(&self) {
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

pub(crate) fn run_ok(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Points every host at both suites and refreshes its lists.
pub(crate) fn use_repo(fleet: &Fleet) {
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
pub(crate) const FLAG_REBOOT: &str = "if [ \"$1\" = configure ] && [ -n \"$2\" ]; then \
     echo '*** System restart required ***' > /var/run/reboot-required; \
     echo \"$DPKG_MAINTSCRIPT_PACKAGE\" >> /var/run/reboot-required.pkgs; fi";

pub(crate) fn start(n: usize) -> (Fleet, Repo) {
    let fleet = Fleet::start(n).unwrap_or_else(|e| panic!("fleet: {e}"));
    let repo = Repo::new(&fleet);
    (fleet, repo)
}

pub(crate) fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|p| format!("{} {}->{}", p["name"].as_str().unwrap(), p["from"], p["to"]))
        .collect()
}
