//! `stat` (ansible/modules/stat.py) from one shell command: GNU/busybox `stat -c`,
//! `test -r/-w/-x`, `readlink`, `sha1sum` & co, `file --mime`.

use serde_json::{Map, Value, json};

use crate::command::args::{opt_bool, opt_string, parse};
use crate::runtime::{BoxFuture, Module, ModuleError, Outcome, TaskCx, quote};

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StatArgs {
    #[serde(
        alias = "dest",
        alias = "name",
        deserialize_with = "opt_string",
        default
    )]
    pub path: Option<String>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub follow: Option<bool>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub get_checksum: Option<bool>,
    #[serde(
        default,
        alias = "checksum",
        alias = "checksum_algo",
        deserialize_with = "opt_string"
    )]
    pub checksum_algorithm: Option<String>,
    #[serde(
        default,
        alias = "mime",
        alias = "mime_type",
        alias = "mime-type",
        deserialize_with = "opt_bool"
    )]
    pub get_mime: Option<bool>,
    #[serde(
        default,
        alias = "attr",
        alias = "attributes",
        deserialize_with = "opt_bool"
    )]
    pub get_attributes: Option<bool>,
}

/// The one command that prints everything `stat` reports (pure).
pub(crate) fn stat_command(
    path: &str,
    follow: bool,
    checksum: Option<&str>,
    mime: bool,
    attributes: bool,
) -> String {
    let l = if follow { "-L " } else { "" };
    let mut s = format!(
        "p={}; if [ ! -e \"$p\" ] && [ ! -L \"$p\" ]; then echo missing; exit 0; fi; \
         stat {l}-c '%f %s %u %g %i %d %h %b %o %.9X %.9Y %.9Z %t %T' -- \"$p\" 2>/dev/null \
         || stat {l}-c '%f %s %u %g %i %d %h %b %o %X %Y %Z %t %T' -- \"$p\" || exit 1; \
         stat {l}-c 'pw_name=%U' -- \"$p\"; stat {l}-c 'gr_name=%G' -- \"$p\"; \
         [ -r \"$p\" ] && echo readable; [ -w \"$p\" ] && echo writeable; \
         [ -x \"$p\" ] && echo executable; \
         if [ -L \"$p\" ]; then printf 'lnk_target=%s\\n' \"$(readlink -- \"$p\")\"; \
         printf 'lnk_source=%s\\n' \"$(readlink -f -- \"$p\")\"; fi; ",
        quote(path)
    );
    if let Some(algo) = checksum {
        let link_test = if follow { "" } else { "[ ! -L \"$p\" ] && " };
        s.push_str(&format!(
            "if {link_test}[ -f \"$p\" ] && [ -r \"$p\" ]; then printf 'checksum=%s\\n' \"$({algo}sum < \"$p\" | cut -d' ' -f1)\"; fi; "
        ));
    }
    if mime {
        s.push_str(&format!(
            "command -v file >/dev/null 2>&1 && printf 'mime=%s\\n' \"$(file -b --mime {l}-- \"$p\" 2>/dev/null)\"; "
        ));
    }
    if attributes {
        s.push_str(
            "command -v lsattr >/dev/null 2>&1 && a=$(lsattr -vd -- \"$p\" 2>/dev/null) && printf 'attr=%s\\n' \"$a\"; ",
        );
    }
    s.push_str("exit 0");
    s
}

/// ansible's FILE_ATTRIBUTES, in its order (`format_attributes` lists names that way).
const FILE_ATTRIBUTES: &[(char, &str)] = &[
    ('A', "noatime"),
    ('a', "append"),
    ('c', "compressed"),
    ('C', "nocow"),
    ('d', "nodump"),
    ('D', "dirsync"),
    ('e', "extents"),
    ('E', "encrypted"),
    ('h', "blocksize"),
    ('i', "immutable"),
    ('I', "indexed"),
    ('j', "journalled"),
    ('N', "inline"),
    ('s', "zero"),
    ('S', "synchronous"),
    ('t', "notail"),
    ('T', "blockroot"),
    ('u', "undelete"),
    ('X', "compressedraw"),
    ('Z', "compresseddirty"),
];

fn attribute_names(flags: &str) -> Vec<&'static str> {
    FILE_ATTRIBUTES
        .iter()
        .filter(|(c, _)| flags.contains(*c))
        .map(|(_, name)| *name)
        .collect()
}

/// Linux's `makedev` encoding of `st_rdev`.
fn makedev(major: u64, minor: u64) -> u64 {
    ((major & 0xfff) << 8) | (minor & 0xff) | ((minor & !0xff) << 12) | ((major & !0xfff) << 32)
}

