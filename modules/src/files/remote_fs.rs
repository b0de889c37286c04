//! What the file modules ask of a host, each as one shell command through
//! [`Remote::exec`]: stat (with checksum and umask) and attribute changes. Command text
//! and reply parsing are pure and tested from fixtures; every path goes through
//! [`quote`].

use serde_json::{Map, Value};

use super::args::FileAttrs;
use super::mode::format_mode;
use crate::runtime::{ModuleError, Outcome, Remote, quote};

/// What kind of object a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    File,
    Directory,
    Link,
    Other,
}

/// A path's metadata as `stat(1)` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileStat {
    pub(crate) kind: Kind,
    /// Permission bits (`0o7777` mask).
    pub(crate) mode: u32,
    pub(crate) nlink: u64,
    pub(crate) inode: u64,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    pub(crate) size: u64,
    pub(crate) owner: String,
    pub(crate) group: String,
    pub(crate) sha1: Option<String>,
    pub(crate) md5: Option<String>,
    /// `readlink` (no follow) or `readlink -f` (follow) of the path.
    pub(crate) target: Option<String>,
    /// Modification and access time as `touch -t` takes them (`%Y%m%d%H%M.%S`, host's
    /// local time), the form of Ansible's default `modification_time_format`.
    pub(crate) mtime: String,
    pub(crate) atime: String,
}

impl FileStat {
    /// Ansible's `state` for an existing path.
    pub(crate) fn state(&self) -> &'static str {
        match self.kind {
            Kind::Directory => "directory",
            Kind::Link => "link",
            Kind::File if self.nlink > 1 => "hard",
            Kind::File => "file",
            Kind::Other => "file",
        }
    }
}

/// The reply to a stat command: the host's umask and the path's metadata, if it exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StatReply {
    pub(crate) umask: u32,
    pub(crate) stat: Option<FileStat>,
}

/// Options for [`stat_command`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct StatOpts {
    /// Follow a symlink at `path` (stat the target).
    pub(crate) follow: bool,
    pub(crate) sha1: bool,
    pub(crate) md5: bool,
}

/// One shell command printing: umask, then `absent` or the stat fields, the times, the sha1 and
/// md5 lines (`-` when not asked or not a regular file), then the link target (rest of
/// the output, so a target with newlines stays whole).
pub(crate) fn stat_command(path: &str, opts: StatOpts) -> String {
    let p = quote(path);
    let (exists, flag, target) = if opts.follow {
        (format!("[ -e {p} ]"), "-L ", format!("readlink -f -- {p}"))
    } else {
        (
            format!("{{ [ -e {p} ] || [ -L {p} ]; }}"),
            "",
            format!("if [ -L {p} ]; then readlink -- {p}; fi"),
        )
    };
    let sum = |on: bool, tool: &str| {
        if on {
            format!("if [ -f {p} ]; then {tool} < {p} || exit 4; else echo -; fi")
        } else {
            "echo -".to_string()
        }
    };
    format!(
        "umask; if {exists}; then stat {flag}-c '%f %h %i %u %g %s %U %G' -- {p} && stat {flag}-c '%y|%x' -- {p} || exit 3; {}; {}; {target}; else echo absent; fi",
        sum(opts.sha1, "sha1sum"),
        sum(opts.md5, "md5sum"),
    )
}

