//! `--output json`: one JSON object per event per line, for CI.
//!
//! Each line is the serde form of `Event`: `{"event": "<kind>", ...fields}` with the
//! fields in declaration order and results in the order the executor built them, so
//! the same run always gives the same bytes. The last line is the recap
//! (`{"event":"recap","hosts":{...}}`).

use super::events::Event;

/// One event as a JSON line (with its trailing newline).
pub fn event_line(ev: &Event) -> String {
    // Serialising these plain data types cannot fail (string keys, finite JSON
    // values); fall back to an error record rather than panicking.
    let mut line = serde_json::to_string(ev).unwrap_or_else(|e| {
        serde_json::json!({"event": "serialization_error", "error": e.to_string()}).to_string()
    });
    line.push('\n');
    line
}

/// The JSON-lines reporter (stateless; a struct so it sits beside `Console`).
#[derive(Debug, Default, Clone, Copy)]
pub struct JsonLines;

impl JsonLines {
    pub fn render(&mut self, ev: &Event) -> String {
        event_line(ev)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{HostCounters, HostStatus, Recap, TaskKindTag};
    use indexmap::IndexMap;
    use serde_json::{Map, Value, json};

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn every_event_is_one_line_with_its_kind_first() {
        let mut hosts = IndexMap::new();
        hosts.insert(
            "h1".to_string(),
            HostCounters {
                ok: 2,
                changed: 1,
                ..HostCounters::default()
            },
        );
        let events = [
            Event::PlaybookStart {
                path: "site.yml".into(),
                plays: 3,
            },
            Event::PlayStart {
                name: "Ring 1".into(),
                batch: vec!["h1".into()],
            },
            Event::NoHostsMatched,
            Event::TaskStart {
                name: "Say hello".into(),
                kind: TaskKindTag::Task,
                action: "debug".into(),
                path: Some("site.yml:5".into()),
            },
            Event::HostResult {
                host: "h1".into(),
                delegated_to: None,
                status: HostStatus::Changed,
                ignored: false,
                item_label: Some(json!("a")),
                result: map(json!({"msg": "multi\nline", "changed": true})),
                no_log: false,
            },
            Event::Recap(Recap { hosts }),
        ];
        let out: String = events.iter().map(event_line).collect();
        let expected = concat!(
            r#"{"event":"playbook_start","path":"site.yml","plays":3}"#,
            "\n",
            r#"{"event":"play_start","name":"Ring 1","batch":["h1"]}"#,
            "\n",
            r#"{"event":"no_hosts_matched"}"#,
            "\n",
            r#"{"event":"task_start","name":"Say hello","kind":"task","action":"debug","path":"site.yml:5"}"#,
            "\n",
            r#"{"event":"host_result","host":"h1","delegated_to":null,"status":"changed","ignored":false,"item_label":"a","result":{"msg":"multi\nline","changed":true},"no_log":false}"#,
            "\n",
            r#"{"event":"recap","hosts":{"h1":{"ok":2,"changed":1,"unreachable":0,"failed":0,"skipped":0,"rescued":0,"ignored":0}}}"#,
            "\n",
        );
        assert_eq!(out, expected);
        // Same input, same bytes.
        let again: String = events.iter().map(event_line).collect();
        assert_eq!(out, again);
    }
}