/// Ansible's `stat` dictionary from the command's output (pure).
pub(crate) fn parse_stat(path: &str, stdout: &str) -> Result<Map<String, Value>, String> {
    let mut lines = stdout.lines();
    let first = lines.next().unwrap_or("").trim();
    if first == "missing" {
        return Ok([("exists".to_string(), json!(false))].into_iter().collect());
    }
    let f: Vec<&str> = first.split_whitespace().collect();
    if f.len() < 14 {
        return Err(format!("unexpected stat output for {path}: {first}"));
    }
    let hex = |s: &str| u64::from_str_radix(s, 16).unwrap_or(0);
    let int = |s: &str| s.parse::<u64>().unwrap_or(0);
    let float = |s: &str| s.parse::<f64>().unwrap_or(0.0);
    let mode = hex(f[0]);
    let kind = mode & 0o170000;
    let mut m = Map::new();
    let bit = |b: u64| json!(mode & b != 0);
    m.insert("exists".into(), json!(true));
    m.insert("path".into(), json!(path));
    m.insert("mode".into(), json!(format!("{:04o}", mode & 0o7777)));
    m.insert("isdir".into(), json!(kind == 0o040000));
    m.insert("ischr".into(), json!(kind == 0o020000));
    m.insert("isblk".into(), json!(kind == 0o060000));
    m.insert("isreg".into(), json!(kind == 0o100000));
    m.insert("isfifo".into(), json!(kind == 0o010000));
    m.insert("islnk".into(), json!(kind == 0o120000));
    m.insert("issock".into(), json!(kind == 0o140000));
    m.insert("uid".into(), json!(int(f[2])));
    m.insert("gid".into(), json!(int(f[3])));
    m.insert("size".into(), json!(int(f[1])));
    m.insert("inode".into(), json!(int(f[4])));
    m.insert("dev".into(), json!(int(f[5])));
    m.insert("nlink".into(), json!(int(f[6])));
    m.insert("blocks".into(), json!(int(f[7])));
    m.insert("block_size".into(), json!(int(f[8])));
    m.insert("atime".into(), json!(float(f[9])));
    m.insert("mtime".into(), json!(float(f[10])));
    m.insert("ctime".into(), json!(float(f[11])));
    m.insert("device_type".into(), json!(makedev(hex(f[12]), hex(f[13]))));
    for (name, b) in [
        ("wusr", 0o200),
        ("rusr", 0o400),
        ("xusr", 0o100),
        ("wgrp", 0o020),
        ("rgrp", 0o040),
        ("xgrp", 0o010),
        ("woth", 0o002),
        ("roth", 0o004),
        ("xoth", 0o001),
        ("isuid", 0o4000),
        ("isgid", 0o2000),
    ] {
        m.insert(name.into(), bit(b));
    }
    for flag in ["readable", "writeable", "executable"] {
        m.insert(flag.into(), json!(false));
    }
    for line in lines {
        match line.split_once('=') {
            Some(("pw_name", v)) => {
                m.insert("pw_name".into(), json!(v));
            }
            Some(("gr_name", v)) => {
                m.insert("gr_name".into(), json!(v));
            }
            Some(("lnk_target", v)) => {
                m.insert("lnk_target".into(), json!(v));
            }
            Some(("lnk_source", v)) => {
                m.insert("lnk_source".into(), json!(v));
            }
            Some(("checksum", v)) if !v.is_empty() => {
                m.insert("checksum".into(), json!(v));
            }
            Some(("attr", v)) => {
                let mut words = v.split_whitespace();
                if let (Some(version), Some(flags)) = (words.next(), words.next()) {
                    let flags = flags.replace('-', "");
                    m.insert("version".into(), json!(version));
                    m.insert("attributes".into(), json!(attribute_names(&flags)));
                    m.insert("attr_flags".into(), json!(flags));
                }
            }
            Some(("mime", v)) => {
                let (mime, charset) = v.split_once("; charset=").unwrap_or((v, ""));
                m.insert("mimetype".into(), json!(mime));
                m.insert("charset".into(), json!(charset));
            }
            _ => {
                if let flag @ ("readable" | "writeable" | "executable") = line.trim() {
                    m.insert(flag.into(), json!(true));
                }
            }
        }
    }
    let mut sorted: Vec<(String, Value)> = m.into_iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(sorted.into_iter().collect())
}

