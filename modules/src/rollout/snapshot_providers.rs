//! The snapshot providers: host commands from the arguments, and judgements of their
//! replies. Pure: tested from fixture replies; btrfs and command also end to end.

use serde_json::{Map, Value};

use super::snapshot::{SnapshotArgs, State};
use crate::runtime::{ExecOutput, ModuleError, quote};

/// One provider's commands and reply parsing.
pub trait Provider: Send + Sync {
    /// A command whose reply tells whether the provider can work on this host.
    fn probe(&self) -> Option<String>;
    fn refusal(&self, out: &ExecOutput) -> Option<String>;
    /// A command telling whether the named snapshot exists (`None`: cannot tell).
    fn exists_command(&self) -> Option<String>;
    fn exists(&self, out: &ExecOutput) -> Option<bool>;
    fn list_command(&self) -> String;
    fn parse_list(&self, out: &ExecOutput) -> Result<Vec<Value>, String>;
    /// The command that creates (`Present`), reverts or deletes (`Absent`).
    fn action_command(&self, state: State) -> String;
    /// Result keys learned from the action's reply (`reboot_required`, ...).
    fn after_action(&self, _state: State, _out: &ExecOutput) -> Vec<(String, Value)> {
        Vec::new()
    }
    fn info_command(&self) -> Option<String>;
    /// What was created, for the result's `snapshot` (what a rescue reverts).
    fn info(&self, out: &ExecOutput) -> Map<String, Value>;
}

fn required(a: &Option<String>, key: &str, provider: &str) -> Result<String, ModuleError> {
    a.clone()
        .ok_or_else(|| ModuleError::Args(format!("snapshot: provider {provider} needs '{key}'")))
}

fn base_info(provider: &str, name: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("name".into(), name.into());
    m.insert("provider".into(), provider.into());
    m
}

// ---- btrfs ----------------------------------------------------------------------

/// Snapshots of subvolume `path` are read-only subvolumes in `snapshot_dir` (default:
/// `.snapshots/<subvolume name>` next to it, on the same filesystem, so a revert can
/// move the live subvolume aside without carrying its snapshots along).
pub struct Btrfs {
    path: String,
    dir: String,
    name: String,
}

pub fn plan_btrfs(a: &SnapshotArgs) -> Result<Box<dyn Provider>, ModuleError> {
    let path = required(&a.path, "path", "btrfs")?;
    let path = path.trim_end_matches('/').to_string();
    if !path.starts_with('/') || path.is_empty() {
        return Err(ModuleError::Args(format!(
            "snapshot: btrfs 'path' must be an absolute path to a subvolume (not /), got '{path}'"
        )));
    }
    let (parent, base) = path.rsplit_once('/').unwrap_or(("", &path));
    let dir = a
        .snapshot_dir
        .clone()
        .unwrap_or_else(|| format!("{parent}/.snapshots/{base}"));
    Ok(Box::new(Btrfs {
        path,
        dir,
        name: a.name.clone().unwrap_or_default(),
    }))
}

impl Btrfs {
    fn snap(&self) -> String {
        format!("{}/{}", self.dir, self.name)
    }
}

