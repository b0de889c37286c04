//! Settings from `ansible.cfg` and `ANSIBLE_*` environment variables, as ansible-core
//! reads them: the first config file found wins (`$ANSIBLE_CONFIG`, `./ansible.cfg`,
//! `~/.ansible.cfg`, `/etc/ansible/ansible.cfg`); an environment variable overrides the
//! file; command-line flags override both (applied by the caller).

use std::path::{Path, PathBuf};

use crate::source::SourceError;

/// The settings ringmaster honours.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The config file that was read, if any.
    pub path: Option<PathBuf>,
    pub inventory: Vec<String>,
    pub forks: usize,
    pub remote_user: Option<String>,
    pub host_key_checking: bool,
    pub roles_path: Vec<PathBuf>,
    pub stdout_callback: String,
    pub retry_files_enabled: bool,
    pub retry_files_save_path: Option<PathBuf>,
    pub timeout: u64,
    pub gathering: String,
    pub private_key_file: Option<PathBuf>,
    pub become_: bool,
    pub become_method: String,
    pub become_user: String,
    pub nocolor: bool,
    pub force_color: bool,
    /// `fact_caching`: `memory` (default) or `jsonfile` (persistent across runs).
    pub fact_caching: String,
    pub fact_caching_connection: Option<PathBuf>,
    /// Seconds a cached host's facts stay valid; 0 = forever.
    pub fact_caching_timeout: u64,
    pub fact_caching_prefix: String,
}

impl Config {
    /// Ansible's defaults, with `home` for the `~` paths.
    pub fn defaults(home: &Path) -> Self {
        Config {
            path: None,
            inventory: vec!["/etc/ansible/hosts".to_string()],
            forks: 5,
            remote_user: None,
            host_key_checking: true,
            roles_path: vec![
                home.join(".ansible/roles"),
                PathBuf::from("/usr/share/ansible/roles"),
                PathBuf::from("/etc/ansible/roles"),
            ],
            stdout_callback: "default".to_string(),
            retry_files_enabled: false,
            retry_files_save_path: None,
            timeout: 10,
            gathering: "implicit".to_string(),
            private_key_file: None,
            become_: false,
            become_method: "sudo".to_string(),
            become_user: "root".to_string(),
            nocolor: false,
            force_color: false,
            fact_caching: "memory".to_string(),
            fact_caching_connection: None,
            fact_caching_timeout: 86400,
            fact_caching_prefix: String::new(),
        }
    }

    /// Reads the config the way ansible-core does, from the real environment.
    pub fn load_from_process() -> Result<Self, SourceError> {
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/root"));
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        Self::load(&|k| std::env::var(k).ok(), &cwd, &home)
    }

    /// Reads the config with an explicit environment (for tests).
    pub fn load(
        env: &dyn Fn(&str) -> Option<String>,
        cwd: &Path,
        home: &Path,
    ) -> Result<Self, SourceError> {
        let mut cfg = Config::defaults(home);
        if let Some(path) = find_config_file(env, cwd, home) {
            let text = std::fs::read_to_string(&path).map_err(|e| {
                SourceError::plain(format!(
                    "could not read config file '{}': {e}",
                    path.display()
                ))
            })?;
            let base = path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| cwd.to_path_buf());
            let ini = parse_ini(&text);
            for (section, key, value, line) in ini {
                let origin = format!("{}:{line}", path.display());
                cfg.apply(&section, &key, &value, &base, home, &origin)?;
            }
            cfg.path = Some(path);
        }
        for (var, section, key) in ENV_SETTINGS {
            if let Some(value) = env(var) {
                cfg.apply(
                    section,
                    key,
                    &value,
                    cwd,
                    home,
                    &format!("environment variable {var}"),
                )?;
            }
        }
        if env("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            cfg.nocolor = true;
        }
        Ok(cfg)
    }

    fn apply(
        &mut self,
        section: &str,
        key: &str,
        value: &str,
        base: &Path,
        home: &Path,
        origin: &str,
    ) -> Result<(), SourceError> {
        let bad = |what: &str| {
            SourceError::plain(format!(
                "invalid value '{value}' for {section}.{key} ({origin}): expected {what}"
            ))
        };
        match (section, key) {
            ("defaults", "inventory" | "hostfile") => {
                self.inventory = value
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| resolve_path(s, base, home).to_string_lossy().into_owned())
                    .collect();
            }
            ("defaults", "forks") => {
                self.forks = value
                    .trim()
                    .parse()
                    .ok()
                    .filter(|f| *f > 0)
                    .ok_or_else(|| bad("a positive integer"))?
            }
            ("defaults", "remote_user") => self.remote_user = Some(value.to_string()),
            ("defaults", "host_key_checking") => {
                self.host_key_checking = parse_bool(value).ok_or_else(|| bad("a boolean"))?
            }
            ("defaults", "roles_path") => {
                self.roles_path = value
                    .split(':')
                    .filter(|s| !s.is_empty())
                    .map(|s| resolve_path(s, base, home))
                    .collect();
            }
            ("defaults", "stdout_callback") => self.stdout_callback = value.to_string(),
            ("defaults", "retry_files_enabled") => {
                self.retry_files_enabled = parse_bool(value).ok_or_else(|| bad("a boolean"))?
            }
            ("defaults", "retry_files_save_path") => {
                self.retry_files_save_path = Some(resolve_path(value, base, home))
            }
            ("defaults", "timeout") => {
                self.timeout = value.trim().parse().map_err(|_| bad("an integer"))?
            }
            ("defaults", "gathering") => match value {
                "implicit" | "explicit" | "smart" => self.gathering = value.to_string(),
                _ => return Err(bad("one of implicit, explicit, smart")),
            },
            ("defaults", "private_key_file") => {
                self.private_key_file = Some(resolve_path(value, base, home))
            }
            ("defaults", "nocolor") => {
                self.nocolor = parse_bool(value).ok_or_else(|| bad("a boolean"))?
            }
            ("defaults", "force_color") => {
                self.force_color = parse_bool(value).ok_or_else(|| bad("a boolean"))?
            }
            ("defaults", "fact_caching") => self.fact_caching = value.trim().to_string(),
            ("defaults", "fact_caching_connection") => {
                self.fact_caching_connection = Some(resolve_path(value.trim(), base, home))
            }
            ("defaults", "fact_caching_timeout") => {
                self.fact_caching_timeout = value.trim().parse().map_err(|_| bad("an integer"))?
            }
            ("defaults", "fact_caching_prefix") => self.fact_caching_prefix = value.to_string(),
            ("privilege_escalation", "become") => {
                self.become_ = parse_bool(value).ok_or_else(|| bad("a boolean"))?
            }
            ("privilege_escalation", "become_method") => self.become_method = value.to_string(),
            ("privilege_escalation", "become_user") => self.become_user = value.to_string(),
            // Settings ringmaster does not use are ignored, as ansible ignores unknown keys.
            _ => {}
        }
        Ok(())
    }
}

