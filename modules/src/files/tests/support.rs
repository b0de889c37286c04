//! Test scaffolding: a `Remote` running `/bin/sh -c` on this machine and writing files
//! atomically, a `Controller` over a directory, and scratch directories.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::{Map, Value};

use crate::runtime::{
    BoxFuture, Controller, ExecOutput, Module, ModuleError, Outcome, Remote, RemoteError,
    ShellKind, TaskCx,
};

/// Runs commands with `/bin/sh -c` and records them.
#[derive(Default)]
pub(crate) struct ShellRemote {
    pub(crate) commands: Mutex<Vec<String>>,
    pub(crate) puts: Mutex<Vec<String>>,
}

impl ShellRemote {
    pub(crate) fn commands(&self) -> Vec<String> {
        self.commands.lock().unwrap().clone()
    }

    pub(crate) fn puts(&self) -> Vec<String> {
        self.puts.lock().unwrap().clone()
    }

    pub(crate) fn clear(&self) {
        self.commands.lock().unwrap().clear();
        self.puts.lock().unwrap().clear();
    }
}

fn err(e: impl std::fmt::Display) -> RemoteError {
    RemoteError {
        message: e.to_string(),
    }
}

impl Remote for ShellRemote {
    fn exec<'a>(
        &'a self,
        cmd: &'a str,
        stdin: Option<&'a [u8]>,
    ) -> BoxFuture<'a, Result<ExecOutput, RemoteError>> {
        Box::pin(async move {
            use std::io::Write;
            use std::process::{Command, Stdio};
            self.commands.lock().unwrap().push(cmd.to_string());
            let mut child = Command::new("/bin/sh")
                .arg("-c")
                .arg(cmd)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .map_err(err)?;
            if let Some(mut input) = child.stdin.take() {
                input.write_all(stdin.unwrap_or_default()).map_err(err)?;
            }
            let out = child.wait_with_output().map_err(err)?;
            Ok(ExecOutput {
                rc: out.status.code().unwrap_or(-1),
                stdout: out.stdout,
                stderr: out.stderr,
            })
        })
    }

    fn put<'a>(
        &'a self,
        data: &'a [u8],
        path: &'a str,
        mode: Option<u32>,
    ) -> BoxFuture<'a, Result<(), RemoteError>> {
        Box::pin(async move {
            use std::os::unix::fs::PermissionsExt;
            self.puts.lock().unwrap().push(path.to_string());
            let target = Path::new(path);
            let dir = target.parent().unwrap_or(Path::new("."));
            let tmp = dir.join(format!(".ringmaster-test-{}", std::process::id()));
            std::fs::write(&tmp, data).map_err(err)?;
            if let Some(mode) = mode {
                std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(mode))
                    .map_err(err)?;
            }
            std::fs::rename(&tmp, target).map_err(err)
        })
    }

    fn get<'a>(&'a self, path: &'a str) -> BoxFuture<'a, Result<Vec<u8>, RemoteError>> {
        Box::pin(async move { std::fs::read(path).map_err(err) })
    }

    fn shell_kind(&self) -> ShellKind {
        ShellKind::Posix
    }
}

/// Finds files under `root/<kind>/` and "renders" templates by replacing `{{ x }}`
/// with `42` (the engine renders for real).
pub(crate) struct DirController {
    pub(crate) root: PathBuf,
}

impl Controller for DirController {
    fn find_file(&self, kind: &str, name: &str) -> Result<PathBuf, String> {
        let path = self.root.join(kind).join(name);
        if path.exists() {
            Ok(path)
        } else {
            Err(format!("Could not find or access '{name}'"))
        }
    }

    fn render_template(&self, path: &Path) -> Result<String, String> {
        let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
        Ok(text.replace("{{ x }}", "42"))
    }
}

/// A fresh directory under the system temp dir, removed on drop.
pub(crate) struct Scratch {
    pub(crate) dir: PathBuf,
}

impl Scratch {
    pub(crate) fn new() -> Scratch {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "ringmaster-files-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(dir.join("files")).unwrap();
        std::fs::create_dir_all(dir.join("templates")).unwrap();
        Scratch { dir }
    }

    pub(crate) fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs one module once.
pub(crate) struct Runner {
    pub(crate) remote: ShellRemote,
    pub(crate) controller: DirController,
    pub(crate) scratch: Scratch,
}

impl Runner {
    pub(crate) fn new() -> Runner {
        let scratch = Scratch::new();
        Runner {
            remote: ShellRemote::default(),
            controller: DirController {
                root: scratch.dir.clone(),
            },
            scratch,
        }
    }

    pub(crate) fn path(&self, name: &str) -> String {
        self.scratch.path(name)
    }

    pub(crate) async fn run(
        &self,
        module: &dyn Module,
        args: Value,
        check_mode: bool,
        diff: bool,
    ) -> Result<Outcome, ModuleError> {
        let cx = TaskCx {
            remote: &self.remote,
            controller: &self.controller,
            check_mode,
            diff,
            host: "localhost",
        };
        let Value::Object(map) = args else {
            panic!("args must be an object")
        };
        let map: Map<String, Value> = map;
        module.run(&cx, &map).await
    }

    pub(crate) async fn ok(&self, module: &dyn Module, args: Value) -> Outcome {
        self.run(module, args, false, false).await.unwrap()
    }
}

/// The keys of a result, sorted, without `diff`/`failed` (compared separately).
pub(crate) fn keys(out: &Outcome) -> Vec<String> {
    let mut k: Vec<String> = out
        .to_json()
        .keys()
        .filter(|k| *k != "diff" && *k != "failed")
        .cloned()
        .collect();
    k.sort();
    k
}

pub(crate) fn mode_of(path: &str) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o7777
}