impl Provider for Btrfs {
    fn probe(&self) -> Option<String> {
        let p = quote(&self.path);
        Some(format!(
            "command -v btrfs >/dev/null 2>&1 || {{ echo no-btrfs-progs; exit 0; }}; \
             [ -d {p} ] || {{ echo no-path; exit 0; }}; \
             [ \"$(stat -f -c %T {p})\" = btrfs ] || {{ echo not-btrfs; exit 0; }}; \
             btrfs subvolume show {p} >/dev/null 2>&1 || {{ echo not-subvolume; exit 0; }}; \
             echo ok"
        ))
    }
    fn refusal(&self, out: &ExecOutput) -> Option<String> {
        let p = &self.path;
        match out.stdout_text().trim() {
            "ok" => None,
            "no-btrfs-progs" => {
                Some("btrfs-progs is not installed on the host (no 'btrfs' command)".into())
            }
            "no-path" => Some(format!("{p} does not exist on the host")),
            "not-btrfs" => Some(format!(
                "{p} is not on a btrfs filesystem; the btrfs provider cannot snapshot it"
            )),
            "not-subvolume" => Some(format!(
                "{p} is a directory on btrfs but not a subvolume; create it with 'btrfs subvolume create' to snapshot it"
            )),
            other => Some(format!("cannot check {p} for btrfs snapshots: {other}")),
        }
    }
    fn exists_command(&self) -> Option<String> {
        Some(format!(
            "if [ -e {} ]; then echo yes; else echo no; fi",
            quote(&self.snap())
        ))
    }
    fn exists(&self, out: &ExecOutput) -> Option<bool> {
        Some(out.stdout_text().trim() == "yes")
    }
    fn list_command(&self) -> String {
        format!(
            "[ -d {d} ] || exit 0; for s in {d}/*; do [ -d \"$s\" ] || continue; \
             t=$(btrfs subvolume show \"$s\" 2>/dev/null | sed -n 's/^[[:space:]]*Creation time:[[:space:]]*//p'); \
             [ -n \"$t\" ] && printf '%s\\t%s\\n' \"${{s##*/}}\" \"$t\"; done",
            d = quote(&self.dir)
        )
    }
    fn parse_list(&self, out: &ExecOutput) -> Result<Vec<Value>, String> {
        Ok(out
            .stdout_text()
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(name, created)| {
                let mut m = base_info("btrfs", name);
                m.insert("path".into(), self.path.clone().into());
                m.insert(
                    "snapshot_path".into(),
                    format!("{}/{name}", self.dir).into(),
                );
                m.insert("created".into(), created.trim().into());
                Value::Object(m)
            })
            .collect())
    }
    fn action_command(&self, state: State) -> String {
        let (p, d, s) = (quote(&self.path), quote(&self.dir), quote(&self.snap()));
        match state {
            State::Present => format!("mkdir -p {d} && btrfs subvolume snapshot -r {p} {s}"),
            State::Absent => format!("btrfs subvolume delete {s}"),
            // Move the live subvolume aside, put a writable snapshot of the saved one in
            // its place, then drop the old one; if the new one cannot be made, move the
            // old one back.
            State::Reverted => {
                let old = quote(&format!("{}.pre-revert", self.path));
                format!(
                    "if cut -d' ' -f5 /proc/self/mountinfo | grep -qxF {p}; then \
                     echo '{} is a mount point: revert it by booting into the snapshot (set-default) instead' >&2; exit 3; fi; \
                     mv -T {p} {old} && {{ btrfs subvolume snapshot {s} {p} || {{ mv -T {old} {p}; exit 4; }}; }} \
                     && btrfs subvolume delete {old}",
                    self.path.replace('\'', "")
                )
            }
            State::List => self.list_command(),
        }
    }
    fn info_command(&self) -> Option<String> {
        Some(format!(
            "btrfs subvolume show {} 2>/dev/null | sed -n 's/^[[:space:]]*Creation time:[[:space:]]*//p'",
            quote(&self.snap())
        ))
    }
    fn info(&self, out: &ExecOutput) -> Map<String, Value> {
        let mut m = base_info("btrfs", &self.name);
        m.insert("path".into(), self.path.clone().into());
        m.insert("snapshot_path".into(), self.snap().into());
        let created = out.stdout_text().trim().to_string();
        if !created.is_empty() {
            m.insert("created".into(), created.into());
        }
        m
    }
}

// ---- command --------------------------------------------------------------------

/// The user's own commands, run through the host's shell.
pub struct Command {
    name: String,
    command: String,
}

pub fn plan_command(a: &SnapshotArgs, state: State) -> Result<Box<dyn Provider>, ModuleError> {
    let (key, cmd) = match state {
        State::Present => ("create_command", &a.create_command),
        State::Reverted => ("revert_command", &a.revert_command),
        State::Absent => ("delete_command", &a.delete_command),
        State::List => {
            return Err(ModuleError::Args(
                "snapshot: provider command cannot list snapshots".into(),
            ));
        }
    };
    Ok(Box::new(Command {
        name: a.name.clone().unwrap_or_default(),
        command: required(cmd, key, "command")?,
    }))
}

impl Provider for Command {
    fn probe(&self) -> Option<String> {
        None
    }
    fn refusal(&self, _out: &ExecOutput) -> Option<String> {
        None
    }
    fn exists_command(&self) -> Option<String> {
        None
    }
    fn exists(&self, _out: &ExecOutput) -> Option<bool> {
        None
    }
    fn list_command(&self) -> String {
        String::new()
    }
    fn parse_list(&self, _out: &ExecOutput) -> Result<Vec<Value>, String> {
        Err("provider command cannot list snapshots".into())
    }
    fn action_command(&self, _state: State) -> String {
        self.command.clone()
    }
    fn after_action(&self, _state: State, out: &ExecOutput) -> Vec<(String, Value)> {
        vec![
            ("rc".into(), out.rc.into()),
            ("stdout".into(), out.stdout_text().trim_end().into()),
            ("stderr".into(), out.stderr_text().trim_end().into()),
        ]
    }
    fn info_command(&self) -> Option<String> {
        Some("date -u +%Y-%m-%dT%H:%M:%SZ".into())
    }
    fn info(&self, out: &ExecOutput) -> Map<String, Value> {
        let mut m = base_info("command", &self.name);
        let created = out.stdout_text().trim().to_string();
        if !created.is_empty() {
            m.insert("created".into(), created.into());
        }
        m
    }
}

