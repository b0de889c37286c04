//! `ansible.builtin.dnf`'s arguments (ansible/module_utils/yumdnf.py 2.19: names,
//! aliases, defaults and its checks) and the dnf command-line options they become.

use serde::Deserialize;

use crate::command::args::{opt_bool, opt_int, opt_list, opt_string};
use crate::runtime::quote;

/// The task's arguments as written.
#[derive(Debug, Default, Deserialize)]
pub(super) struct DnfArgs {
    #[serde(default, alias = "pkg", deserialize_with = "opt_list")]
    pub(super) name: Option<Vec<String>>,
    #[serde(default, deserialize_with = "opt_string")]
    pub(super) state: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub(super) list: Option<String>,
    #[serde(default, alias = "expire-cache", deserialize_with = "opt_bool")]
    pub(super) update_cache: Option<bool>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub(super) update_only: Option<bool>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub(super) security: Option<bool>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub(super) bugfix: Option<bool>,
    #[serde(default, deserialize_with = "opt_list")]
    pub(super) exclude: Option<Vec<String>>,
    #[serde(default, deserialize_with = "opt_list")]
    pub(super) enablerepo: Option<Vec<String>>,
    #[serde(default, deserialize_with = "opt_list")]
    pub(super) disablerepo: Option<Vec<String>>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub(super) disable_gpg_check: Option<bool>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub(super) download_only: Option<bool>,
    #[serde(default, deserialize_with = "opt_string")]
    pub(super) download_dir: Option<String>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub(super) autoremove: Option<bool>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub(super) allow_downgrade: Option<bool>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub(super) allowerasing: Option<bool>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub(super) install_weak_deps: Option<bool>,
    /// Accepted and, as in ansible-core 2.19's dnf module, not used (dnf 4 waits for
    /// its lock by itself).
    #[serde(default, deserialize_with = "opt_int")]
    #[allow(dead_code)]
    pub(super) lock_timeout: Option<i64>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub(super) best: Option<bool>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub(super) nobest: Option<bool>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub(super) cacheonly: Option<bool>,
    #[serde(default, deserialize_with = "opt_string")]
    pub(super) conf_file: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub(super) disable_excludes: Option<String>,
    #[serde(default, deserialize_with = "opt_list")]
    pub(super) disable_plugin: Option<Vec<String>>,
    #[serde(default, deserialize_with = "opt_list")]
    pub(super) enable_plugin: Option<Vec<String>>,
    #[serde(default, deserialize_with = "opt_string")]
    pub(super) installroot: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub(super) releasever: Option<String>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub(super) skip_broken: Option<bool>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub(super) sslverify: Option<bool>,
    /// Accepted: ansible's dnf module does not use it either (`sslverify` is).
    #[serde(default, deserialize_with = "opt_bool")]
    #[allow(dead_code)]
    pub(super) validate_certs: Option<bool>,
    /// Accepted: deprecated and unused in ansible-core 2.19.
    #[serde(default, deserialize_with = "opt_bool")]
    #[allow(dead_code)]
    pub(super) install_repoquery: Option<bool>,
    #[serde(default, deserialize_with = "opt_string")]
    pub(super) use_backend: Option<String>,
}

/// The task resolved as yumdnf.py's `YumDnf.__init__` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct DnfTask {
    pub(super) names: Vec<String>,
    /// `installed`, `present`, `latest`, `absent` or `removed`.
    pub(super) state: String,
    pub(super) autoremove: bool,
    pub(super) update_only: bool,
    pub(super) allow_downgrade: bool,
    pub(super) download_only: bool,
    pub(super) update_cache: bool,
    pub(super) security: bool,
    pub(super) bugfix: bool,
    pub(super) disable_gpg_check: bool,
    pub(super) list: Option<String>,
}

/// What yumdnf.py refuses before doing anything: Ansible's message and whether the
/// result carries `results: []`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Refusal {
    pub(super) msg: &'static str,
    pub(super) with_results: bool,
}

/// `listify_comma_sep_strings_in_list`: elements with commas are split and moved to
/// the end; `[""]` is no names.
pub(super) fn listify(items: Vec<String>) -> Vec<String> {
    let (split, mut kept): (Vec<String>, Vec<String>) =
        items.into_iter().partition(|e| e.contains(','));
    kept.extend(
        split
            .iter()
            .flat_map(|e| e.split(',').map(|p| p.trim().to_string())),
    );
    if kept == [""] { Vec::new() } else { kept }
}

