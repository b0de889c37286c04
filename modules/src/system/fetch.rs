//! `fetch` (ansible/plugins/action/fetch.py): copies a host file to the controller,
//! into `dest/<inventory_hostname>/<src>` (or `dest` itself with `flat`), only when
//! the checksums differ; the local write is atomic.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use md5::Digest as _;
use serde_json::{Map, Value};

use super::slurp::read_remote;
use super::stat::remote_stat;
use crate::command::args::{opt_bool, opt_string, parse};
use crate::runtime::{BoxFuture, Module, ModuleError, Outcome, TaskCx};

#[derive(Debug, serde::Deserialize)]
pub(crate) struct FetchArgs {
    #[serde(default, deserialize_with = "opt_string")]
    pub src: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub dest: Option<String>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub flat: Option<bool>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub fail_on_missing: Option<bool>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub validate_checksum: Option<bool>,
}

/// Lexical `os.path.normpath`.
fn normpath(p: &str) -> PathBuf {
    let mut out: Vec<Component> = Vec::new();
    for c in Path::new(p).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out.iter().collect()
}

/// Where the file lands on the controller (pure), or Ansible's refusal.
pub(crate) fn local_dest(
    dest: &str,
    src: &str,
    host: &str,
    flat: bool,
    dest_is_dir: impl Fn(&Path) -> bool,
) -> Result<PathBuf, String> {
    if flat {
        if dest_is_dir(Path::new(dest)) && !dest.ends_with('/') {
            return Err("dest is an existing directory, use a trailing slash if you want to fetch src into that directory".into());
        }
        let mut d = dest.to_string();
        if d.ends_with('/') {
            let base = src.rsplit('/').next().unwrap_or(src);
            d.push_str(base);
            if dest_is_dir(Path::new(&d)) {
                return Err(format!(
                    "calculated dest '{d}' is an existing directory, use another path that does not point to an existing directory"
                ));
            }
        }
        return Ok(normpath(&d));
    }
    let joined = normpath(&format!("{dest}/{host}/{src}"));
    let base = normpath(dest);
    if !joined.starts_with(&base) {
        return Err(format!(
            "Detected directory traversal, expected to be contained in '{dest}' but got '{}'",
            joined.display()
        ));
    }
    Ok(joined)
}

fn sha1_hex(data: &[u8]) -> String {
    use sha1::Digest;
    format!("{:x}", sha1::Sha1::digest(data))
}

fn md5_hex(data: &[u8]) -> String {
    format!("{:x}", md5::Md5::digest(data))
}

/// Writes `data` to `path` through a temp file in the same directory and a rename.
fn write_atomic(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        ".{name}.ringmaster-fetch-{}.tmp",
        std::process::id()
    ));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// `ansible.builtin.fetch`.
pub struct FetchModule;

impl Module for FetchModule {
    fn name(&self) -> &'static str {
        "ansible.builtin.fetch"
    }

    fn run<'a>(
        &'a self,
        cx: &'a TaskCx<'a>,
        args: &'a Map<String, Value>,
    ) -> BoxFuture<'a, Result<Outcome, ModuleError>> {
        Box::pin(async move {
            let a: FetchArgs = parse(self.name(), args)?;
            if cx.check_mode {
                return Ok(Outcome {
                    skipped: true,
                    msg: Some("check mode not (yet) supported for this module".into()),
                    ..Outcome::default()
                });
            }
            let (Some(src), Some(dest)) = (a.src.clone(), a.dest.clone()) else {
                return Ok(Outcome::failed("src and dest are required"));
            };
            let fail_on_missing = a.fail_on_missing.unwrap_or(true);
            let stat = match remote_stat(cx, &src, true, None, false, false).await? {
                Ok(s) => s,
                Err(msg) => return Ok(Outcome::failed(msg)),
            };
            if stat.get("isdir") == Some(&Value::Bool(true)) {
                let msg = "remote file is a directory, fetch cannot work on directories";
                return Ok(if fail_on_missing {
                    Outcome::failed(msg)
                } else {
                    Outcome {
                        msg: Some(format!("{msg}, not transferring, ignored")),
                        ..Outcome::ok()
                    }
                });
            }
            let data = match read_remote(cx, &src).await? {
                Ok(d) => d,
                Err(m) => {
                    let msg = if m.contains("not found") {
                        "the remote file does not exist, not transferring, ignored".to_string()
                    } else if m.to_lowercase().starts_with("source is a directory") {
                        "remote file is a directory, fetch cannot work on directories".to_string()
                    } else {
                        m
                    };
                    let mut o = Outcome {
                        msg: Some(msg),
                        failed: fail_on_missing,
                        ..Outcome::ok()
                    };
                    if !fail_on_missing {
                        o = o.with("file", src);
                    }
                    return Ok(o);
                }
            };
            let dest = match local_dest(&dest, &src, cx.host, a.flat.unwrap_or(false), |p| {
                p.is_dir()
            }) {
                Ok(d) => d,
                Err(msg) => return Ok(Outcome::failed(msg)),
            };
            let remote_checksum = sha1_hex(&data);
            let local = std::fs::read(&dest).ok();
            let dest_text = dest.to_string_lossy().into_owned();
            if local.as_deref().map(sha1_hex).as_deref() == Some(remote_checksum.as_str()) {
                return Ok(Outcome::ok()
                    .with("checksum", remote_checksum)
                    .with("dest", dest_text)
                    .with("file", src)
                    .with("md5sum", md5_hex(&data)));
            }
            if let Err(e) = write_atomic(&dest, &data) {
                return Ok(Outcome::failed(format!("Failed to fetch the file: {e}")));
            }
            let written = std::fs::read(&dest)
                .map(|d| sha1_hex(&d))
                .unwrap_or_default();
            if a.validate_checksum.unwrap_or(true) && written != remote_checksum {
                return Ok(Outcome::failed("checksum mismatch")
                    .with("checksum", written)
                    .with("dest", dest_text)
                    .with("file", src)
                    .with("remote_checksum", remote_checksum)
                    .with("remote_md5sum", Value::Null));
            }
            Ok(Outcome::changed(true)
                .with("checksum", written)
                .with("dest", dest_text)
                .with("md5sum", md5_hex(&data))
                .with("remote_checksum", remote_checksum)
                .with("remote_md5sum", Value::Null))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_follow_ansibles_rules() {
        let no_dirs = |_: &Path| false;
        assert_eq!(
            local_dest("/backup", "/etc/hosts", "web1", false, no_dirs).unwrap(),
            PathBuf::from("/backup/web1/etc/hosts")
        );
        assert_eq!(
            local_dest("/backup/", "/etc/hosts", "web1", true, no_dirs).unwrap(),
            PathBuf::from("/backup/hosts")
        );
        assert_eq!(
            local_dest("/b/x.conf", "/etc/hosts", "h", true, no_dirs).unwrap(),
            PathBuf::from("/b/x.conf")
        );
        let err = local_dest("/backup", "/etc/hosts", "h", true, |_| true).unwrap_err();
        assert!(err.starts_with("dest is an existing directory"));
        let err = local_dest("/backup", "../../etc/x", "h", false, no_dirs).unwrap_err();
        assert!(err.starts_with("Detected directory traversal"), "{err}");
    }

    #[test]
    fn checksums_are_ansibles() {
        // python3: hashlib.sha1(b"hello\n").hexdigest(), hashlib.md5(...)
        assert_eq!(
            sha1_hex(b"hello\n"),
            "f572d396fae9206628714fb2ce00f72e94f2258f"
        );
        assert_eq!(md5_hex(b"hello\n"), "b1946ac92492d2347c6235b4d2611184");
    }
}