// ---- lvm ------------------------------------------------------------------------

/// LVM snapshots of `volume` (`vg/lv`). Not exercised end to end here: this machine's
/// kernel has no device-mapper; commands and parsing are fixture tested.
pub struct Lvm {
    vg: String,
    lv: String,
    name: String,
    size: Option<String>,
}

pub fn plan_lvm(a: &SnapshotArgs) -> Result<Box<dyn Provider>, ModuleError> {
    let volume = required(&a.volume, "volume", "lvm")?;
    let Some((vg, lv)) = volume
        .split_once('/')
        .filter(|(v, l)| !v.is_empty() && !l.is_empty())
    else {
        return Err(ModuleError::Args(format!(
            "snapshot: lvm 'volume' must be VG/LV, got '{volume}'"
        )));
    };
    Ok(Box::new(Lvm {
        vg: vg.to_string(),
        lv: lv.to_string(),
        name: a.name.clone().unwrap_or_default(),
        size: a.size.clone(),
    }))
}

impl Provider for Lvm {
    fn probe(&self) -> Option<String> {
        Some(format!(
            "command -v lvs >/dev/null 2>&1 || {{ echo no-lvm; exit 0; }}; \
             lvs --noheadings -o lv_name {}/{} >/dev/null 2>&1 && echo ok || echo no-lv",
            quote(&self.vg),
            quote(&self.lv)
        ))
    }
    fn refusal(&self, out: &ExecOutput) -> Option<String> {
        match out.stdout_text().trim() {
            "ok" => None,
            "no-lvm" => Some("LVM tools are not installed on the host (no 'lvs' command)".into()),
            _ => Some(format!(
                "no logical volume {}/{} on the host",
                self.vg, self.lv
            )),
        }
    }
    fn exists_command(&self) -> Option<String> {
        Some(format!(
            "lvs --noheadings -o lv_name {}/{} >/dev/null 2>&1 && echo yes || echo no",
            quote(&self.vg),
            quote(&self.name)
        ))
    }
    fn exists(&self, out: &ExecOutput) -> Option<bool> {
        Some(out.stdout_text().trim() == "yes")
    }
    fn list_command(&self) -> String {
        format!(
            "lvs --noheadings --separator '|' -o lv_name,origin,lv_time,lv_size --units b {}",
            quote(&self.vg)
        )
    }
    fn parse_list(&self, out: &ExecOutput) -> Result<Vec<Value>, String> {
        if out.rc != 0 {
            return Err(format!("lvs failed: {}", out.stderr_text().trim()));
        }
        Ok(out
            .stdout_text()
            .lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.trim().split('|').map(str::trim).collect();
                (f.len() >= 4 && f[1] == self.lv).then(|| {
                    let mut m = base_info("lvm", f[0]);
                    m.insert("volume".into(), format!("{}/{}", self.vg, self.lv).into());
                    m.insert("created".into(), f[2].into());
                    if let Ok(bytes) = f[3].trim_end_matches('B').parse::<u64>() {
                        m.insert("size_bytes".into(), bytes.into());
                    }
                    Value::Object(m)
                })
            })
            .collect())
    }
    fn action_command(&self, state: State) -> String {
        let snap = quote(&format!("{}/{}", self.vg, self.name));
        match state {
            State::Present => {
                let size = match &self.size {
                    Some(s) if s.contains('%') => format!("-l {}", quote(s)),
                    Some(s) => format!("-L {}", quote(s)),
                    None => "-l 10%ORIGIN".to_string(),
                };
                format!(
                    "lvcreate -s {size} -n {} {}",
                    quote(&self.name),
                    quote(&format!("{}/{}", self.vg, self.lv))
                )
            }
            State::Absent => format!("lvremove -y {snap}"),
            State::Reverted => format!("lvconvert --merge -y {snap}"),
            State::List => self.list_command(),
        }
    }
    fn after_action(&self, state: State, out: &ExecOutput) -> Vec<(String, Value)> {
        // A merge into an open origin waits for its next activation (a reboot for /).
        let delayed = state == State::Reverted
            && format!("{}{}", out.stdout_text(), out.stderr_text()).contains("Delaying merge");
        if state == State::Reverted {
            vec![("reboot_required".into(), delayed.into())]
        } else {
            Vec::new()
        }
    }
    fn info_command(&self) -> Option<String> {
        Some(format!(
            "lvs --noheadings --separator '|' -o lv_time,lv_size --units b {}",
            quote(&format!("{}/{}", self.vg, self.name))
        ))
    }
    fn info(&self, out: &ExecOutput) -> Map<String, Value> {
        let mut m = base_info("lvm", &self.name);
        m.insert("volume".into(), format!("{}/{}", self.vg, self.lv).into());
        let text = out.stdout_text();
        let f: Vec<&str> = text.trim().split('|').map(str::trim).collect();
        if f.len() >= 2 {
            m.insert("created".into(), f[0].into());
            if let Ok(bytes) = f[1].trim_end_matches('B').parse::<u64>() {
                m.insert("size_bytes".into(), bytes.into());
            }
        }
        m
    }
}

