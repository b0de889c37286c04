//! `ansible.builtin.apt`'s arguments (names and aliases as ansible's apt.py) and the
//! shapes of its results.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::command::args::{opt_bool, opt_int, opt_list, opt_string};
use crate::runtime::{ExecOutput, Outcome, TaskCx, quote};

/// The task's arguments; `name`/`pkg` are aliases of `package`, as in apt.py.
#[derive(Debug, Deserialize)]
pub(super) struct AptArgs {
    #[serde(default, alias = "name", alias = "pkg", deserialize_with = "opt_list")]
    pub(super) package: Option<Vec<String>>,
    #[serde(default, deserialize_with = "opt_string")]
    pub(super) state: Option<String>,
    #[serde(default, alias = "update-cache", deserialize_with = "opt_bool")]
    pub(super) update_cache: Option<bool>,
    #[serde(default, deserialize_with = "opt_int")]
    pub(super) cache_valid_time: Option<i64>,
    #[serde(default, deserialize_with = "opt_string")]
    pub(super) upgrade: Option<String>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub(super) autoremove: Option<bool>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub(super) autoclean: Option<bool>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub(super) purge: Option<bool>,
    #[serde(default, alias = "install-recommends", deserialize_with = "opt_bool")]
    pub(super) install_recommends: Option<bool>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub(super) only_upgrade: Option<bool>,
    #[serde(default, deserialize_with = "opt_string")]
    pub(super) deb: Option<String>,
    #[serde(default, deserialize_with = "opt_int")]
    pub(super) lock_timeout: Option<i64>,
    #[serde(
        default,
        alias = "allow-downgrade",
        alias = "allow_downgrades",
        alias = "allow-downgrades",
        deserialize_with = "opt_bool"
    )]
    pub(super) allow_downgrade: Option<bool>,
    #[serde(
        default,
        alias = "allow-unauthenticated",
        deserialize_with = "opt_bool"
    )]
    pub(super) allow_unauthenticated: Option<bool>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub(super) allow_change_held_packages: Option<bool>,
    #[serde(default, alias = "default-release", deserialize_with = "opt_string")]
    pub(super) default_release: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub(super) dpkg_options: Option<String>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub(super) fail_on_autoremove: Option<bool>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub(super) force: Option<bool>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub(super) clean: Option<bool>,
    /// Accepted: ringmaster always uses apt-get (no aptitude, no Python).
    #[serde(default, deserialize_with = "opt_bool")]
    #[allow(dead_code)]
    pub(super) force_apt_get: Option<bool>,
    /// Accepted: no Python module dependencies to install.
    #[serde(default, deserialize_with = "opt_bool")]
    #[allow(dead_code)]
    pub(super) auto_install_module_deps: Option<bool>,
    #[serde(default, deserialize_with = "opt_int")]
    pub(super) policy_rc_d: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    #[allow(dead_code)]
    pub(super) update_cache_retries: Option<i64>,
    #[serde(default, deserialize_with = "opt_int")]
    #[allow(dead_code)]
    pub(super) update_cache_retry_max_delay: Option<i64>,
}

impl AptArgs {
    /// Options shared by every changing apt-get command, in Ansible's order.
    pub(super) fn common(&self, lock_timeout: u64) -> String {
        let dpkg = self
            .dpkg_options
            .as_deref()
            .unwrap_or("force-confdef,force-confold")
            .split(',')
            .filter(|o| !o.trim().is_empty())
            .map(|o| format!("-o {}", quote(&format!("Dpkg::Options::=--{}", o.trim()))))
            .collect::<Vec<_>>()
            .join(" ");
        let mut s = format!("{dpkg} -o DPkg::Lock::Timeout={lock_timeout}");
        for (on, flag) in [
            (self.force, "--force-yes"),
            (self.fail_on_autoremove, "--no-remove"),
            (self.allow_unauthenticated, "--allow-unauthenticated"),
            (self.allow_downgrade, "--allow-downgrades"),
            (
                self.allow_change_held_packages,
                "--allow-change-held-packages",
            ),
        ] {
            if on == Some(true) {
                s.push(' ');
                s.push_str(flag);
            }
        }
        if let Some(release) = &self.default_release {
            s.push_str(&format!(" -t {}", quote(release)));
        }
        s
    }
}

pub(super) fn with_output(mut o: Outcome, out: &ExecOutput) -> Outcome {
    o.stdout = Some(out.stdout_text());
    o.stderr = Some(out.stderr_text());
    o
}

/// A changed result as Ansible's apt shapes it: `diff` is `{}`, or with `--diff` the
/// `prepared` text (apt-get's plan: the lines after `Reading state information...`
/// through the `N upgraded, ...` summary).
pub(super) fn with_diff(cx: &TaskCx<'_>, o: Outcome, out: &ExecOutput) -> Outcome {
    let mut diff = Map::new();
    if cx.diff {
        diff.insert("prepared".into(), prepared_diff(&out.stdout_text()).into());
    }
    with_output(o, out).with("diff", Value::Object(diff))
}

/// Ansible's `parse_diff`.
pub fn prepared_diff(stdout: &str) -> String {
    let lines: Vec<&str> = stdout.lines().collect();
    let start = lines
        .iter()
        .position(|l| *l == "Reading state information...")
        .map_or(0, |i| i + 1);
    let end = lines
        .iter()
        .position(|l| {
            let mut words = l.split(' ');
            words.next().is_some_and(|n| n.parse::<u64>().is_ok())
                && matches!(words.next(), Some("upgraded," | "packages"))
        })
        .map_or(lines.len(), |i| i + 1);
    lines
        .get(start..end.max(start))
        .unwrap_or_default()
        .join("\n")
}

pub(super) fn failed_run(msg: String, out: &ExecOutput) -> Outcome {
    let mut o = with_output(Outcome::failed(msg), out);
    o.rc = Some(out.rc);
    o
}