/// Parses the output of [`stat_command`].
pub(crate) fn parse_stat(out: &str) -> Result<StatReply, String> {
    let bad = || format!("unexpected reply from stat on the host: {out:?}");
    let mut lines = out.splitn(6, '\n');
    let umask = lines
        .next()
        .and_then(|l| u32::from_str_radix(l.trim(), 8).ok())
        .ok_or_else(bad)?;
    let fields = lines.next().ok_or_else(bad)?;
    if fields == "absent" {
        return Ok(StatReply { umask, stat: None });
    }
    let f: Vec<&str> = fields.split(' ').collect();
    if f.len() < 8 {
        return Err(bad());
    }
    let raw = u32::from_str_radix(f[0], 16).map_err(|_| bad())?;
    let kind = match raw & 0o170000 {
        0o100000 => Kind::File,
        0o040000 => Kind::Directory,
        0o120000 => Kind::Link,
        _ => Kind::Other,
    };
    let num = |s: &str| s.parse::<u64>().map_err(|_| bad());
    let uid = num(f[3])? as u32;
    let gid = num(f[4])? as u32;
    // `stat` says UNKNOWN for ids without a name; Ansible then shows the number.
    let name = |n: &str, id: u32| {
        if n == "UNKNOWN" {
            id.to_string()
        } else {
            n.to_string()
        }
    };
    let sum = |line: Option<&str>| {
        line.and_then(|l| l.split_whitespace().next())
            .filter(|h| *h != "-")
            .map(str::to_string)
    };
    let (mtime, atime) = lines
        .next()
        .and_then(|l| l.split_once('|'))
        .map(|(m, a)| (touch_stamp(m), touch_stamp(a)))
        .ok_or_else(bad)?;
    let sha1 = sum(lines.next());
    let md5 = sum(lines.next());
    let target = lines
        .next()
        .map(|t| t.strip_suffix('\n').unwrap_or(t).to_string())
        .filter(|t| !t.is_empty());
    Ok(StatReply {
        umask,
        stat: Some(FileStat {
            kind,
            mode: raw & 0o7777,
            nlink: num(f[1])?,
            inode: num(f[2])?,
            uid,
            gid,
            size: num(f[5])?,
            owner: name(f[6], uid),
            group: name(f[7..].join(" ").as_str(), gid),
            sha1,
            md5,
            target,
            mtime,
            atime,
        }),
    })
}

/// `2020-01-02 15:30:45.000000000 +0000` (stat's `%y`) as `202001021530.45`.
fn touch_stamp(human: &str) -> String {
    let mut parts = human.split(' ');
    let date = parts.next().unwrap_or_default().replace('-', "");
    let time = parts.next().unwrap_or_default();
    let time = time.split('.').next().unwrap_or_default();
    let mut hms = time.split(':');
    let (h, m, s) = (
        hms.next().unwrap_or_default(),
        hms.next().unwrap_or_default(),
        hms.next().unwrap_or_default(),
    );
    format!("{date}{h}{m}.{s}")
}

/// Runs `prefix` (shell commands, may be empty) and then a stat of `path`, in one exec.
pub(crate) async fn run_then_stat(
    remote: &dyn Remote,
    prefix: &str,
    path: &str,
    opts: StatOpts,
) -> Result<Result<StatReply, String>, ModuleError> {
    let cmd = if prefix.is_empty() {
        stat_command(path, opts)
    } else {
        format!("{prefix} && {{ {}; }}", stat_command(path, opts))
    };
    let out = remote.exec(&cmd, None).await?;
    if out.rc != 0 {
        let err = out.stderr_text();
        return Ok(Err(err.trim_end().to_string()));
    }
    Ok(parse_stat(&out.stdout_text()))
}

/// Stats `path` with one command.
pub(crate) async fn stat(
    remote: &dyn Remote,
    path: &str,
    opts: StatOpts,
) -> Result<StatReply, ModuleError> {
    run_then_stat(remote, "", path, opts)
        .await?
        .map_err(ModuleError::Failed)
}

/// The commands that bring `st` to the requested attributes, and the diff of what they
/// change (Ansible's `diff.before`/`diff.after` keys `owner`, `group`, `mode`).
#[derive(Debug, Default, PartialEq)]
pub(crate) struct AttrPlan {
    pub(crate) commands: Vec<String>,
    pub(crate) before: Map<String, Value>,
    pub(crate) after: Map<String, Value>,
}

impl AttrPlan {
    pub(crate) fn changed(&self) -> bool {
        !self.commands.is_empty()
    }

