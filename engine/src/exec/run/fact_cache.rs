//! The persistent fact cache (`fact_caching = jsonfile`), as ansible-core 2.19 writes
//! it: one file per host, `<fact_caching_connection>/<prefix>s1_<host>`, holding
//! `{"__payload__": "<the host's facts as a JSON string>"}`; a file older than
//! `fact_caching_timeout` seconds (0: never) is expired. Facts gathered or set with
//! `set_fact: cacheable` in one run are the host's facts in the next run
//! (`gathering = smart` then skips hosts whose facts were gathered).

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value as J};

use crate::cli::Config;

/// ansible 2.19's cache key schema prefix.
const SCHEMA_PREFIX: &str = "s1_";
const PAYLOAD_KEY: &str = "__payload__";
/// Set in a host's cached facts once its facts were gathered (smart gathering).
pub const GATHERED_KEY: &str = "_ansible_facts_gathered";

/// A `jsonfile` cache directory.
#[derive(Debug, Clone)]
pub struct FactCache {
    dir: PathBuf,
    prefix: String,
    timeout: u64,
}

impl FactCache {
    /// The cache the config asks for; `None` for the in-memory cache.
    pub fn from_config(config: &Config) -> Option<FactCache> {
        if !matches!(
            config.fact_caching.as_str(),
            "jsonfile" | "ansible.builtin.jsonfile"
        ) {
            return None;
        }
        Some(FactCache {
            dir: config.fact_caching_connection.clone()?,
            prefix: config.fact_caching_prefix.clone(),
            timeout: config.fact_caching_timeout,
        })
    }

    fn file(&self, host: &str) -> PathBuf {
        self.dir
            .join(format!("{}{SCHEMA_PREFIX}{host}", self.prefix))
    }

    /// The host's cached facts, unless absent, expired or unreadable.
    pub fn load(&self, host: &str) -> Option<Map<String, J>> {
        let path = self.file(host);
        let meta = std::fs::metadata(&path).ok()?;
        if self.timeout > 0 {
            let age = meta
                .modified()
                .ok()
                .and_then(|m| SystemTime::now().duration_since(m).ok())
                .unwrap_or_default();
            if age > Duration::from_secs(self.timeout) {
                return None;
            }
        }
        decode(&std::fs::read_to_string(&path).ok()?)
    }

    /// Writes the host's facts (an empty map removes the host's file).
    pub fn save(&self, host: &str, facts: &Map<String, J>) -> Result<(), String> {
        let path = self.file(host);
        if facts.is_empty() {
            return match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    Err(format!("error removing {}: {e}", path.display()))
                }
                _ => Ok(()),
            };
        }
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| format!("error creating cache dir {}: {e}", self.dir.display()))?;
        write_atomic(&path, &encode(facts))
            .map_err(|e| format!("error writing fact cache {}: {e}", path.display()))
    }
}

fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("ringmaster-{}", std::process::id()));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

/// The file's text for `facts`.
pub fn encode(facts: &Map<String, J>) -> String {
    let payload = J::Object(facts.clone()).to_string();
    let mut outer = Map::new();
    outer.insert(PAYLOAD_KEY.into(), J::String(payload));
    J::Object(outer).to_string()
}

/// The facts in a cache file's text.
pub fn decode(text: &str) -> Option<Map<String, J>> {
    let outer: J = serde_json::from_str(text).ok()?;
    let payload = outer.get(PAYLOAD_KEY)?.as_str()?;
    match serde_json::from_str(payload).ok()? {
        J::Object(m) => Some(m),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_ansible_2_19_writes() {
        // A file written by ansible-core 2.19 (`set_fact: cacheable` on a host that
        // did not gather).
        let text = r#"{"__payload__": "{\"only_c2\": true, \"ansible_os_family\": \"Debian\", \"_ansible_facts_gathered\": true}"}"#;
        let facts = decode(text).unwrap();
        assert_eq!(facts["only_c2"], J::Bool(true));
        assert_eq!(facts[GATHERED_KEY], J::Bool(true));
        assert_eq!(decode(&encode(&facts)).unwrap(), facts);
    }

    #[test]
    fn files_are_per_host_and_expire() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::defaults(dir.path());
        assert!(FactCache::from_config(&config).is_none());
        config.fact_caching = "jsonfile".into();
        config.fact_caching_connection = Some(dir.path().join("cache"));
        let cache = FactCache::from_config(&config).unwrap();
        let mut facts = Map::new();
        facts.insert("ansible_hostname".into(), J::from("h1"));
        cache.save("h1", &facts).unwrap();
        assert!(dir.path().join("cache/s1_h1").is_file());
        assert_eq!(cache.load("h1").unwrap(), facts);
        assert!(cache.load("h2").is_none());
        let expired = FactCache {
            timeout: 1,
            ..cache.clone()
        };
        let old = SystemTime::now() - Duration::from_secs(10);
        let f = std::fs::File::options()
            .write(true)
            .open(dir.path().join("cache/s1_h1"))
            .unwrap();
        f.set_modified(old).unwrap();
        assert!(expired.load("h1").is_none());
        assert!(cache.load("h1").is_some());
        cache.save("h1", &Map::new()).unwrap();
        assert!(!dir.path().join("cache/s1_h1").exists());
    }
}
