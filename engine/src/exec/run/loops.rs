//! A task's loop items: `loop:` and the `with_<lookup>:` forms, plus the per-item
//! variables (`loop_control`: loop_var, index_var, label, extended → `ansible_loop`).

use std::sync::Arc;

use indexmap::IndexMap;
use minijinja::Value;
use minijinja::value::ValueKind;

use crate::playbook::Task;
use crate::source::SourceError;
use crate::template::{Scope, Templar, VarValue};
use crate::yaml::Node;

/// The loop of a task, already templated.
pub struct LoopSpec {
    pub items: Vec<Value>,
    pub loop_var: String,
    pub index_var: Option<String>,
    pub label: Option<Node>,
    pub extended: bool,
    pub pause: f64,
}

/// `None` when the task has no loop.
pub fn loop_items(
    task: &Task,
    templar: &Templar,
    scope: &Arc<Scope>,
) -> Result<Option<LoopSpec>, SourceError> {
    let items = if let Some(node) = task.keywords.get("loop") {
        let v = templar.render_node(node, scope)?;
        if v.kind() != ValueKind::Seq {
            return Err(SourceError::new(
                &node.span,
                format!(
                    "Invalid data passed to 'loop', it requires a list, got this instead: {}. \
                     Hint: If you passed a list/dict of just one element, try adding wantlist=True \
                     to your lookup invocation or use q/query instead of lookup.",
                    crate::template::py_str(&v)
                ),
            ));
        }
        v.try_iter().map(|i| i.collect()).unwrap_or_default()
    } else if let Some((name, node)) = task
        .keywords
        .iter()
        .find(|(k, _)| k.starts_with("with_"))
        .map(|(k, kw)| (&k[5..], &kw.value))
    {
        with_lookup(name, node, templar, scope)?
    } else {
        return Ok(None);
    };
    // Each setting is templated on its own: `label` needs the loop item.
    let control = task.keywords.get("loop_control").and_then(Node::as_map);
    let mut settings: IndexMap<&str, Value> = IndexMap::new();
    for key in ["loop_var", "index_var", "extended", "pause"] {
        if let Some(node) = control.and_then(|m| m.get(key)) {
            settings.insert(key, templar.render_node(node, scope)?);
        }
    }
    let get = |k: &str| {
        settings
            .get(k)
            .cloned()
            .filter(|v| !v.is_undefined() && !v.is_none())
    };
    let raw_label = task
        .keywords
        .get("loop_control")
        .and_then(Node::as_map)
        .and_then(|m| m.get("label"))
        .cloned();
    Ok(Some(LoopSpec {
        items,
        loop_var: get("loop_var")
            .map(|v| crate::template::py_str(&v))
            .unwrap_or_else(|| "item".to_string()),
        index_var: get("index_var").map(|v| crate::template::py_str(&v)),
        label: raw_label,
        extended: get("extended").is_some_and(|v| v.is_true()),
        pause: get("pause")
            .and_then(|v| f64::try_from(v).ok())
            .unwrap_or(0.0),
    }))
}

/// `with_<name>: terms` is `query('<name>', terms)`; `with_items` flattens one level.
fn with_lookup(
    name: &str,
    node: &Node,
    templar: &Templar,
    scope: &Arc<Scope>,
) -> Result<Vec<Value>, SourceError> {
    let terms = templar.render_node(node, scope)?;
    if name == "items" {
        let list: Vec<Value> = match terms.kind() {
            ValueKind::Seq => terms.try_iter().map(|i| i.collect()).unwrap_or_default(),
            _ => vec![terms],
        };
        let mut out = Vec::new();
        for v in list {
            if v.kind() == ValueKind::Seq {
                out.extend(v.try_iter().into_iter().flatten());
            } else {
                out.push(v);
            }
        }
        return Ok(out);
    }
    if name == "list" {
        return Ok(match terms.kind() {
            ValueKind::Seq => terms.try_iter().map(|i| i.collect()).unwrap_or_default(),
            _ => vec![terms],
        });
    }
    let mut vars = IndexMap::new();
    vars.insert("__ringmaster_terms".to_string(), VarValue::Data(terms));
    let child = Arc::new(Scope::child(scope, vars));
    let expr = match name {
        // These lookups take each list of the terms as a separate argument.
        "together" | "nested" | "subelements" | "cartesian" => {
            format!("query('{name}', *__ringmaster_terms)")
        }
        _ => format!("query('{name}', __ringmaster_terms)"),
    };
    let v = templar.eval_expr(&expr, &node.span, &child)?;
    Ok(v.try_iter().map(|i| i.collect()).unwrap_or_default())
}

/// The variables one loop item adds: the loop var, `ansible_loop_var`, the index var
/// and (`extended`) `ansible_loop`.
pub fn item_vars(spec: &LoopSpec, index: usize) -> IndexMap<String, VarValue> {
    let item = spec.items[index].clone();
    let mut vars = IndexMap::new();
    vars.insert(spec.loop_var.clone(), VarValue::Data(item));
    vars.insert(
        "ansible_loop_var".to_string(),
        VarValue::Data(Value::from(spec.loop_var.as_str())),
    );
    if let Some(iv) = &spec.index_var {
        vars.insert(iv.clone(), VarValue::Data(Value::from(index)));
        vars.insert(
            "ansible_index_var".to_string(),
            VarValue::Data(Value::from(iv.as_str())),
        );
    }
    if spec.extended {
        let n = spec.items.len();
        let mut l: IndexMap<&str, Value> = IndexMap::new();
        l.insert("allitems", Value::from(spec.items.clone()));
        l.insert("index", Value::from(index + 1));
        l.insert("index0", Value::from(index));
        l.insert("first", Value::from(index == 0));
        l.insert("last", Value::from(index + 1 == n));
        l.insert("length", Value::from(n));
        l.insert("revindex", Value::from(n - index));
        l.insert("revindex0", Value::from(n - index - 1));
        if index > 0 {
            l.insert("previtem", spec.items[index - 1].clone());
        }
        if index + 1 < n {
            l.insert("nextitem", spec.items[index + 1].clone());
        }
        vars.insert(
            "ansible_loop".to_string(),
            VarValue::Data(super::state::str_map(l)),
        );
    }
    vars
}