    /// The commands joined with `&&`, each failing with Ansible's message.
    pub(crate) fn script(&self) -> String {
        self.commands.join(" && ")
    }
}

/// Plans owner, group and mode changes as Ansible's `set_fs_attributes_if_different`
/// (owner, then group, then mode). `no_deref` changes a symlink itself.
pub(crate) fn plan_attrs(
    path: &str,
    st: &FileStat,
    attrs: &FileAttrs,
    umask: u32,
    no_deref: bool,
) -> Result<AttrPlan, ModuleError> {
    let p = quote(path);
    let h = if no_deref { "-h " } else { "" };
    let mut plan = AttrPlan::default();
    let mut id_change = |key: &str, tool: &str, wanted: &Option<String>, id: u32, name: &str| {
        let kind = if key == "owner" { "user" } else { "group" };
        let Some(wanted) = wanted else { return };
        let same = match wanted.parse::<u32>() {
            Ok(n) => n == id,
            Err(_) => wanted == name,
        };
        if !same {
            plan.before.insert(key.into(), Value::from(id));
            plan.after.insert(key.into(), Value::String(wanted.clone()));
            let w = quote(wanted);
            plan.commands.push(format!(
                "{{ {tool} {h}-- {w} {p} 2>/dev/null || {{ printf '%s failed: failed to look up {kind} %s' {tool} {w} >&2; exit 5; }}; }}"
            ));
        }
    };
    id_change("owner", "chown", &attrs.owner, st.uid, &st.owner);
    id_change("group", "chgrp", &attrs.group, st.gid, &st.group);
    // Linux cannot chmod a symlink itself; Ansible skips it too.
    if let Some(mode) = &attrs.mode
        && !(no_deref && st.kind == Kind::Link)
    {
        let wanted = mode.resolve(st.mode, st.kind == Kind::Directory, umask)?;
        if wanted != st.mode {
            plan.before
                .insert("mode".into(), Value::String(format_mode(st.mode)));
            plan.after
                .insert("mode".into(), Value::String(format_mode(wanted)));
            plan.commands.push(format!("chmod {wanted:o} -- {p}"));
        }
    }
    Ok(plan)
}

/// Adds `uid, gid, owner, group, mode, state, size` as Ansible's file results do.
pub(crate) fn add_stat_fields(outcome: &mut Outcome, st: &FileStat) {
    let d = &mut outcome.data;
    d.insert("uid".into(), Value::from(st.uid));
    d.insert("gid".into(), Value::from(st.gid));
    d.insert("owner".into(), Value::String(st.owner.clone()));
    d.insert("group".into(), Value::String(st.group.clone()));
    d.insert("mode".into(), Value::String(format_mode(st.mode)));
    d.insert("state".into(), Value::String(st.state().into()));
    d.insert("size".into(), Value::from(st.size));
}

/// A timestamped copy of `path` next to it, named as Ansible's `backup_local`:
/// `path.PID.YYYY-MM-DD@HH:MM:SS~` (PID of the remote shell). Returns the name.
pub(crate) async fn backup(remote: &dyn Remote, path: &str) -> Result<String, ModuleError> {
    let p = quote(path);
    let cmd = format!(
        "b={p}.$$.$(date +%Y-%m-%d@%H:%M:%S)~ && cp -p -- {p} \"$b\" && printf '%s' \"$b\""
    );
    let out = remote.exec(&cmd, None).await?;
    if out.rc != 0 {
        return Err(ModuleError::Failed(format!(
            "Could not make backup of '{path}': {}",
            out.stderr_text().trim_end()
        )));
    }
    Ok(out.stdout_text())
}

/// Creates the parent directories of `path` (as `os.makedirs`), if it has any.
pub(crate) async fn make_parents(remote: &dyn Remote, path: &str) -> Result<(), ModuleError> {
    let Some((parent, _)) = path.rsplit_once('/') else {
        return Ok(());
    };
    if parent.is_empty() {
        return Ok(());
    }
    let out = remote
        .exec(&format!("mkdir -p -- {}", quote(parent)), None)
        .await?;
    if out.rc != 0 {
        return Err(ModuleError::Failed(format!(
            "Error creating {parent} ({})",
            out.stderr_text().trim_end()
        )));
    }
    Ok(())
}