/// Environment variables and the config setting each one overrides.
const ENV_SETTINGS: &[(&str, &str, &str)] = &[
    ("ANSIBLE_INVENTORY", "defaults", "inventory"),
    ("ANSIBLE_FORKS", "defaults", "forks"),
    ("ANSIBLE_REMOTE_USER", "defaults", "remote_user"),
    ("ANSIBLE_HOST_KEY_CHECKING", "defaults", "host_key_checking"),
    ("ANSIBLE_ROLES_PATH", "defaults", "roles_path"),
    ("ANSIBLE_STDOUT_CALLBACK", "defaults", "stdout_callback"),
    (
        "ANSIBLE_RETRY_FILES_ENABLED",
        "defaults",
        "retry_files_enabled",
    ),
    (
        "ANSIBLE_RETRY_FILES_SAVE_PATH",
        "defaults",
        "retry_files_save_path",
    ),
    ("ANSIBLE_TIMEOUT", "defaults", "timeout"),
    ("ANSIBLE_GATHERING", "defaults", "gathering"),
    ("ANSIBLE_PRIVATE_KEY_FILE", "defaults", "private_key_file"),
    ("ANSIBLE_NOCOLOR", "defaults", "nocolor"),
    ("ANSIBLE_FORCE_COLOR", "defaults", "force_color"),
    ("ANSIBLE_CACHE_PLUGIN", "defaults", "fact_caching"),
    (
        "ANSIBLE_CACHE_PLUGIN_CONNECTION",
        "defaults",
        "fact_caching_connection",
    ),
    (
        "ANSIBLE_CACHE_PLUGIN_TIMEOUT",
        "defaults",
        "fact_caching_timeout",
    ),
    (
        "ANSIBLE_CACHE_PLUGIN_PREFIX",
        "defaults",
        "fact_caching_prefix",
    ),
    ("ANSIBLE_BECOME", "privilege_escalation", "become"),
    (
        "ANSIBLE_BECOME_METHOD",
        "privilege_escalation",
        "become_method",
    ),
    ("ANSIBLE_BECOME_USER", "privilege_escalation", "become_user"),
];

fn find_config_file(
    env: &dyn Fn(&str) -> Option<String>,
    cwd: &Path,
    home: &Path,
) -> Option<PathBuf> {
    if let Some(p) = env("ANSIBLE_CONFIG").filter(|p| !p.is_empty()) {
        let p = resolve_path(&p, cwd, home);
        // ansible accepts a directory holding ansible.cfg too.
        let p = if p.is_dir() { p.join("ansible.cfg") } else { p };
        if p.is_file() {
            return Some(p);
        }
    }
    [
        cwd.join("ansible.cfg"),
        home.join(".ansible.cfg"),
        PathBuf::from("/etc/ansible/ansible.cfg"),
    ]
    .into_iter()
    .find(|p| p.is_file())
}

