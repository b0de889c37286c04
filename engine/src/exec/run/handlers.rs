//! Handlers: notifications by name or `listen` topic, and flushing (definition order,
//! once per flush, not on failed hosts unless `--force-handlers`).

use super::PlayRun;
use super::block::Inherited;
use super::state::with_state;
use crate::playbook::Task;

/// Handler names templated with the play's variables, as ansible 2.19's
/// `search_handlers_by_notification` does (a name that fails to render stays as is).
pub(super) fn template_handler_names(
    handlers: &mut [Task],
    templar: &crate::template::Templar,
    scope: &std::sync::Arc<crate::template::Scope>,
) {
    for h in handlers {
        let Some(name) = h.name.as_ref() else {
            continue;
        };
        if !name.as_str().is_some_and(crate::template::has_jinja) {
            continue;
        }
        if let Ok(v) = templar.render_node(name, scope) {
            let span = name.span.clone();
            h.name = Some(crate::yaml::Node::new(
                crate::yaml::Value::Str(crate::template::py_str(&v)),
                span,
            ));
        }
    }
}

impl PlayRun<'_> {
    pub(super) async fn notify(&mut self, task: &Task, host: &str, inh: &Inherited) {
        let names = task.notify();
        // ansible 2.19 templates `notify:` with the host's variables.
        let scope = names
            .iter()
            .any(|n| crate::template::has_jinja(n))
            .then(|| self.vars.host_scope(host, &inh.layers));
        for name in names {
            let name = match &scope {
                Some(scope) if crate::template::has_jinja(&name) => self
                    .opts_templar()
                    .render_str(&name, &task.span, scope)
                    .map(|v| crate::template::py_str(&v))
                    .unwrap_or(name),
                _ => name,
            };
            let found = self
                .handlers
                .iter()
                .any(|h| h.answers_to_name(&name) || h.listen.contains(&name));
            if found && self.flushing {
                self.resolve_notification(&name, host);
            } else if found {
                self.pending_notify.push((name.clone(), host.to_string()));
            }
            if !found && self.fatal_error.is_none() {
                // Recorded: ansible stops the run here (exit 1, no recap).
                self.fatal_error = Some(crate::source::SourceError::plain(format!(
                    "The requested handler '{name}' was not found in either the main handlers list nor in the listening handlers list"
                )));
                self.stop_play = true;
            }
        }
    }

    /// As strategy `search_handlers_by_notification`: the last-defined handler with
    /// that name, and every handler listening to it (one per handler name, the
    /// last-defined).
    fn resolve_notification(&mut self, name: &str, host: &str) {
        if let Some(i) = self.handlers.iter().rposition(|h| h.answers_to_name(name)) {
            self.notified[i].insert(host.to_string());
        }
        let mut seen = std::collections::HashSet::new();
        for i in (0..self.handlers.len()).rev() {
            let h = &self.handlers[i];
            if !h.listen.iter().any(|l| l == name) {
                continue;
            }
            if let Some(n) = h.name.as_ref().map(|n| n.to_json().to_string())
                && !seen.insert(n)
            {
                continue;
            }
            self.notified[i].insert(host.to_string());
        }
    }

    /// Runs the notified handlers (definition order, once each) on their hosts.
    pub async fn flush_handlers(&mut self) {
        for (name, host) in std::mem::take(&mut self.pending_notify) {
            self.resolve_notification(&name, &host);
        }
        self.flushing = true;
        self.run_notified().await;
        self.flushing = false;
    }

    async fn run_notified(&mut self) {
        for i in 0..self.handlers.len() {
            if self.stop_play {
                return;
            }
            let hosts: Vec<String> = self
                .batch
                .iter()
                .filter(|h| self.notified[i].contains(*h))
                .filter(|h| {
                    with_state(&self.states, h, |s| {
                        !s.unreachable && !s.ended && (!s.failed || self.force_handlers)
                    })
                })
                .cloned()
                .collect();
            self.notified[i].clear();
            if hosts.is_empty() {
                continue;
            }
            let handler = self.handlers[i].clone();
            let inh = match self.handler_inherited.get(i).cloned().flatten() {
                Some(inh) => inh,
                None => Inherited {
                    kw: self.play_kw.clone(),
                    ..Inherited::default()
                },
            };
            self.run_task(&handler, &hosts, &inh).await;
        }
    }
}