/// Escapes non-ASCII characters of JSON text as `\\uXXXX` (UTF-16 units), as Python's
/// `json.dumps` does by default.
pub(crate) fn ensure_ascii(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

/// Serializes a diff side as Ansible's callback shows dict diffs (`json.dumps(d,
/// sort_keys=True, indent=4)` + newline; non-ASCII escaped as Python's `ensure_ascii`).
pub(crate) fn diff_text(map: &Map<String, Value>) -> String {
    use serde::Serialize;
    let sorted: std::collections::BTreeMap<&String, &Value> = map.iter().collect();
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    if sorted.serialize(&mut ser).is_err() {
        return String::new();
    }
    let mut text = ensure_ascii(&String::from_utf8_lossy(&buf));
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_reply_parsing() {
        // `umask; stat -c '%f %h %i %u %g %s %U %G'`, sha1sum, md5sum, readlink lines.
        let out = "0022\n81a4 1 42 0 65534 6 root UNKNOWN\n2020-01-02 15:30:45.000000000 +0000|2020-01-02 15:30:46.5 +0000\nf572d396fae9206628714fb2ce00f72e94f2258f  -\n-\n";
        let r = parse_stat(out).unwrap();
        assert_eq!(r.umask, 0o022);
        let st = r.stat.unwrap();
        assert_eq!((st.kind, st.mode, st.size), (Kind::File, 0o644, 6));
        assert_eq!((st.owner.as_str(), st.group.as_str()), ("root", "65534"));
        assert_eq!(
            st.sha1.as_deref(),
            Some("f572d396fae9206628714fb2ce00f72e94f2258f")
        );
        assert_eq!(st.md5, None);
        assert_eq!(st.target, None);
        assert_eq!(
            (st.mtime.as_str(), st.atime.as_str()),
            ("202001021530.45", "202001021530.46")
        );
        let link = parse_stat("0002\na1ff 1 7 0 0 5 root root\n2020-01-02 15:30:45.000000000 +0000|2020-01-02 15:30:45.000000000 +0000\n-\n-\nweird\nname\n").unwrap();
        let st = link.stat.unwrap();
        assert_eq!(st.kind, Kind::Link);
        assert_eq!(st.state(), "link");
        assert_eq!(st.target.as_deref(), Some("weird\nname"));
        assert_eq!(parse_stat("0022\nabsent\n").unwrap().stat, None);
        assert!(parse_stat("garbage").is_err());
        let dir = parse_stat("0022\n41ed 2 9 0 0 4096 root root\n2020-01-02 15:30:45.000000000 +0000|2020-01-02 15:30:45.000000000 +0000\n-\n-\n").unwrap();
        assert_eq!(dir.stat.unwrap().state(), "directory");
        let hard = parse_stat("0022\n81a4 2 9 0 0 0 root root\n2020-01-02 15:30:45.000000000 +0000|2020-01-02 15:30:45.000000000 +0000\n-\n-\n").unwrap();
        assert_eq!(hard.stat.unwrap().state(), "hard");
    }

    #[test]
    fn diff_text_is_pythons_json_dumps() {
        // python3 -c 'import json; print(json.dumps({"state": "absent", "path": "/tmp/ä"},
        //     sort_keys=True, indent=4, separators=(",", ": ")))'
        let mut m = Map::new();
        m.insert("state".into(), Value::from("absent"));
        m.insert("path".into(), Value::from("/tmp/ä😀"));
        assert_eq!(
            diff_text(&m),
            "{\n    \"path\": \"/tmp/\\u00e4\\ud83d\\ude00\",\n    \"state\": \"absent\"\n}\n"
        );
    }

    #[test]
    fn commands_quote_paths() {
        let cmd = stat_command("/tmp/$(x) 'y'", StatOpts::default());
        assert!(cmd.contains("'/tmp/$(x) '\"'\"'y'\"'\"''"));
        assert!(!cmd.contains(" /tmp/$(x)"));
    }
}

/// Why a validated write did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum WriteRefused {
    /// `validate` has no `%s`.
    NoPlaceholder,
    /// The validate command failed on the new content.
    Invalid {
        rc: i32,
        stdout: String,
        stderr: String,
    },
}

