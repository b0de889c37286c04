//! What of a result the callback shows: Ansible's censoring, internal-key stripping,
//! truthiness and host labels.

use serde_json::{Map, Value};

/// `host_label`: `h -> delegate`, plus `(address)` when the delegate's `ansible_host`
/// differs from its name.
pub fn host_label(host: &str, delegated_to: Option<&str>, result: &Map<String, Value>) -> String {
    let Some(target) = delegated_to.filter(|d| *d != host) else {
        return host.to_string();
    };
    let mut label = format!("{host} -> {target}");
    let address = result
        .get("_ansible_delegated_vars")
        .and_then(|v| v.get("ansible_host"))
        .and_then(Value::as_str);
    if let Some(address) = address.filter(|a| *a != target) {
        label += &format!("({address})");
    }
    label
}

pub fn flag(result: &Map<String, Value>, key: &str) -> bool {
    result.get(key).is_some_and(truthy)
}

/// Python truthiness of a JSON value.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// `censor_result`: what a `no_log` result may still show (idempotent, so a result the
/// executor already censored passes unchanged). A loop's `results` stay so the loop
/// shape is still recognised; they are never printed.
pub fn censor(result: &Map<String, Value>) -> Map<String, Value> {
    const PRESERVE: [&str; 8] = [
        "attempts",
        "changed",
        "retries",
        "_ansible_no_log",
        "exception",
        "warnings",
        "deprecations",
        "results",
    ];
    let mut censored: Map<String, Value> = result
        .iter()
        .filter(|(k, _)| PRESERVE.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    censored.insert(
        "censored".into(),
        Value::String(
            "the output has been hidden due to the fact that 'no_log: true' was specified for this result"
                .into(),
        ),
    );
    censored
}

/// `strip_internal_keys`: every `_ansible_*` key, at every depth.
pub fn strip_internal(map: &Map<String, Value>) -> Map<String, Value> {
    map.iter()
        .filter(|(k, _)| !k.starts_with("_ansible_"))
        .map(|(k, v)| (k.clone(), strip_value(v)))
        .collect()
}

fn strip_value(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(strip_internal(m)),
        Value::Array(items) => Value::Array(items.iter().map(strip_value).collect()),
        other => other.clone(),
    }
}