// ---- libvirt --------------------------------------------------------------------

/// libvirt domain snapshots with `virsh` on the task's host.
pub struct Libvirt {
    virsh: String,
    domain: String,
    name: String,
}

pub fn plan_libvirt(a: &SnapshotArgs) -> Result<Box<dyn Provider>, ModuleError> {
    let domain = required(&a.domain, "domain", "libvirt")?;
    let uri = a.uri.clone().unwrap_or_else(|| "qemu:///system".into());
    Ok(Box::new(Libvirt {
        virsh: format!("virsh -q -c {}", quote(&uri)),
        domain,
        name: a.name.clone().unwrap_or_default(),
    }))
}

impl Provider for Libvirt {
    fn probe(&self) -> Option<String> {
        Some(format!(
            "command -v virsh >/dev/null 2>&1 || {{ echo no-virsh; exit 0; }}; \
             {} dominfo {} >/dev/null 2>&1 && echo ok || echo no-domain",
            self.virsh,
            quote(&self.domain)
        ))
    }
    fn refusal(&self, out: &ExecOutput) -> Option<String> {
        match out.stdout_text().trim() {
            "ok" => None,
            "no-virsh" => Some("virsh is not installed on the host (libvirt-clients)".into()),
            _ => Some(format!(
                "no libvirt domain '{}' ({})",
                self.domain, self.virsh
            )),
        }
    }
    fn exists_command(&self) -> Option<String> {
        Some(format!(
            "{} snapshot-info --domain {} --snapshotname {} >/dev/null 2>&1 && echo yes || echo no",
            self.virsh,
            quote(&self.domain),
            quote(&self.name)
        ))
    }
    fn exists(&self, out: &ExecOutput) -> Option<bool> {
        Some(out.stdout_text().trim() == "yes")
    }
    fn list_command(&self) -> String {
        format!(
            "{} snapshot-list --domain {} --name",
            self.virsh,
            quote(&self.domain)
        )
    }
    fn parse_list(&self, out: &ExecOutput) -> Result<Vec<Value>, String> {
        if out.rc != 0 {
            return Err(format!(
                "virsh snapshot-list failed: {}",
                out.stderr_text().trim()
            ));
        }
        Ok(out
            .stdout_text()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|n| {
                let mut m = base_info("libvirt", n);
                m.insert("domain".into(), self.domain.clone().into());
                Value::Object(m)
            })
            .collect())
    }
    fn action_command(&self, state: State) -> String {
        let (d, n) = (quote(&self.domain), quote(&self.name));
        match state {
            State::Present => format!(
                "{} snapshot-create-as --domain {d} --name {n} --atomic",
                self.virsh
            ),
            State::Absent => format!(
                "{} snapshot-delete --domain {d} --snapshotname {n}",
                self.virsh
            ),
            State::Reverted => format!(
                "{} snapshot-revert --domain {d} --snapshotname {n}",
                self.virsh
            ),
            State::List => self.list_command(),
        }
    }
    fn info_command(&self) -> Option<String> {
        None
    }
    fn info(&self, _out: &ExecOutput) -> Map<String, Value> {
        let mut m = base_info("libvirt", &self.name);
        m.insert("domain".into(), self.domain.clone().into());
        m
    }
}