/// The validate command for a temporary file: `%s` becomes the quoted path.
pub(crate) fn validate_command(validate: &str, tmp: &str) -> Option<String> {
    validate
        .contains("%s")
        .then(|| validate.replace("%s", &quote(tmp)))
}

/// Writes `data` to `dest` atomically with `mode`. With `validate`, the data goes to a
/// temporary file next to `dest` first, the command checks it, and a rename puts it in
/// place only when the check passed.
pub(crate) async fn put_file(
    remote: &dyn Remote,
    data: &[u8],
    dest: &str,
    mode: u32,
    validate: Option<&str>,
) -> Result<Result<(), WriteRefused>, ModuleError> {
    let Some(validate) = validate else {
        remote.put(data, dest, Some(mode)).await?;
        return Ok(Ok(()));
    };
    let (dir, name) = dest.rsplit_once('/').unwrap_or((".", dest));
    let dir = if dir.is_empty() { "/" } else { dir };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let tmp = format!(
        "{}/.ringmaster_tmp_{nanos}_{name}",
        dir.trim_end_matches('/')
    );
    let Some(check) = validate_command(validate, &tmp) else {
        return Ok(Err(WriteRefused::NoPlaceholder));
    };
    remote.put(data, &tmp, Some(mode)).await?;
    let t = quote(&tmp);
    let out = remote.exec(&check, None).await?;
    if out.rc != 0 {
        remote.exec(&format!("rm -f -- {t}"), None).await?;
        return Ok(Err(WriteRefused::Invalid {
            rc: out.rc,
            stdout: out.stdout_text(),
            stderr: out.stderr_text(),
        }));
    }
    let moved = remote
        .exec(&format!("mv -f -- {t} {}", quote(dest)), None)
        .await?;
    if moved.rc != 0 {
        return Err(ModuleError::Failed(format!(
            "Unable to make {tmp} into {dest}: {}",
            moved.stderr_text().trim_end()
        )));
    }
    Ok(Ok(()))
}

/// The failure `lineinfile`/`blockinfile` report for a refused write.
pub(crate) fn edit_refused(refused: WriteRefused, validate: &str) -> Outcome {
    match refused {
        WriteRefused::NoPlaceholder => {
            Outcome::failed(format!("validate must contain %s: {validate}"))
        }
        WriteRefused::Invalid { rc, stderr, .. } => {
            Outcome::failed(format!("failed to validate: rc:{rc} error:{stderr}"))
        }
    }
}

/// Expands a leading `~` or `~user` as the module's `os.path.expanduser` does on the
/// host (Ansible's `type='path'` arguments); other paths are returned unchanged without
/// a round trip.
pub(crate) async fn expand_user(remote: &dyn Remote, path: String) -> Result<String, ModuleError> {
    let Some(rest) = path.strip_prefix('~') else {
        return Ok(path);
    };
    let (user, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let cmd = if user.is_empty() {
        "printf '%s' \"$HOME\"".to_string()
    } else if user
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        // A plain user name is safe to leave unquoted, which lets the shell expand it.
        format!("printf '%s' ~{user}")
    } else {
        return Ok(path);
    };
    let out = remote.exec(&cmd, None).await?;
    let home = out.stdout_text();
    if out.rc != 0 || home.is_empty() || home.starts_with('~') {
        return Ok(path);
    }
    Ok(format!("{home}{tail}"))
}
