//! `snapshot`: take, list, revert and delete snapshots before patching, so a `rescue:`
//! can put a host back exactly as it was. Providers: `btrfs` (subvolume snapshots),
//! `lvm` (`lvcreate -s` / `lvconvert --merge`), `libvirt` (`virsh snapshot-*`, on the
//! host the task runs on — use `delegate_to` for a hypervisor) and `command` (your own
//! commands). Each provider turns the arguments into host commands (pure, fixture
//! tested) and judges their replies; this file holds what they share.

use serde_json::{Map, Value};

use super::snapshot_providers::{Provider, plan_btrfs, plan_command, plan_libvirt, plan_lvm};
use crate::runtime::{BoxFuture, Module, ModuleError, Outcome, TaskCx};

/// What the task asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Present,
    Absent,
    Reverted,
    List,
}

/// The arguments, checked.
#[derive(Debug, Clone, Default)]
pub struct SnapshotArgs {
    pub provider: String,
    pub name: Option<String>,
    pub path: Option<String>,
    pub snapshot_dir: Option<String>,
    pub volume: Option<String>,
    pub size: Option<String>,
    pub domain: Option<String>,
    pub uri: Option<String>,
    pub create_command: Option<String>,
    pub revert_command: Option<String>,
    pub delete_command: Option<String>,
}

pub fn parse_args(args: &Map<String, Value>) -> Result<(State, SnapshotArgs), String> {
    let text = |key: &str| -> Result<Option<String>, String> {
        match args.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(other) => Err(format!(
                "snapshot: '{key}' must be a non-empty string, got {other}"
            )),
        }
    };
    let state = match text("state")?.as_deref() {
        None | Some("present") => State::Present,
        Some("absent") => State::Absent,
        Some("reverted") => State::Reverted,
        Some("list") => State::List,
        Some(other) => {
            return Err(format!(
                "snapshot: 'state' must be one of present, absent, reverted, list, got '{other}'"
            ));
        }
    };
    let a = SnapshotArgs {
        provider: text("provider")?.unwrap_or_default(),
        name: text("name")?,
        path: text("path")?,
        snapshot_dir: text("snapshot_dir")?,
        volume: text("volume")?,
        size: text("size")?,
        domain: text("domain")?,
        uri: text("uri")?,
        create_command: text("create_command")?,
        revert_command: text("revert_command")?,
        delete_command: text("delete_command")?,
    };
    if a.provider.is_empty() {
        return Err(
            "snapshot: missing required argument: provider (btrfs, lvm, libvirt or command)".into(),
        );
    }
    if state != State::List && a.name.is_none() {
        return Err("snapshot: 'name' is required unless state is list".into());
    }
    if let Some(name) = &a.name
        && (name.contains('/') || name.starts_with('.') || name.contains('\n'))
    {
        return Err(format!(
            "snapshot: 'name' must be a plain name (no '/', not starting with '.'), got '{name}'"
        ));
    }
    Ok((state, a))
}

/// `ringmaster.builtin.snapshot`.
pub struct SnapshotModule;

impl Module for SnapshotModule {
    fn name(&self) -> &'static str {
        "ringmaster.builtin.snapshot"
    }

    fn run<'a>(
        &'a self,
        cx: &'a TaskCx<'a>,
        args: &'a Map<String, Value>,
    ) -> BoxFuture<'a, Result<Outcome, ModuleError>> {
        Box::pin(async move {
            let (state, a) = parse_args(args).map_err(ModuleError::Args)?;
            let provider: Box<dyn Provider> = match a.provider.as_str() {
                "btrfs" => plan_btrfs(&a)?,
                "lvm" => plan_lvm(&a)?,
                "libvirt" => plan_libvirt(&a)?,
                "command" => plan_command(&a, state)?,
                other => {
                    return Err(ModuleError::Args(format!(
                        "snapshot: unknown provider '{other}' (expected btrfs, lvm, libvirt or command)"
                    )));
                }
            };
            // Can the provider work on this host at all? (Clear refusal, not a
            // half-done snapshot.)
            if let Some(probe) = provider.probe() {
                let out = cx.remote.exec(&probe, None).await?;
                if let Some(why) = provider.refusal(&out) {
                    return Ok(Outcome::failed(why));
                }
            }
            let exists = match provider.exists_command() {
                Some(cmd) => {
                    let out = cx.remote.exec(&cmd, None).await?;
                    provider.exists(&out)
                }
                None => None,
            };
            if state == State::List {
                let out = cx.remote.exec(&provider.list_command(), None).await?;
                return Ok(match provider.parse_list(&out) {
                    Ok(list) => Outcome::ok().with("snapshots", Value::Array(list)),
                    Err(msg) => Outcome::failed(msg),
                });
            }
            let needed = match (state, exists) {
                (State::Present, Some(true)) | (State::Absent, Some(false)) => false,
                (State::Reverted, Some(false)) => {
                    return Ok(Outcome::failed(format!(
                        "snapshot '{}' does not exist, nothing to revert to",
                        a.name.as_deref().unwrap_or_default()
                    )));
                }
                _ => true,
            };
            let mut outcome = Outcome::changed(needed);
            if needed && !cx.check_mode {
                let cmd = provider.action_command(state);
                let out = cx.remote.exec(&cmd, None).await?;
                if out.rc != 0 {
                    let mut o = Outcome::failed(format!(
                        "{} snapshot '{}' failed (rc {}): {}",
                        a.provider,
                        a.name.as_deref().unwrap_or_default(),
                        out.rc,
                        last_lines(&out.stderr_text(), &out.stdout_text())
                    ));
                    o.rc = Some(out.rc);
                    return Ok(o);
                }
                for (k, v) in provider.after_action(state, &out) {
                    outcome = outcome.with(&k, v);
                }
            }
            if state == State::Present {
                let info = match provider.info_command() {
                    Some(cmd) if !cx.check_mode => {
                        let out = cx.remote.exec(&cmd, None).await?;
                        provider.info(&out)
                    }
                    _ => provider.info(&Default::default()),
                };
                outcome = outcome.with("snapshot", Value::Object(info));
            }
            Ok(outcome)
        })
    }
}

/// The useful end of a failed command's output.
fn last_lines(stderr: &str, stdout: &str) -> String {
    let text = if stderr.trim().is_empty() {
        stdout
    } else {
        stderr
    };
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(3)..].join(" / ")
}
