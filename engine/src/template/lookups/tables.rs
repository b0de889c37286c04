//! `ini` and `csvfile` lookups: `lookup('ini', 'user section=db file=app.ini')`,
//! `lookup('csvfile', 'bob file=users.csv delimiter=, col=2')`.

use std::collections::HashMap;

use minijinja::value::Kwargs;
use minijinja::{Error, State, Value};

use super::{find_file, lookup_error, strings};
use crate::template::TemplarConfig;
use crate::template::convert::py_str;

/// Splits `term` into its key and `name=value` options; keyword arguments override.
fn parse_term(
    term: &str,
    kwargs: &Kwargs,
    names: &[&str],
) -> Result<(String, HashMap<String, String>), Error> {
    let mut key = Vec::new();
    let mut opts = HashMap::new();
    for part in term.split_whitespace() {
        match part.split_once('=') {
            Some((k, v)) if names.contains(&k) => {
                opts.insert(k.to_string(), v.to_string());
            }
            _ => key.push(part),
        }
    }
    for name in names {
        if let Some(v) = kwargs.get::<Option<Value>>(name)? {
            opts.insert((*name).to_string(), py_str(&v));
        }
    }
    Ok((key.join(" "), opts))
}

fn read(state: &State, config: &TemplarConfig, plugin: &str, file: &str) -> Result<String, Error> {
    let path = find_file(state, config, "files", file).ok_or_else(|| {
        lookup_error(
            plugin,
            format!("Unable to access the file '{file}': File not found."),
        )
    })?;
    std::fs::read_to_string(&path)
        .map_err(|e| lookup_error(plugin, format!("could not read '{}': {e}", path.display())))
}

pub(super) fn ini(
    state: &State,
    config: &TemplarConfig,
    args: &[Value],
    kwargs: &Kwargs,
) -> Result<Vec<Value>, Error> {
    let mut out = Vec::new();
    for term in strings(args) {
        let (key, opts) = parse_term(
            &term,
            kwargs,
            &[
                "section",
                "file",
                "default",
                "type",
                "re",
                "encoding",
                "case_sensitive",
                "allow_no_value",
            ],
        )?;
        let file = opts.get("file").map_or("ansible.ini", String::as_str);
        let text = read(state, config, "ini", file)?;
        let properties = opts.get("type").is_some_and(|t| t == "properties");
        let section = if properties {
            "java_properties"
        } else {
            opts.get("section").map_or("global", String::as_str)
        };
        let case_sensitive = opts
            .get("case_sensitive")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let wanted = if case_sensitive {
            key.clone()
        } else {
            key.to_lowercase()
        };
        let mut current = if properties {
            Some("java_properties".to_string())
        } else {
            None
        };
        let mut found: Option<String> = None;
        for line in text.lines() {
            let t = line.trim();
            if t.is_empty() || t.starts_with(['#', ';']) {
                continue;
            }
            if let Some(name) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
                current = Some(name.to_string());
                continue;
            }
            if current.as_deref() != Some(section) {
                continue;
            }
            let Some(split) = t.find(['=', ':']) else {
                continue;
            };
            let k = t[..split].trim();
            let k = if case_sensitive {
                k.to_string()
            } else {
                k.to_lowercase()
            };
            if k == wanted {
                found = Some(t[split + 1..].trim().to_string());
            }
        }
        out.push(Value::from(found.unwrap_or_else(|| {
            opts.get("default").cloned().unwrap_or_default()
        })));
    }
    Ok(out)
}

pub(super) fn csvfile(
    state: &State,
    config: &TemplarConfig,
    args: &[Value],
    kwargs: &Kwargs,
) -> Result<Vec<Value>, Error> {
    let mut out = Vec::new();
    for term in strings(args) {
        let (key, opts) = parse_term(
            &term,
            kwargs,
            &["file", "delimiter", "col", "default", "encoding", "keycol"],
        )?;
        let file = opts.get("file").map_or("ansible.csv", String::as_str);
        let text = read(state, config, "csvfile", file)?;
        let delimiter = match opts.get("delimiter").map(String::as_str) {
            None | Some("TAB") | Some("\\t") => '\t',
            Some(d) => d.chars().next().unwrap_or('\t'),
        };
        let col: usize = opts.get("col").and_then(|c| c.parse().ok()).unwrap_or(1);
        let keycol: usize = opts.get("keycol").and_then(|c| c.parse().ok()).unwrap_or(0);
        let mut found = None;
        for line in text.lines() {
            let fields: Vec<&str> = line.split(delimiter).collect();
            if fields.get(keycol).map(|f| f.trim_matches('"')) == Some(key.as_str()) {
                found = fields.get(col).map(|f| f.trim_matches('"').to_string());
                break;
            }
        }
        out.push(match found {
            Some(v) => Value::from(v),
            None => opts
                .get("default")
                .map(|d| Value::from(d.as_str()))
                .unwrap_or(Value::from(())),
        });
    }
    Ok(out)
}