impl DnfArgs {
    pub(super) fn resolve(&self) -> Result<DnfTask, Refusal> {
        let names = listify(
            self.name
                .clone()
                .unwrap_or_default()
                .into_iter()
                .map(|n| n.trim().to_string())
                .collect(),
        );
        if names
            .iter()
            .any(|n| n.contains(' ') && !n.contains(['@', '>', '<', '=']))
        {
            return Err(Refusal {
                msg: "It appears that a space separated string of packages was passed in as \
                      an argument. To operate on several packages, pass a comma separated \
                      string of packages or a list of packages.",
                with_results: false,
            });
        }
        let autoremove = self.autoremove == Some(true);
        let state = match self.state.as_deref() {
            Some(s) => s.to_string(),
            None if autoremove => "absent".into(),
            None => "present".into(),
        };
        if autoremove && state != "absent" {
            return Err(Refusal {
                msg: "Autoremove should be used alone or with state=absent",
                with_results: true,
            });
        }
        Ok(DnfTask {
            names,
            state,
            autoremove,
            update_only: self.update_only == Some(true),
            allow_downgrade: self.allow_downgrade == Some(true),
            download_only: self.download_only == Some(true),
            update_cache: self.update_cache == Some(true),
            security: self.security == Some(true),
            bugfix: self.bugfix == Some(true),
            disable_gpg_check: self.disable_gpg_check == Some(true),
            list: self.list.clone(),
        })
    }

    /// The options every dnf command of the task gets, as ansible's `_base` configures
    /// dnf: excludes, repositories (disabled first, then enabled), gpg checks (local
    /// packages checked too unless `disable_gpg_check`), weak dependencies (default
    /// on), `clean_requirements_on_remove` = `autoremove` (dnf's default is on,
    /// Ansible's off), and the rest when given.
    pub(super) fn options(&self) -> String {
        let mut o: Vec<String> = Vec::new();
        let list = |v: &Option<Vec<String>>| listify(v.clone().unwrap_or_default());
        if let Some(conf) = &self.conf_file {
            o.push(format!("--config={}", quote(conf)));
        }
        if let Some(root) = self.installroot.as_deref().filter(|r| *r != "/") {
            o.push(format!("--installroot={}", quote(root)));
        }
        if let Some(rel) = &self.releasever {
            o.push(format!("--releasever={}", quote(rel)));
        }
        for p in list(&self.disable_plugin) {
            o.push(format!("--disableplugin={}", quote(&p)));
        }
        for p in list(&self.enable_plugin) {
            o.push(format!("--enableplugin={}", quote(&p)));
        }
        for r in list(&self.disablerepo)
            .into_iter()
            .filter(|r| !r.is_empty())
        {
            o.push(format!("--disablerepo={}", quote(&r)));
        }
        for r in list(&self.enablerepo).into_iter().filter(|r| !r.is_empty()) {
            o.push(format!("--enablerepo={}", quote(&r)));
        }
        for x in list(&self.exclude).into_iter().filter(|x| !x.is_empty()) {
            o.push(format!("--exclude={}", quote(&x)));
        }
        if let Some(d) = &self.disable_excludes {
            o.push(format!("--disableexcludes={}", quote(d)));
        }
        if self.disable_gpg_check == Some(true) {
            o.push("--nogpgcheck".into());
        } else {
            o.push("--setopt=localpkg_gpgcheck=True".into());
        }
        if self.sslverify == Some(false) {
            o.push("--setopt=sslverify=False".into());
        }
        if self.skip_broken == Some(true) {
            o.push("--setopt=strict=False".into());
        }
        match (self.nobest, self.best) {
            (Some(nobest), _) => o.push(if nobest { "--nobest" } else { "--best" }.into()),
            (None, Some(best)) => o.push(if best { "--best" } else { "--nobest" }.into()),
            (None, None) => {}
        }
        if self.cacheonly == Some(true) {
            o.push("--cacheonly".into());
        }
        if self.download_only == Some(true) {
            o.push("--downloadonly".into());
            if let Some(dir) = &self.download_dir {
                o.push(format!("--destdir={}", quote(dir)));
            }
        }
        if self.allowerasing == Some(true) {
            o.push("--allowerasing".into());
        }
        o.push(format!(
            "--setopt=install_weak_deps={}",
            if self.install_weak_deps == Some(false) {
                "False"
            } else {
                "True"
            }
        ));
        o.push(format!(
            "--setopt=clean_requirements_on_remove={}",
            if self.autoremove == Some(true) {
                "True"
            } else {
                "False"
            }
        ));
        if self.security == Some(true) {
            o.push("--security".into());
        }
        if self.bugfix == Some(true) {
            o.push("--bugfix".into());
        }
        o.join(" ")
    }

    /// Repository options only (for `list` and `update_cache`).
    pub(super) fn repo_options(&self) -> String {
        let mut o = Vec::new();
        for r in listify(self.disablerepo.clone().unwrap_or_default()) {
            if !r.is_empty() {
                o.push(format!("--disablerepo={}", quote(&r)));
            }
        }
        for r in listify(self.enablerepo.clone().unwrap_or_default()) {
            if !r.is_empty() {
                o.push(format!("--enablerepo={}", quote(&r)));
            }
        }
        if let Some(conf) = &self.conf_file {
            o.push(format!("--config={}", quote(conf)));
        }
        if let Some(rel) = &self.releasever {
            o.push(format!("--releasever={}", quote(rel)));
        }
        o.join(" ")
    }
}