/// Runs the stat command on the host (also used by `fetch` and `wait_for`).
pub(crate) async fn remote_stat(
    cx: &TaskCx<'_>,
    path: &str,
    follow: bool,
    checksum: Option<&str>,
    mime: bool,
    attributes: bool,
) -> Result<Result<Map<String, Value>, String>, ModuleError> {
    let out = cx
        .remote
        .exec(
            &stat_command(path, follow, checksum, mime, attributes),
            None,
        )
        .await?;
    if out.rc != 0 {
        return Ok(Err(format!(
            "stat of {path} failed: {}",
            out.stderr_text().trim()
        )));
    }
    Ok(parse_stat(path, &out.stdout_text()))
}

/// `ansible.builtin.stat`.
pub struct StatModule;

impl Module for StatModule {
    fn name(&self) -> &'static str {
        "ansible.builtin.stat"
    }

    fn run<'a>(
        &'a self,
        cx: &'a TaskCx<'a>,
        args: &'a Map<String, Value>,
    ) -> BoxFuture<'a, Result<Outcome, ModuleError>> {
        Box::pin(async move {
            let a: StatArgs = parse(self.name(), args)?;
            let path = a.path.unwrap_or_default();
            let algo = a.checksum_algorithm.unwrap_or_else(|| "sha1".into());
            let checksum = a.get_checksum.unwrap_or(true).then_some(algo.as_str());
            match remote_stat(
                cx,
                &path,
                a.follow.unwrap_or(false),
                checksum,
                a.get_mime.unwrap_or(true),
                a.get_attributes.unwrap_or(true),
            )
            .await?
            {
                Ok(stat) => Ok(Outcome::ok().with("stat", stat)),
                Err(msg) => Ok(Outcome::failed(msg)),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_regular_file_as_ansible_reports_it() {
        // Output of stat_command on /etc/passwd; values from ansible 2.19's stat there.
        let out = "81a4 1221 0 0 737 65024 1 8 4096 1795355399.654457837 1779294449.000000000 1779294449.000000000 0 0\n\
                   pw_name=root\ngr_name=root\nreadable\nwriteable\n\
                   checksum=5b1fe44bb7df2bc97664d0c4ef2dabf86daf14cf\nmime=text/plain; charset=us-ascii\n\
                   attr=0          --------------e------- /etc/passwd\n";
        let s = parse_stat("/etc/passwd", out).unwrap();
        let expect: Value = serde_json::from_str(
            r#"{
            "atime": 1795355399.6544578, "attr_flags": "e", "attributes": ["extents"],
            "version": "0", "block_size": 4096, "blocks": 8, "charset": "us-ascii",
            "checksum": "5b1fe44bb7df2bc97664d0c4ef2dabf86daf14cf", "ctime": 1779294449.0,
            "dev": 65024, "device_type": 0, "executable": false, "exists": true, "gid": 0,
            "gr_name": "root", "inode": 737, "isblk": false, "ischr": false, "isdir": false,
            "isfifo": false, "isgid": false, "islnk": false, "isreg": true, "issock": false,
            "isuid": false, "mimetype": "text/plain", "mode": "0644", "mtime": 1779294449.0,
            "nlink": 1, "path": "/etc/passwd", "pw_name": "root", "readable": true,
            "rgrp": true, "roth": true, "rusr": true, "size": 1221, "uid": 0,
            "wgrp": false, "woth": false, "writeable": true, "wusr": true, "xgrp": false,
            "xoth": false, "xusr": false
        }"#,
        )
        .unwrap();
        assert_eq!(Value::Object(s), expect);
    }

    #[test]
    fn missing_paths_links_and_devices() {
        assert_eq!(
            Value::Object(parse_stat("/x", "missing\n").unwrap()),
            json!({"exists": false})
        );
        let s = parse_stat(
            "/l",
            "a1ff 3 0 0 1 2 1 0 4096 1 2 3 0 0\nlnk_target=t\nlnk_source=/real/t\n",
        )
        .unwrap();
        assert_eq!(
            (s["islnk"].clone(), s["mode"].clone()),
            (json!(true), json!("0777"))
        );
        assert_eq!(s["lnk_source"], "/real/t");
        let s = parse_stat("/dev/null", "21b6 0 0 0 5 6 1 0 4096 1 2 3 1 3\n").unwrap();
        assert_eq!(
            (s["ischr"].clone(), s["device_type"].clone()),
            (json!(true), json!(259))
        );
        assert!(parse_stat("/x", "garbage").is_err());
    }

    #[test]
    fn the_command_quotes_the_path() {
        let c = stat_command("/a b/$(x)", false, Some("sha1"), false, true);
        assert!(c.starts_with("p='/a b/$(x)'; "));
        assert!(c.contains("sha1sum") && c.contains("lsattr -vd"));
        assert!(!stat_command("/x", true, None, true, false).contains("sum <"));
    }
}