/// `~` and relative paths as ansible resolves config paths (relative to the config file).
fn resolve_path(value: &str, base: &Path, home: &Path) -> PathBuf {
    let value = value.trim();
    if let Some(rest) = value.strip_prefix("~/") {
        home.join(rest)
    } else if value == "~" {
        home.to_path_buf()
    } else if Path::new(value).is_absolute() {
        PathBuf::from(value)
    } else {
        base.join(value)
    }
}

/// Ansible's boolean strings.
pub fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "yes" | "y" | "true" | "t" | "on" => Some(true),
        "0" | "no" | "n" | "false" | "f" | "off" | "" => Some(false),
        _ => None,
    }
}

/// A small INI reader matching Python's configparser for ansible.cfg: `[section]`,
/// `key = value` or `key: value`, full-line `#`/`;` comments, inline ` ;` comments.
/// Returns (section, key, value, line number).
fn parse_ini(text: &str) -> Vec<(String, String, String, usize)> {
    let mut out = Vec::new();
    let mut section = String::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().to_string();
            continue;
        }
        let Some(pos) = line.find(['=', ':']) else {
            continue;
        };
        let key = line[..pos].trim().to_ascii_lowercase();
        let mut value = line[pos + 1..].trim();
        if let Some(c) = value.find(" ;").or_else(|| value.find("\t;")) {
            value = value[..c].trim_end();
        }
        out.push((section.clone(), key, value.to_string(), i + 1));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn cwd_config_is_read_and_env_overrides_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("ansible.cfg"),
            "[defaults]\ninventory = hosts.ini\nforks: 20 ; comment\nroles_path = roles:~/more\nhost_key_checking = False\n\n[privilege_escalation]\nbecome = yes\n",
        )
        .unwrap();
        let home = dir.path().join("home");
        let cfg = Config::load(&env_of(&[("ANSIBLE_FORKS", "7")]), dir.path(), &home).unwrap();
        assert_eq!(
            cfg.inventory,
            vec![dir.path().join("hosts.ini").to_string_lossy().to_string()]
        );
        assert_eq!(cfg.forks, 7);
        assert!(!cfg.host_key_checking);
        assert!(cfg.become_);
        assert_eq!(
            cfg.roles_path,
            vec![dir.path().join("roles"), home.join("more")]
        );
    }

    #[test]
    fn ansible_config_env_wins_over_cwd_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ansible.cfg"), "[defaults]\nforks = 3\n").unwrap();
        let other = dir.path().join("other.cfg");
        std::fs::write(&other, "[defaults]\nforks = 9\n").unwrap();
        let cfg = Config::load(
            &env_of(&[("ANSIBLE_CONFIG", other.to_str().unwrap())]),
            dir.path(),
            dir.path(),
        )
        .unwrap();
        assert_eq!(cfg.forks, 9);
        assert_eq!(cfg.path.as_deref(), Some(other.as_path()));
    }

    #[test]
    fn bad_values_name_the_setting_and_origin() {
        let dir = tempfile::tempdir().unwrap();
        let err = Config::load(
            &env_of(&[("ANSIBLE_FORKS", "many")]),
            dir.path(),
            dir.path(),
        )
        .unwrap_err();
        assert!(err.message.contains("defaults.forks"), "{}", err.message);
        assert!(err.message.contains("ANSIBLE_FORKS"), "{}", err.message);
    }

    #[test]
    fn no_color_env_turns_colour_off() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = Config::load(&env_of(&[("NO_COLOR", "1")]), dir.path(), dir.path()).unwrap();
        assert!(cfg.nocolor);
    }

    #[test]
    fn fact_cache_settings_from_file_and_env() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("ansible.cfg"),
            "[defaults]\ngathering = smart\nfact_caching = jsonfile\nfact_caching_connection = cache\nfact_caching_timeout = 0\n",
        )
        .unwrap();
        let home = dir.path().join("home");
        let cfg = Config::load(&env_of(&[]), dir.path(), &home).unwrap();
        assert_eq!(cfg.fact_caching, "jsonfile");
        assert_eq!(cfg.fact_caching_connection, Some(dir.path().join("cache")));
        assert_eq!(cfg.fact_caching_timeout, 0);
        assert_eq!(cfg.gathering, "smart");
        let env = env_of(&[
            ("ANSIBLE_CACHE_PLUGIN", "memory"),
            ("ANSIBLE_CACHE_PLUGIN_TIMEOUT", "60"),
            ("ANSIBLE_CACHE_PLUGIN_PREFIX", "rm_"),
        ]);
        let cfg = Config::load(&env, dir.path(), &home).unwrap();
        assert_eq!(cfg.fact_caching, "memory");
        assert_eq!(cfg.fact_caching_timeout, 60);
        assert_eq!(cfg.fact_caching_prefix, "rm_");
        let defaults = Config::defaults(&home);
        assert_eq!(defaults.fact_caching_timeout, 86400);
        assert!(defaults.fact_caching_connection.is_none());
    }
}
